"""Every public name of pyignite.datatypes (and its submodules) exists here, with the
same constants."""

from __future__ import annotations

import enum
import importlib
import inspect
import types
from datetime import timedelta
from typing import Any

import pytest

import embergrid.datatypes as E
from embergrid.errors import ParameterError
from embergrid.protocol.binary.hints import hint_code
from embergrid.protocol.codes import TypeCode

SUBMODULES = [
    "",
    ".prop_codes",
    ".cache_config",
    ".expiry_policy",
    ".transactions",
    ".cluster_state",
    ".type_codes",
    ".type_ids",
    ".type_names",
    ".cache_properties",
    ".key_value",
    ".sql",
    ".primitive",
    ".primitive_objects",
    ".primitive_arrays",
    ".standard",
    ".complex",
    ".null_object",
    ".internal",
    ".binary",
]
# pyignite internals with no counterpart: ctypes struct builders of the cache config.
NOT_MIRRORED = {"get_cache_config_struct", "PROTOCOL_BYTE_ORDER", "SEEK_CUR"}
# ctypes layout details and record structs that have no meaning without ctypes.
IGNORED_ATTRS = {"c_type", "prop_data_class"}


def _public_names(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_")
            and not isinstance(v, types.ModuleType)
            and getattr(v, "__module__", module.__name__) == module.__name__
        ]
    return sorted(set(names) - NOT_MIRRORED)


def _pairs() -> list[tuple[str, str]]:
    return [
        (sub, name)
        for sub in SUBMODULES
        for name in _public_names(importlib.import_module("pyignite.datatypes" + sub))
    ]


def _constants(obj: Any) -> dict[str, Any]:
    found = {}
    for attr in dir(obj):
        if attr.startswith("_") or attr in IGNORED_ATTRS:
            continue
        value = getattr(obj, attr)
        if not callable(value) and not isinstance(value, property):
            found[attr] = value
    for attr in ("type_id", "type_name"):
        if hasattr(obj, attr):
            found[attr] = getattr(obj, attr)
    return found


@pytest.mark.parametrize(("sub", "name"), _pairs(), ids=lambda x: x)
def test_name_exists_with_equal_constants(sub: str, name: str) -> None:
    theirs = getattr(importlib.import_module("pyignite.datatypes" + sub), name)
    ours = getattr(importlib.import_module("embergrid.datatypes" + sub), name)
    if isinstance(theirs, int | str | bytes):
        assert ours == theirs
    elif inspect.isclass(theirs) and issubclass(theirs, enum.Enum):
        assert {m.name: m.value for m in ours} == {m.name: m.value for m in theirs}
    elif inspect.isclass(theirs):
        expected = _constants(theirs)
        assert {k: getattr(ours, k, "<missing>") for k in expected} == expected


def test_every_typed_hint_selects_its_own_type_code() -> None:
    import pyignite.datatypes as P

    for name in _public_names(P):
        raw = getattr(getattr(P, name), "type_code", None)
        if isinstance(raw, bytes) and name not in ("ObjectArray",):
            assert hint_code(getattr(E, name)) == TypeCode(raw[0]), name


def test_expiry_policy_accepts_timedelta_or_ms() -> None:
    policy = E.ExpiryPolicy(create=timedelta(seconds=1.5), update=200)
    assert policy.durations_ms() == (1500, 200, E.ExpiryPolicy.UNCHANGED)
    assert policy == E.ExpiryPolicy(create=timedelta(seconds=1.5), update=200)
    with pytest.raises(ParameterError):
        E.ExpiryPolicy(access=-5)
    with pytest.raises(TypeError):
        E.ExpiryPolicy(create="soon")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        E.ExpiryPolicy(1)  # type: ignore[misc]

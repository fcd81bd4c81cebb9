# GENERATED from tests/client/aio/test_cache_behaviour.py: edit that file
"""One behaviour suite for the cache API, run with embergrid's and pyignite's
clients, both shells from one source, against both servers (our in-process server
and the reference Apache Ignite 2.18 node, via the root ``target`` fixture): both
clients must give the same answers on each server."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyignite
import pyignite.datatypes as pd
import pyignite.datatypes.prop_codes
import pyignite.exceptions as pe
import pytest

import embergrid
import embergrid.datatypes as ed
import embergrid.datatypes.prop_codes
import embergrid.exceptions as ee
from _targets import Target


class Api:
    """One client library: its Client, datatypes and exceptions modules."""

    def __init__(self, name: str, client_cls: Any, dt: Any, exc: Any) -> None:
        self.name, self.Client, self.dt, self.exc = name, client_cls, dt, exc


APIS = {
    "embergrid": Api("embergrid", embergrid.Client, ed, ee),
    "pyignite": Api("pyignite", pyignite.Client, pd, pe),
}


@pytest.fixture(params=sorted(APIS))
def api(request: pytest.FixtureRequest) -> Api:
    return APIS[request.param]


@pytest.fixture
def cache(api: Api, target: Target, cache_name: str) -> Iterator[Any]:
    client = api.Client()
    with client.connect(target.host, target.port):
        c = client.create_cache(cache_name)
        yield c
        c.destroy()


def _settings(cache: Any) -> dict[int, Any]:
    """Settings: a coroutine in the async API, a property in the blocking one."""
    return cache.settings


VALUES: list[tuple[str, Any, str | None]] = [
    ("int", 42, None),
    ("neg_int", -(2**40), None),
    ("float", 2.5, None),
    ("str", "héllo", None),
    ("bool", True, None),
    ("bytes_list", [1, 2, 3], None),
    ("str_list", ["a", "b"], None),
    ("float_list", [1.5, 2.5], None),
    ("uuid", uuid.UUID(int=12345), None),
    ("datetime", datetime(2020, 1, 2, 3, 4, 5), None),
    ("decimal", Decimal("666.67"), None),
    ("short", 42, "ShortObject"),
    ("byte", 7, "ByteObject"),
    ("int32", 123456, "IntObject"),
    ("char", "z", "CharObject"),
    ("float32", 1.5, "FloatObject"),
    ("double", 1.25, "DoubleObject"),
    ("string", "x", "String"),
    ("bool_obj", False, "BoolObject"),
    ("int_array", [1, 2], "IntArrayObject"),
    ("long_array", [1, 2], "LongArrayObject"),
    ("string_array", ["a", None], "StringArrayObject"),
    ("bool_array", [True, False], "BoolArrayObject"),
    ("date", datetime(2021, 5, 6), "DateObject"),
    ("timestamp", (datetime(2021, 5, 6, 7, 8, 9), 0), "TimestampObject"),
    ("time", timedelta(hours=1, minutes=2), "TimeObject"),
    ("map", (2, OrderedDict([(1, "test"), ("key", 2.0)])), "MapObject"),
    ("hash_map", (1, {"key": 2.0}), "MapObject"),
    ("linked_list", (2, [1, "2", 3.0]), "CollectionObject"),
    ("object_array", (-1, [7, "8", 9.0]), "ObjectArrayObject"),
]


@pytest.mark.parametrize(("label", "value", "hint"), VALUES, ids=[v[0] for v in VALUES])
def test_value_round_trip(
    cache: Any, api: Api, label: str, value: Any, hint: str | None
) -> None:
    h = getattr(api.dt, hint) if hint else None
    cache.put(label, value, value_hint=h)
    got = cache.get(label)
    assert _norm(got) == _norm(value)


def _norm(v: Any) -> Any:
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], dict):
        return (v[0], dict(v[1]))
    return v


def test_key_hints_make_distinct_keys(cache: Any, api: Api) -> None:
    cache.put("a", 1)
    cache.put("a", 2, key_hint=api.dt.CharObject)
    assert cache.get("a") == 1
    assert cache.get("a", key_hint=api.dt.CharObject) == 2
    cache.remove_keys(["a", ("a", api.dt.CharObject)])
    assert cache.get_size() == 0


def test_single_key_operations(cache: Any) -> None:
    assert cache.get(1) is None
    cache.put(1, "one")
    assert cache.contains_key(1)
    assert not cache.contains_key(2)
    assert cache.get_and_put(1, "uno") == "one"
    assert cache.get_and_put_if_absent(1, "x") == "uno"
    assert cache.get_and_put_if_absent(2, "two") is None
    assert cache.put_if_absent(2, "dos") is False
    assert cache.put_if_absent(3, "three") is True
    assert cache.replace(1, "eins") is True
    assert cache.replace(9, "nine") is False
    assert cache.get_and_replace(1, "one") == "eins"
    assert cache.get_and_replace(9, "nine") is None
    assert cache.replace_if_equals(1, "one", "1") is True
    assert cache.replace_if_equals(1, "one", "2") is False
    assert cache.remove_if_equals(1, "x") is False
    assert cache.remove_if_equals(1, "1") is True
    assert cache.get_and_remove(2) == "two"
    assert cache.remove_key(3) is True
    assert cache.remove_key(3) is False
    assert cache.get_size() == 0


def test_bulk_operations(cache: Any) -> None:
    cache.put_all({i: i * 10 for i in range(50)})
    assert cache.get_size() == 50
    assert cache.get_all([1, 2, 999]) == {1: 10, 2: 20}
    assert cache.contains_keys([1, 2, 3])
    assert not cache.contains_keys([1, 999])
    cache.clear_key(1)
    cache.clear_keys([2, 3])
    assert cache.get_all([1, 2, 3, 4]) == {4: 40}
    cache.remove_keys([4, 5])
    assert cache.get_size() == 45
    cache.clear([6, 7])
    assert cache.get_size() == 43
    cache.remove_all()
    assert cache.get_size() == 0
    cache.put(1, 1)
    cache.clear()
    assert cache.get_size() == 0


@pytest.mark.parametrize("page_size", [1, 7, 1000])
def test_scan(cache: Any, page_size: int) -> None:
    data = {f"key_{i}": i for i in range(20)}
    cache.put_all(data)
    with cache.scan(page_size=page_size) as cursor:
        assert {k: v for k, v in cursor} == data
    with cache.scan(page_size=page_size) as cursor:  # left after one entry
        first = cursor.__next__()
    assert first[0] in data


def test_settings_and_names(api: Api, target: Target, cache_name: str) -> None:
    pc = api.dt.prop_codes
    # A REPLICATED cache reads back Integer.MAX_VALUE backups, whatever was asked.
    backups = 2**31 - 1
    client = api.Client()
    with client.connect(target.host, target.port):
        c = client.create_cache(
            {pc.PROP_NAME: cache_name, pc.PROP_BACKUPS_NUMBER: 2, pc.PROP_CACHE_MODE: 1}
        )
        try:
            assert cache_name in client.get_cache_names()
            s = _settings(c)
            assert (
                s[pc.PROP_NAME],
                s[pc.PROP_BACKUPS_NUMBER],
                s[pc.PROP_CACHE_MODE],
            ) == (
                cache_name,
                backups,
                1,
            )
            again = client.get_or_create_cache(cache_name)
            assert again.name == cache_name
            assert (client.get_cache(cache_name)).cache_id == c.cache_id
        finally:
            c.destroy()
        assert cache_name not in client.get_cache_names()


def test_errors(api: Api, target: Target, cache_name: str) -> None:
    client = api.Client()
    with client.connect(target.host, target.port):
        c = client.create_cache(cache_name)
        with pytest.raises(api.exc.CacheCreationError) as created:
            client.create_cache(cache_name)
        c.destroy()
        with pytest.raises(api.exc.CacheError) as missing:
            c.get(1)
        with pytest.raises(api.exc.ParameterError):
            client.get_or_create_cache({api.dt.prop_codes.PROP_BACKUPS_NUMBER: 1})
    assert "already" in str(created.value)
    assert "does not exist" in str(missing.value)


def test_complex_object_round_trip(
    api: Api, target: Target, cache_name: str
) -> None:
    class Person(
        metaclass=(
            embergrid if api.name == "embergrid" else pyignite
        ).GenericObjectMeta,
        type_name=f"Person{api.name}",
        schema=OrderedDict(
            [
                ("first_name", api.dt.String),
                ("last_name", api.dt.String),
                ("age", api.dt.IntObject),
            ]
        ),
    ):
        pass

    client = api.Client()
    with client.connect(target.host, target.port):
        c = client.create_cache(cache_name)
        c.put(1, Person(first_name="Ivan", last_name="Ivanov", age=33))
        got = c.get(1)
        c.destroy()
    assert (got.first_name, got.last_name, got.age) == ("Ivan", "Ivanov", 33)
    assert type(got).__name__ == "Person"

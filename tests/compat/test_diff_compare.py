"""Closed divergences, now equal on both servers: compare-and-set equality, the
complex-object mismatch error, contains_keys with repeated keys, REPLICATED backups
and query-entity normalization (aliases, table and index names).

Each case was first pinned on the Apache Ignite 2.18 reference node; the tests
assert that embergrid gives the same outcome.
"""

from __future__ import annotations

import decimal
import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import (
    ByteArrayObject,
    CollectionObject,
    DoubleObject,
    FloatObject,
    IntArrayObject,
    IntObject,
    LongObject,
    MapObject,
    ObjectArrayObject,
    StringArrayObject,
)
from pyignite.datatypes import prop_codes as prop

from ._values import person
from .conftest import Pair, unique
from .test_diff_caches import QUERY_ENTITY


class ProbeA(
    metaclass=GenericObjectMeta, type_name="compat.compare.A", schema={"x": IntObject}
):
    """A complex type."""


class ProbeB(
    metaclass=GenericObjectMeta, type_name="compat.compare.B", schema={"x": IntObject}
):
    """Another complex type with the same fields."""


class ProbeArr(
    metaclass=GenericObjectMeta,
    type_name="compat.compare.Arr",
    schema={"a": IntArrayObject},
):
    """A complex type holding an array."""


@pytest.fixture(scope="module")
def name(pair: Pair) -> Iterator[str]:
    """One cache with the same name on both servers."""
    cache = unique("cmp")
    for _, client in pair.clients():
        client.create_cache(cache)
    yield cache
    for _, client in pair.clients():
        client.get_cache(cache).destroy()


L, S, LS = CollectionObject.ARR_LIST, CollectionObject.HASH_SET, CollectionObject
M = MapObject
# (id, stored, stored hint, sample, sample hint): Ignite 2.18's answers in comments.
COMPARE_CASES = [
    ("byte-array", bytearray(b"ab"), ByteArrayObject, bytearray(b"ab"),
     ByteArrayObject),  # True
    ("int-array", [1, 2], IntArrayObject, [1, 2], IntArrayObject),  # True
    ("string-array", ["a"], StringArrayObject, ["a"], StringArrayObject),  # True
    ("object-array", (ObjectArrayObject.OBJECT, [1, 2]), ObjectArrayObject,
     (ObjectArrayObject.OBJECT, [1, 2]), ObjectArrayObject),  # True
    ("list-holding-array", (L, [[1, 2]]), LS, (L, [[1, 2]]), LS),  # False
    ("list-of-ints", (L, [1, 2]), LS, (L, [1, 2]), LS),  # True
    ("list-vs-linked-list", (L, [1, 2]), LS, (CollectionObject.LINKED_LIST, [1, 2]),
     LS),  # True
    ("set-vs-list", (S, [1, 2]), LS, (L, [1, 2]), LS),  # False
    ("set-vs-linked-set", (S, [1, 2]), LS, (CollectionObject.LINKED_HASH_SET, [2, 1]),
     LS),  # True
    ("map-kinds", (M.HASH_MAP, {"a": 1}), M, (M.LINKED_HASH_MAP, {"a": 1}), M),  # T
    ("map-holding-array", (M.HASH_MAP, {"a": [1]}), M, (M.HASH_MAP, {"a": [1]}), M),
    ("linked-map-holding-array", (M.LINKED_HASH_MAP, {"z": [1, 2]}), M,
     (M.LINKED_HASH_MAP, {"z": [1, 2]}), M),  # False
    ("nan", math.nan, DoubleObject, math.nan, DoubleObject),  # True
    ("zero-vs-negative-zero", 0.0, DoubleObject, -0.0, DoubleObject),  # False
    ("list-of-nan", (L, [math.nan]), LS, (L, [math.nan]), LS),  # True
    ("int-vs-long", 4, IntObject, 4, LongObject),  # False
    ("decimal-scales", decimal.Decimal("1.0"), None, decimal.Decimal("1.00"), None),
    ("complex-same", ProbeA(x=1), None, ProbeA(x=1), None),  # True
    ("complex-other-data", ProbeA(x=1), None, ProbeA(x=2), None),  # False
    ("complex-holding-array", ProbeArr(a=[1]), None, ProbeArr(a=[1]), None),  # True
    ("complex-other-type", ProbeA(x=1), None, ProbeB(x=1), None),  # False
    ("list-of-complex", (L, [ProbeA(x=1)]), LS, (L, [ProbeA(x=1)]), LS),  # True
    ("list-string-vs-list-complex", (L, ["s"]), LS, (L, [ProbeA(x=1)]), LS),  # False
    # Exactly one complex object: CacheError "Failed to update keys ...: [1]".
    ("string-vs-complex", "s", None, ProbeA(x=1), None),
    ("complex-vs-string", ProbeA(x=1), None, "s", None),
    ("int-vs-complex", 5, None, ProbeA(x=1), None),
    ("list-vs-complex", (L, [1]), LS, ProbeA(x=1), None),
    ("complex-vs-list", ProbeA(x=1), None, (L, [1]), LS),
]  # fmt: skip


@pytest.mark.parametrize(
    ("stored", "stored_hint", "sample", "sample_hint"),
    [pytest.param(*row[1:], id=row[0]) for row in COMPARE_CASES],
)
def test_compare_and_set_equality(
    pair: Pair, name: str, stored: Any, stored_hint: Any, sample: Any, sample_hint: Any
) -> None:
    def steps(client: Client) -> list[Any]:
        cache = client.get_cache(name)
        return [
            lambda: cache.put(1, stored, value_hint=stored_hint),
            lambda: cache.replace_if_equals(1, sample, "new", sample_hint=sample_hint),
            lambda: cache.put(1, stored, value_hint=stored_hint),
            lambda: cache.remove_if_equals(1, sample, sample_hint=sample_hint),
            lambda: cache.contains_key(1),
        ]

    pair.assert_same_steps(steps)


# Keys whose Java toString() embergrid reproduces in the error text.
PRINTABLE_KEYS = [
    ("string", "k", None),
    ("string-with-brackets", "a b, [c]", None),
    ("empty-string", "", None),
    ("non-ascii", "é", None),
    ("int", 7, None),
    ("long", 2**40, None),
    ("bool", True, None),
    ("uuid", uuid.UUID(int=5), None),
    ("decimal", decimal.Decimal("1.50"), None),
    ("decimal-small", decimal.Decimal("0.0000001"), None),
    ("double", 1.5, None),
    ("double-tenth", 0.1, None),
    ("double-large", 12345678.9, None),
    ("double-small", 0.00012, None),
    ("double-negative-power", -1e-7, None),
    ("double-whole", 100.0, None),
    ("double-huge", 1e300, None),
    ("double-min", 5e-324, None),
    ("double-nan", math.nan, None),
    ("double-negative-zero", -0.0, None),
    ("float", 0.1, FloatObject),
    ("float-large", 1.0e10, FloatObject),
    ("float-min", 1.401298464324817e-45, FloatObject),
    ("list", (L, [1, "x"]), LS),
    ("map", (M.HASH_MAP, {"a": 1}), M),
]


@pytest.mark.parametrize(
    ("key", "hint"), [pytest.param(*row[1:], id=row[0]) for row in PRINTABLE_KEYS]
)
def test_complex_sample_error_quotes_the_key(
    pair: Pair, name: str, key: Any, hint: Any
) -> None:
    def steps(client: Client) -> list[Any]:
        cache = client.get_cache(name)
        return [
            lambda: cache.put(key, "a string", key_hint=hint),
            lambda: cache.replace_if_equals(key, ProbeA(x=1), "x", key_hint=hint),
            lambda: cache.remove_if_equals(key, person("A", 1), key_hint=hint),
            lambda: cache.get(key, key_hint=hint),
        ]

    pair.assert_same_steps(steps)


@pytest.mark.parametrize(
    "keys",
    [[5], [5, 5], [5, 6], [5, 6, 5], [5, 7], [5, 5, 7], [7, 7], [], [5, 5, 5]],
)
def test_contains_keys_with_repeated_keys(
    pair: Pair, name: str, keys: list[int]
) -> None:
    def scenario(client: Client) -> bool:
        cache = client.get_cache(name)
        cache.put_all({5: 0, 6: 0})
        cache.remove_key(7)
        return bool(cache.contains_keys(keys))

    pair.assert_same(scenario)


@pytest.mark.parametrize(
    ("mode", "backups"), [(1, None), (1, 0), (1, 3), (2, None), (2, 1)]
)
def test_backups_read_back(pair: Pair, mode: int, backups: int | None) -> None:
    cache_name = unique("backups")

    def scenario(client: Client) -> tuple[Any, ...]:
        cfg: dict[int, Any] = {prop.PROP_NAME: cache_name, prop.PROP_CACHE_MODE: mode}
        if backups is not None:
            cfg[prop.PROP_BACKUPS_NUMBER] = backups
        cache = client.create_cache(cfg)
        try:
            again = client.get_or_create_cache(
                {prop.PROP_NAME: cache_name, prop.PROP_CACHE_MODE: 2,
                 prop.PROP_BACKUPS_NUMBER: 7}
            )  # fmt: skip
            return tuple(
                (s[prop.PROP_CACHE_MODE], s[prop.PROP_BACKUPS_NUMBER])
                for s in (cache.settings, again.settings)
            )
        finally:
            cache.destroy()

    pair.assert_same(scenario)


def _field(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type_name": "java.lang.String",
        "is_key_field": False,
        "is_notnull_constraint_field": False,
        "default_value": None,
        "precision": -1,
        "scale": -1,
    }


def _entity(
    fields: list[str],
    aliases: tuple[tuple[str, str], ...] = (),
    value_type: str = "compat.V",
    table: str | None = None,
    key_field: str | None = None,
) -> dict[str, Any]:
    return {
        "table_name": table,
        "key_field_name": key_field,
        "key_type_name": "java.lang.Integer",
        "value_field_name": None,
        "value_type_name": value_type,
        "field_name_aliases": [{"field_name": f, "alias": a} for f, a in aliases],
        "query_fields": [_field(f) for f in fields],
        "query_indexes": [
            {"index_name": None, "index_type": 0, "inline_size": -1,
             "fields": [{"name": fields[0], "is_descending": True}]},
        ] if fields else [],
    }  # fmt: skip


ENTITIES = [
    ("seed-entity", QUERY_ENTITY),
    ("mixed-case",
     _entity(["camelCase", "UPPER", "with space", '"quoted"', "a.b", "ß"])),
    ("key-field", _entity(["id", "name"], key_field="id")),
    ("alias-of-unknown-field", _entity(["name"], (("other", "OTHER_A"),))),
    ("lower-case-aliases", _entity(["name", "b"], (("name", "full"), ("b", '"Q"')))),
    ("nested-class-table", _entity(["a"], value_type="compat.Outer$Inner")),
    ("lower-case-table", _entity(["a"], table="person_tbl")),
    ("many-fields", _entity([f"f{i}" for i in range(20)], (("f3", "T"), ("zz", "Z")))),
]  # fmt: skip


@pytest.mark.parametrize("escape", [False, True])
@pytest.mark.parametrize("entity", [pytest.param(e, id=label) for label, e in ENTITIES])
def test_query_entity_reads_back_as_ignite_normalizes_it(
    pair: Pair, entity: dict[str, Any], escape: bool
) -> None:
    cache_name = unique("entity")

    def scenario(client: Client) -> Any:
        cache = client.create_cache(
            {
                prop.PROP_NAME: cache_name,
                prop.PROP_QUERY_ENTITIES: [entity],
                prop.PROP_SQL_ESCAPE_ALL: escape,
            }
        )
        try:
            return cache.settings[prop.PROP_QUERY_ENTITIES]
        finally:
            cache.destroy()

    pair.assert_same(scenario)

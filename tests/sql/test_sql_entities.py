"""Tables of key-value caches (query entities) through pyignite 0.6.1, on both servers.

Each test runs against this session's embergrid server and then against the Ignite
2.17 SQL reference node (``sql_address``; the second run is marked ``reference``),
with the same expectations: what the node answers.

* Indexes the entity declares (``query_indexes``, SORTED) exist as SQL indexes:
  rows come in their order where H2 reads through them, ``CREATE INDEX`` of the
  same name fails, ``DROP INDEX`` drops them (for good: the configuration still
  lists them).
* ``_KEY`` of a plain key no field names (java.lang.Integer) is a column INSERT
  and MERGE set; the key is stored as the plain value, so ``get`` finds the row.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import pytest
from pyignite import Client, GenericObjectMeta  # type: ignore[import-untyped]
from pyignite.datatypes import IntObject, String  # type: ignore[import-untyped]
from pyignite.datatypes.prop_codes import (  # type: ignore[import-untyped]
    PROP_NAME,
    PROP_QUERY_ENTITIES,
    PROP_SQL_SCHEMA,
)
from pyignite.exceptions import SQLError  # type: ignore[import-untyped]


class EntRow(
    metaclass=GenericObjectMeta,
    type_name="EntRow",
    schema=OrderedDict([("name", String), ("age", IntObject)]),
):
    pass


def _field(name: str, java: str) -> dict[str, Any]:
    return {
        "name": name,
        "type_name": java,
        "is_key_field": False,
        "is_notnull_constraint_field": False,
        "default_value": None,
        "precision": -1,
        "scale": -1,
    }


def _index(name: str | None, field: str, desc: bool) -> dict[str, Any]:
    return {
        "index_name": name,
        "index_type": 0,  # SORTED
        "inline_size": -1,
        "fields": [{"name": field, "is_descending": desc}],
    }


def _config(cache: str, table: str, indexes: list[dict[str, Any]]) -> dict[Any, Any]:
    return {
        PROP_NAME: cache,
        PROP_SQL_SCHEMA: "PUBLIC",
        PROP_QUERY_ENTITIES: [
            {
                "table_name": table,
                "key_field_name": None,
                "key_type_name": "java.lang.Integer",
                "field_name_aliases": [],
                "query_fields": [
                    _field("name", "java.lang.String"),
                    _field("age", "java.lang.Integer"),
                ],
                "query_indexes": indexes,
                "value_type_name": "EntRow",
                "value_field_name": None,
            }
        ],
    }


def _rows(client: Client, sql: str) -> list[list[Any]]:
    with client.sql(sql) as cursor:
        return [list(r) for r in cursor]


def _error(client: Client, sql: str) -> str:
    with pytest.raises(SQLError) as info:
        _rows(client, sql)
    return str(info.value)


@pytest.fixture
def client(sql_address: tuple[str, int]) -> Iterator[Client]:
    c = Client()
    with c.connect(*sql_address):
        yield c


@pytest.fixture
def indexed(client: Client) -> Iterator[Any]:
    """Table ENT_IX: index ``ix_ent_age`` on age, an unnamed DESC one on name."""
    indexes = [_index("ix_ent_age", "age", False), _index(None, "name", True)]
    cache = client.create_cache(_config("ent_ix", "ENT_IX", indexes))
    for key, name, age in [(1, "d", 30), (2, "b", 10), (3, "c", 20), (4, "a", 40)]:
        cache.put(key, EntRow(name=name, age=age), key_hint=IntObject)
    yield cache
    cache.destroy()


@pytest.fixture
def plain_key(client: Client) -> Iterator[Any]:
    cache = client.create_cache(_config("ent_key", "ENT_KEY", []))
    cache.put(3, EntRow(name="c", age=3), key_hint=IntObject)
    yield cache
    cache.destroy()


def test_entity_indexes_give_the_row_order(client: Client, indexed: Any) -> None:
    names = [
        ix["index_name"]
        for ix in indexed.settings[PROP_QUERY_ENTITIES][0]["query_indexes"]
    ]
    assert names == ["IX_ENT_AGE", "ENT_IX_NAME_DESC_IDX"]
    # no index covers both columns: primary-key order
    assert _rows(client, "SELECT name, age FROM ENT_IX") == [
        ["d", 30],
        ["b", 10],
        ["c", 20],
        ["a", 40],
    ]
    assert _rows(client, "SELECT age FROM ENT_IX") == [[10], [20], [30], [40]]
    assert _rows(client, "SELECT name, age FROM ENT_IX WHERE age > 15") == [
        ["c", 20],
        ["d", 30],
        ["a", 40],
    ]
    assert _rows(client, "SELECT name FROM ENT_IX WHERE name > 'a'") == [
        ["d"],
        ["c"],
        ["b"],
    ]
    # a secondary index holds the key too
    assert _rows(client, "SELECT _key, name FROM ENT_IX") == [
        [1, "d"],
        [3, "c"],
        [2, "b"],
        [4, "a"],
    ]


def test_entity_indexes_are_sql_indexes(client: Client, indexed: Any) -> None:
    assert "Index already exists: IX_ENT_AGE" in _error(
        client, "CREATE INDEX ix_ent_age ON ENT_IX (name)"
    )
    assert _rows(client, "DROP INDEX ix_ent_age") == [[0]]
    assert _rows(client, "DROP INDEX ENT_IX_NAME_DESC_IDX") == [[0]]
    assert "Index doesn't exist: IX_ENT_AGE" in _error(client, "DROP INDEX ix_ent_age")
    assert _rows(client, "SELECT age FROM ENT_IX") == [[30], [10], [20], [40]]
    assert _rows(client, "SELECT name FROM ENT_IX WHERE name > 'a'") == [
        ["d"],
        ["b"],
        ["c"],
    ]
    # the configuration still lists them
    entity = indexed.settings[PROP_QUERY_ENTITIES][0]
    assert len(entity["query_indexes"]) == 2


def test_insert_and_merge_set_a_plain_key(client: Client, plain_key: Any) -> None:
    sql = "INSERT INTO ENT_KEY (_key, name, age) VALUES (7, 'e', 5)"
    assert _rows(client, sql) == [[1]]
    assert _rows(client, "INSERT INTO ENT_KEY (_key, name) VALUES (1, 'a')") == [[1]]
    assert _rows(client, "MERGE INTO ENT_KEY (_key, name) VALUES (8, 'f')") == [[1]]
    assert _rows(client, "MERGE INTO ENT_KEY (_key, age) VALUES (7, 70)") == [[1]]
    assert _rows(client, "SELECT _key, name, age FROM ENT_KEY") == [
        [1, "a", None],
        [3, "c", 3],
        [7, None, 70],
        [8, "f", None],
    ]
    assert _rows(client, "SELECT name FROM ENT_KEY WHERE _key = 8") == [["f"]]
    got = plain_key.get(1, key_hint=IntObject)
    assert got.name == "a"
    assert not hasattr(got, "age")  # a column the INSERT did not set: no field
    assert plain_key.get(7, key_hint=IntObject).age == 70
    assert sorted(k for k, _ in plain_key.scan()) == [1, 3, 7, 8]


def test_plain_key_errors(client: Client, plain_key: Any) -> None:
    assert "Failed to prepare update plan" in _error(
        client, "INSERT INTO ENT_KEY (name) VALUES ('x')"
    )
    assert "22004: Key for INSERT, COPY, or MERGE must not be null" in _error(
        client, "INSERT INTO ENT_KEY (_key, name) VALUES (NULL, 'x')"
    )
    assert (
        "Value conversion failed [column=_KEY, from=java.lang.Long, "
        "to=java.lang.Integer]"
        in _error(client, "INSERT INTO ENT_KEY (_key, name) VALUES (3000000000, 'x')")
    )
    assert "already in cache [keys=[3]]" in _error(
        client, "INSERT INTO ENT_KEY (_key, name) VALUES (3, 'x')"
    )

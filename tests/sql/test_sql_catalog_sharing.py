"""The SQL catalog kept in the store: what one engine (process) does to indexes is
what every engine sharing the store sees, and index names never end up owned twice.

Found by review; each case failed before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from embergrid.engine import Engine
from embergrid.engine.errors import EngineError
from embergrid.protocol.config import (
    CacheConfiguration,
    QueryEntity,
    QueryField,
    QueryIndex,
    QueryIndexField,
)

ORDERED_BY_V = [(4, 6), (3, 7), (2, 8), (1, 9), (0, 10)]


def test_an_index_made_by_another_engine_changes_the_row_order(tmp_path: Path) -> None:
    a, b = Engine(data_dir=str(tmp_path)), Engine(data_dir=str(tmp_path))
    a.sql.execute("CREATE TABLE T (id INT PRIMARY KEY, v INT)")
    a.sql.execute(
        "INSERT INTO T (id, v) VALUES "
        + ", ".join(f"({i}, {10 - i})" for i in range(5))
    )
    q = "SELECT id, v FROM T WHERE v > ?"
    assert b.sql.execute(q, args=[0]).rows == sorted(ORDERED_BY_V)  # key order
    a.sql.execute("CREATE INDEX IX_V ON T (v)")
    assert b.sql.execute(q, args=[0]).rows == ORDERED_BY_V  # b's plan was not kept
    a.sql.execute("DROP INDEX IX_V")
    assert b.sql.execute(q, args=[0]).rows == sorted(ORDERED_BY_V)
    a.close()
    b.close()


def _entity_cache(name: str, index: str) -> CacheConfiguration:
    entity = QueryEntity(
        "java.lang.Integer",
        "Person",
        table_name=f"T_{name.upper()}",
        key_field_name="ID",
        query_fields=(
            QueryField("ID", "java.lang.Integer"),
            QueryField("AGE", "java.lang.Integer"),
        ),
        query_indexes=(QueryIndex(index, 0, -1, (QueryIndexField("AGE"),)),),
    )
    return CacheConfiguration(name=name, sql_schema="PUBLIC", query_entities=(entity,))


def test_an_entity_index_never_takes_another_tables_index_name() -> None:
    e = Engine()
    e.sql.execute("CREATE TABLE A (id INT PRIMARY KEY, v INT)")
    e.sql.execute("CREATE INDEX IX ON A (v)")
    e.sql.execute("INSERT INTO A (id, v) VALUES (0, 10), (1, 9), (2, 8)")
    e.caches.create(_entity_cache("cacheB", "IX"))
    e.sql.execute("SELECT * FROM T_CACHEB")  # SQL sees cacheB and its entity index
    owners = e.store.conn.execute("SELECT cache_name FROM sql_indexes").fetchall()
    assert owners == [("SQL_PUBLIC_A",)]
    assert e.sql.execute("SELECT id FROM A WHERE v > 0").rows == [(2,), (1,), (0,)]
    e.sql.execute("DROP INDEX IX")  # A's index, and nothing is left behind
    assert e.store.conn.execute("SELECT * FROM sql_indexes").fetchall() == []
    e.close()


def test_a_destroyed_caches_index_names_are_free_again() -> None:
    e = Engine()
    e.sql.execute("CREATE TABLE A (id INT PRIMARY KEY, v INT)")
    h = e.caches.create(_entity_cache("cacheB", "IX"))
    e.sql.execute("SELECT * FROM T_CACHEB")
    e.caches.destroy(h.cache_id)  # through key-value (op 1056), not DROP TABLE
    e.sql.execute("CREATE INDEX IX ON A (v)")
    with pytest.raises(EngineError, match="Index already exists: IX"):
        e.sql.execute("CREATE INDEX IX ON A (v)")
    e.close()


def test_plans_survive_caches_that_are_no_tables(tmp_path: Path) -> None:
    """Creating or destroying a cache without a query entity (a key-value cache,
    made by this engine or another) leaves the tables, so the cached plans
    stay (their generation); a new table or index renews them."""
    e, other = Engine(data_dir=tmp_path), Engine(data_dir=tmp_path)
    e.sql.execute("CREATE TABLE P (ID INT PRIMARY KEY, V INT)")
    e.sql.execute("INSERT INTO P (ID, V) VALUES (1, 10)")
    assert e.sql.execute("SELECT V FROM P").rows == [(10,)]
    generation = e.sql.catalog.generation
    other.caches.get_or_create("plain")
    e.caches.destroy(e.caches.get_or_create("plain2").cache_id)
    assert e.sql.execute("SELECT V FROM P").rows == [(10,)]
    assert e.sql.catalog.generation == generation
    other.sql.execute("CREATE TABLE Q (ID INT PRIMARY KEY, W INT)")
    assert e.sql.execute("SELECT V FROM P").rows == [(10,)]
    assert e.sql.catalog.generation > generation
    e.close()
    other.close()

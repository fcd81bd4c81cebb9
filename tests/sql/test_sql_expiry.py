"""Expired entries are not rows: SQL sees exactly what key-value ops see.

An entry whose ``expire_at`` has passed stays in its SQLite table until
``Engine.expire_due`` purges it, but ``get`` already misses it (``engine/expiry.py``).
SELECT (alone, joined, aggregated, as a subquery), UPDATE, DELETE and INSERT must
treat it as absent too. Runs on an in-memory engine with a ``FakeClock``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from embergrid.datatypes import IntObject
from embergrid.engine import Engine, FakeClock
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.config import ExpiryDurations

TTL_MS = 1_000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(clock: FakeClock) -> Iterator[Engine]:
    e = Engine(clock=clock)
    yield e
    e.close()


def q(engine: Engine, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in engine.sql.execute(sql, args=args).rows]


def expire_later(engine: Engine, table: str, where: str, *args: Any) -> None:
    """Re-put the matching rows through key-value with a TTL of ``TTL_MS``."""
    cid = cache_id(f"SQL_PUBLIC_{table.upper()}")
    # _KEY is the key's value to SQL (INT or CHAR here, as in Ignite): re-encode it.
    for key, value in q(engine, f"SELECT _KEY, _VAL FROM {table} WHERE {where}", *args):
        blob = encode(key, IntObject if isinstance(key, int) else None)
        engine.kv.put(cid, blob, bytes(value), ExpiryDurations(update=TTL_MS))


@pytest.fixture
def world(engine: Engine, clock: FakeClock) -> Engine:
    """Two countries, three cities; city 2 (Lyon) expires after ``TTL_MS``."""
    q(engine, "CREATE TABLE Country (Code CHAR(3) PRIMARY KEY, Name VARCHAR)")
    q(engine, "CREATE TABLE City (Id INT PRIMARY KEY, Code CHAR(3), Name VARCHAR)")
    q(engine, "INSERT INTO Country VALUES ('FRA', 'France'), ('ITA', 'Italy')")
    q(
        engine,
        "INSERT INTO City VALUES (1, 'FRA', 'Paris'), (2, 'FRA', 'Lyon'),"
        " (3, 'ITA', 'Rome')",
    )
    expire_later(engine, "City", "Id = ?", 2)
    return engine


def test_rows_are_visible_until_they_expire(world: Engine, clock: FakeClock) -> None:
    clock.advance(TTL_MS - 1)
    assert q(world, "SELECT Id FROM City ORDER BY Id") == [(1,), (2,), (3,)]
    clock.advance(1)
    assert q(world, "SELECT Id FROM City ORDER BY Id") == [(1,), (3,)]
    assert q(world, "SELECT Name FROM City WHERE Id = ?", 2) == []


def test_expired_rows_are_not_counted_joined_or_subqueried(
    world: Engine, clock: FakeClock
) -> None:
    clock.advance(TTL_MS)
    assert q(world, "SELECT COUNT(*) FROM City") == [(2,)]
    assert q(
        world,
        "SELECT c.Name, COUNT(t.Id) FROM Country c LEFT JOIN City t ON t.Code = c.Code "
        "GROUP BY c.Name ORDER BY c.Name",
    ) == [("France", 1), ("Italy", 1)]
    assert (
        q(
            world,
            "SELECT Name FROM Country"
            " WHERE Code IN (SELECT Code FROM City WHERE Id = 2)",
        )
        == []
    )
    assert q(world, "SELECT Name FROM (SELECT * FROM City) s ORDER BY Name") == [
        ("Paris",),
        ("Rome",),
    ]


def test_an_expired_country_leaves_its_cities_unmatched(
    world: Engine, clock: FakeClock
) -> None:
    expire_later(world, "Country", "Code = ?", "ITA")
    clock.advance(TTL_MS)
    assert q(
        world,
        "SELECT t.Name, c.Name FROM City t LEFT JOIN Country c ON c.Code = t.Code "
        "ORDER BY t.Id",
    ) == [("Paris", "France"), ("Rome", None)]
    assert q(world, "SELECT t.Name FROM City t JOIN Country c ON c.Code = t.Code") == [
        ("Paris",)
    ]


def test_dml_ignores_expired_rows(world: Engine, clock: FakeClock) -> None:
    clock.advance(TTL_MS)
    assert q(world, "UPDATE City SET Name = 'X' WHERE Code = 'FRA'") == [(1,)]
    assert q(world, "DELETE FROM City WHERE Id = 2") == [(0,)]
    # Like put_if_absent, INSERT finds no live row with key 2.
    assert q(world, "INSERT INTO City VALUES (2, 'FRA', 'Lille')") == [(1,)]
    assert q(world, "SELECT Id, Name FROM City ORDER BY Id") == [
        (1, "X"),
        (2, "Lille"),
        (3, "Rome"),
    ]


def test_key_value_and_sql_agree_after_purge(world: Engine, clock: FakeClock) -> None:
    clock.advance(TTL_MS)
    before = q(world, "SELECT Id FROM City ORDER BY Id")
    assert world.expire_due() == 1
    assert q(world, "SELECT Id FROM City ORDER BY Id") == before == [(1,), (3,)]


def test_merge_keeps_the_expiry_of_a_live_row(world: Engine, clock: FakeClock) -> None:
    """MERGE (no expiry policy) replaces Lyon's value and keeps the expiry its
    key-value put gave it, as a put does; a merged new row never expires."""
    assert q(world, "MERGE INTO City (Id, Code, Name) VALUES (2, 'FRA', 'Lyons')")
    assert q(world, "MERGE INTO City (Id, Code, Name) VALUES (4, 'ITA', 'Milan')")
    assert q(world, "SELECT Id, Name FROM City WHERE Code = 'FRA' ORDER BY Id") == [
        (1, "Paris"),
        (2, "Lyons"),
    ]
    clock.advance(TTL_MS)
    assert q(world, "SELECT Id, Name FROM City ORDER BY Id") == [
        (1, "Paris"),
        (3, "Rome"),
        (4, "Milan"),
    ]

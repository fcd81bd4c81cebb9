"""A long aggregate run as map parts and a reduce answers what it answers run whole.

The split path (``engine/sql/aggsplit.py``, ``server/mapparts.py``) is compared
row for row, and error for error, with the serial path over seeded random
tables (NULLs, every integer width at its extremes, texts, empty and one-row
tables) and random queries of the class that splits. The parts' read
transactions are checked to share one committed state: a commit between their
first reads sends the query whole; one after them is seen by neither part; and
one instant of the engine clock (expiry).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from embergrid.datatypes import IntObject
from embergrid.engine import Engine, EngineError, FakeClock
from embergrid.engine.sql import SqlEngine
from embergrid.engine.store import Store
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.config import ExpiryDurations
from embergrid.server.mapparts import MapParts

TABLE = (
    "CREATE TABLE Agg"
    " (id INT PRIMARY KEY, t TINYINT, s SMALLINT, i INT, b BIGINT, v VARCHAR)"
)
INSERT = "INSERT INTO Agg (id, t, s, i, b, v) VALUES (?, ?, ?, ?, ?, ?)"
WIDTHS = {"t": 7, "s": 15, "i": 31, "b": 63}
TEXTS = ["", "a", "ab", "b", "Z", "é", "日本", "a\u0301", "zz"]
KEYS = ["t", "s", "i % 3", "v", "b % 2", "i / 1000", "t + s", "i * 2", "b + 1"]
# Checked arithmetic that overflows its type at the extremes (H2's error).
OVERFLOWING = ["t * 100", "s * 3", "i * 2", "b + 1", "b - 1"]
TTL_MS = 1_000
WHERES = ["i > ?", "t IS NULL", "v LIKE 'a%'", "b < 0", "s >= 0 AND i < ?"]


@pytest.fixture
def engines() -> Iterator[tuple[Engine, MapParts]]:
    engine = Engine(store=Store.private())
    parts = MapParts(engine.sibling)
    engine.sql.execute(TABLE)
    try:
        yield engine, parts
    finally:
        parts.close()
        engine.close()


def _integer(rng: random.Random, bits: int) -> int | None:
    top = 2**bits
    return rng.choice(
        [None, 0, 1, -1, top - 1, -top, top - 2, -top + 1, rng.randrange(-top, top)]
    )


def _fill(engine: Engine, rng: random.Random, n: int) -> None:
    engine.sql.execute("DELETE FROM Agg")
    for k in rng.sample(range(-(2**31), 2**31), n):
        row = [_integer(rng, bits) for bits in WIDTHS.values()]
        engine.sql.execute(INSERT, args=[k, *row, rng.choice([None, *TEXTS])])


def _query(rng: random.Random) -> tuple[str, list[Any]]:
    keys = rng.sample(KEYS, rng.choice([0, 0, 1, 1, 2]))
    aggs = []
    for _ in range(rng.randint(0 if keys else 1, 3)):
        fn = rng.choice(["COUNT", "SUM", "MIN", "MAX"])
        col = rng.choice(
            [*WIDTHS, "v", "*"] if fn == "COUNT" else [*WIDTHS, "v", *OVERFLOWING]
        )
        if fn == "SUM" and col == "v":
            col = "b"
        aggs.append(f"{fn}({col})")
    cols = rng.sample(keys, len(keys)) + aggs
    rng.shuffle(cols)
    q = f"SELECT {', '.join(cols)} FROM Agg"
    args: list[Any] = []
    if rng.random() < 0.5:
        where = rng.choice(WHERES)
        q += f" WHERE {where}"
        args = [rng.randrange(-(2**31), 2**31) for _ in range(where.count("?"))]
    if keys:
        q += f" GROUP BY {', '.join(keys)}"
    return q, args


def _whole(engine: Engine, q: str, args: list[Any]) -> tuple[str, Any]:
    try:
        return "rows", repr(engine.sql.execute(q, args=args).rows)
    except EngineError as exc:
        return "error", exc.message


def _split(engine: Engine, parts: MapParts, q: str, args: list[Any]) -> tuple[str, Any]:
    """As the server's worker runs it (``handlers/sql.py`` ``_run``)."""
    try:
        res = engine.sql.execute(q, args=args, may_split=True)
        if res.split is None:
            return "rows", repr(res.rows)
        rows = parts.run(engine, res.split)
        if rows is None:
            rows = engine.sql.execute(q, args=args).rows
        return "rows", repr(rows)
    except EngineError as exc:
        return "error", exc.message


def test_the_split_path_answers_as_the_serial_path(
    engines: tuple[Engine, MapParts],
) -> None:
    engine, parts = engines
    rng = random.Random(20261203)
    for case in range(60):
        _fill(engine, rng, rng.choice([0, 1, 2, 3, 17, 40, 120]))
        for _ in range(8):
            q, args = _query(rng)
            assert _split(engine, parts, q, args) == _whole(engine, q, args), (
                case,
                q,
                args,
            )
    assert parts.split > 300  # the comparisons were mostly of the split path
    assert parts.whole > 0  # and some declined (overflow risks, errors)


@pytest.mark.parametrize("column", list(WIDTHS))
def test_sums_at_the_edge_of_64_bits_answer_as_run_whole(
    engines: tuple[Engine, MapParts], column: str
) -> None:
    """Values whose running total overflows in some orders and not others,
    or always, or never."""
    engine, parts = engines
    top = 2 ** WIDTHS[column]
    big = [2**62, 2**62, -(2**62), 2**62 - 1, -(2**63), 2**63 - 1]
    rng = random.Random(column)
    for n in (1, 2, 6, 30):
        engine.sql.execute("DELETE FROM Agg")
        for k in range(n):
            v = rng.choice(big) if column == "b" else rng.choice([top - 1, -top])
            row = {c: (v if c == column else 0) for c in WIDTHS}
            engine.sql.execute(INSERT, args=[k, *row.values(), "x"])
        for q in (
            f"SELECT SUM({column}), COUNT(*) FROM Agg",
            f"SELECT v, SUM({column}), MIN({column}), MAX({column})"
            " FROM Agg GROUP BY v",
            f"SELECT SUM({column} * 2) FROM Agg",
        ):
            assert _split(engine, parts, q, []) == _whole(engine, q, []), (n, q)
    assert parts.split > 0
    if column == "b":  # some totals overflow in some order: run whole
        assert parts.whole > 0


def test_outside_the_class_the_query_does_not_split(
    engines: tuple[Engine, MapParts],
) -> None:
    engine, _ = engines
    for q in (
        "SELECT AVG(i) FROM Agg",
        "SELECT COUNT(DISTINCT i) FROM Agg",
        "SELECT i, COUNT(*) FROM Agg GROUP BY i ORDER BY i",
        "SELECT i, COUNT(*) FROM Agg GROUP BY i HAVING COUNT(*) > 1",
        "SELECT COUNT(*) FROM Agg LIMIT 1",
        "SELECT COUNT(*) + 1 FROM Agg",
        "SELECT i FROM Agg",
        "SELECT COUNT(*) FROM Agg a, Agg b",
        "SELECT COUNT(*) FROM Agg WHERE i IN (SELECT s FROM Agg)",
        "SELECT SUM(RAND()) FROM Agg",
        "SELECT COUNT(*) FROM Agg WHERE UPPER(v) = 'A'",  # a string per row
        "SELECT SUM(i + ?) FROM Agg",  # H2's arithmetic (Python) on every row
    ):
        assert (
            engine.sql.execute(q, args=[1] * q.count("?"), may_split=True).split is None
        ), q
    count = "SELECT COUNT(*) FROM Agg"
    assert engine.sql.execute(count, may_split=True).split
    assert engine.sql.execute("SELECT SUM(i + 1) FROM Agg", may_split=True).split
    assert engine.sql.execute(count).split is None
    assert engine.sql.execute(count, may_split=True, in_tx=True).split is None
    engine.sql.execute("CREATE INDEX agg_i ON Agg (i)")
    grouped = "SELECT i, COUNT(*) FROM Agg GROUP BY i"  # groups in index order
    assert engine.sql.execute(grouped, may_split=True).split is None


def _load(engine: Engine, n: int) -> None:
    for k in range(n):
        engine.sql.execute(INSERT, args=[k, 0, 0, 1, 0, "x"])


def _write_at_pin(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    nth: int,
    *statements: tuple[str, list[Any]],
) -> Engine:
    """Another connection that runs ``statements`` (text, arguments) once the
    ``nth`` part has started its snapshot (``SqlEngine._pin``); it is returned
    to be closed by the test."""
    writer = engine.sibling()
    assert writer is not None
    pin = SqlEngine._pin
    pins: list[SqlEngine] = []

    def pin_then_write(self: SqlEngine) -> None:
        pin(self)
        pins.append(self)
        if len(pins) == nth:
            for sql, args in statements:
                writer.sql.execute(sql, args=args)

    monkeypatch.setattr(SqlEngine, "_pin", pin_then_write)
    return writer


def test_a_commit_between_the_parts_first_reads_sends_the_query_whole(
    engines: tuple[Engine, MapParts], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, parts = engines
    _load(engine, 50)
    # after the first part's first read, before the second's
    writer = _write_at_pin(engine, monkeypatch, 1, (INSERT, [1000, 0, 0, 1, 0, "x"]))
    q = "SELECT SUM(i), COUNT(*) FROM Agg"
    res = engine.sql.execute(q, may_split=True)
    assert res.split is not None
    assert parts.run(engine, res.split) is None  # the snapshots may differ
    assert (parts.split, parts.whole) == (0, 1)
    assert engine.sql.execute(q).rows == [(51, 51)]
    writer.close()


def test_a_commit_after_the_parts_first_reads_is_seen_by_neither(
    engines: tuple[Engine, MapParts], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, parts = engines
    _load(engine, 50)
    writer = _write_at_pin(  # both parts hold their snapshot
        engine,
        monkeypatch,
        2,
        ("DELETE FROM Agg WHERE id < 25", []),
        (INSERT, [1000, 0, 0, 1, 0, "x"]),
    )
    res = engine.sql.execute("SELECT SUM(i), COUNT(*) FROM Agg", may_split=True)
    assert res.split is not None
    assert parts.run(engine, res.split) == [(50, 50)]
    assert (parts.split, parts.whole) == (1, 0)
    monkeypatch.undo()
    assert engine.sql.execute("SELECT SUM(i), COUNT(*) FROM Agg").rows == [(26, 26)]
    writer.close()


def test_both_parts_see_one_instant_of_the_clock() -> None:
    """Entries expiring between the two parts' runs count as at the start."""
    clock = FakeClock()
    engine = Engine(clock=clock, store=Store.private())
    helper = engine.sibling()
    assert helper is not None
    engine.sql.execute(TABLE)
    _load(engine, 40)
    cid = cache_id("SQL_PUBLIC_AGG")
    rows = engine.sql.execute("SELECT _KEY, _VAL FROM Agg").rows
    for key, value in rows:  # every row expires in TTL_MS
        blob = encode(key, IntObject)
        engine.kv.put(cid, blob, bytes(value), ExpiryDurations(update=TTL_MS))
    q = "SELECT COUNT(*), SUM(i) FROM Agg"
    res = engine.sql.execute(q, may_split=True)
    assert res.split is not None
    assert engine.sql.begin_split(res.split, helper.sql)
    try:
        first = engine.sql.run_part(res.split, 0)
        clock.advance(TTL_MS + 1)  # every row has expired by now
        second = helper.sql.run_part(res.split, 1)
    finally:
        engine.sql.end_split(helper.sql)
    assert first is not None
    assert second is not None
    assert res.split.reduce([first, second]) == [(40, 40)]
    assert engine.sql.execute(q).rows == [(0, None)]
    helper.close()
    engine.close()

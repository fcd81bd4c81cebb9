"""Typed columns an INSERT or MERGE writes with its rows equal what the trigger reads.

SQL writes a row's typed columns itself (``catalog.typed_row`` through
``entries.Columns``), so the entry table's trigger, which fills them from the
key and value blobs (``eg_field``) for every other write, skips those rows. The
fast path must store exactly what the trigger would: here every typed column of
rows of every SQL type, written by each insert path, is compared with
``eg_field`` reading the same blobs. Rows written through key-value still get
theirs from the trigger.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from embergrid.engine import Engine
from embergrid.engine.sql.catalog import _extract
from embergrid.engine.sqltext import ident
from embergrid.protocol.binary.codec import encode

TABLE = """CREATE TABLE Ty (
    id INT PRIMARY KEY, i INT, bi BIGINT, si SMALLINT, ti TINYINT, b BOOLEAN,
    d DECIMAL(10,2), dn DECIMAL, db DOUBLE, r REAL, s VARCHAR, c CHAR(3), tm TIME,
    ts TIMESTAMP, u UUID, vb VARBINARY, dt DATE, o OTHER
)"""
COLS = "id, i, bi, si, ti, b, d, dn, db, r, s, c, tm, ts, u, vb, dt, o"
LITERALS = [
    "(1, 10, 10000000000, 5, 1, TRUE, 12.50, 1E+2, 1.5, 2.25, 'alpha', 'abc',"
    " '10:11:12', '2020-01-02 03:04:05.123', '8f5c7b1e-0f38-4f38-9d3e-2c1a6f6b8a11',"
    " X'0102', '2020-01-02', X'0301000000')",
    "(2, -3, -5, -7, -1, FALSE, -0.75, -0.001, -2.5, 0.5, '', 'xyz', '23:59:59',"
    " '1969-12-31 23:59:59.999', '00000000-0000-0000-0000-000000000001', X'',"
    " '1969-12-31', X'')",
    "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL, NULL, NULL, NULL)",
]
PARAMS: list[list[Any]] = [
    [
        4,
        2147483647,
        -(1 << 63),
        32767,
        -128,
        True,
        Decimal("1.10"),
        Decimal("123456789.987654321"),
        1e300,
        -0.0,
        "é😀",
        "q",
        timedelta(hours=1, minutes=2, seconds=3),
        (datetime(2000, 2, 29, 12, 0, 0, 999000), 123456),
        uuid.UUID(int=7),
        b"\x00\xff",
        date(1900, 1, 1),
        encode("text"),
    ],
    [
        5,
        7,
        8,
        9,
        10,
        0,
        3,
        4,
        5,
        6,
        7,
        8,
        "10:00:00",
        "2020-01-02",
        str(uuid.UUID(int=1)),
        b"",
        None,
        None,
    ],
]


def _pairs(e: Engine, table: str) -> list[tuple[Any, ...]]:
    """(column, stored value, what eg_field reads) of every typed column of
    every row, in key order."""
    e.sql.catalog.refresh()
    t = e.sql.catalog.table("PUBLIC", table.upper())
    assert t is not None
    cols = t.typed_columns
    sel = ", ".join(f"{ident(c.sqlite)}, {_extract(c)}" for c in cols)
    rows = e.sql.conn.execute(
        f"SELECT {sel} FROM {ident(t.tbl)} ORDER BY key"
    ).fetchall()
    return [
        (c.name, row[2 * i], row[2 * i + 1]) for row in rows for i, c in enumerate(cols)
    ]


def _load(e: Engine, path: str) -> None:
    e.sql.execute(TABLE)
    verb = "MERGE" if path.startswith("merge") else "INSERT"
    if path.endswith("literals"):
        e.sql.execute(f"{verb} INTO Ty ({COLS}) VALUES " + ", ".join(LITERALS))
        return
    marks = "(" + ", ".join("?" * len(PARAMS[0])) + ")"
    if path == "single-params":
        for row in PARAMS:
            e.sql.execute(f"{verb} INTO Ty ({COLS}) VALUES {marks}", args=row)
        return
    args = [v for row in PARAMS for v in row]
    e.sql.execute(f"{verb} INTO Ty ({COLS}) VALUES {marks}, {marks}", args=args)


@pytest.mark.parametrize(
    "path",
    ["multi-literals", "merge-literals", "single-params", "multi-params", "merge"],
)
def test_typed_columns_written_equal_the_triggers(path: str) -> None:
    with Engine() as e:
        _load(e, path)
        pairs = _pairs(e, "Ty")
        assert len(pairs) >= 2 * 19
        assert any(stored is not None for _, stored, _ in pairs)
        for name, stored, read in pairs:
            assert (name, stored) == (name, read)
            assert type(stored) is type(read), name


def test_rows_put_through_key_value_still_get_their_columns() -> None:
    """A key-value put (no typed columns given) goes through the trigger, and
    replacing a row SQL wrote re-reads its blobs."""
    with Engine() as e:
        e.sql.execute("CREATE TABLE Kv (id INT PRIMARY KEY, s VARCHAR, n INT)")
        e.sql.execute("INSERT INTO Kv (id, s, n) VALUES (1, 'a', 1), (2, 'b', 2)")
        t = e.sql.catalog.table("PUBLIC", "KV")
        assert t is not None
        key, value = e.sql.conn.execute(
            f"SELECT key, value FROM {ident(t.tbl)} ORDER BY key LIMIT 1"
        ).fetchone()
        e.kv.put(t.cache_id, encode(3, 3), value)  # row 1's value under key 3
        e.kv.put(t.cache_id, key, e.kv.get(t.cache_id, encode(2, 3)))
        res = e.sql.execute("SELECT id, s, n FROM Kv ORDER BY id")
        assert res.rows == [(1, "b", 2), (2, "b", 2), (3, "a", 1)]
        assert all(stored == read for _, stored, read in _pairs(e, "Kv"))

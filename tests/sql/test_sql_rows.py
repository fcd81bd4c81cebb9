"""Rows written by SQL are the binary objects Ignite 2.17 writes, byte for byte.

The same statements run on this session's embergrid server and on the Ignite
2.17 SQL reference node; ``SELECT _key, _val`` returns the stored key and value
objects (27-wrapped) and the raw cells are compared. Tables with explicit
``key_type``/``value_type`` compare whole; the City table's generated type names
carry a random UUID (``SQL_PUBLIC_CITY_<uuid>_KEY``), so there the type id is the
one part left out. Also checked without the reference: the footer is compact and
both pyignite and our codec read the objects back through the metadata.
Marked ``reference`` where the reference node takes part.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from _sqlwire import SqlWire
from _world import create_world, drop_world
from pyignite import Client  # type: ignore[import-untyped]
from pyignite.datatypes import IntObject  # type: ignore[import-untyped]

import embergrid
from embergrid.engine.sql.rows import build_object
from embergrid.engine.sql.types import TYPES, encode_field
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.codes import TypeCode

SCRIPT = [
    "DROP TABLE IF EXISTS RowsA",
    "DROP TABLE IF EXISTS RowsB",
    "CREATE TABLE RowsA (id INT, k VARCHAR, name VARCHAR, v DECIMAL(8,2), n INT,"
    ' PRIMARY KEY (k, id)) WITH "key_type=RowsAKey, value_type=RowsAVal"',
    # statement order is not field order: fields follow the table's columns
    "INSERT INTO RowsA (v, name, id, k) VALUES (1.50, 'a', 1, 'x')",
    "INSERT INTO RowsA (id, k, name, v, n) VALUES (2, 'x', NULL, NULL, 3)",
    "INSERT INTO RowsA (id, k, n, name) VALUES (3, 'x', 7, 'c')",
    "INSERT INTO RowsA (id, k, name, n) VALUES (4, 'x', 'd', 1)",
    "UPDATE RowsA SET name = NULL WHERE id = 4",
    "INSERT INTO RowsA (id, k, name, n) VALUES (5, 'x', 'e', 1)",
    "MERGE INTO RowsA (id, k, v) VALUES (5, 'x', 100)",
    "INSERT INTO RowsA (id, k, name) VALUES (6, 'x', 'f')",
    "UPDATE RowsA SET v = 2.5, n = 2, name = 'g' WHERE id = 6",
    "INSERT INTO RowsA VALUES (7, 'y', 'h', 1E+2, 5)",
    "INSERT INTO RowsA VALUES (8, 'y', 'i', -0.75, 5)",
    "INSERT INTO RowsA (id, k) VALUES (9, 'y')",
    'CREATE TABLE RowsB (id INT PRIMARY KEY, s VARCHAR) WITH "value_type=RowsBVal"',
    "INSERT INTO RowsB VALUES (1, 'a')",
    "INSERT INTO RowsB (id) VALUES (2)",
    "INSERT INTO RowsB VALUES (3, NULL)",
    "INSERT INTO RowsB VALUES (4, '" + "x" * 300 + "')",
    "ALTER TABLE RowsB ADD COLUMN extra INT",
    "UPDATE RowsB SET extra = 5 WHERE id = 1",
]
CHECKS = [
    "SELECT id, _key, _val FROM RowsA ORDER BY id",
    "SELECT id, _key, _val FROM RowsB ORDER BY id",
]


def _hex(cell: bytes) -> str:
    return bytes(cell).hex()


def _raw(wire: SqlWire, sql: str) -> list[tuple[str, ...]]:
    """Every cell of the result as hex (no decoding)."""
    import _sqlwire

    saved = _sqlwire._value
    _sqlwire._value = _hex
    try:
        return [tuple(r) for r in wire.query(sql).rows]
    finally:
        _sqlwire._value = saved


def _without_type_id(cell: str) -> str:
    """A 27-wrapped object with its type id (bytes 3..6 of the 103) blanked."""
    assert cell.startswith("1b"), cell
    assert cell[10:12] == "67", cell
    return cell[:18] + "????????" + cell[26:]


@pytest.fixture
def sql_pair(
    server_address: tuple[str, int], reference_sql: tuple[str, int]
) -> tuple[tuple[str, int], tuple[str, int]]:
    return server_address, reference_sql


@pytest.fixture(scope="module")
def both(
    server_address: tuple[str, int], reference_sql: tuple[str, int]
) -> Iterator[tuple[SqlWire, SqlWire]]:
    wires = SqlWire(server_address), SqlWire(reference_sql)
    for w in wires:
        for sql in SCRIPT:
            w.query(sql)
    yield wires
    for w in wires:
        w.query("DROP TABLE IF EXISTS RowsA")
        w.query("DROP TABLE IF EXISTS RowsB")
        w.close()


@pytest.mark.parametrize("sql", CHECKS)
def test_rows_are_ignites_bytes(both: tuple[SqlWire, SqlWire], sql: str) -> None:
    ours, ref = (_raw(w, sql) for w in both)
    assert len(ref) > 1
    assert ours == ref


def test_city_rows_equal_but_for_the_generated_type_id(
    server_address: tuple[str, int], reference_sql: tuple[str, int], world: Any
) -> None:
    sql = "SELECT id, _key, _val FROM City WHERE id IN (1890, 3793, 3802) ORDER BY id"
    got = []
    for address in (server_address, reference_sql):
        client = Client()
        with client.connect(*address):
            drop_world(client)
            create_world(client, world)
        with SqlWire(address) as w:
            rows = _raw(w, sql)
        with client.connect(*address):
            drop_world(client)
        got.append([(i, _without_type_id(k), _without_type_id(v)) for i, k, v in rows])
    assert len(got[0]) == 3
    assert got[0] == got[1]


# -- without the reference ------------------------------------------------------------


def test_empty_object_is_a_bare_header() -> None:
    """Ignite's builder with no field set: flags 0x21, hash 1, schema id FNV basis."""
    obj = build_object(0x1234, [])
    header = [
        "6701",
        "2100",
        "34120000",
        "01000000",
        "18000000",
        "c59d1c81",
        "18000000",
    ]
    assert obj.hex() == "".join(header)


def test_compact_footer_and_offset_width() -> None:
    small = build_object(7, [(11, encode(1, TypeCode.INT)), (12, encode("ab"))])
    assert small[2:4] == bytes([0x2B, 0])  # USER_TYPE|HAS_SCHEMA|1-byte|COMPACT
    assert small[-2:] == bytes([24, 29])  # offsets only, no field ids
    big = build_object(7, [(11, encode("x" * 300)), (12, encode(1))])
    assert big[2:4] == bytes([0x33, 0])  # 2-byte offsets: the last is 24 + 305
    assert big[-4:] == (24).to_bytes(2, "little") + (329).to_bytes(2, "little")


@pytest.mark.parametrize(
    ("text", "scale", "magnitude"),
    [
        ("1.10", 2, "6e"),
        ("4.00", 2, "0190"),
        ("1E+2", -2, "01"),
        ("-0.75", 2, "cb"),
        ("128", 0, "0080"),
        ("-0.00", 2, "00"),
        ("0", 0, "00"),
    ],
)
def test_decimal_field_keeps_its_scale(text: str, scale: int, magnitude: str) -> None:
    """Java's BigDecimal bytes: scale, two's-complement-length magnitude, sign bit."""
    cell = encode_field(Decimal(text), TYPES["DECIMAL"])
    n = len(magnitude) // 2
    expected = (
        bytes([30]) + scale.to_bytes(4, "little", signed=True) + n.to_bytes(4, "little")
    )
    assert cell == expected + bytes.fromhex(magnitude)


def test_sql_rows_read_back_through_metadata(sql_address: tuple[str, int]) -> None:
    """pyignite (compact footer: field ids from the registered schema) reads them."""
    client = Client()
    with client.connect(*sql_address):
        client.sql("DROP TABLE IF EXISTS RowsC")
        client.sql(
            "CREATE TABLE RowsC (a INT, b VARCHAR, c BIGINT, PRIMARY KEY (a, b))"
        )
        client.sql("INSERT INTO RowsC (b, a, c) VALUES ('p', 1, NULL)")
        client.sql("INSERT INTO RowsC (a, b, c) VALUES (2, 'q', 20)")
        cache = client.get_cache("SQL_PUBLIC_ROWSC")
        with cache.scan() as cursor:
            got = sorted(
                (k.A, k.B, getattr(v, "C", None), type(v).__name__.endswith("_KEY"))
                for k, v in cursor
            )
        with client.sql("SELECT a, b, c FROM RowsC ORDER BY a") as cursor:
            rows = list(cursor)
        client.sql("DROP TABLE RowsC")
    assert got == [(1, "p", None, False), (2, "q", 20, False)]
    assert rows == [[1, "p", None], [2, "q", 20]]


def _date_row_seen(client: Any) -> tuple[Any, ...]:
    """What a client sees of a row with a DATE written by SQL: the binary type's
    field classes, and a key-value get of that row (its error class if it fails)
    and of a row without the DATE."""
    client.sql("DROP TABLE IF EXISTS RowsD")
    client.sql(
        "CREATE TABLE RowsD (id INT PRIMARY KEY, d DATE, n INT)"
        ' WITH "value_type=RowsDVal"'
    )
    client.sql("INSERT INTO RowsD (id, d, n) VALUES (1, DATE '2020-01-02', 5)")
    client.sql("INSERT INTO RowsD (id, n) VALUES (2, 6)")
    meta = client.get_binary_type("RowsDVal")
    fields = sorted((k, v.__name__) for s in meta["schemas"] for k, v in s.items())
    cache = client.get_cache("SQL_PUBLIC_ROWSD")
    got = []
    for key in (1, 2):
        try:
            v = cache.get(key, key_hint=IntObject)
        except Exception as exc:
            got.append(type(exc).__name__)
        else:
            got.append((getattr(v, "D", None), v.N))
    client.sql("DROP TABLE RowsD")
    return fields, got


@pytest.mark.parametrize("client_class", [Client, embergrid.Client])
def test_sql_date_field_through_key_value(
    sql_pair: tuple[tuple[str, int], tuple[str, int]], client_class: Any
) -> None:
    """Ignite writes a DATE as an optimized-marshaller java.sql.Date (an Object
    field in the metadata) that thin clients cannot read back: the same here."""
    seen = []
    for address in sql_pair:
        client = client_class()
        with client.connect(*address):
            seen.append(_date_row_seen(client))
    assert seen[0] == seen[1]
    assert seen[1][1][1] == (None, 6)

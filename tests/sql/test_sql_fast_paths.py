"""The point-select fast paths: the statement cache keyed by the text as sent,
the single-row page encoder, the fixed-size argument reader and the prefixed
2004 requests the fast reader leaves to the general one.

Each fast path must give what the general path gives: the same rows after
another engine (another process on the same store) drops and re-creates the
table, the same cells as the column-wise encoder, the same argument values as
``decode`` and the same request message as the field-by-field reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from embergrid.engine import Engine, EngineError
from embergrid.engine.sql.types import TYPES, cell_encoder
from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.codes import TypeCode
from embergrid.protocol.config import ExpiryDurations
from embergrid.protocol.messages import query as m
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.server.handlers import sql as hs

POINT = "SELECT * FROM T WHERE id = ?"


def test_cached_statement_sees_another_engines_ddl(tmp_path: Path) -> None:
    with Engine(data_dir=tmp_path) as a, Engine(data_dir=tmp_path) as b:
        a.sql.execute("CREATE TABLE T (id INT PRIMARY KEY, v VARCHAR)")
        a.sql.execute("INSERT INTO T (id, v) VALUES (1, 'one')")
        for _ in range(2):  # the second run takes the cached statement
            res = a.sql.execute(POINT, schema="PUBLIC", args=[1])
            assert (res.names, res.rows) == (["ID", "V"], [(1, "one")])
        b.sql.execute("DROP TABLE T")
        b.sql.execute("CREATE TABLE T (id INT PRIMARY KEY, w INT, v VARCHAR)")
        b.sql.execute("INSERT INTO T (id, w, v) VALUES (1, 7, 'uno')")
        res = a.sql.execute(POINT, schema="PUBLIC", args=[1])
        assert (res.names, res.rows) == (["ID", "W", "V"], [(1, 7, "uno")])


def test_cached_statement_keeps_errors() -> None:
    with Engine() as e:
        e.sql.execute("CREATE TABLE T (id INT PRIMARY KEY, v VARCHAR)")
        e.sql.execute(POINT, schema="PUBLIC", args=[1])
        with pytest.raises(EngineError) as first:
            e.sql.execute(POINT, schema="PUBLIC", args=[])
        e.sql._statements.clear()
        e.sql._plans.clear()
        with pytest.raises(EngineError) as general:
            e.sql.execute(POINT, schema="PUBLIC", args=[])
        assert (general.value.status, general.value.message) == (
            first.value.status,
            first.value.message,
        )


def test_one_row_page_equals_column_wise_page() -> None:
    names = ("INT", "BIGINT", "DOUBLE", "VARCHAR")
    encode_page = hs._page_encoder([cell_encoder(TYPES[n], -1) for n in names])
    rows = [(1, 2**40, 0.5, "a"), (None, None, None, None), (-3, 0, 1e300, "ü")]
    whole = encode_page(rows)
    assert tuple(encode_page([r])[0] for r in rows) == whole
    assert whole[0] == (
        encode(1, TypeCode.INT),
        encode(2**40),
        encode(0.5),
        b"\x09\x01\0\0\0a",
    )
    with pytest.raises(ValueError, match="2 cells for 4 columns"):
        encode_page([(1, 2)])


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (7, TypeCode.INT),
        (-(2**31), TypeCode.INT),
        (2**62, None),
        (-1, None),
        ("x", None),
        (None, None),
        (1.5, None),
        (True, None),
    ],
)
def test_fixed_size_arguments_decode_as_decode_does(
    value: object, code: int | None
) -> None:
    raw = encode(value, code) if code is not None else encode(value)
    assert hs._args((raw,)) == [decode(raw)]


@pytest.mark.parametrize(
    "prefix",
    [
        CachePrefix(5, 0),
        CachePrefix(5, 0, ExpiryDurations(1, 2, 3)),
        CachePrefix(5, 0, None, 9),
    ],
)
def test_prefixed_requests_decode_as_the_general_reader_does(
    prefix: CachePrefix,
) -> None:
    ctx = ProtocolContext((1, 7, 0))
    args = (encode(1, TypeCode.INT), encode(2.5), encode("s"), encode(None))
    req = m.SqlFieldsQuery(prefix, None, POINT, 10, 3, args, include_field_names=True)
    body = m.encode_sql_fields_query(req, ctx)
    assert m.decode_sql_fields_query(body, ctx) == req
    fast = m._fast_sql_fields_query(body, False)
    assert fast == (req if prefix.expiry is None and prefix.tx_id is None else None)

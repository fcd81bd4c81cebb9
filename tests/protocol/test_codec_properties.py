"""Hypothesis properties of the codec: round trips per type code, and garbage ->
ParseError."""

from __future__ import annotations

import datetime as dt
import math
import struct
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import embergrid.datatypes as E
from embergrid.errors import ParseError
from embergrid.protocol.binary.codec import decode, decode_at, decode_rows, encode
from embergrid.protocol.binary.span import object_end


def _ints(bits: int) -> st.SearchStrategy[int]:
    return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def _f32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


type_ids = _ints(32).filter(bool)  # 0 means "class name follows"
texts = st.text(st.characters(exclude_categories=("Cs",)))
chars = st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))
uuids = st.builds(uuid.UUID, int=st.integers(0, 2**128 - 1))
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: len(d.as_tuple().digits) <= 28  # pyignite normalizes to 28 digits
)
# Whole milliseconds, 1901..2099: what pyignite's float arithmetic can represent.
moments = st.integers(-2_100_000_000_000, 4_000_000_000_000).map(
    lambda ms: dt.datetime.fromtimestamp(ms / 1000)
)
times = st.integers(0, 86_399_999).map(lambda ms: dt.timedelta(milliseconds=ms))
scalars = st.one_of(
    _ints(64),
    st.floats(allow_nan=False),
    texts,
    st.booleans(),
    st.none(),
    uuids,
    st.binary(),
)

# hint -> strategy of values that round-trip exactly.
EXACT: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (E.ByteObject, _ints(8)),
    (E.ShortObject, _ints(16)),
    (E.IntObject, _ints(32)),
    (E.LongObject, _ints(64)),
    (E.DoubleObject, st.floats(allow_nan=False)),
    (E.FloatObject, st.floats(width=32, allow_nan=False)),
    (E.CharObject, chars),
    (E.BoolObject, st.booleans()),
    (E.String, texts),
    (E.UUIDObject, uuids),
    (E.DecimalObject, decimals),
    (E.EnumObject, st.tuples(type_ids, _ints(32))),
    (E.BinaryEnumObject, st.tuples(_ints(32), _ints(32))),
    (E.ByteArrayObject, st.binary()),
    (E.ShortArrayObject, st.lists(_ints(16))),
    (E.IntArrayObject, st.lists(_ints(32))),
    (E.LongArrayObject, st.lists(_ints(64))),
    (E.FloatArrayObject, st.lists(st.floats(width=32, allow_nan=False))),
    (E.DoubleArrayObject, st.lists(st.floats(allow_nan=False))),
    (E.CharArrayObject, st.lists(chars)),
    (E.BoolArrayObject, st.lists(st.booleans())),
    (E.StringArrayObject, st.lists(st.none() | texts)),
    (E.UUIDArrayObject, st.lists(st.none() | uuids)),
    (E.DecimalArrayObject, st.lists(st.none() | decimals)),
    (
        E.EnumArrayObject,
        st.tuples(type_ids, st.lists(st.none() | st.tuples(type_ids, _ints(32)))),
    ),
    (E.ObjectArrayObject, st.tuples(type_ids, st.lists(scalars))),
    (E.CollectionObject, st.tuples(_ints(8), st.lists(scalars))),
    (
        E.MapObject,
        st.tuples(
            st.sampled_from([1]), st.dictionaries(st.text() | _ints(64), scalars)
        ),
    ),
    (E.Null, st.none()),
]


@given(st.sampled_from(EXACT).flatmap(lambda p: st.tuples(st.just(p[0]), p[1])))
def test_round_trip_is_exact(pair: tuple[Any, Any]) -> None:
    hint, value = pair
    assert decode(encode(value, hint)) == value


def _close(a: dt.datetime, b: dt.datetime) -> bool:
    # pyignite's int(ts * 1000) may lose one millisecond; we reproduce its bytes.
    return abs(a - b) <= dt.timedelta(milliseconds=1)


@given(moments)
def test_date_round_trip_within_pyignites_truncation(value: dt.datetime) -> None:
    assert _close(decode(encode(value)), value)  # type: ignore[arg-type]


@given(moments, st.integers(0, 999_999))
def test_timestamp_round_trip(value: dt.datetime, nanos: int) -> None:
    moment, got = decode(encode((value, nanos), E.TimestampObject))  # type: ignore[misc]
    assert got == nanos
    assert _close(moment, value)


@given(times)
def test_time_round_trip(value: dt.timedelta) -> None:
    got = decode(encode(value))
    assert abs(got - value) <= dt.timedelta(milliseconds=1)  # type: ignore[operator]


@given(st.floats(allow_nan=True))
def test_floats_keep_their_bits(value: float) -> None:
    got = decode(encode(value))
    assert struct.pack("<d", got) == struct.pack("<d", value)  # type: ignore[arg-type]
    f = (
        decode(encode(value, E.FloatObject))
        if math.isnan(value) or abs(value) < 3e38
        else None
    )
    if f is not None:
        assert struct.pack("<f", f) == struct.pack("<f", _f32(value))  # type: ignore[arg-type]


@given(st.binary(max_size=64))
def test_arbitrary_bytes_raise_only_parse_error(data: bytes) -> None:
    _check_garbage(data)


@given(st.sampled_from([*range(1, 40), 101, 102]), st.binary(max_size=48))
def test_typed_garbage_raises_only_parse_error(code: int, payload: bytes) -> None:
    _check_garbage(bytes([code]) + payload)


def _check_garbage(data: bytes) -> None:
    try:
        _, end = decode_at(data, 0)
    except ParseError:
        return
    try:
        span_end = object_end(data, 0)
    except ParseError:
        return
    assert span_end == end


# A SQL page's cells: the codes decode_rows reads inline and others it hands on.
cells = st.one_of(_ints(32).map(lambda v: (v, E.IntObject)), texts, scalars)


def _cell_bytes(cell: Any) -> bytes:
    return encode(cell[0], cell[1]) if isinstance(cell, tuple) else encode(cell)


@given(
    st.integers(1, 5).flatmap(
        lambda w: st.tuples(
            st.just(w), st.lists(st.lists(cells, min_size=w, max_size=w), max_size=6)
        )
    )
)
def test_decode_rows_reads_what_decode_at_reads_cell_by_cell(
    page: tuple[int, list[list[Any]]],
) -> None:
    width, rows = page
    data = b"".join(_cell_bytes(c) for row in rows for c in row) + b"\x01"
    want, pos = [], 0
    for _ in rows:
        row = []
        for _ in range(width):
            value, pos = decode_at(data, pos)
            row.append(value)
        want.append(row)
    assert decode_rows(memoryview(data), 0, len(rows), width, None) == (want, pos)


@given(st.lists(cells, min_size=1, max_size=4), st.data())
def test_decode_rows_of_a_cut_page_raises_parse_error(
    row: list[Any], data: st.DataObject
) -> None:
    whole = b"".join(_cell_bytes(c) for c in row)
    cut = data.draw(st.integers(0, len(whole) - 1))
    with pytest.raises(ParseError):
        decode_rows(memoryview(whole[:cut]), 0, 1, len(row), None)


def test_decode_rows_gives_up_on_a_top_level_handle() -> None:
    data = encode(7) + bytes([102]) + struct.pack("<i", 9)
    assert decode_rows(memoryview(data), 0, 1, 2, None) is None

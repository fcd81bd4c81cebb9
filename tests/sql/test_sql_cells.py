"""Result cells: the fast paths of ``cell_encoder`` write pyignite's bytes, and
``column_cells`` writes a column as its cell encoder writes each value.

``engine/sql/types.py`` packs INT-family, DOUBLE and VARCHAR cells with one
``struct.pack``; pyignite 0.6.1's ``from_python`` for the same value and hint is
the oracle, and values off the fast path (None, text digits, out of range) must
still behave as the general codec does.
"""

from __future__ import annotations

import math
from typing import Any

import pyignite.datatypes as P  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyignite.stream import BinaryStream  # type: ignore[import-untyped]

from embergrid.engine.sql.types import NULL_CELL, TYPES, cell_encoder, column_cells
from embergrid.errors import ParameterError
from embergrid.protocol.binary.codec import encode


class _Client:
    compact_footer = False
    protocol_context = None


def pyignite_cell(value: Any, hint: str) -> bytes:
    with BinaryStream(_Client()) as stream:
        getattr(P, hint).from_python(stream, value)
        return bytes(stream.getvalue())


EDGES: dict[str, tuple[str, list[Any]]] = {
    "TINYINT": ("ByteObject", [0, 1, -1, 127, -128]),
    "SMALLINT": ("ShortObject", [0, 300, -300, 32767, -32768]),
    "INT": ("IntObject", [0, 7, -7, 2**31 - 1, -(2**31)]),
    "BIGINT": ("LongObject", [0, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63)]),
    "DOUBLE": ("DoubleObject", [0.0, -0.0, 1.5, -2.25e300, math.inf, 5e-324]),
    "VARCHAR": ("String", ["", "name-1", "Zürich", "東京", "tab\there", "😀"]),
}


@pytest.mark.parametrize(
    ("sql_type", "value"),
    [(t, v) for t, (_, values) in EDGES.items() for v in (*values, None)]
    + [("VARCHAR", "a\x00b")],  # pyignite's String writes "a\x00\x00" for this one
)
def test_fast_cells_equal_the_codec(sql_type: str, value: Any) -> None:
    t = TYPES[sql_type]
    assert cell_encoder(t)(value) == encode(value, t.code)


@pytest.mark.parametrize(
    ("sql_type", "hint", "value"),
    [(t, hint, v) for t, (hint, values) in EDGES.items() for v in values],
)
def test_fast_cells_equal_pyignite(sql_type: str, hint: str, value: Any) -> None:
    assert cell_encoder(TYPES[sql_type])(value) == pyignite_cell(value, hint)


@pytest.mark.parametrize("sql_type", list(EDGES))
def test_null_is_the_null_object(sql_type: str) -> None:
    assert cell_encoder(TYPES[sql_type])(None) == NULL_CELL == b"\x65"


@pytest.mark.parametrize(
    ("sql_type", "stored", "value"),
    [
        ("INT", "42", 42),  # SQLite text in an INT column
        ("INT", 41.9, 41),  # and a REAL: truncated as Java's (int) cast
        ("BIGINT", True, 1),
        ("DOUBLE", 3, 3.0),  # an integer SQLite value in a DOUBLE column
        ("VARCHAR", 12, "12"),
        ("VARCHAR", 1.0, "1.0"),
    ],
)
def test_values_off_the_fast_path(sql_type: str, stored: Any, value: Any) -> None:
    t = TYPES[sql_type]
    assert cell_encoder(t)(stored) == encode(value, t.code)


@pytest.mark.parametrize(("sql_type", "value"), [("INT", 2**31), ("TINYINT", 128)])
def test_out_of_range_still_fails_as_the_codec_does(sql_type: str, value: int) -> None:
    with pytest.raises(ParameterError):
        cell_encoder(TYPES[sql_type])(value)


def test_lone_surrogates_still_fail_as_the_codec_does() -> None:
    with pytest.raises(ParameterError):
        cell_encoder(TYPES["VARCHAR"])("\ud800")
    with pytest.raises(ParameterError):
        encode("\ud800", TYPES["VARCHAR"].code)


# What SQLite hands a column: its own classes, plus values off every fast path.
stored_values = st.one_of(
    st.none(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(),
    st.sampled_from(["\ud800", "a\udfffb"]),  # lone surrogates (no st.text())
    st.booleans(),
    st.binary(max_size=8),
)


def _cells(encode_one: Any, values: list[Any]) -> list[bytes] | type[BaseException]:
    try:
        return [encode_one(v) for v in values]
    except Exception as exc:
        return type(exc)


@pytest.mark.parametrize(
    "sql_type",
    ["TINYINT", "SMALLINT", "INT", "BIGINT", "DOUBLE", "VARCHAR", "REAL", "BOOLEAN"],
)
@given(values=st.lists(stored_values, max_size=6))
def test_a_column_is_its_cells(sql_type: str, values: list[Any]) -> None:
    cell = cell_encoder(TYPES[sql_type])
    want = _cells(cell, values)
    try:
        got: list[bytes] | type[BaseException] = column_cells(cell)(tuple(values))
    except Exception as exc:
        got = type(exc)
    assert got == want

"""Our codec against pyignite 0.6.1 as the oracle: same bytes out, same values back."""

from __future__ import annotations

import datetime as dt
import math
import struct
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pyignite.datatypes as P
import pytest
from pyignite.datatypes.internal import AnyDataObject
from pyignite.stream import BinaryStream

import embergrid.datatypes as E
from embergrid.protocol.binary.codec import decode, encode


class _Client:
    """The attributes of a pyignite Client that BinaryStream touches without a
    server."""

    compact_footer = False
    protocol_context = None


class H:
    """A hint placeholder inside test values, translated to each library's class."""

    def __init__(self, name: str) -> None:
        self.name = name


def _translate(value: Any, lib: Any) -> Any:
    if isinstance(value, H):
        return getattr(lib, value.name)
    if type(value) is tuple:
        return tuple(_translate(v, lib) for v in value)
    if type(value) is list:
        return [_translate(v, lib) for v in value]
    if isinstance(value, dict):
        return type(value)(
            (_translate(k, lib), _translate(v, lib)) for k, v in value.items()
        )
    return value


def pyi_encode(value: Any, hint: str | None) -> bytes:
    with BinaryStream(_Client()) as stream:
        (getattr(P, hint) if hint else AnyDataObject).from_python(
            stream, _translate(value, P)
        )
        return stream.getvalue()


def pyi_decode(data: bytes) -> Any:
    with BinaryStream(_Client(), data) as stream:
        ctype = AnyDataObject.parse(stream)
        return AnyDataObject.to_python(stream.read_ctype(ctype, position=0))


def our_encode(value: Any, hint: str | None) -> bytes:
    return encode(_translate(value, E), getattr(E, hint) if hint else None)


NOW = dt.datetime(2024, 2, 29, 13, 14, 15, 678000)
OLD = dt.datetime(1931, 7, 9, 1, 2, 3, 4000)
U1 = uuid.UUID("00000000-0000-0001-0000-000000000002")
U2 = uuid.UUID("f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f")

CASES: list[tuple[Any, str | None]] = [
    # inferred scalars
    (0, None),
    (1, None),
    (-1, None),
    (2**63 - 1, None),
    (-(2**63), None),
    (0.0, None),
    (-0.0, None),
    (1.5, None),
    (1e308, None),
    (math.inf, None),
    (-math.inf, None),
    (math.nan, None),
    ("", None),
    ("hello", None),
    ("héllo wörld ✓ 𝄞", None),
    ("x" * 5000, None),
    (True, None),
    (False, None),
    (None, None),
    (b"", None),
    (b"\x00\xff" * 10, None),
    (bytearray(b"abc"), None),
    (U1, None),
    (U2, None),
    (NOW, None),
    (OLD, None),
    (dt.datetime(1970, 1, 1), None),
    (dt.date(1969, 12, 31), None),
    (dt.timedelta(0), None),
    (dt.timedelta(hours=23, minutes=59, seconds=59, milliseconds=999), None),
    (Decimal("0"), None),
    (Decimal("-0"), None),
    (Decimal("1.5"), None),
    (Decimal("-1.5"), None),
    (Decimal("1.50"), None),
    (Decimal("128"), None),
    (Decimal("-128"), None),
    (Decimal("1234567890123456789.123456789"), None),  # 28 digits: pyignite exact too
    (Decimal("1E+10"), None),
    (Decimal("-0.000001"), None),
    (Decimal("255"), None),
    # inferred arrays
    ([1, 2, 3], None),
    ([2**63 - 1, -(2**63)], None),
    ([1.5, -2.5], None),
    (["a", None, "b"], None),
    ([None, "a"], None),
    ([True, False], None),
    ([U1, None, U2], None),
    ([NOW, None], None),
    ([dt.date(2000, 1, 1)], None),
    ([dt.timedelta(seconds=1), None], None),
    ([Decimal("1.1"), None], None),
    ((1, 2), None),
    ({1, 2, 3}, None),
    # pair heuristics
    ((1, [1, "2", 3.0]), None),
    ((2, {"a": 1, 1: "b"}), None),
    ((1, "ab"), None),
    # typed primitives at the edges of their widths
    (127, "ByteObject"),
    (-128, "ByteObject"),
    (32767, "ShortObject"),
    (-32768, "ShortObject"),
    (2**31 - 1, "IntObject"),
    (-(2**31), "IntObject"),
    (2**63 - 1, "LongObject"),
    (3.25, "FloatObject"),
    (math.inf, "FloatObject"),
    (math.nan, "FloatObject"),
    (3.25, "DoubleObject"),
    (7, "DoubleObject"),
    ("a", "CharObject"),
    ("\u00e9", "CharObject"),
    (65, "CharObject"),
    (True, "BoolObject"),
    (False, "BoolObject"),
    (None, "IntObject"),
    (None, "String"),
    ("text", "String"),
    (b"raw", "String"),
    (5, "Null"),
    (U2, "UUIDObject"),
    (NOW, "DateObject"),
    (dt.date(1900, 3, 1), "DateObject"),
    ((NOW, 999999), "TimestampObject"),
    ((OLD, 0), "TimestampObject"),
    (dt.timedelta(minutes=5), "TimeObject"),
    (Decimal("-3.14159"), "DecimalObject"),
    ((12345, 2), "EnumObject"),
    ((-7, 0), "BinaryEnumObject"),
    # typed arrays
    ([1, -1, 255, -128], "ByteArrayObject"),
    (b"\x01\x02", "ByteArrayObject"),
    ([1, -32768, 32767], "ShortArrayObject"),
    ([0, 2**31 - 1, -(2**31)], "IntArrayObject"),
    ([5, -(2**63)], "LongArrayObject"),
    ([1.5, math.inf], "FloatArrayObject"),
    ([1.5, -0.0], "DoubleArrayObject"),
    (["a", "b", "\u00e9"], "CharArrayObject"),
    ([True, False, 1, 0], "BoolArrayObject"),
    ([], "IntArrayObject"),
    (["a", None, ""], "StringArrayObject"),
    ([U1, None], "UUIDArrayObject"),
    ([NOW, None, OLD], "DateArrayObject"),
    ([(NOW, 1), None], "TimestampArrayObject"),
    ([dt.timedelta(seconds=3), None], "TimeArrayObject"),
    ([Decimal("-1"), None, Decimal("0.001")], "DecimalArrayObject"),
    ((5, [(5, 1), None, (5, 2)]), "EnumArrayObject"),
    ((5, [(5, 1), None]), "BinaryEnumArrayObject"),
    # containers with hinted elements, nesting and None
    ((-1, [1, "a", None, (2, H("IntObject")), [1, 2]]), "ObjectArrayObject"),
    ((-1, []), "ObjectArrayObject"),
    ((1, [1, (2, H("ShortObject")), None, "x", (3, [4, 5])]), "CollectionObject"),
    ((-1, [1.5]), "CollectionObject"),
    ((5, [U1]), "CollectionObject"),
    (
        (1, {"a": 1, (2, H("IntObject")): ("v", H("CharObject")), "n": None}),
        "MapObject",
    ),
    ((2, OrderedDict([(1, "test"), ("key", 2.0)])), "MapObject"),
    ((1, {"in": (1, {"deep": (1, [1, None, "x"])})}), "MapObject"),
    ((1, {}), "MapObject"),
    ((1, None), "MapObject"),
    (
        (1, [(NOW, H("DateObject")), (Decimal("2.5"), H("DecimalObject"))]),
        "CollectionObject",
    ),
]


def _same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN (the bits are compared separately)."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return (
            type(a) is type(b)
            and list(a) == list(b)
            and all(_same(a[k], b[k]) for k in a)
        )
    return type(a) is type(b) and a == b


@pytest.mark.parametrize(("value", "hint"), CASES, ids=lambda x: repr(x)[:40])
def test_encode_matches_pyignite(value: Any, hint: str | None) -> None:
    assert our_encode(value, hint) == pyi_encode(value, hint)


@pytest.mark.parametrize(("value", "hint"), CASES, ids=lambda x: repr(x)[:40])
def test_decode_matches_pyignite(value: Any, hint: str | None) -> None:
    data = pyi_encode(value, hint)
    assert _same(decode(data), pyi_decode(data))


def test_long_decimals_keep_every_digit_where_pyignite_rounds() -> None:
    # pyignite normalizes in the default 28-digit context and loses the tail of longer
    # values; we normalize exactly. A deliberate divergence: no digit is ever lost.
    value = Decimal("12345678901234567890.123456789")
    assert decode(pyi_encode(value, None)) != value
    assert decode(our_encode(value, None)) == value


def test_decoded_shapes_are_pyignites() -> None:
    data = pyi_encode((2, OrderedDict([(1, [1, 2])])), "MapObject")
    value = decode(data)
    assert value == (2, OrderedDict([(1, [1, 2])]))
    assert type(value[1]) is OrderedDict  # type: ignore[index]
    assert decode(pyi_encode((NOW, 5), "TimestampObject")) == (NOW, 5)


def test_plain_dict_is_a_map_where_pyignite_writes_its_keys() -> None:
    """Deliberate divergence: pyignite 0.6.1 writes a bare dict as an array of its
    keys."""
    assert pyi_encode({"a": 1}, None) == pyi_encode(["a"], None)
    assert our_encode({"a": 1}, None) == pyi_encode((1, {"a": 1}), "MapObject")
    assert decode(our_encode({"a": 1}, None)) == (1, {"a": 1})

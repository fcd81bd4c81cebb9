"""Byte vectors of the value codec, both directions, and its error behaviour."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

import embergrid.datatypes as E
from embergrid.errors import ParameterError, ParseError
from embergrid.protocol.binary.codec import (
    decode,
    decode_at,
    encode,
    encode_into,
    infer_type_code,
)
from embergrid.protocol.codes import TypeCode

# (value, hint, hex bytes): encode(value, hint) == bytes and decode(bytes) == value.
VECTORS: list[tuple[Any, Any, str]] = [
    (42, E.IntObject, "03 2a 00 00 00"),
    (42, None, "04 2a 00 00 00 00 00 00 00"),
    (42, TypeCode.SHORT, "02 2a 00"),
    (-1, E.ByteObject, "01 ff"),
    (True, None, "08 01"),
    ("", None, "09 00 00 00 00"),
    ("A", None, "09 01 00 00 00 41"),
    (None, None, "65"),
    ("\u00e9", E.CharObject, "07 e9 00"),
    (Decimal("-1.5"), None, "1e 01 00 00 00 01 00 00 00 8f"),
    (Decimal("128"), None, "1e 00 00 00 00 02 00 00 00 00 80"),
    (Decimal("0"), None, "1e 00 00 00 00 01 00 00 00 00"),
    (
        uuid.UUID("00000000-0000-0001-0000-000000000002"),
        None,
        "0a 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00",
    ),
    (b"\x01\x02", None, "0c 02 00 00 00 01 02"),
    ([1, 2], E.IntArrayObject, "0e 02 00 00 00 01 00 00 00 02 00 00 00"),
    (["a", None], None, "14 02 00 00 00 09 01 00 00 00 61 65"),
    ((1, [1]), E.CollectionObject, "18 01 00 00 00 01 04 01 00 00 00 00 00 00 00"),
    ((1, {"a": None}), E.MapObject, "19 01 00 00 00 01 09 01 00 00 00 61 65"),
    ((-1, [None]), E.ObjectArrayObject, "17 ff ff ff ff 01 00 00 00 65"),
    ((7, 1), E.EnumObject, "1c 07 00 00 00 01 00 00 00"),
]


@pytest.mark.parametrize(
    ("value", "hint", "hexed"), VECTORS, ids=lambda x: repr(x)[:30]
)
def test_vector_encodes(value: Any, hint: Any, hexed: str) -> None:
    assert encode(value, hint) == bytes.fromhex(hexed)


@pytest.mark.parametrize(
    ("value", "hint", "hexed"), VECTORS, ids=lambda x: repr(x)[:30]
)
def test_vector_decodes(value: Any, hint: Any, hexed: str) -> None:
    data = bytes.fromhex(hexed)
    assert decode(data) == value
    assert decode_at(b"\xee" + data + b"\xee", 1) == (value, len(data) + 1)


def test_encode_into_appends_and_rolls_back_on_error() -> None:
    out = bytearray(b"xy")
    encode_into(out, 1, E.ByteObject)
    assert out == b"xy\x01\x01"
    with pytest.raises(ParameterError):
        encode_into(out, [1, 2, 2**40], E.IntArrayObject)
    assert out == b"xy\x01\x01"


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (2**31, E.IntObject),
        (128, E.ByteObject),
        (2**63, None),
        (1.5, E.IntObject),
        ("ab", E.CharObject),
        ("\U0001d11e", E.CharObject),
        ("\ud800", None),
        ([], None),
        ([None], None),
        ([1, None], None),
        ([1, "a", 2], None),
        (object(), None),
        (Decimal("NaN"), None),
        ((1, 2), E.WrappedDataObject),
        (5, E.DecimalObject),
        ([1, 300], E.ByteArrayObject),
        (1, "not a hint"),
        (1, 250),
        ((0, 1), E.EnumObject),
        ((0, []), E.ObjectArrayObject),
    ],
    ids=repr,
)
def test_unencodable_values_raise_parameter_error(value: Any, hint: Any) -> None:
    with pytest.raises(ParameterError):
        encode(value, hint)


def test_hinted_pairs_inside_containers_and_at_top_level() -> None:
    assert encode((5, E.IntObject)) == encode(5, E.IntObject)
    assert encode((1, [(5, E.IntObject)]), E.CollectionObject)[6:] == encode(
        5, E.IntObject
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1, TypeCode.LONG),
        (1.0, TypeCode.DOUBLE),
        ("", TypeCode.STRING),
        (b"", TypeCode.BYTE_ARRAY),
        (None, TypeCode.NULL),
        ([1], TypeCode.LONG_ARRAY),
        (["a", None], TypeCode.STRING_ARRAY),
        ((1, [2, "x"]), TypeCode.COLLECTION),
        ((1, {}), TypeCode.MAP),
        ({}, TypeCode.MAP),
        ((1, E.IntObject), TypeCode.INT),
    ],
    ids=repr,
)
def test_infer_type_code(value: Any, code: TypeCode) -> None:
    assert infer_type_code(value) == code


@pytest.mark.parametrize(
    "hexed",
    [
        "",
        "03 01 00",
        "09 05 00 00 00 61",
        "09 ff ff ff ff",
        "09 02 00 00 00 c3 28",
        "0f ff ff ff 7f",
        "14 01 00 00 00 03 01 00 00 00",
        "19 01 00 00 00 01 0f 00 00 00 00 65",
        "18 ff ff ff 7f 01",
        "1e 00 00 00 00 00 00 00 00",
        "66 00 00 00 00",
        "66 05 00 00 00",
        "23",
        "1a",
        "00",
        "63",
        "0b ff ff ff ff ff ff ff 7f",
        "1b 01 00 00 00 03 05 00 00 00",
    ],
)
def test_malformed_bytes_raise_parse_error(hexed: str) -> None:
    with pytest.raises(ParseError):
        decode(bytes.fromhex(hexed))


def test_deep_nesting_raises_parse_error() -> None:
    data = bytes.fromhex("18 01 00 00 00 01") * 100_000 + b"\x65"
    with pytest.raises(ParseError):
        decode(data)


def test_wrapped_binary_object_decodes_the_embedded_object() -> None:
    inner = encode("hi")
    data = b"\x1b" + len(inner).to_bytes(4, "little") + inner + b"\0\0\0\0"
    assert decode_at(data, 0) == ("hi", len(data))


def test_handle_decodes_the_earlier_object() -> None:
    first = encode("shared")
    # Object[] of two elements: the string, then a handle back to it.
    head = encode((-1, ["shared"]), E.ObjectArrayObject)[:5] + (2).to_bytes(4, "little")
    handle_pos = len(head) + len(first)
    data = head + first + b"\x66" + (handle_pos - len(head)).to_bytes(4, "little")
    assert decode(data) == (-1, ["shared", "shared"])


def test_class_name_replaces_type_id_zero() -> None:
    data = b"\x1c\0\0\0\0" + encode("com.example.Color") + (3).to_bytes(4, "little")
    assert decode(data) == ("com.example.Color", 3)

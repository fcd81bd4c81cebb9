"""Java hash codes, ids and partitions (reference §9.4, §9.5, §12.1, §12.2, §15.1).

Oracles: the reference's vectors, pyignite 0.6.1's hash functions (its C extension
``_cutils`` and its pure-Python fallback) and, where pyignite deviates from Java
(non-BMP characters, U+0130, final sigma, decimal scales), values computed by hand
from Java's definitions.
"""

from __future__ import annotations

import decimal
import struct
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyignite import utils as putils
from pyignite.datatypes import (
    BoolObject,
    CharObject,
    DoubleObject,
    FloatObject,
    LongObject,
    UUIDObject,
)

from embergrid.errors import ParseError
from embergrid.protocol.binary import hashing as H

SETTINGS = settings(max_examples=200, deadline=None)
P_FALLBACK_HASH = getattr(putils, "__hashcode_fallback")
P_FALLBACK_SCHEMA = getattr(putils, "__schema_id_fallback")

bmp_text = st.text(
    alphabet=st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)),
    max_size=40,
)


# Reference §15.1 --------------------------------------------------------------------

VECTORS = [
    (H.java_string_hash("hello"), 99162322),
    (H.double_hash(1.0), 1072693248),
    (H.float_hash(1.0), 1065353216),
    (H.bool_hash(True), 1231),
    (H.bool_hash(False), 1237),
    (H.cache_id("my-cache"), -1910710239),
    (H.type_id("Person"), -991716523),
    (H.type_id("org.apache.ignite.examples.Person"), -809452212),
    (H.field_id("id"), 3355),
    (H.field_id("name"), 3373707),
    (H.schema_id([3355, 3373707]), 970781171),
    (H.schema_id_of_names(["id", "name"]), 970781171),
    (H.schema_id([3373707]), 1975878747),
    (H.long_hash(1234567890123), 1912276436),
    (H.partition(1912276436, 1024), 47),
    (H.uuid_hash(1, 2), 3),
    (H.java_string_hash("key1"), 3288498),
    (H.partition(3288498, 1024), 384),
    (H.partition(3288498, 1000), 498),
    (H.partition(42, 1024), 42),
    (H.partition(-7, 1024), 6),
    (H.partition(-7, 1000), 7),
    (H.decimal_hash(15, 1), 466),
    (H.decimal_hash(-15, 1), -464),
    (H.decimal_hash(150, 2), 4652),
    (H.data_hash(b""), 1),
    (H.schema_id([]), 0),
]


@pytest.mark.parametrize(("got", "expected"), VECTORS)
def test_reference_vectors(got: int, expected: int) -> None:
    assert got == expected


def test_cache_id_bytes_on_the_wire() -> None:
    assert struct.pack("<i", H.cache_id("my-cache")) == bytes.fromhex("21e01c8e")


# Strings and ids against pyignite -------------------------------------------------


@SETTINGS
@given(bmp_text)
def test_string_hash_matches_pyignite_in_the_bmp(s: str) -> None:
    assert H.java_string_hash(s) == putils.hashcode(s) == P_FALLBACK_HASH(s)
    assert H.cache_id(s) == putils.cache_id(s)


@SETTINGS
@given(bmp_text)
def test_type_id_matches_pyignite_where_lowercasing_agrees(s: str) -> None:
    assert H.type_id(s) == putils.hashcode(H.java_lower(s))
    if s.lower() == H.java_lower(s):
        assert H.type_id(s) == putils.entity_id(s)


@pytest.mark.parametrize(
    ("name", "java"),
    [
        # Hand-computed from Java's definitions; pyignite disagrees on each of these.
        ("\U0001f600", 31 * 0xD83D + 0xDE00),  # code point 0x1F600 in pyignite
        ("a\U0001f600", 31 * (31 * 0x61 + 0xD83D) + 0xDE00),
    ],
)
def test_string_hash_uses_utf16_units_not_code_points(name: str, java: int) -> None:
    assert H.java_string_hash(name) == H.int32(java)
    assert H.java_string_hash(name) != putils.hashcode(name)


@pytest.mark.parametrize(
    ("name", "java_lowered_units", "pyignite_agrees"),
    [
        ("\u0130", [0x69], False),  # Character.toLowerCase('İ') == 'i'; str.lower: 'i̇'
        ("\u0391\u03a3", [0x3B1, 0x3C3], False),  # no final-sigma rule per unit
        ("\U00010400", [0xD801, 0xDC00], False),  # surrogate units are not lowered
        ("ÀB", [0xE0, 0x62], True),
    ],
)
def test_type_id_lowercases_each_utf16_unit_like_java(
    name: str, java_lowered_units: list[int], pyignite_agrees: bool
) -> None:
    h = 0
    for unit in java_lowered_units:
        h = H.int32(31 * h + unit)
    assert H.type_id(name) == h
    assert H.field_id(name) == h
    assert (H.type_id(name) == putils.entity_id(name)) is pyignite_agrees


def test_cache_id_is_case_sensitive_and_type_id_is_not() -> None:
    assert H.cache_id("Person") != H.cache_id("person")
    assert H.type_id("Person") == H.type_id("PERSON") == H.cache_id("person")


@SETTINGS
@given(
    st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True), max_size=30)
)
def test_schema_id_matches_pyignite(names: list[str]) -> None:
    schema = dict.fromkeys(names)
    ours = H.schema_id_of_names(schema)
    assert ours == putils.schema_id(schema) == P_FALLBACK_SCHEMA(schema)


@SETTINGS
@given(st.binary(max_size=300))
def test_data_hash_matches_pyignite(data: bytes) -> None:
    assert H.data_hash(data) == putils.hashcode(data) == P_FALLBACK_HASH(data)
    padded = b"\x01\x02" + data + b"\x03"
    assert H.data_hash(padded, 2, 2 + len(data)) == H.data_hash(data)


def test_data_hash_treats_bytes_as_signed() -> None:
    assert H.data_hash(b"\xff") == 31 * 1 - 1
    assert H.data_hash(b"\x80") == 31 - 128


# Key types against pyignite ---------------------------------------------------------

int64 = st.integers(-(2**63), 2**63 - 1)


@SETTINGS
@given(int64)
def test_long_hash_matches_pyignite(v: int) -> None:
    assert H.long_hash(v) == H.int32(LongObject.hashcode(v))


@SETTINGS
@given(st.floats(width=32, allow_nan=False))
def test_float_hash_matches_pyignite(v: float) -> None:
    assert H.float_hash(v) == FloatObject.hashcode(v)


@SETTINGS
@given(st.floats(allow_nan=False))
def test_double_hash_matches_pyignite(v: float) -> None:
    assert H.double_hash(v) == H.int32(DoubleObject.hashcode(v))


def test_nan_hashes_are_canonical() -> None:
    assert H.float_hash(float("nan")) == 0x7FC00000
    assert H.double_hash(float("nan")) == H.int32(0x7FF80000)
    assert H.double_hash(-0.0) == H.int32(0x80000000)


def test_bool_and_char_hashes_match_pyignite() -> None:
    assert H.bool_hash(True) == BoolObject.hashcode(True)
    assert H.bool_hash(False) == BoolObject.hashcode(False)
    for c in ("a", "Ж", "\uffff"):
        assert H.char_hash(c) == CharObject.hashcode(c)


@SETTINGS
@given(st.uuids())
def test_uuid_hash_matches_pyignite(u: uuid.UUID) -> None:
    assert H.uuid_hash(u.int >> 64, u.int & (2**64 - 1)) == H.int32(
        UUIDObject.hashcode(u)
    )


@SETTINGS
@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: d != 0
    )
)
def test_decimal_hash_matches_pyignite_for_normalized_values(
    d: decimal.Decimal,
) -> None:
    # pyignite normalizes before hashing, so only normalized (unscaled, scale) pairs
    # are comparable; its wide-value branch is exact only below 2**63.
    sign, digits, exponent = d.normalize().as_tuple()
    unscaled = int("".join(map(str, digits)))
    if unscaled >= 2**63:
        return
    assert isinstance(exponent, int)
    signed = -unscaled if sign else unscaled
    assert H.decimal_hash(signed, -exponent) == putils.decimal_hashcode(d)


def test_decimal_hash_depends_on_scale_like_java() -> None:
    # BigDecimal("1.5") vs BigDecimal("1.50"): different scales, different hashes.
    assert H.decimal_hash(15, 1) != H.decimal_hash(150, 2)
    # A magnitude over 64 bits folds its big-endian 32-bit words: 2**64 = [1, 0, 0].
    assert H.decimal_hash(2**64, 0) == H.int32(31 * (31 * (31 * 0 + 1) + 0) + 0) * 31
    assert H.decimal_hash(-(2**64), 3) == H.int32(-961 * 31 + 3)


@SETTINGS
@given(int64)
def test_date_hash_matches_pyignite(ms: int) -> None:
    assert H.long_hash(ms) == H.int32(putils.datetime_hashcode(ms))


def test_enum_hash() -> None:
    assert H.enum_hash(-991716523, 2) == H.int32(31 * -991716523 + 2)


# Partitions -----------------------------------------------------------------------


@SETTINGS
@given(st.integers(-(2**31), 2**31 - 1), st.sampled_from([1, 2, 16, 512, 1024, 65536]))
def test_power_of_two_partition_masks_the_spread_hash(h: int, parts: int) -> None:
    u = h & 0xFFFFFFFF
    assert H.partition(h, parts) == (u ^ (u >> 16)) % parts
    assert 0 <= H.partition(h, parts) < parts


@pytest.mark.parametrize(
    ("h", "parts", "expected"),
    [
        (-7, 1000, 7),  # Java: -7 % 1000 == -7, abs -> 7 (pyignite's // gives 1)
        (-2147483648, 1000, 648),  # Java: MIN_VALUE % 1000 == -648
        (2147483647, 1000, 647),
        (-1, 3, 1),
        (12345, 7, 12345 % 7),
    ],
)
def test_other_partition_counts_use_java_remainder(
    h: int, parts: int, expected: int
) -> None:
    assert H.partition(h, parts) == expected


# Encoded keys --------------------------------------------------------------------

COMPACT_PERSON = bytes.fromhex(
    "67012b00559be3c41ae412ca25000000f3f1dc39230000000301000000090100000041181d".replace(
        " ", ""
    )
)

ENCODED = [
    ("03 2a 00 00 00", 42),
    ("03 f9 ff ff ff", -7),
    ("01 ff", -1),
    ("02 00 80", -32768),
    ("04" + struct.pack("<q", 1234567890123).hex(), 1912276436),
    ("05" + struct.pack("<f", 1.0).hex(), 1065353216),
    ("06" + struct.pack("<d", 1.0).hex(), 1072693248),
    ("07 41 00", 65),
    ("07 ff ff", 65535),
    ("08 01", 1231),
    ("08 00", 1237),
    ("09 04 00 00 00" + b"key1".hex(), 3288498),
    ("09 00 00 00 00", 0),
    ("09 04 00 00 00 f0 9f 98 80", H.int32(31 * 0xD83D + 0xDE00)),
    ("0a 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00", 3),
    ("0b" + struct.pack("<q", 1234567890123).hex(), 1912276436),
    ("21" + struct.pack("<qi", 1234567890123, 999).hex(), 1912276436),
    ("24" + struct.pack("<q", 3600000).hex(), 3600000),
    ("1e 01 00 00 00 01 00 00 00 8f", -464),
    ("1e 01 00 00 00 01 00 00 00 0f", 466),
    ("1e 00 00 00 00 02 00 00 00 00 80", 31 * 128),
    ("1e 00 00 00 00 01 00 00 00 00", 0),
    ("26 55 9b e3 c4 02 00 00 00", H.int32(31 * -991716523 + 2)),
    ("1c 55 9b e3 c4 02 00 00 00", H.int32(31 * -991716523 + 2)),
    ("1c 00 00 00 00 09 01 00 00 00 41 03 00 00 00", 3),
    (COMPACT_PERSON.hex(), -904731622),
    ("1b 25 00 00 00" + COMPACT_PERSON.hex() + "00 00 00 00", -904731622),
    # byte[]: Arrays.hashCode over signed bytes; [1, 2, 3] -> 30817 is the value the
    # reference cluster partitions by (tests/client/aio/test_client_on_ignite.py).
    ("0c 03 00 00 00 01 02 03", 30817),
    ("0c 02 00 00 00 c8 01", 31 * (31 - 56) + 1),
    ("0c 00 00 00 00", 1),
    ("0e 01 00 00 00 05 00 00 00", 0),  # other arrays are not partitioned by content
    ("18 00 00 00 00 01", 0),
    ("65", 0),
]


@pytest.mark.parametrize(("hexdata", "expected"), ENCODED)
def test_hash_key_bytes(hexdata: str, expected: int) -> None:
    assert H.hash_key_bytes(bytes.fromhex(hexdata.replace(" ", ""))) == expected


def test_hash_key_bytes_reads_at_an_offset() -> None:
    assert H.hash_key_bytes(b"\x00\x00\x03\x2a\x00\x00\x00", 2) == 42


def test_wrapped_object_hash_honours_the_root_offset() -> None:
    inner = b"\x65\x65" + COMPACT_PERSON
    data = b"\x1b" + struct.pack("<i", len(inner)) + inner + struct.pack("<i", 2)
    assert H.hash_key_bytes(data) == -904731622


@pytest.mark.parametrize(
    "hexdata",
    [
        "",
        "03 2a 00",
        "04 00",
        "09 05 00 00 00 61",
        "09 ff ff ff ff",
        "67 01 2b 00",
        "1b 05 00 00 00 01 02 03 04 05 00 00 00 00",
        "1e 00 00 00 00 05 00 00 00 01",
    ],
)
def test_hash_key_bytes_rejects_truncated_keys(hexdata: str) -> None:
    with pytest.raises(ParseError):
        H.hash_key_bytes(bytes.fromhex(hexdata.replace(" ", "")))


@SETTINGS
@given(st.binary(max_size=64))
def test_hash_key_bytes_raises_only_parse_error(data: bytes) -> None:
    try:
        h = H.hash_key_bytes(data)
    except ParseError:
        return
    assert -(2**31) <= h < 2**31


# Python keys (through the codec) ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("key1", 3288498),
        (True, 1231),
        (1234567890123, 1912276436),  # int keys are longs (pyignite's default)
        (uuid.UUID("00000000-0000-0001-0000-000000000002"), 3),
        (1.0, 1072693248),
    ],
)
def test_hash_key_of_python_values(value: object, expected: int) -> None:
    assert H.hash_key(value) == expected


def test_hash_key_follows_the_hint() -> None:
    from embergrid.datatypes import CharObject as Char
    from embergrid.datatypes import IntObject, ShortObject

    assert H.hash_key(-7, IntObject) == -7
    assert H.hash_key(-7, ShortObject) == -7
    assert H.hash_key(2**40) == H.long_hash(2**40)
    assert H.hash_key("a", Char) == 97


def test_hash_key_of_temporal_values_uses_their_encoded_millis() -> None:
    when = datetime(2020, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    ms = 1577934245006
    assert H.hash_key(when) == H.long_hash(ms)
    assert H.hash_key(timedelta(hours=1)) == H.long_hash(3600000)


def test_hash_key_of_decimal_matches_its_encoding() -> None:
    from embergrid.protocol.binary.codec import encode_into

    for d in ("1.5", "-1.5", "128", "0", "12345678901234567890.123"):
        out = bytearray()
        encode_into(out, decimal.Decimal(d), None)
        assert H.hash_key(decimal.Decimal(d)) == H.hash_key_bytes(out)
    assert H.hash_key(decimal.Decimal("-1.5")) == -464

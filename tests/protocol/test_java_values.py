"""Unit and property tests of the Java re-serialization model (no server).

The byte vectors in ``OBSERVED`` are what the Apache Ignite 2.18.0 reference node gave
back for the input (read raw after a put; the same inputs run live in
tests/reference/test_collections_reference.py). Properties check the HashMap model
against an independent, simpler statement of Java's bucket order where it applies.
"""

from __future__ import annotations

import struct
import uuid
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyignite.datatypes import CollectionObject, MapObject

from embergrid.engine import EngineError
from embergrid.engine.kv import same_value
from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.binary.hashing import hash_key_bytes
from embergrid.protocol.binary.java_text import big_decimal_text, java_text
from embergrid.protocol.binary.java_values import (
    JavaHashTable,
    java_capacity,
    java_equals,
    normalized,
    read_value,
)
from embergrid.server.values import returned, stored


def coll(kind: int, *elems: bytes) -> bytes:
    return struct.pack("<bib", 24, len(elems), kind) + b"".join(elems)


def mp(kind: int, *kv: bytes) -> bytes:
    return struct.pack("<bib", 25, len(kv) // 2, kind) + b"".join(kv)


def long_(v: int) -> bytes:
    return struct.pack("<bq", 4, v)


def int_(v: int) -> bytes:
    return struct.pack("<bi", 3, v)


def dec(scale: int, mag: bytes) -> bytes:
    return struct.pack("<bii", 30, scale, len(mag)) + mag


H = bytes.fromhex
# (name, input, what the reference node returned)
OBSERVED = [
    (
        "hash set dedups, Java order",
        encode((3, [4, 4, "test", 5.6]), CollectionObject),
        H("180300000003066666666666661640040400000000000000090400000074657374"),
    ),
    (
        "user set becomes hash set",
        encode((-1, [7, "8", 9.0]), CollectionObject),
        H("180300000003090100000038060000000000002240040700000000000000"),
    ),
    (
        "user col becomes array list",
        encode((0, [7, "8", 9.0]), CollectionObject),
        H("180300000001040700000000000000090100000038060000000000002240"),
    ),
    (
        "linked hash set keeps first occurrences",
        encode((4, [3, 1, 3, 2, 1]), CollectionObject),
        H("180300000004040300000000000000040100000000000000040200000000000000"),
    ),
    (
        "hash map order and last value wins",
        mp(1, long_(1), encode("a"), long_(2), encode("b"), long_(1), encode("c")),
        H("190200000001040100000000000000090100000063040200000000000000090100000062"),
    ),
    (
        "map kind 0 becomes hash map",
        mp(0, long_(1), encode("a")),
        H("190100000001040100000000000000090100000061"),
    ),
    (
        "9 colliding longs grow a table of 16",
        coll(3, *[long_(i * 16) for i in range(9)]),
        coll(3, *[long_(i) for i in (0, 32, 64, 96, 128, 16, 48, 80, 112)]),
    ),
    (
        "Integer 4 and Long 4 are different",
        coll(3, int_(4), long_(4)),
        coll(3, int_(4), long_(4)),
    ),
    (
        "decimal scale matters, magnitude is minimal",
        coll(3, dec(1, b"\x0a"), dec(2, b"\x64"), dec(1, b"\x00\x0a")),
        H("1802000000031e0200000001000000641e01000000010000000a"),
    ),
    (
        "decimal -0 and 128",
        coll(1, dec(0, b"\x80"), dec(0, b"\x00\x80"), dec(0, b"\x80\x00")),
        coll(1, dec(0, b"\x00"), dec(0, b"\x00\x80"), dec(0, b"\x00")),
    ),
    (
        "timestamp nanos carry into millis",
        struct.pack("<bqi", 33, 1000, 1_500_000),
        H("21e90300000000000020a10700"),
    ),
    ("enum 28 becomes 38", H("1c7b00000004000000"), H("267b00000004000000")),
    (
        "object array type id becomes -1",
        H("173930000002000000040100000000000000090100000061"),
        H("17ffffffff02000000040100000000000000090100000061"),
    ),
    (
        "bool byte 2 is false",
        H("18020000000308020801"),
        H("18020000000308000801"),
    ),
    (
        "float NaNs are canonical and equal, -0.0 is not 0.0",
        H("180400000003050100c07f050000c07f05000000000500000080"),
        H("180300000003050000c07f05000000000500000080"),
    ),
    ("invalid utf-8", H("0902000000fffe"), H("0906000000efbfbdefbfbd")),
]


@pytest.mark.parametrize(
    ("value", "expected"), [c[1:] for c in OBSERVED], ids=[c[0] for c in OBSERVED]
)
def test_matches_reference_node(value: bytes, expected: bytes) -> None:
    assert normalized(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        encode(1),
        encode("text"),
        encode(2.5),
        encode(b"\x00\x01"),
        encode([1, 2, 3]),
        H("0903000000616263"),
        coll(5, long_(7)),  # SINGLETON_LIST: not modelled, kept as received
        coll(7, long_(1)),  # unknown kind: the node drops the connection
        mp(3, long_(1), long_(2)),
        struct.pack("<bqi", 33, 1000, -5),  # negative nanos: the node fails too
        dec(0, b""),
        coll(3, long_(1))[:-1],  # truncated: kept for the parser to refuse
    ],
)
def test_passes_through_what_java_keeps_or_we_do_not_model(value: bytes) -> None:
    assert normalized(value) == value


def test_seed_get_and_put_complex_shapes() -> None:
    linked = OrderedDict([(1, "test"), ("key", 2.0)])
    cases = [
        ((MapObject.LINKED_HASH_MAP, linked), MapObject, (2, {1: "test", "key": 2.0})),
        ((MapObject.HASH_MAP, linked), MapObject, (1, {1: "test", "key": 2.0})),
        ((2, [1, "2", 3.0]), CollectionObject, (2, [1, "2", 3.0])),
        ((3, [4, 4, "test", 5.6]), CollectionObject, (3, [5.6, 4, "test"])),
    ]
    for value, hint, expected in cases:
        got = decode(normalized(encode(value, hint)))
        assert got == expected
        assert list(got[1]) == list(expected[1])  # order, not only equality


def test_hash_map_order_of_string_keys() -> None:
    got = decode(normalized(encode((1, {"key": 2.0, 1: "test"}), MapObject)))
    assert list(got[1]) == [1, "key"]  # Long 1 -> bucket 1, "key" -> bucket 2 of 4


def test_nested_complex_object_is_wrapped_and_top_level_is_bare() -> None:
    top = H(
        "67012b007000000051e412ca25000000e6051522230000000301000000090100000078181d"
    )
    wrapped = b"\x1b" + struct.pack("<i", len(top)) + top + bytes(4)
    assert stored(top) == top
    assert stored(wrapped) == top
    assert returned(stored(top)) == wrapped
    assert normalized(coll(1, top)) == coll(1, wrapped)
    assert normalized(coll(3, top, wrapped)) == coll(3, wrapped)  # equal: deduped


def test_lists_compare_equal_across_list_kinds_sets_across_set_kinds() -> None:
    a, b = long_(1), long_(2)
    value = coll(3, coll(1, a, b), coll(2, a, b), coll(3, b, a), coll(4, a, b))
    out = decode(normalized(value))
    assert out == (3, [(1, [1, 2]), (3, [1, 2])]) or out == (
        3,
        [(3, [1, 2]), (1, [1, 2])],
    )


def test_date_equals_timestamp_but_not_the_reverse() -> None:
    date, ts = struct.pack("<bq", 11, 5000), struct.pack("<bqi", 33, 5000, 0)
    assert normalized(coll(3, ts, date)) == coll(3, ts)  # Date.equals(Timestamp)
    assert normalized(coll(3, date, ts)) == coll(3, date, ts)  # Timestamp.equals(Date)


def test_arrays_are_never_deduplicated() -> None:
    arr = encode(b"ab")
    assert normalized(coll(3, arr, arr, long_(1))) == coll(3, long_(1), arr, arr)


def test_capacity_and_table_sizes() -> None:
    assert [java_capacity(n) for n in (0, 1, 2, 3, 4, 9, 12)] == [1, 2, 3, 4, 5, 12, 16]
    table: JavaHashTable[int] = JavaHashTable(0)
    for h in range(5):
        assert table.put(h, ("i", h), h) is None
    assert table.put(3, ("i", 3), 99) is not None
    assert [e.payload for e in table.entries()] == [0, 1, 2, 3, 4]


# -- properties ---------------------------------------------------------------------

scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(lambda v: encode(v)),
    st.integers(-(2**31), 2**31 - 1).map(int_),
    st.text(max_size=6).map(lambda v: encode(v)),
    st.floats(allow_nan=False).map(lambda v: encode(v)),
    st.booleans().map(lambda v: encode(v)),
)


def _spread_bucket(elem: bytes, size: int) -> int:
    h = hash_key_bytes(elem) & 0xFFFFFFFF
    return (h ^ (h >> 16)) & (size - 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(scalars, max_size=40))
def test_hash_set_is_bucket_order_of_first_occurrences(elems: list[bytes]) -> None:
    distinct = list(dict.fromkeys(e for e in elems))  # same bytes -> same Java value
    size = 1 << max(0, (java_capacity(len(elems)) - 1).bit_length())
    buckets = [_spread_bucket(e, size) for e in distinct]
    if max([buckets.count(b) for b in buckets], default=0) >= 9:
        return  # a crowded bucket makes Java grow or treeify: not this simple rule
    expected = [
        e
        for _, _, e in sorted(zip(buckets, range(len(distinct)), distinct, strict=True))
    ]
    assert normalized(coll(3, *elems)) == coll(3, *expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(scalars, max_size=20), st.sampled_from([0, 1, 2, 3, 4, -1]))
def test_normalizing_again_changes_nothing_unless_duplicates_shrank_it(
    elems: list[bytes], kind: int
) -> None:
    # A HashSet that lost duplicates is re-created with a smaller table on the next
    # put, so Java itself may reorder it then: only the same size is stable.
    once = normalized(coll(kind, *elems))
    if struct.unpack_from("<i", once, 1)[0] == len(elems):
        assert normalized(once) == once
        value, end = read_value(once)
        assert end == len(once)
        assert value.out == once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(scalars, scalars), max_size=20))
def test_linked_hash_map_keeps_first_key_position_and_last_value(
    pairs: list[tuple[bytes, bytes]],
) -> None:
    firsts: dict[bytes, bytes] = {}
    for k, v in pairs:
        firsts[normalized(k)] = normalized(v)  # dict: first position, last value
    flat = [x for kv in pairs for x in kv]
    expected = mp(2, *[x for kv in firsts.items() for x in kv])
    assert normalized(mp(2, *flat)) == expected


@given(st.binary(max_size=64))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    for prefix in (b"\x18", b"\x19", b""):
        out = normalized(prefix + data)
        assert isinstance(out, bytes)


def test_java_equals() -> None:
    a, b = long_(1), long_(2)
    assert java_equals(coll(3, a, b), coll(4, b, a)) is True  # sets by content
    assert java_equals(coll(1, a, b), coll(2, a, b)) is True  # lists by order
    assert java_equals(coll(1, a, b), coll(1, b, a)) is False
    assert java_equals(int_(1), long_(1)) is False
    holding_array = mp(2, encode("z"), encode([1, 2]))  # a long[] inside
    assert java_equals(holding_array, holding_array) is False
    assert java_equals(b"\x18", b"\x18") is None


@pytest.mark.parametrize(
    ("obj", "text"),
    [
        (encode("k"), "k"),
        (encode("a b, [c]"), "a b, [c]"),
        (int_(7), "7"),
        (encode(2**40), "1099511627776"),
        (encode(True), "true"),
        (encode(uuid.UUID(int=5)), "00000000-0000-0000-0000-000000000005"),
        (coll(1, long_(1), encode("x")), "[1, x]"),
        (mp(1, encode("a"), long_(1)), "{a=1}"),
        (encode(7.5), "7.5"),  # Double.toString (more: test_diff_compare.py)
        (encode([1, 2]), None),  # arrays print an identity hash
    ],
)
def test_java_text_of_keys_seen_on_the_reference_node(
    obj: bytes, text: str | None
) -> None:
    assert java_text(stored(obj)) == text


@pytest.mark.parametrize(
    ("unscaled", "scale", "text"),
    [
        (15, 1, "1.5"),
        (150, 2, "1.50"),
        (-5, 0, "-5"),
        (1, 7, "1E-7"),
        (1, 6, "0.000001"),
        (123, -2, "1.23E+4"),
        (-12, 9, "-1.2E-8"),
    ],
)
def test_big_decimal_text_matches_java(unscaled: int, scale: int, text: str) -> None:
    assert big_decimal_text(unscaled, scale) == text


def test_same_value_rules() -> None:
    key = encode("k")
    nested = mp(2, encode("z"), encode([1, 2]))
    assert same_value(key, nested, nested) is False  # nested array: identity
    assert same_value(key, encode([1, 2]), encode([1, 2])) is True  # top-level array
    assert same_value(key, coll(3, long_(1), long_(2)), coll(4, long_(2), long_(1)))
    assert same_value(key, int_(4), long_(4)) is False
    with pytest.raises(EngineError, match=r"retry update if possible\)\.: \[k\]"):
        same_value(key, encode("s"), bytes([103]) + bytes(23))

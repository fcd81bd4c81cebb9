"""Complex objects (code 103) and the 27 wrapper (reference §8.7, §8.8, §9, §15.3).

Oracle: pyignite 0.6.1's encoder (``BinaryObject.from_python`` over a ``BinaryStream``
whose client is a stand-in with ``compact_footer``, ``register_binary_type`` and
``query_binary_type``) and its decoder; hand-built Java layouts where pyignite never
writes them (no schema, raw data, unregistered types, handles).
"""

from __future__ import annotations

import struct
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyignite import GenericObjectMeta as PMeta
from pyignite import datatypes as pd
from pyignite.datatypes import BinaryObject as PBinaryObject
from pyignite.stream import BinaryStream
from pyignite.stream.binary_stream import READ_BACKWARD

from embergrid.errors import ParameterError, ParseError
from embergrid.protocol.binary import objects as O
from embergrid.protocol.binary.codec import decode_at, encode
from embergrid.protocol.binary.generic import (
    GenericObjectMeta,
    TypeCache,
    binary_type_of,
)
from embergrid.protocol.binary.hashing import (
    data_hash,
    field_id,
    hash_key,
    hash_key_bytes,
    type_id,
)
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.codes import TypeCode as T

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# pyignite harness -----------------------------------------------------------------


class StandInClient:
    """The attributes pyignite's BinaryStream and BinaryObject touch on a client."""

    def __init__(self, compact_footer: bool) -> None:
        self.compact_footer = compact_footer
        self.registry: dict[tuple[int, int], Any] = {}

    def register_binary_type(self, cls: Any, *args: Any, **kwargs: Any) -> None:
        self.registry[cls.type_id, cls.schema_id] = cls

    def query_binary_type(self, type_id: int, schema_id: Any = None) -> Any:
        return self.registry.get((type_id, schema_id))


def p_encode(obj: Any, compact: bool) -> tuple[bytes, StandInClient]:
    client = StandInClient(compact)
    with BinaryStream(client) as stream:
        PBinaryObject.from_python(stream, obj)
        return stream.getvalue(), client


def p_decode(data: bytes, client: StandInClient) -> Any:
    with BinaryStream(client, data) as stream:
        ctype = PBinaryObject.parse(stream)
        return PBinaryObject.to_python(
            stream.read_ctype(ctype, direction=READ_BACKWARD), client=client
        )


def ours(obj: Any, compact: bool) -> bytes:
    out = bytearray()
    O.encode_complex(out, obj, compact)
    return bytes(out)


def pair(name: str, fields: list[tuple[str, Any, Any]]) -> tuple[Any, Any]:
    """The same class for pyignite and for us; fields: (name, pyignite hint, ours)."""
    p = PMeta(name, (), {}, schema=OrderedDict((n, ph) for n, ph, _ in fields))
    o = GenericObjectMeta(
        name, (), {}, schema=OrderedDict((n, oh) for n, _, oh in fields)
    )
    return p, o


# Reference §15.3 ----------------------------------------------------------------------

PERSON_COMPACT = bytes.fromhex(
    "67012b00 559be3c4 1ae412ca 25000000 f3f1dc39 23000000"
    "0301000000 090100000041 181d".replace(" ", "")
)
PERSON_FULL = bytes.fromhex(
    "67010b00 559be3c4 1ae412ca 2d000000 f3f1dc39 23000000"
    "0301000000 090100000041 1b0d000018 8b7a33001d".replace(" ", "")
)


class Person(
    metaclass=GenericObjectMeta, schema=OrderedDict([("id", T.INT), ("name", T.STRING)])
):
    pass


@pytest.mark.parametrize(
    ("compact", "data"), [(True, PERSON_COMPACT), (False, PERSON_FULL)]
)
def test_reference_person_both_directions(compact: bool, data: bytes) -> None:
    person = Person(id=1, name="A")
    assert ours(person, compact) == data
    assert person._hashcode == -904731622
    value, end = O.decode_complex(data, 0, TypeCache(classes=[Person]))
    assert (value, end) == (person, len(data))
    assert value.__class__ is Person
    assert hash_key_bytes(data) == hash_key(person) == -904731622


# Byte equality with pyignite ---------------------------------------------------------

MIXED = [
    ("i", pd.IntObject, T.INT, -5),
    ("l", pd.LongObject, T.LONG, 2**40),
    ("s", pd.String, T.STRING, "héllo"),
    ("d", pd.DoubleObject, T.DOUBLE, 2.5),
    ("b", pd.BoolObject, T.BOOL, True),
    ("u", pd.UUIDObject, T.UUID, uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("dec", pd.DecimalObject, T.DECIMAL, Decimal("-123.45")),
    ("raw", pd.ByteArrayObject, T.BYTE_ARRAY, b"\x00\xff\x80"),
    ("ints", pd.IntArrayObject, T.INT_ARRAY, [1, -2, 3]),
    ("strs", pd.StringArrayObject, T.STRING_ARRAY, ["a", "b"]),
]


def case_zero() -> tuple[Any, Any, dict[str, Any]]:
    p, o = pair("Empty", [])
    return p, o, {}


def case_one() -> tuple[Any, Any, dict[str, Any]]:
    p, o = pair("One", [("x", pd.IntObject, T.INT)])
    return p, o, {"x": 7}


def case_ten() -> tuple[Any, Any, dict[str, Any]]:
    p, o = pair("Ten", [(n, ph, oh) for n, ph, oh, _ in MIXED])
    return p, o, {n: v for n, _, _, v in MIXED}


def case_nones() -> tuple[Any, Any, dict[str, Any]]:
    p, o = pair("Ten", [(n, ph, oh) for n, ph, oh, _ in MIXED])
    return p, o, {n: None for n, _, _, _ in MIXED}


def case_300() -> tuple[Any, Any, dict[str, Any]]:  # offsets pass 255: two-byte footer
    p, o = pair("Wide", [(f"f{i}", pd.IntObject, T.INT) for i in range(300)])
    return p, o, {f"f{i}": i * 1000 for i in range(300)}


def case_huge() -> tuple[
    Any, Any, dict[str, Any]
]:  # offsets pass 65535: four-byte footer
    p, o = pair("Huge", [("big", pd.String, T.STRING), ("tail", pd.IntObject, T.INT)])
    return p, o, {"big": "x" * 70000, "tail": 1}


CASES = {
    "zero": case_zero,
    "one": case_one,
    "ten": case_ten,
    "nones": case_nones,
    "300": case_300,
    "huge": case_huge,
}
WIDTH_FLAGS = {
    "zero": 0x08,
    "one": 0x08,
    "ten": 0x08,
    "nones": 0x08,
    "300": 0x10,
    "huge": 0,
}


@pytest.mark.parametrize("compact", [True, False], ids=["compact", "full"])
@pytest.mark.parametrize("case", list(CASES))
def test_bytes_equal_pyignite_and_decode_both_ways(case: str, compact: bool) -> None:
    p_cls, o_cls, values = CASES[case]()
    p_obj, o_obj = p_cls(**values), o_cls(**values)
    if case == "zero":
        # pyignite 0.6.1 cannot write a zero-field object: hashing the empty data area
        # leaves a buffer export open and its stream write fails. Its layout, from
        # binary.py: HAS_SCHEMA, 1-byte offsets, empty footer at 24, hash 1.
        with pytest.raises(BufferError):
            p_encode(p_obj, compact)
        theirs = header(0x2B if compact else 0x0B, p_cls.type_id, 24, 0, 24)
        client = StandInClient(compact)
        client.register_binary_type(p_cls)
    else:
        theirs, client = p_encode(p_obj, compact)
    mine = ours(o_obj, compact)
    assert mine == theirs
    assert (o_cls.type_id, o_cls.schema_id) == (p_cls.type_id, p_cls.schema_id)
    flags = struct.unpack_from("<H", mine, 2)[0]
    assert flags & 0x18 == WIDTH_FLAGS[case]
    assert o_obj._hashcode == struct.unpack_from("<i", mine, 8)[0]
    if case != "zero":
        assert o_obj._hashcode == p_obj._hashcode

    # our decoder on pyignite's bytes, registry built from metadata only
    types = TypeCache([binary_type_of(o_cls)])
    value, end = O.decode_complex(theirs, 0, types)
    assert end == len(theirs)
    expected = p_decode(theirs, client)
    for name in o_cls.schema:
        assert getattr(value, name) == getattr(expected, name), name
    assert value.version == expected.version == 1
    # and pyignite's decoder on ours
    assert p_decode(mine, client) == expected


@pytest.mark.parametrize("compact", [True, False], ids=["compact", "full"])
def test_nested_objects_equal_pyignite(compact: bool) -> None:
    p_in, o_in = pair(
        "Address", [("city", pd.String, T.STRING), ("zip", pd.IntObject, T.INT)]
    )
    p_out, o_out = pair(
        "Customer",
        [
            ("name", pd.String, T.STRING),
            ("home", pd.BinaryObject, T.COMPLEX_OBJECT),
            ("work", pd.BinaryObject, T.COMPLEX_OBJECT),
        ],
    )
    p_obj = p_out(name="N", home=p_in(city="Oslo", zip=150), work=None)
    o_obj = o_out(name="N", home=o_in(city="Oslo", zip=150), work=None)
    theirs, client = p_encode(p_obj, compact)
    mine = ours(o_obj, compact)
    assert mine == theirs
    inner_flags = struct.unpack_from("<H", mine, 24 + 6 + 2)[
        0
    ]  # nested object after name
    assert bool(inner_flags & O.COMPACT_FOOTER) is compact

    types = TypeCache(classes=[o_in, o_out])
    value, _ = O.decode_complex(theirs, 0, types)
    assert value == o_obj
    assert value.home.__class__ is o_in
    assert p_decode(mine, client) == p_decode(theirs, client)


def test_offset_width_follows_java_at_255_where_pyignite_differs() -> None:
    # The last field starting at exactly 255: Java writes 1-byte offsets (< 256),
    # pyignite 2-byte ones (< 255). Both decode; the bytes are different cache keys.
    p_cls, o_cls = pair(
        "Edge", [("pad", pd.String, T.STRING), ("x", pd.IntObject, T.INT)]
    )
    values = {"pad": "p" * (255 - 24 - 5), "x": 1}
    mine = ours(o_cls(**values), True)
    theirs, _ = p_encode(p_cls(**values), True)
    assert struct.unpack_from("<H", mine, 2)[0] & 0x18 == O.OFFSET_ONE_BYTE
    assert struct.unpack_from("<H", theirs, 2)[0] & 0x18 == O.OFFSET_TWO_BYTES
    assert mine[-1] == 255
    assert len(theirs) == len(mine) + 2
    assert mine[4:12] == theirs[4:12]  # same type id and hash; flags differ
    types = TypeCache(classes=[o_cls])
    assert O.decode_complex(mine, 0, types)[0] == O.decode_complex(theirs, 0, types)[0]


# Java layouts pyignite never writes ---------------------------------------------------


def header(
    flags: int, tid: int, length: int, sid: int, off: int, h: int = 1, ver: int = 1
) -> bytes:
    return struct.pack("<BBHiiiii", 103, ver, flags, tid, h, length, sid, off)


class Empty(metaclass=GenericObjectMeta):
    pass


def test_zero_fields_without_schema_java_layout() -> None:
    data = header(O.USER_TYPE | O.COMPACT_FOOTER, Empty.type_id, 24, 0, 0)
    types = TypeCache(classes=[Empty])
    types.add_type(BinaryType(Empty.type_id, "Empty", schemas={0: ()}))
    assert O.decode_complex(data, 0, types) == (Empty(), 24)
    layout = O.parse_layout(data, 0)
    assert layout.offsets == ()
    assert layout.field_ids == ()
    assert layout.footer_start == 24


def test_zero_fields_with_empty_schema_pyignite_layout() -> None:
    data = ours(Empty(), True)
    assert data == header(0x2B, Empty.type_id, 24, 0, 24)
    assert O.decode_complex(data, 0, TypeCache(classes=[Empty])) == (Empty(), 24)


def person_fields() -> bytes:
    return bytes.fromhex("0301000000090100000041")


def test_raw_data_after_fields_with_full_footer() -> None:
    raw = b"\x01\x02\x03"
    body = person_fields() + raw
    footer = struct.pack("<iBiB", 3355, 24, 3373707, 29)
    length = 24 + len(body) + len(footer) + 4
    flags = O.USER_TYPE | O.HAS_SCHEMA | O.HAS_RAW_DATA | O.OFFSET_ONE_BYTE
    data = (
        header(
            flags, Person.type_id, length, 970781171, 24 + len(body), h=data_hash(body)
        )
        + body
        + footer
        + struct.pack("<i", 35)
    )
    value, end = O.decode_complex(data, 0, TypeCache(classes=[Person]))
    assert (value, end) == (Person(id=1, name="A"), length)
    layout = O.parse_layout(data, 0)
    assert layout.raw == (35, 38)
    assert layout.fields_end == 35
    assert O.read_fields(data, 0, None) == (
        Person.type_id,
        970781171,
        {3355: 1, 3373707: "A"},
    )


def test_raw_data_only() -> None:
    data = (
        header(O.USER_TYPE | O.HAS_RAW_DATA, Empty.type_id, 28, 0, 24)
        + b"\x09\x08\x07\x06"
    )
    layout = O.parse_layout(data, 0)
    assert layout.raw == (24, 28)
    assert layout.offsets == ()
    types = TypeCache([BinaryType(Empty.type_id, "Empty", schemas={0: ()})])
    value, end = O.decode_complex(data, 0, types)
    assert end == 28
    assert value.__class__.__name__ == "Empty"


def test_unregistered_type_with_class_name() -> None:
    name = b"org.acme.Person"
    cls_name = b"\x09" + struct.pack("<i", len(name)) + name
    body = person_fields()
    footer = struct.pack("<iBiB", 3355, 24 + len(cls_name), 3373707, 29 + len(cls_name))
    start = 24 + len(cls_name)
    length = start + len(body) + len(footer)
    data = (
        header(0x0B, 0, length, 970781171, start + len(body), h=data_hash(body))
        + cls_name
        + body
        + footer
    )
    assert hash_key_bytes(data) == data_hash(body)
    layout = O.parse_layout(data, 0)
    assert layout.class_name == "org.acme.Person"
    assert layout.effective_type_id == type_id("org.acme.Person")
    with pytest.raises(O.UnknownBinaryType) as err:
        O.decode_complex(data, 0, TypeCache())
    assert err.value.type_id == type_id("org.acme.Person")

    cls = GenericObjectMeta(
        "P",
        (),
        {},
        type_name="org.acme.Person",
        schema=OrderedDict([("id", T.INT), ("name", T.STRING)]),
    )
    value, end = O.decode_complex(data, 0, TypeCache(classes=[cls]))
    assert end == length
    assert (value.id, value.name) == (1, "A")


def handle_object() -> bytes:
    """Person-like {a: "abc", b: handle -> a, c: Person{1,"A"}, d: handle -> c}."""
    a = b"\x09\x03\x00\x00\x00abc"  # @24, 8 bytes
    b = b"\x66" + struct.pack("<i", 8)  # @32 -> 24
    c = PERSON_FULL  # @37
    d = b"\x66" + struct.pack("<i", 37 + len(c) - 37)  # @37+len(c) -> 37
    body = a + b + c + d
    offs = [24, 32, 37, 37 + len(c)]
    ids = [field_id(n) for n in "abcd"]
    footer = b"".join(struct.pack("<iB", i, o) for i, o in zip(ids, offs, strict=True))
    length = 24 + len(body) + len(footer)
    sid = HandleHolder.schema_id
    return (
        header(
            0x0B, HandleHolder.type_id, length, sid, 24 + len(body), h=data_hash(body)
        )
        + body
        + footer
    )


class HandleHolder(
    metaclass=GenericObjectMeta,
    schema=OrderedDict(
        [
            ("a", T.STRING),
            ("b", T.STRING),
            ("c", T.COMPLEX_OBJECT),
            ("d", T.COMPLEX_OBJECT),
        ]
    ),
):
    pass


def test_handles_inside_objects_resolve_to_earlier_values() -> None:
    data = handle_object()
    value, end = O.decode_complex(data, 0, TypeCache(classes=[HandleHolder, Person]))
    assert end == len(data)
    assert value.a == value.b == "abc"
    assert value.c == value.d == Person(id=1, name="A")
    # the same object embedded in a buffer after other bytes decodes the same
    shifted, _ = O.decode_complex(
        b"\x65" * 7 + data, 7, TypeCache(classes=[HandleHolder, Person])
    )
    assert shifted == value


def test_cyclic_handle_is_a_parse_error() -> None:
    body = b"\x66" + struct.pack("<i", 24)  # field at 24 points to the object itself
    footer = struct.pack("<iB", field_id("a"), 24)
    length = 24 + len(body) + len(footer)
    cls = GenericObjectMeta(
        "Loop", (), {}, schema=OrderedDict([("a", T.COMPLEX_OBJECT)])
    )
    data = header(0x0B, cls.type_id, length, cls.schema_id, 29) + body + footer
    with pytest.raises(ParseError):
        O.decode_complex(data, 0, TypeCache(classes=[cls]))


def test_wrapped_object_decodes_to_the_embedded_object() -> None:
    inner = b"\x65\x65" + PERSON_COMPACT
    data = b"\x1b" + struct.pack("<i", len(inner)) + inner + struct.pack("<i", 2)
    types = TypeCache(classes=[Person])
    assert O.decode_complex(data, 0, types) == (Person(id=1, name="A"), len(data))
    assert decode_at(data, 0, types) == (Person(id=1, name="A"), len(data))
    assert O.read_fields(data, 0, types)[2] == {3355: 1, 3373707: "A"}
    assert hash_key_bytes(data) == -904731622


# Unknown types: the flow fetches metadata and decodes again --------------------


def test_compact_footer_needs_metadata() -> None:
    with pytest.raises(O.UnknownBinaryType) as err:
        O.decode_complex(PERSON_COMPACT, 0, TypeCache())
    assert (err.value.type_id, err.value.schema_id) == (Person.type_id, 970781171)
    with pytest.raises(O.UnknownBinaryType):
        O.read_fields(PERSON_COMPACT, 0, None)
    types = TypeCache()
    types.add_type(binary_type_of(Person))  # what op 3002 would bring back
    value, _ = O.decode_complex(PERSON_COMPACT, 0, types)
    assert (value.id, value.name, value.type_name) == (1, "A", "Person")


def test_full_footer_fields_need_no_metadata_but_objects_need_a_class() -> None:
    assert O.read_fields(PERSON_FULL, 0, None) == (
        Person.type_id,
        970781171,
        {3355: 1, 3373707: "A"},
    )
    with pytest.raises(O.UnknownBinaryType):
        O.decode_complex(PERSON_FULL, 0, None)


def test_codec_dispatches_complex_objects_here() -> None:
    types = TypeCache(classes=[Person])
    assert encode(Person(id=1, name="A")) == PERSON_FULL
    assert decode_at(PERSON_COMPACT, 0, types) == (
        Person(id=1, name="A"),
        len(PERSON_COMPACT),
    )
    arr = encode((-1, [Person(id=1, name="A")]), T.OBJECT_ARRAY)
    assert decode_at(arr, 0, types)[0] == (-1, [Person(id=1, name="A")])


def test_version_is_the_header_byte_like_pyignite() -> None:
    p_cls, o_cls = pair("V", [("x", pd.IntObject, T.INT)])
    mine = ours(o_cls(x=1, version=3), False)
    theirs, _client = p_encode(p_cls(x=1, version=3), False)
    assert mine == theirs
    assert mine[1] == 3
    assert O.decode_complex(mine, 0, TypeCache(classes=[o_cls]))[0].version == 3
    with pytest.raises(ParameterError):
        ours(o_cls(x=1, version=256), False)


def test_buffer_fast_path_and_rollback() -> None:
    p = Person(id=1, name="A")
    p._buffer = PERSON_COMPACT
    assert ours(p, False) == PERSON_COMPACT
    bad = Person(id="not an int", name="A")
    out = bytearray(b"prefix")
    with pytest.raises(ParameterError):
        O.encode_complex(out, bad)
    assert out == b"prefix"
    with pytest.raises(ParameterError):
        O.encode_complex(out, object())


def test_is_complex() -> None:
    assert O.is_complex(Person())
    assert not O.is_complex(Person)
    assert not O.is_complex({"id": 1})


# Properties ---------------------------------------------------------------------------

FIELD_KINDS: list[tuple[T, st.SearchStrategy[Any]]] = [
    (T.INT, st.integers(-(2**31), 2**31 - 1)),
    (T.LONG, st.integers(-(2**63), 2**63 - 1)),
    (T.SHORT, st.integers(-(2**15), 2**15 - 1)),
    (T.BYTE, st.integers(-128, 127)),
    (T.STRING, st.text(max_size=20)),
    (T.DOUBLE, st.floats(allow_nan=False)),
    (T.BOOL, st.booleans()),
    (T.UUID, st.uuids()),
    (T.BYTE_ARRAY, st.binary(max_size=20)),
    (T.INT_ARRAY, st.lists(st.integers(-(2**31), 2**31 - 1), max_size=5)),
    (T.STRING_ARRAY, st.lists(st.text(max_size=5), max_size=5)),
    # bounded: the codec currently rounds decimals beyond 28 digits (reported)
    (T.DECIMAL, st.decimals(min_value=-(10**15), max_value=10**15, places=3)),
]

field_names = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    max_size=12,
    unique_by=field_id,
)


@st.composite
def generated_objects(draw: st.DrawFn) -> Any:
    names = draw(field_names)
    kinds = [draw(st.sampled_from(FIELD_KINDS)) for _ in names]
    type_name = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9_.$]{0,15}", fullmatch=True))
    schema = OrderedDict((n, code) for n, (code, _) in zip(names, kinds, strict=True))
    cls = GenericObjectMeta("Gen", (), {}, type_name=type_name, schema=schema)
    values = {
        n: draw(st.none() | strat) for n, (_, strat) in zip(names, kinds, strict=True)
    }
    return cls(**values)


@SETTINGS
@given(generated_objects(), st.booleans(), st.booleans())
def test_round_trip_through_metadata(obj: Any, compact: bool, nest: bool) -> None:
    cls = type(obj)
    types = TypeCache([binary_type_of(cls)])
    if nest:
        holder_cls = GenericObjectMeta(
            "Holder",
            (),
            {},
            schema=OrderedDict([("inner", T.COMPLEX_OBJECT), ("n", T.INT)]),
        )
        types.add_type(binary_type_of(holder_cls))
        obj = holder_cls(inner=obj, n=1)
    data = ours(obj, compact)
    value, end = O.decode_complex(data, 0, types)
    assert end == len(data)
    if nest:
        value, obj = value.inner, obj.inner
    assert value.type_id == cls.type_id
    assert value.schema_id == cls.schema_id
    for name in cls.schema:
        assert getattr(value, name) == getattr(obj, name)
    assert hash_key_bytes(data) == hash_key(obj if not nest else value) or nest
    assert ours(value, compact) == ours(obj, compact)


@SETTINGS
@given(st.binary(max_size=120))
def test_arbitrary_bytes_raise_only_parse_error_or_unknown_type(data: bytes) -> None:
    types = TypeCache(classes=[Person, Empty, HandleHolder])
    for blob in (data, b"\x67\x01" + data, PERSON_FULL[:20] + data):
        try:
            O.decode_complex(blob, 0, types)
            O.read_fields(blob, 0, types)
        except (ParseError, O.UnknownBinaryType):
            pass


@SETTINGS
@given(st.sampled_from([PERSON_COMPACT, PERSON_FULL, handle_object()]), st.data())
def test_corrupted_objects_raise_only_parse_error_or_unknown_type(
    base: bytes, data: st.DataObject
) -> None:
    blob = bytearray(base)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] = data.draw(st.integers(0, 255))
    types = TypeCache(classes=[Person, HandleHolder])
    try:
        O.decode_complex(bytes(blob), 0, types)
        O.read_fields(bytes(blob), 0, types)
    except (ParseError, O.UnknownBinaryType):
        pass


def test_metadata_with_mismatched_schema_length_is_a_parse_error() -> None:
    types = TypeCache(
        [
            BinaryType(
                Person.type_id,
                "Person",
                fields={"id": BinaryField("id", 3, 3355)},
                schemas={970781171: (3355,)},
            )
        ]
    )
    with pytest.raises(ParseError):
        O.decode_complex(PERSON_COMPACT, 0, types)

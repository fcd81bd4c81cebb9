"""Collections, maps and leaves as stored: the reference node against embergrid.

Owns the differential tests of Java re-serialization on write: the same raw value is
put (OP_CACHE_PUT) on the real Apache Ignite 2.18.0 node and on the session's embergrid
server, read back raw (OP_CACHE_GET), and the response bytes must be equal. Facts are
in tools/reference-ignite/observed-facts.md ("Java re-serialization").

Must not import: ``embergrid`` (inputs are built here with ``struct``; the embergrid
server comes from the ``server_address`` fixture).
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Iterator

import pytest
from pyignite import Client
from pyignite.datatypes import CollectionObject, MapObject, ObjectArrayObject
from pyignite.utils import cache_id

from ._raw import RawConnection, string

OP_CACHE_GET = 1000
OP_CACHE_PUT = 1001
OP_CACHE_CREATE_WITH_NAME = 1051
OP_CACHE_DESTROY = 1056
CACHE = "collections-reference"


def coll(kind: int, *elems: bytes) -> bytes:
    return struct.pack("<bib", 24, len(elems), kind) + b"".join(elems)


def mp(kind: int, *kv: bytes) -> bytes:
    return struct.pack("<bib", 25, len(kv) // 2, kind) + b"".join(kv)


def i64(v: int) -> bytes:
    return struct.pack("<bq", 4, v)


def i32(v: int) -> bytes:
    return struct.pack("<bi", 3, v)


def f64(v: float) -> bytes:
    return struct.pack("<bd", 6, v)


def dec(scale: int, mag: bytes) -> bytes:
    return struct.pack("<bii", 30, scale, len(mag)) + mag


def ts(ms: int, nanos: int) -> bytes:
    return struct.pack("<bqi", 33, ms, nanos)


def date(ms: int) -> bytes:
    return struct.pack("<bq", 11, ms)


def obj_array(type_id: int, *elems: bytes) -> bytes:
    return struct.pack("<bii", 23, type_id, len(elems)) + b"".join(elems)


def uuid_(n: int) -> bytes:
    msb, lsb = divmod(n, 1 << 64)
    return struct.pack("<bQQ", 10, msb, lsb)


# A complex object as pyignite writes it (type "P", fields a: int = 1, b: str = "x").
COMPLEX = bytes.fromhex(
    "67012b007000000051e412ca25000000e6051522230000000301000000090100000078181d"
)

CASES: dict[str, bytes] = {
    "hash set dedup and order": coll(3, i64(4), i64(4), string("test"), f64(5.6)),
    "user set": coll(-1, i64(7), string("8"), f64(9.0)),
    "user col": coll(0, i64(7), string("8"), f64(9.0)),
    "array list": coll(1, i64(4), i64(4), string("test")),
    "linked list": coll(2, i64(3), i64(3)),
    "linked hash set": coll(4, i64(3), i64(1), i64(3), i64(2), i64(1)),
    "empty sets": coll(3, coll(3), coll(-1), coll(0), mp(1), mp(2)),
    "200 strings": coll(3, *[string(f"s{i}") for i in range(200)]),
    "Integer vs Long vs Double": coll(3, i32(1), i64(1), f64(1.0), i32(1)),
    "colliding longs grow the table": coll(3, *[i64(i * 16) for i in range(9)]),
    "colliding ints in a big table": coll(
        3, *[i32(i * 64) for i in range(12)], *[i32(i) for i in range(1, 60)]
    ),
    "nulls": coll(3, b"\x65", i64(1), b"\x65"),
    "nested lists and sets": coll(
        3,
        coll(1, i64(1), i64(2)),
        coll(2, i64(1), i64(2)),
        coll(3, i64(2), i64(1)),
        coll(4, i64(1), i64(2)),
    ),
    "maps in a set": coll(
        3,
        mp(1, i64(1), string("a")),
        mp(2, i64(1), string("a")),
        mp(1, i64(2), string("a")),
    ),
    "hash map": mp(1, *[x for i in range(10) for x in (i64(i * 16), i64(i))]),
    "hash map string keys": mp(
        1, *[x for i in range(50) for x in (string(f"k{i}"), i32(i))]
    ),
    "hash map duplicate keys": mp(
        1, i64(1), string("a"), i64(2), string("b"), i64(1), string("c")
    ),
    "linked map duplicate keys": mp(
        2, i64(3), string("a"), i64(2), string("b"), i64(3), string("c")
    ),
    "map kind 0": mp(0, i64(1), string("a")),
    "map of collections": mp(
        1,
        coll(1, i64(1)),
        mp(1, string("x"), f64(1.5)),
        string("k"),
        coll(3, i64(3), i64(3)),
    ),
    "decimals: scale and minimal magnitude": coll(
        3, dec(1, b"\x0a"), dec(2, b"\x64"), dec(1, b"\x00\x0a"), dec(0, b"\x80")
    ),
    "decimal with leading zeros": dec(1, b"\x00\x00\x05"),
    "decimal 128 and -0": coll(
        1, dec(0, b"\x00\x80"), dec(0, b"\x80\x00"), dec(0, b"\x81")
    ),
    "timestamp carry": ts(1000, 1_500_000),
    "timestamp before 1970": ts(-1500, 1_700_000),
    "timestamps and dates": coll(
        3,
        date(5000),
        ts(5000, 0),
        date(5000),
        ts(5000, 7),
        struct.pack("<bq", 36, 5000),
    ),
    "timestamp then date": coll(3, ts(5000, 0), date(5000)),
    "chars": coll(
        3,
        *[struct.pack("<bH", 7, ord(c)) for c in "zyxabc"],
        struct.pack("<bH", 7, 0xD800),
    ),
    "bools": coll(3, b"\x08\x02", b"\x08\x01", b"\x08\x00"),
    "bool top level": b"\x08\x02",
    "float and double NaN": coll(
        3,
        struct.pack("<bI", 5, 0x7FC00001),
        struct.pack("<bI", 5, 0x7FC00000),
        struct.pack("<bf", 5, -0.0),
        struct.pack("<bQ", 6, 0x7FF8000000000001),
    ),
    "invalid utf-8": coll(1, b"\x09\x02\x00\x00\x00\xff\xfe"),
    "unicode strings": coll(
        3, *[string(s) for s in ("é", "日本", "\U0001f600", "a", "ß")]
    ),
    "uuids": coll(3, *[uuid_(i * 0x1000000000000000F) for i in range(10)]),
    "enum 28 in a list": coll(1, struct.pack("<bii", 28, 123, 4)),
    "enum 28 top level": struct.pack("<bii", 28, 123, 4),
    "object arrays": coll(
        1, obj_array(-1, i64(1), string("a")), obj_array(12345, i64(1))
    ),
    "object array top level": obj_array(12345, i64(1), coll(3, i64(2), i64(1))),
    "complex objects in a set": coll(3, COMPLEX, COMPLEX),
    "complex object in a map": mp(1, string("k"), COMPLEX),
    "complex object in an object array": obj_array(-1, COMPLEX),
    "byte array in a list": coll(1, struct.pack("<bi", 12, 2) + b"ab", i64(1)),
}


class Raw:
    """One raw connection with the test cache created."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = RawConnection(host, port)
        self.rid = 100
        self.prefix = struct.pack("<ib", cache_id(CACHE), 0)
        reply = self.call(OP_CACHE_CREATE_WITH_NAME, string(CACHE), prefix=False)
        assert reply.status in (0, 1001), reply.message

    def call(self, op: int, body: bytes, prefix: bool = True):  # type: ignore[no-untyped-def]
        self.rid += 1
        return self.conn.request(op, self.rid, (self.prefix if prefix else b"") + body)

    def put_get(self, key: bytes, value: bytes) -> bytes:
        put = self.call(OP_CACHE_PUT, key + value)
        assert put.status == 0, put.message
        return self.get(key)

    def get(self, key: bytes) -> bytes:
        got = self.call(OP_CACHE_GET, key)
        assert got.status == 0, got.message
        return got.body

    def close(self) -> None:
        self.call(OP_CACHE_DESTROY, struct.pack("<i", cache_id(CACHE)), prefix=False)
        self.conn.close()


@pytest.fixture(scope="module")
def ignite(reference: tuple[str, int]) -> Iterator[Raw]:
    raw = Raw(*reference)
    yield raw
    raw.close()


@pytest.fixture(scope="module")
def ours(server_address: tuple[str, int]) -> Iterator[Raw]:
    raw = Raw(*server_address)
    yield raw
    raw.close()


@pytest.mark.parametrize("value", CASES.values(), ids=CASES.keys())
def test_value_reads_back_as_on_the_reference(
    ignite: Raw, ours: Raw, value: bytes
) -> None:
    key = string("v")
    assert ours.put_get(key, value) == ignite.put_get(key, value)


def test_set_key_matches_in_any_order_but_not_as_another_kind(
    ignite: Raw, ours: Raw
) -> None:
    for target in (ignite, ours):
        target.put_get(coll(3, i64(1), i64(2)), string("set"))
        assert target.get(coll(3, i64(2), i64(1))) == string("set")
        assert target.get(coll(-1, i64(2), i64(1))) == string("set")
        assert target.get(coll(4, i64(1), i64(2))) == b"\x65"
        assert target.get(coll(1, i64(1), i64(2))) == b"\x65"
        target.put_get(ts(1000, 1_500_000), string("ts"))
        assert target.get(ts(1001, 500_000)) == string("ts")


def seed_get_and_put_complex(host: str, port: int) -> list[object]:
    """The seed's get_and_put_complex example, as printed values."""
    client = Client()
    with client.connect(host, port):
        cache = client.get_or_create_cache("seed-get-and-put-complex")
        value = OrderedDict([(1, "test"), ("key", 2.0)])
        out: list[object] = []
        for hint, stored in (
            (MapObject, (MapObject.LINKED_HASH_MAP, value)),
            (MapObject, (MapObject.HASH_MAP, value)),
            (CollectionObject, (CollectionObject.LINKED_LIST, [1, "2", 3.0])),
            (CollectionObject, (CollectionObject.HASH_SET, [4, 4, "test", 5.6])),
            (ObjectArrayObject, (ObjectArrayObject.OBJECT, [7, "8", 9.0])),
        ):
            cache.put("k", stored, value_hint=hint)
            got = cache.get("k")
            out.append(
                (got[0], list(got[1].items()) if isinstance(got[1], dict) else got[1])
            )
        cache.destroy()
    return out


def test_seed_get_and_put_complex(
    reference: tuple[str, int], server_address: tuple[str, int]
) -> None:
    expected = [
        (2, [(1, "test"), ("key", 2.0)]),
        (1, [(1, "test"), ("key", 2.0)]),  # the seed's {'key': 2.0, 1: 'test'} is stale
        (2, [1, "2", 3.0]),
        (3, [5.6, 4, "test"]),
        (-1, [7, "8", 9.0]),
    ]
    assert seed_get_and_put_complex(*reference) == expected
    assert seed_get_and_put_complex(*server_address) == expected

"""What a Java Ignite node makes of a stored key or value: Java re-serialization.

Owns ``normalized(obj)`` (bytes in, bytes out): the data object a real Ignite 2.18
node would keep for the encoded key or value ``obj``; ``java_equals`` (Java
``equals`` on two encoded values); and ``JavaHashTable`` (the bucket order of
``java.util.HashMap``). Pure bytes logic shared by the server (``values.stored``)
and the engine (compare-and-set ops, query-entity alias order). Imports only
``embergrid.errors`` and ``embergrid.protocol``; standard library otherwise; must
not import the engine, the server or asyncio.

Theory of operation
-------------------
The thin-client handler reads each key and value "detached, not deserialized": numbers,
strings, dates, decimals... become boxed Java objects, collections (24) and maps (25)
become real Java collections, complex objects stay binary. The cache then marshals that
Java object again, so a client reads back Java's re-serialization. Observed on the
reference node (tools/reference-ignite/observed-facts.md, "Java re-serialization"):

* collection kinds: USER_SET(-1) and HASH_SET(3) -> ``HashSet`` written as 3;
  USER_COL(0) and ARR_LIST(1) -> ``ArrayList`` (1); LINKED_LIST(2) -> 2;
  LINKED_HASH_SET(4) -> 4. Map kinds USER_COL(0) and HASH_MAP(1) -> ``HashMap`` (1);
  LINKED_HASH_MAP(2) -> 2. Sets drop duplicates (the first element stays), maps keep
  the first key's position and the last value.
* ``HashSet``/``HashMap`` are created with ``capacity(n)`` (``n + 1`` below 3, else
  ``n + n // 3``), so the table is ``tableSizeFor(capacity)``; elements land in bucket
  ``(h ^ (h >>> 16)) & (size - 1)`` in insertion order, a bucket reaching 9 entries in
  a table below 64 doubles the table, and so does exceeding 0.75 * size. Iteration is
  bucket by bucket. ``JavaHashTable`` simulates exactly that.
* equality is Java ``equals``: ``Integer 4 != Long 4``, doubles and floats by bits (all
  NaNs equal), decimals by unscaled value *and* scale, lists equal lists, sets equal
  sets, maps equal maps, complex objects by type id and data bytes. Arrays have
  identity equality and an identity hash: never deduplicated, and their order on the
  node differs from run to run. Here they go after the hashed elements in input order.
* leaves are rewritten too, also at top level: a Timestamp's nanos carry into its
  millis, decimals get a minimal magnitude (``-0`` becomes ``0``), an Enum (28) becomes
  a BinaryEnum (38), a bool byte other than 1 becomes 0, float/double NaNs become the
  canonical NaN, invalid UTF-8 becomes U+FFFD, Object[] (23) gets type id -1, and a
  complex object inside a collection, map or Object[] is written 27-wrapped.

Not modelled (the value is kept as received): SINGLETON_LIST (5; the node stores one
element as an optimized-marshaller blob, code -2, and drops the connection for other
sizes), unknown collection/map kinds and negative or overflowing Timestamp nanos (the
node drops the connection), handles (102), and the red-black tree order of a bucket
with 9+ entries in a table of 64+ (we keep insertion order there).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from embergrid.errors import ParseError
from embergrid.protocol.binary.hashing import (
    decimal_hash,
    enum_hash,
    int32,
    java_string_hash,
    long_hash,
    uuid_hash,
)
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.codes import TypeCode as T
from embergrid.protocol.wire import I8, I16, I32, I64

__all__ = [
    "Entry",
    "JValue",
    "JavaHashTable",
    "Unmodelled",
    "java_capacity",
    "java_equals",
    "normalized",
    "read_value",
]

_i8 = I8.unpack_from
_i16 = I16.unpack_from
_i32 = I32.unpack_from
_i64 = I64.unpack_from
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_HEADER = struct.Struct("<bib")  # code, count, kind
_WRAP_OFFSET_ZERO = I32.pack(0)
_FLOAT_NAN = 0x7FC00000
_DOUBLE_NAN = 0x7FF8000000000000
_NANOS_PER_MS = 1_000_000
_MAX_DEPTH = 128
_TREEIFY = 9  # entries in one bucket that make Java treeify (or grow a small table)
_MIN_TREEIFY_TABLE = 64

# Collection kind read -> (Java class family, kind written back).
_LIST, _SET, _LINKED_SET = "list", "set", "linked-set"
_COLLECTION_KINDS: dict[int, tuple[str, int]] = {
    -1: (_SET, 3),
    0: (_LIST, 1),
    1: (_LIST, 1),
    2: (_LIST, 2),
    3: (_SET, 3),
    4: (_LINKED_SET, 4),
}
_MAP_KINDS: dict[int, tuple[bool, int]] = {0: (False, 1), 1: (False, 1), 2: (True, 2)}

# Codes whose bytes a Java round trip never changes (and that hold no collection).
_UNCHANGED = frozenset(
    {
        T.BYTE,
        T.SHORT,
        T.INT,
        T.LONG,
        T.CHAR,
        T.UUID,
        T.DATE,
        T.TIME,
        T.NULL,
        T.BINARY_ENUM,
        T.BYTE_ARRAY,
        T.SHORT_ARRAY,
        T.INT_ARRAY,
        T.LONG_ARRAY,
        T.FLOAT_ARRAY,
        T.DOUBLE_ARRAY,
        T.CHAR_ARRAY,
        T.BOOL_ARRAY,
        T.STRING_ARRAY,
        T.UUID_ARRAY,
        T.DATE_ARRAY,
        T.DECIMAL_ARRAY,
        T.TIMESTAMP_ARRAY,
        T.TIME_ARRAY,
        T.ENUM_ARRAY,
        T.BINARY_ARRAY,
        T.CLASS,
        T.COMPLEX_OBJECT,
        T.BINARY_OBJECT,
    }
)


class Unmodelled(Exception):
    """A construct this model does not reproduce; the caller keeps the input bytes."""


@dataclass(frozen=True, slots=True)
class JValue:
    """One value as the Java node holds it.

    ``out`` is its re-serialized encoding (a nested complex object already 27-wrapped
    when ``nested``), ``hash`` its Java ``hashCode()`` (None: identity hash, i.e.
    unpredictable), ``key`` a hashable stand-in for Java ``equals`` (None: identity).
    """

    out: bytes
    hash: int | None
    key: Hashable | None


# -- the HashMap model -----------------------------------------------------------


def java_capacity(n: int) -> int:
    """Ignite's ``U.capacity(n)``: a HashMap's initial capacity for ``n`` entries."""
    return n + 1 if n < 3 else n + n // 3


def _table_size_for(cap: int) -> int:
    """``HashMap.tableSizeFor``: the power of two at or above ``cap`` (at least 1)."""
    return 1 if cap <= 1 else 1 << (cap - 1).bit_length()


def _spread(h: int) -> int:
    u = h & 0xFFFFFFFF
    return u ^ (u >> 16)


def _same(new: Hashable, old: Hashable) -> bool:
    """``new.equals(old)`` on the stand-in keys (Date.equals accepts a Timestamp)."""
    if new == old:
        return True
    return (
        isinstance(new, tuple)
        and isinstance(old, tuple)
        and new[:1] == ("date",)
        and old[:1] == ("ts",)
        and new[1] == old[1]
    )


P = TypeVar("P")


@dataclass(slots=True)
class Entry(Generic[P]):
    """One HashMap node: Java hash, equality stand-in and what it carries."""

    hash: int
    key: Hashable
    payload: P


class JavaHashTable(Generic[P]):
    """``java.util.HashMap`` created with ``capacity(expected)``: bucket order only.

    ``table_size`` overrides the first table size (``new HashMap<>()`` allocates 16,
    ``new HashMap<>(map)`` ``tableSizeFor((int) (map.size() / 0.75f + 1))``).
    """

    def __init__(self, expected: int, table_size: int | None = None) -> None:
        self._first_size = (
            _table_size_for(java_capacity(expected))
            if table_size is None
            else _table_size_for(table_size)
        )
        self._table: list[list[Entry[P]]] = []
        self._threshold = 0
        self._size = 0

    def put(self, h: int, key: Hashable, payload: P) -> Entry[P] | None:
        """Insert a new entry (None), or return the equal entry already there."""
        if not self._table:
            self._allocate(self._first_size)
        bucket = self._table[_spread(h) & (len(self._table) - 1)]
        for entry in bucket:
            if entry.hash == h and _same(key, entry.key):
                return entry
        bucket.append(Entry(h, key, payload))
        if len(bucket) >= _TREEIFY and len(self._table) < _MIN_TREEIFY_TABLE:
            self._resize()
        self.count_one()
        return None

    def count_one(self) -> None:
        """Count an entry (also one kept outside the table) toward the threshold."""
        self._size += 1
        if self._table and self._size > self._threshold:
            self._resize()

    def entries(self) -> list[Entry[P]]:
        """Entries in Java iteration order (bucket by bucket)."""
        return [entry for bucket in self._table for entry in bucket]

    def _allocate(self, size: int) -> None:
        self._table = [[] for _ in range(size)]
        self._threshold = int(size * 0.75)

    def _resize(self) -> None:
        old = self.entries()
        self._allocate(len(self._table) * 2)
        mask = len(self._table) - 1
        for entry in old:  # Java's split keeps the relative order within a bucket
            self._table[_spread(entry.hash) & mask].append(entry)


# -- reading leaves --------------------------------------------------------------

Reader = Callable[[bytes, int, int, bool], tuple[JValue, int]]


def _fixed(width: int, tag: str, hasher: Callable[[int], int]) -> Reader:
    fmt = {1: I8, 2: I16, 4: I32, 8: I64}[width]

    def read(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
        end = pos + 1 + width
        (v,) = fmt.unpack_from(buf, pos + 1)
        return JValue(buf[pos:end], hasher(v), (tag, v)), end

    return read


def _read_char(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    (v,) = _U16.unpack_from(buf, pos + 1)
    return JValue(buf[pos : pos + 3], v, ("char", v)), pos + 3


def _read_bool(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    v = buf[pos + 1] == 1  # Ignite reads a boolean as ``byte == 1``
    return JValue(bytes((T.BOOL, v)), 1231 if v else 1237, ("bool", v)), pos + 2


def _read_float(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    (bits,) = _U32.unpack_from(buf, pos + 1)
    if bits & 0x7F800000 == 0x7F800000 and bits & 0x7FFFFF:
        bits = _FLOAT_NAN
    return JValue(
        bytes((T.FLOAT,)) + _U32.pack(bits), int32(bits), ("f", bits)
    ), pos + 5


def _read_double(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    (bits,) = _U64.unpack_from(buf, pos + 1)
    if bits & 0x7FF0000000000000 == 0x7FF0000000000000 and bits & 0xFFFFFFFFFFFFF:
        bits = _DOUBLE_NAN
    out = bytes((T.DOUBLE,)) + _U64.pack(bits)
    return JValue(out, long_hash(bits), ("d", bits)), pos + 9


def _read_string(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    end = object_end(buf, pos)
    raw = buf[pos + 5 : end]
    try:
        text = raw.decode("utf-8")
        out = buf[pos:end]
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        data = text.encode("utf-8")
        out = bytes((T.STRING,)) + I32.pack(len(data)) + data
    return JValue(out, java_string_hash(text), ("str", text)), end


def _read_uuid(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    msb, lsb = _i64(buf, pos + 1)[0], _i64(buf, pos + 9)[0]
    return JValue(
        buf[pos : pos + 17], uuid_hash(msb, lsb), ("uuid", msb, lsb)
    ), pos + 17


def _read_date(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    # java.util.Date (11) and java.sql.Time (36) are equal when their millis are.
    (ms,) = _i64(buf, pos + 1)
    return JValue(buf[pos : pos + 9], long_hash(ms), ("date", ms)), pos + 9


def _read_timestamp(
    buf: bytes, pos: int, depth: int, nested: bool
) -> tuple[JValue, int]:
    (ms,) = _i64(buf, pos + 1)
    (extra,) = _i32(buf, pos + 9)
    nanos = (ms % 1000) * _NANOS_PER_MS + extra  # new Timestamp(ms); setNanos(+extra)
    if not 0 <= nanos <= 999_999_999:
        raise Unmodelled("Timestamp nanos out of range: the node drops the connection")
    millis = (ms // 1000) * 1000 + nanos // _NANOS_PER_MS
    rest = nanos % _NANOS_PER_MS
    out = bytes((T.TIMESTAMP,)) + I64.pack(millis) + I32.pack(rest)
    return JValue(out, long_hash(millis), ("ts", millis, rest)), pos + 13


def _read_decimal(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    end = object_end(buf, pos)
    (scale,) = _i32(buf, pos + 1)
    mag = bytearray(buf[pos + 9 : end])
    if not mag:
        raise Unmodelled("empty decimal magnitude: the node drops the connection")
    negative = mag[0] & 0x80 != 0
    mag[0] &= 0x7F
    unscaled = int.from_bytes(mag, "big")
    data = bytearray(unscaled.to_bytes(unscaled.bit_length() // 8 + 1, "big"))
    if negative and unscaled:
        data[0] |= 0x80
        unscaled = -unscaled
    out = bytes((T.DECIMAL,)) + I32.pack(scale) + I32.pack(len(data)) + data
    return JValue(out, decimal_hash(unscaled, scale), ("dec", unscaled, scale)), end


def _read_enum(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    (tid,) = _i32(buf, pos + 1)
    if tid == 0:
        raise Unmodelled("enum named by class name")
    (ordinal,) = _i32(buf, pos + 5)
    out = bytes((T.BINARY_ENUM,)) + buf[pos + 1 : pos + 9]
    return JValue(out, enum_hash(tid, ordinal), ("enum", tid, ordinal)), pos + 9


def _complex(obj: bytes, nested: bool) -> JValue:
    """A complex object (bare 103 bytes): hash from its header, equality by data."""
    if len(obj) < 24:
        raise ParseError("truncated complex object")
    (flags,) = _U16.unpack_from(obj, 2)
    (tid,) = _i32(obj, 4)
    (h,) = _i32(obj, 8)
    (length,) = _i32(obj, 12)
    (schema_offset,) = _i32(obj, 20)
    data_end = (
        schema_offset if flags & 0x2 and 24 <= schema_offset <= length else length
    )
    out = obj
    if nested:
        out = bytes((T.BINARY_OBJECT,)) + I32.pack(len(obj)) + obj + _WRAP_OFFSET_ZERO
    return JValue(out, h, ("obj", tid, obj[24:data_end]))


def _read_complex(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    end = object_end(buf, pos)
    return _complex(buf[pos:end], nested), end


def _read_wrapped(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    end = object_end(buf, pos)
    (n,) = _i32(buf, pos + 1)
    (offset,) = _i32(buf, pos + 5 + n)
    start = pos + 5 + offset
    if not 0 <= offset < n or buf[start] != T.COMPLEX_OBJECT:
        raise Unmodelled("wrapped binary object without a complex object")
    return _complex(buf[start : object_end(buf, start)], nested), end


def _read_identity(
    buf: bytes, pos: int, depth: int, nested: bool
) -> tuple[JValue, int]:
    """Arrays kept as sent: identity hash and identity equality in Java."""
    end = object_end(buf, pos)
    return JValue(buf[pos:end], None, None), end


def _read_null(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    return JValue(bytes((T.NULL,)), 0, ("null",)), pos + 1


# -- reading containers ----------------------------------------------------------


def _read_object_array(
    buf: bytes, pos: int, depth: int, nested: bool
) -> tuple[JValue, int]:
    p = pos + 1
    (tid,) = _i32(buf, p)
    p += 4
    if tid == 0:  # class name follows; the node writes type id -1 anyway
        p = object_end(buf, p)
    (count,) = _i32(buf, p)
    items, end = _read_items(buf, p + 4, count, depth)
    out = b"".join([bytes((T.OBJECT_ARRAY,)), I32.pack(-1), I32.pack(count), *items])
    return JValue(out, None, None), end


def _read_items(
    buf: bytes, pos: int, count: int, depth: int
) -> tuple[list[bytes], int]:
    if count < 0 or count > len(buf) - pos:
        raise ParseError(f"bad element count {count}")
    items = []
    for _ in range(count):
        v, pos = read_value(buf, pos, depth + 1, True)
        items.append(v.out)
    return items, pos


def _read_collection(
    buf: bytes, pos: int, depth: int, nested: bool
) -> tuple[JValue, int]:
    _, count, kind = _HEADER.unpack_from(buf, pos)
    family, out_kind = _COLLECTION_KINDS.get(kind, ("", 0))
    if not family:
        raise Unmodelled(f"collection kind {kind}")
    if count < 0 or count > len(buf) - pos:
        raise ParseError(f"bad element count {count}")
    p = pos + 6
    elems = []
    for _ in range(count):
        v, p = read_value(buf, p, depth + 1, True)
        elems.append(v)
    kept = elems if family == _LIST else _hashed_order(elems, family == _LINKED_SET)
    out = b"".join(
        [_HEADER.pack(T.COLLECTION, len(kept), out_kind)] + [e.out for e in kept]
    )
    return JValue(out, *_collection_identity(family, kept)), p


def _collection_identity(
    family: str, elems: list[JValue]
) -> tuple[int | None, Hashable | None]:
    if any(e.hash is None for e in elems):
        return None, None
    if family == _LIST:
        h = 1
        for e in elems:
            h = (31 * h + (e.hash or 0)) & 0xFFFFFFFF
        return int32(h), ("list", tuple(e.key for e in elems))
    total = sum(e.hash or 0 for e in elems)
    return int32(total), ("set", frozenset(e.key for e in elems))


def _hashed_order(elems: list[JValue], linked: bool) -> list[JValue]:
    """Distinct elements of a HashSet (bucket order) or LinkedHashSet (first seen)."""
    table: JavaHashTable[JValue] = JavaHashTable(len(elems))
    loose: list[JValue] = []
    order: list[JValue] = []
    for e in elems:
        if e.hash is None or e.key is None:
            loose.append(e)
            order.append(e)
            table.count_one()
        elif table.put(e.hash, e.key, e) is None:
            order.append(e)
    if linked:
        return order
    return [entry.payload for entry in table.entries()] + loose


def _read_map(buf: bytes, pos: int, depth: int, nested: bool) -> tuple[JValue, int]:
    _, count, kind = _HEADER.unpack_from(buf, pos)
    linked, out_kind = _MAP_KINDS.get(kind, (False, 0))
    if not out_kind:
        raise Unmodelled(f"map kind {kind}")
    if count < 0 or 2 * count > len(buf) - pos:
        raise ParseError(f"bad entry count {count}")
    p = pos + 6
    table: JavaHashTable[list[JValue]] = JavaHashTable(count)
    order: list[list[JValue]] = []
    loose: list[list[JValue]] = []
    for _ in range(count):
        k, p = read_value(buf, p, depth + 1, True)
        v, p = read_value(buf, p, depth + 1, True)
        if k.hash is None or k.key is None:
            loose.append([k, v])
            order.append(loose[-1])
            table.count_one()
            continue
        pair = [k, v]
        found = table.put(k.hash, k.key, pair)
        if found is None:
            order.append(pair)
        else:
            found.payload[1] = v  # same key: the first key stays, the last value wins
    pairs = order if linked else [e.payload for e in table.entries()] + loose
    out = b"".join(
        [_HEADER.pack(T.MAP, len(pairs), out_kind)] + [k.out + v.out for k, v in pairs]
    )
    return JValue(out, *_map_identity(pairs)), p


def _map_identity(pairs: list[list[JValue]]) -> tuple[int | None, Hashable | None]:
    if any(k.hash is None or v.hash is None for k, v in pairs):
        return None, None
    total = sum((k.hash or 0) ^ (v.hash or 0) for k, v in pairs)
    return int32(total), ("map", frozenset((k.key, v.key) for k, v in pairs))


_READERS: dict[int, Reader] = {
    T.BYTE: _fixed(1, "b", lambda v: v),
    T.SHORT: _fixed(2, "s", lambda v: v),
    T.INT: _fixed(4, "i", lambda v: v),
    T.LONG: _fixed(8, "l", long_hash),
    T.FLOAT: _read_float,
    T.DOUBLE: _read_double,
    T.CHAR: _read_char,
    T.BOOL: _read_bool,
    T.STRING: _read_string,
    T.UUID: _read_uuid,
    T.DATE: _read_date,
    T.TIME: _read_date,
    T.TIMESTAMP: _read_timestamp,
    T.DECIMAL: _read_decimal,
    T.ENUM: _read_enum,
    T.BINARY_ENUM: _read_enum,
    T.NULL: _read_null,
    T.COMPLEX_OBJECT: _read_complex,
    T.BINARY_OBJECT: _read_wrapped,
    T.OBJECT_ARRAY: _read_object_array,
    T.COLLECTION: _read_collection,
    T.MAP: _read_map,
}
for _code in range(T.BYTE_ARRAY, T.BOOL_ARRAY + 1):
    _READERS[_code] = _read_identity
for _code in (
    T.STRING_ARRAY,
    T.UUID_ARRAY,
    T.DATE_ARRAY,
    T.DECIMAL_ARRAY,
    T.TIMESTAMP_ARRAY,
    T.TIME_ARRAY,
    T.ENUM_ARRAY,
):
    _READERS[_code] = _read_identity


def read_value(
    buf: bytes, pos: int = 0, depth: int = 0, nested: bool = False
) -> tuple[JValue, int]:
    """The data object at ``pos`` as the Java node holds it, and where it ends.

    ``nested`` marks an element of a collection, map or Object[] (complex objects are
    then written 27-wrapped). Raises ``ParseError`` on malformed bytes and
    ``Unmodelled`` for what this model does not reproduce.
    """
    if depth > _MAX_DEPTH:
        raise Unmodelled("nested too deeply")
    if pos >= len(buf):
        raise ParseError(f"expected a data object at offset {pos}")
    reader = _READERS.get(buf[pos])
    if reader is None:
        raise Unmodelled(f"type code {buf[pos]}")
    try:
        return reader(buf, pos, depth, nested)
    except struct.error as exc:
        raise ParseError(f"truncated data object at offset {pos}") from exc


def _needs_model(obj: bytes) -> bool:
    """False when Java's round trip cannot change ``obj`` (the cheap common case)."""
    code = obj[0]
    if code in _UNCHANGED:
        return False
    if code == T.STRING:
        if obj.isascii():  # header and text: ASCII text is valid UTF-8
            return False
        try:
            obj[5:].decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False
    return True


def normalized(obj: bytes) -> bytes:
    """``obj`` (one whole data object) as a Java Ignite node re-serializes it.

    Bytes the model cannot read or does not reproduce are returned unchanged.
    """
    if not obj or not _needs_model(obj):
        return obj
    try:
        value, end = read_value(obj)
    except (ParseError, Unmodelled, IndexError, ValueError, RecursionError):
        return obj
    return value.out if end == len(obj) else obj


def java_equals(a: bytes, b: bytes) -> bool | None:
    """Whether Java's ``a.equals(b)`` holds for two encoded values (None: unknown).

    Values holding an array (identity equality) are never equal to anything, not
    even to the same bytes, as on the node (``replace(k, old, new)`` with a map that
    holds a ``long[]`` fails there).
    """
    try:
        va, _ = read_value(a)
        vb, _ = read_value(b)
    except (ParseError, Unmodelled, IndexError, ValueError, RecursionError):
        return None
    if va.key is None or vb.key is None:
        return False
    return va.hash == vb.hash and _same(va.key, vb.key)

"""Java hash codes, Ignite ids and key partitions (reference §9.4, §9.5, §12.1, §12.2).

Owns every hash the protocol needs: ``java_string_hash`` (``String.hashCode`` over
UTF-16 units), ``type_id``/``field_id`` (lower-case id mapper), ``cache_id``,
``schema_id`` (FNV-1 variant over field ids), ``data_hash`` (a complex object's
header hash), the Java ``hashCode()`` of every key type, ``hash_key`` (a Python key,
hashed as it will be encoded), ``hash_key_bytes`` (an encoded key, used by the server)
and ``partition``.

Standard library only. Imports ``embergrid.errors``, ``embergrid.protocol.codes`` and
``embergrid.protocol.wire``; ``hash_key`` imports the codec and the complex-object
encoder at call time (they import this module).

Theory of operation
-------------------
Java hashes Strings over UTF-16 code units, never code points, and its id mapper
lower-cases each unit with ``Character.toLowerCase(char)``. ``str.lower()`` differs:

* it maps U+0130 (``İ``) to two code points (``i`` + U+0307); Java maps it to ``i``;
* it applies the Final_Sigma rule (U+03A3 at a word end -> U+03C2); Java always
  gives U+03C3;
* it lower-cases characters outside the BMP; Java sees two surrogate units and keeps
  them unchanged.

``_java_lower`` therefore lowers one character at a time (no sigma context), special-
cases U+0130 and leaves non-BMP characters alone. pyignite hashes code points instead
of units, so it disagrees with Java for any non-BMP character; we follow Java.

A key's hash is the Java ``hashCode()`` of the value the server deserializes; for a
complex object it is the hash stored in its header (offset 8), which the server must
trust rather than recompute. Arrays, collections and maps have no meaningful hash as
keys (reference §12.1, unverified); they hash to 0, as in pyignite.
"""

from __future__ import annotations

import functools
import operator
import struct
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from embergrid.errors import ParseError
from embergrid.protocol.codes import TypeCode as T
from embergrid.protocol.wire import F32, F64, I16, I32, I64, Buffer

__all__ = [
    "bool_hash",
    "cache_id",
    "char_hash",
    "data_hash",
    "decimal_hash",
    "double_hash",
    "enum_hash",
    "field_id",
    "float_hash",
    "hash_key",
    "hash_key_bytes",
    "int32",
    "java_lower",
    "java_string_hash",
    "long_hash",
    "partition",
    "schema_id",
    "schema_id_of_names",
    "type_id",
    "uuid_hash",
]

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
_FNV1_OFFSET = 0x811C9DC5
_FNV1_PRIME = 0x01000193
_DOTTED_CAPITAL_I = "\u0130"

_i32 = I32.unpack_from
_i64 = I64.unpack_from
_i16 = I16.unpack_from
_UNITS = struct.Struct("<H")


def int32(v: int) -> int:
    """``v`` wrapped to a signed 32-bit int, as Java int arithmetic would leave it."""
    v &= _MASK32
    return v - 0x100000000 if v & 0x80000000 else v


def _units(s: str) -> Iterable[int]:
    """The UTF-16 code units of ``s`` (lone surrogates pass through as units)."""
    if s.isascii():
        return s.encode("ascii")
    return memoryview(s.encode("utf-16-le", "surrogatepass")).cast("H")


def java_string_hash(s: str) -> int:
    """Java ``String.hashCode()``: ``h = 31*h + unit`` over UTF-16 units, int32 wrap."""
    h = 0
    for unit in _units(s):
        h = (31 * h + unit) & _MASK32
    return h - 0x100000000 if h & 0x80000000 else h


def java_lower(s: str) -> str:
    """``s`` lower-cased unit by unit, as Java's ``Character.toLowerCase`` does."""
    if s.isascii():
        return s.lower()
    return "".join(map(_lower_char, s))


def _lower_char(c: str) -> str:
    if c > "\uffff":  # two surrogate units in Java, which it does not lower-case
        return c
    if c == _DOTTED_CAPITAL_I:
        return "i"
    low = c.lower()
    return low if len(low) == 1 else c


def type_id(name: str) -> int:
    """Type id of a binary type name (lower-case hash, ``BinaryBasicIdMapper``)."""
    return java_string_hash(java_lower(name))


field_id = type_id  # a field id is the same lower-case hash of the field name


def cache_id(name: str) -> int:
    """Cache id: the case-sensitive ``String.hashCode()`` of the cache name."""
    return java_string_hash(name)


def schema_id(field_ids: Iterable[int]) -> int:
    """Schema id of an ordered list of field ids (FNV-1 variant); 0 for no fields."""
    h = 0
    first = True
    for fid in field_ids:
        if first:
            h, first = _FNV1_OFFSET, False
        for shift in (0, 8, 16, 24):
            h = ((h ^ ((fid >> shift) & 0xFF)) * _FNV1_PRIME) & _MASK32
    return int32(h)


def schema_id_of_names(names: Iterable[str]) -> int:
    """Schema id of an ordered list of field names."""
    return schema_id(field_id(n) for n in names)


_HASH_CHUNK = 4096
_POWERS_31 = [pow(31, k, 1 << 32) for k in range(_HASH_CHUNK + 1)]
_SHORT = 256  # up to this many bytes: one unpack against the powers, reversed
_POWERS_DOWN = _POWERS_31[_SHORT - 1 :: -1]  # 31**(_SHORT-1), ..., 31**0


@functools.lru_cache(maxsize=_SHORT + 1)
def _signed_bytes(n: int) -> struct.Struct:
    return struct.Struct(f"{n}b")


def data_hash(data: Buffer, start: int = 0, end: int | None = None) -> int:
    """Object hash of ``data[start:end]``: from 1, ``h = 31*h + signed byte``.

    Computed a chunk at a time as ``31**n * h + sum(byte[i] * 31**(n-1-i))``
    (mod 2**32), the sum of products taken by ``map`` over a table of powers
    rather than a Python step per byte. A short whole ``bytes`` (an SQL row's
    fields) is one chunk, its signed bytes read by one ``struct`` unpack."""
    if type(data) is bytes and start == 0 and end is None:
        n = len(data)
        if n <= _SHORT:
            signed_bytes: tuple[int, ...] = _signed_bytes(n).unpack(data)
            down = _POWERS_DOWN[_SHORT - n :]
            return int32(_POWERS_31[n] + sum(map(operator.mul, signed_bytes, down)))
        signed = memoryview(data).cast("b")  # the common case: a whole bytes
    else:
        signed = memoryview(data)[start:end].cast("B").cast("b")
    h = 1
    for at in range(0, len(signed), _HASH_CHUNK):
        part = signed[at : at + _HASH_CHUNK]
        terms = sum(map(operator.mul, reversed(part), _POWERS_31))
        h = (h * _POWERS_31[len(part)] + terms) & _MASK32
    return h - 0x100000000 if h & 0x80000000 else h


# Java hashCode() of each key type, from the Python value --------------------------


def long_hash(v: int) -> int:
    """``Long.hashCode``: ``(int)(v ^ (v >>> 32))``."""
    u = v & _MASK64
    return int32(u ^ (u >> 32))


def float_hash(v: float) -> int:
    """``Float.hashCode``: ``floatToIntBits`` (every NaN is 0x7FC00000)."""
    if v != v:
        return 0x7FC00000
    return int(_i32(F32.pack(v))[0])


def double_hash(v: float) -> int:
    """``Double.hashCode`` of ``doubleToLongBits`` (every NaN is canonical)."""
    if v != v:
        return long_hash(0x7FF8000000000000)
    return long_hash(int(_i64(F64.pack(v))[0]))


def bool_hash(v: bool) -> int:
    """``Boolean.hashCode``: 1231 for true, 1237 for false."""
    return 1231 if v else 1237


def char_hash(c: str) -> int:
    """``Character.hashCode``: the UTF-16 unit value."""
    return ord(c)


def uuid_hash(msb: int, lsb: int) -> int:
    """``UUID.hashCode`` from its signed or unsigned 64-bit halves."""
    x = (msb ^ lsb) & _MASK64
    return int32((x >> 32) ^ x)


def decimal_hash(unscaled: int, scale: int) -> int:
    """``BigDecimal.hashCode``: ``31 * BigInteger.hashCode(unscaled) + scale``."""
    mag = abs(unscaled)
    h = 0
    words = (mag.bit_length() + 31) // 32
    for i in range(words - 1, -1, -1):  # big-endian 32-bit words of |unscaled|
        h = (31 * h + ((mag >> (32 * i)) & _MASK32)) & _MASK32
    if unscaled < 0:
        h = -h
    return int32(31 * h + scale)


def enum_hash(type_id_: int, ordinal: int) -> int:
    """Hash of an enum key (28/38): ``31 * typeId + ordinal``."""
    return int32(31 * type_id_ + ordinal)


def partition(h: int, parts: int) -> int:
    """``RendezvousAffinityFunction.partition`` of a key hash ``h`` for ``parts``."""
    if parts <= 0:
        raise ValueError(f"partition count must be positive, got {parts}")
    if parts & (parts - 1) == 0:
        u = h & _MASK32
        return (u ^ (u >> 16)) & (parts - 1)
    r = abs(int32(h)) % parts  # Java remainder keeps the sign of h; abs() of it
    return r


# Hash of an encoded key ----------------------------------------------------------


def _need(data: Buffer, end: int) -> None:
    if end > len(data):
        raise ParseError("key data object is truncated")


def _h_int(data: Buffer, pos: int) -> int:
    _need(data, pos + 4)
    return int(_i32(data, pos)[0])


def _h_byte(data: Buffer, pos: int) -> int:
    _need(data, pos + 1)
    b = data[pos]
    return b - 256 if b > 127 else b


def _h_short(data: Buffer, pos: int) -> int:
    _need(data, pos + 2)
    return int(_i16(data, pos)[0])


def _h_long(data: Buffer, pos: int) -> int:
    _need(data, pos + 8)
    return long_hash(int(_i64(data, pos)[0]))


def _h_float(data: Buffer, pos: int) -> int:
    _need(data, pos + 4)
    return float_hash(float(F32.unpack_from(data, pos)[0]))


def _h_double(data: Buffer, pos: int) -> int:
    _need(data, pos + 8)
    return double_hash(float(F64.unpack_from(data, pos)[0]))


def _h_char(data: Buffer, pos: int) -> int:
    _need(data, pos + 2)
    return int(_UNITS.unpack_from(data, pos)[0])


def _h_bool(data: Buffer, pos: int) -> int:
    _need(data, pos + 1)
    return bool_hash(data[pos] != 0)


def _h_byte_array(data: Buffer, pos: int) -> int:
    """``Arrays.hashCode(byte[])``: Ignite partitions a byte[] key by its content
    (observed on the reference cluster: tests/client/aio/test_client_on_ignite.py)."""
    n = _h_int(data, pos)
    if n < 0:
        raise ParseError(f"negative byte array length {n}")
    _need(data, pos + 4 + n)
    return data_hash(data, pos + 4, pos + 4 + n)


def _h_string(data: Buffer, pos: int) -> int:
    n = _h_int(data, pos)
    if n < 0:
        raise ParseError(f"negative string length {n}")
    _need(data, pos + 4 + n)
    text = bytes(data[pos + 4 : pos + 4 + n]).decode("utf-8", "replace")
    return java_string_hash(text)


def _h_uuid(data: Buffer, pos: int) -> int:
    _need(data, pos + 16)
    return uuid_hash(int(_i64(data, pos)[0]), int(_i64(data, pos + 8)[0]))


def _h_decimal(data: Buffer, pos: int) -> int:
    scale = _h_int(data, pos)
    n = _h_int(data, pos + 4)
    if n < 0:
        raise ParseError(f"negative decimal length {n}")
    _need(data, pos + 8 + n)
    mag = bytearray(data[pos + 8 : pos + 8 + n])
    negative = bool(mag) and mag[0] & 0x80 != 0
    if mag:
        mag[0] &= 0x7F
    unscaled = int.from_bytes(mag, "big")
    return decimal_hash(-unscaled if negative else unscaled, scale)


def _h_enum(data: Buffer, pos: int) -> int:
    tid = _h_int(data, pos)
    pos += 4
    if tid == 0:  # unregistered: class name String follows the type id
        from embergrid.protocol.binary.span import object_end

        pos = object_end(data, pos)
    return enum_hash(tid, _h_int(data, pos))


def _h_binary_enum(data: Buffer, pos: int) -> int:
    return enum_hash(_h_int(data, pos), _h_int(data, pos + 4))


def _h_complex(data: Buffer, pos: int) -> int:
    _need(data, pos + 23)  # pos is just after the 103 byte; hash at object offset 8
    return int(_i32(data, pos + 7)[0])


def _h_wrapped(data: Buffer, pos: int) -> int:
    length = _h_int(data, pos)
    if length < 0:
        raise ParseError(f"negative wrapped object length {length}")
    _need(data, pos + 4 + length + 4)
    offset = _h_int(data, pos + 4 + length)
    root = pos + 4 + offset
    if offset < 0 or offset + 24 > length or data[root] != T.COMPLEX_OBJECT:
        raise ParseError("wrapped binary object does not hold a complex object")
    return int(_i32(data, root + 8)[0])


_BYTES_HASHERS: dict[int, Callable[[Buffer, int], int]] = {
    T.BYTE: _h_byte,
    T.SHORT: _h_short,
    T.INT: _h_int,
    T.LONG: _h_long,
    T.FLOAT: _h_float,
    T.DOUBLE: _h_double,
    T.CHAR: _h_char,
    T.BOOL: _h_bool,
    T.STRING: _h_string,
    T.BYTE_ARRAY: _h_byte_array,
    T.UUID: _h_uuid,
    T.DATE: _h_long,
    T.TIMESTAMP: _h_long,  # the extra nanoseconds are not hashed
    T.TIME: _h_long,
    T.DECIMAL: _h_decimal,
    T.ENUM: _h_enum,
    T.BINARY_ENUM: _h_binary_enum,
    T.COMPLEX_OBJECT: _h_complex,
    T.BINARY_OBJECT: _h_wrapped,
}


def hash_key_bytes(data: Buffer, pos: int = 0) -> int:
    """Java ``hashCode()`` of the key whose encoded data object starts at ``pos``.

    Complex objects (103, or 27-wrapped) give the hash stored in their header; a
    byte[] gives ``Arrays.hashCode``. Types without a meaningful key hash (other
    arrays, collections, maps, NULL) give 0.
    Raises ``ParseError`` on truncated bytes.
    """
    if pos >= len(data):
        raise ParseError("empty key data object")
    hasher = _BYTES_HASHERS.get(data[pos])
    return 0 if hasher is None else hasher(data, pos + 1)


# Hash of a Python key ------------------------------------------------------------


def hash_key(value: Any, hint: object = None) -> int:
    """Java ``hashCode()`` of ``value`` as it will be encoded with ``hint``.

    Unhinted ``str``, ``bool``, ``int`` (a long, as pyignite infers), ``float`` (a
    double) and ``uuid.UUID`` keys are hashed directly; anything else is encoded with
    the codec and hashed with ``hash_key_bytes``, so the hash always matches the bytes
    that go on the wire. A client that has already encoded the key should call
    ``hash_key_bytes`` on those bytes instead. Raises the codec's ``ParameterError``
    for a value it cannot encode.
    """
    if hint is None:
        fast = _VALUE_HASHERS.get(type(value))
        if fast is not None:
            return fast(value)
    from embergrid.protocol.binary.codec import encode_into

    out = bytearray()
    encode_into(out, value, hint)
    return hash_key_bytes(out)


def _hash_py_int(v: int) -> int:
    if not -(2**63) <= v < 2**63:
        from embergrid.protocol.binary.codec import encode

        return hash_key_bytes(encode(v))  # the codec raises ParameterError
    return long_hash(v)


def _hash_py_uuid(v: uuid.UUID) -> int:
    n = v.int
    return uuid_hash(n >> 64, n & _MASK64)


_VALUE_HASHERS: dict[type, Callable[[Any], int]] = {
    str: java_string_hash,
    bool: bool_hash,
    int: _hash_py_int,
    float: double_hash,
    uuid.UUID: _hash_py_uuid,
}

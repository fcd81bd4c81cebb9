"""Finding where one data object ends, without decoding it.

Owns ``object_end(buf, pos)``: the server keeps keys and values in their binary form
and message parsers slice ``Obj`` fields out of a frame, so both need the extent of a
data object (reference §8.1) without building Python values. Standard library only;
imports ``embergrid.errors`` and ``embergrid.protocol.wire``.
"""

from __future__ import annotations

from embergrid.errors import ParseError
from embergrid.protocol.codes import TypeCode as T
from embergrid.protocol.wire import I32, Buffer

__all__ = ["OPTIMIZED", "object_end", "read_object_bytes"]

OPTIMIZED = 0xFE
"""Code -2: an object the Java binary marshaller could not write field by field (e.g.
``Arrays.asList``) wrapped as ``i32 length`` + JDK/optimized-marshaller bytes. Java
thin clients send it; a server only keeps and returns it (no ``TypeCode`` member:
no client can build or read one without the JVM class)."""

_i32 = I32.unpack_from

# Payload sizes of fixed-width types (after the type code byte).
_FIXED: dict[int, int] = {
    T.BYTE: 1,
    T.SHORT: 2,
    T.INT: 4,
    T.LONG: 8,
    T.FLOAT: 4,
    T.DOUBLE: 8,
    T.CHAR: 2,
    T.BOOL: 1,
    T.UUID: 16,
    T.DATE: 8,
    T.TIMESTAMP: 12,
    T.TIME: 8,
    T.BINARY_ENUM: 8,
    T.NULL: 0,
    T.HANDLE: 4,
}
# Primitive arrays: i32 count + count * element size.
_PRIMITIVE_ARRAY: dict[int, int] = {
    T.BYTE_ARRAY: 1,
    T.SHORT_ARRAY: 2,
    T.INT_ARRAY: 4,
    T.LONG_ARRAY: 8,
    T.FLOAT_ARRAY: 4,
    T.DOUBLE_ARRAY: 8,
    T.CHAR_ARRAY: 2,
    T.BOOL_ARRAY: 1,
}
# Arrays whose elements are full data objects: i32 count + count objects.
_OBJECT_ARRAY: set[int] = {
    T.STRING_ARRAY,
    T.UUID_ARRAY,
    T.DATE_ARRAY,
    T.DECIMAL_ARRAY,
    T.TIMESTAMP_ARRAY,
    T.TIME_ARRAY,
}
_MAX_DEPTH = 256


def read_object_bytes(buf: Buffer, pos: int) -> tuple[bytes, int]:
    """The data object at ``pos`` as bytes, and the offset just after it."""
    end = object_end(buf, pos)
    return bytes(buf[pos:end]), end


def object_end(buf: Buffer, pos: int, _depth: int = 0) -> int:
    """Offset just past the data object starting at ``pos``; ``ParseError`` if
    malformed."""
    if _depth > _MAX_DEPTH:
        raise ParseError("data objects nested too deeply")
    size = len(buf)
    if pos >= size or pos < 0:
        raise ParseError(f"expected a data object at offset {pos}")
    code = buf[pos]
    pos += 1
    fixed = _FIXED.get(code)
    if fixed is not None:
        return _check(pos + fixed, size)
    if code == T.STRING or code == T.BYTE_ARRAY or code == T.BOOL_ARRAY:
        return _check(pos + 4 + _count(buf, pos, size), size)
    width = _PRIMITIVE_ARRAY.get(code)
    if width is not None:
        return _check(pos + 4 + width * _count(buf, pos, size), size)
    if code in _OBJECT_ARRAY:
        return _objects(buf, pos + 4, _count(buf, pos, size), _depth)
    if code == T.DECIMAL:
        return _check(pos + 8 + _count(buf, pos + 4, size), size)
    if code == T.COLLECTION:
        return _objects(buf, pos + 5, _count(buf, pos, size), _depth)
    if code == T.MAP:
        return _objects(buf, pos + 5, 2 * _count(buf, pos, size), _depth)
    if code == T.OBJECT_ARRAY or code == T.ENUM_ARRAY or code == T.BINARY_ARRAY:
        pos = _type_id_and_name(buf, pos, size, _depth)
        return _objects(buf, pos + 4, _count(buf, pos, size), _depth)
    if code == T.ENUM or code == T.CLASS:
        pos = _type_id_and_name(buf, pos, size, _depth)
        return _check(pos + (4 if code == T.ENUM else 0), size)
    if code == OPTIMIZED:
        return _check(pos + 4 + _count(buf, pos, size), size)
    if code == T.BINARY_OBJECT:
        length = _count(buf, pos, size)
        return _check(pos + 4 + length + 4, size)
    if code == T.COMPLEX_OBJECT:
        if pos + 23 > size:
            raise ParseError("truncated complex object header")
        total = _i32(buf, pos + 11)[0]
        if total < 24:
            raise ParseError(f"bad complex object length {total}")
        return _check(pos - 1 + total, size)
    raise ParseError(f"unknown type code {code} at offset {pos - 1}")


def _check(end: int, size: int) -> int:
    if end > size:
        raise ParseError(
            f"data object runs past the end of the buffer ({end} > {size})"
        )
    return end


def _count(buf: Buffer, pos: int, size: int) -> int:
    if pos + 4 > size:
        raise ParseError("truncated length field")
    n = int(_i32(buf, pos)[0])
    if n < 0:
        raise ParseError(f"negative length {n}")
    return n


def _objects(buf: Buffer, pos: int, count: int, depth: int) -> int:
    if count > len(buf) - pos:  # every object takes at least one byte
        raise ParseError(f"{count} elements cannot fit in the remaining bytes")
    for _ in range(count):
        pos = object_end(buf, pos, depth + 1)
    return pos


def _type_id_and_name(buf: Buffer, pos: int, size: int, depth: int) -> int:
    """Skip ``i32 typeId`` and, when it is 0, the class-name String that follows."""
    if pos + 4 > size:
        raise ParseError("truncated type id")
    type_id = _i32(buf, pos)[0]
    pos += 4
    if type_id == 0:
        if pos >= size or buf[pos] not in (T.STRING, T.NULL):
            raise ParseError("expected a class name after type id 0")
        pos = object_end(buf, pos, depth + 1)
    return pos

"""Java ``toString()`` of an encoded key, for error texts that quote a key.

Owns ``java_text(obj)``: what ``String.valueOf(key)`` prints on a Java node for the
data object ``obj`` (as the node keeps it, i.e. already normalized), or None where
Java's text cannot be reproduced (floating point, dates, arrays and complex objects
print identity hashes or JDK-specific digits). Observed on the 2.18 reference node
(tests/compat/test_diff_compare.py): strings print as they are, integers in decimal,
booleans as ``true``/``false``, UUIDs in canonical form, decimals as
``BigDecimal.toString``, collections as ``[a, b]`` and maps as ``{k=v}``.
Standard library, ``embergrid.errors`` and ``embergrid.protocol`` only; must not
import the engine or the server.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable

from embergrid.errors import ParseError
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.codes import TypeCode as T
from embergrid.protocol.wire import I8, I16, I32, I64

__all__ = ["big_decimal_text", "java_text"]

_U16 = struct.Struct("<H")
_HEADER = struct.Struct("<bib")  # code, count, kind
_MAX_DEPTH = 64


class _Opaque(Exception):
    """A value whose Java text is not reproducible."""


def big_decimal_text(unscaled: int, scale: int) -> str:
    """``BigDecimal.toString()``: plain unless scale < 0 or exponent < -6."""
    digits = str(abs(unscaled))
    sign = "-" if unscaled < 0 else ""
    adjusted = len(digits) - 1 - scale
    if scale >= 0 and adjusted >= -6:
        if scale == 0:
            return sign + digits
        if len(digits) > scale:
            return f"{sign}{digits[:-scale]}.{digits[-scale:]}"
        return f"{sign}0.{'0' * (scale - len(digits))}{digits}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}E{'+' if adjusted > 0 else ''}{adjusted}"


def _fixed(fmt: struct.Struct) -> Callable[[bytes, int, int], tuple[str, int]]:
    def read(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
        return str(fmt.unpack_from(buf, pos + 1)[0]), pos + 1 + fmt.size

    return read


def _bool(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
    return ("true" if buf[pos + 1] == 1 else "false"), pos + 2


def _char(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
    (unit,) = _U16.unpack_from(buf, pos + 1)
    return chr(unit), pos + 3


def _string(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
    end = object_end(buf, pos)
    return buf[pos + 5 : end].decode("utf-8", "replace"), end


def _uuid(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
    msb, lsb = I64.unpack_from(buf, pos + 1)[0], I64.unpack_from(buf, pos + 9)[0]
    value = ((msb & 0xFFFFFFFFFFFFFFFF) << 64) | (lsb & 0xFFFFFFFFFFFFFFFF)
    return str(uuid.UUID(int=value)), pos + 17


def _decimal(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
    end = object_end(buf, pos)
    (scale,) = I32.unpack_from(buf, pos + 1)
    mag = bytearray(buf[pos + 9 : end])
    if not mag:
        raise _Opaque("empty decimal")
    negative = mag[0] & 0x80 != 0
    mag[0] &= 0x7F
    unscaled = int.from_bytes(mag, "big")
    return big_decimal_text(-unscaled if negative else unscaled, scale), end


def _collection(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
    _, count, _kind = _HEADER.unpack_from(buf, pos)
    p, items = pos + 6, []
    for _ in range(count):
        text, p = _read(buf, p, depth + 1)
        items.append(text)
    return "[" + ", ".join(items) + "]", p


def _map(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
    _, count, _kind = _HEADER.unpack_from(buf, pos)
    p, items = pos + 6, []
    for _ in range(count):
        k, p = _read(buf, p, depth + 1)
        v, p = _read(buf, p, depth + 1)
        items.append(f"{k}={v}")
    return "{" + ", ".join(items) + "}", p


_READERS: dict[int, Callable[[bytes, int, int], tuple[str, int]]] = {
    T.BYTE: _fixed(I8),
    T.SHORT: _fixed(I16),
    T.INT: _fixed(I32),
    T.LONG: _fixed(I64),
    T.BOOL: _bool,
    T.CHAR: _char,
    T.STRING: _string,
    T.UUID: _uuid,
    T.DECIMAL: _decimal,
    T.COLLECTION: _collection,
    T.MAP: _map,
    T.NULL: lambda buf, pos, depth: ("null", pos + 1),
}


def _read(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
    reader = _READERS.get(buf[pos]) if pos < len(buf) else None
    if reader is None or depth > _MAX_DEPTH:
        raise _Opaque(f"no Java text for the object at {pos}")
    return reader(buf, pos, depth)


def java_text(obj: bytes) -> str | None:
    """Java's ``toString()`` of the encoded value ``obj``, or None if unknown."""
    try:
        text, end = _read(obj, 0, 0)
    except (_Opaque, ParseError, struct.error, LookupError, ValueError):
        return None
    return text if end == len(obj) else None

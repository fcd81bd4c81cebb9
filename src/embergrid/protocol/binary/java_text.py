"""Java ``toString()`` of an encoded key, for error texts that quote a key.

Owns ``java_text(obj)``: what ``String.valueOf(key)`` prints on a Java node for the
data object ``obj`` (as the node keeps it, i.e. already normalized), or None where
Java's text cannot be reproduced (dates print in the JVM's time zone, arrays and
complex objects print identity hashes). Observed on the 2.18 reference node
(tests/compat/test_diff_compare.py): strings print as they are, integers in decimal,
booleans as ``true``/``false``, UUIDs in canonical form, decimals as
``BigDecimal.toString``, floats and doubles as ``Float``/``Double.toString`` (the
shortest digits that read back, plain from 10^-3 to 10^7, else ``1.5E-7``),
collections as ``[a, b]`` and maps as ``{k=v}``.
Standard library, ``embergrid.errors`` and ``embergrid.protocol`` only; must not
import the engine or the server.
"""

from __future__ import annotations

import math
import struct
import uuid
from collections.abc import Callable
from decimal import Decimal

from embergrid.errors import ParseError
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.codes import TypeCode as T
from embergrid.protocol.wire import I8, I16, I32, I64

__all__ = ["big_decimal_text", "floating_text", "java_text"]

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


def floating_text(value: float, single: bool = False) -> str:
    """``Double.toString`` (``Float.toString`` if ``single``) of ``value``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    digits, exp = _shortest_digits(abs(value), single)
    if -3 <= exp < 7:  # plain: at least one digit on each side of the point
        if exp >= 0:
            whole = digits[: exp + 1].ljust(exp + 1, "0")
            return f"{sign}{whole}.{digits[exp + 1 :] or '0'}"
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp}"


def _shortest_digits(value: float, single: bool) -> tuple[str, int]:
    """The significant digits Java prints for ``value`` (a float32 when
    ``single``) and the power of ten of the first one: the fewest that read back
    as ``value``, but two at least, those two the closest (so ``4.9E-324``)."""
    text = repr(value)
    if single:
        for places in range(1, 10):
            text = f"{value:.{places - 1}e}"
            if _as_float32(float(text)) == value:
                break
    digits, exp = _digits(text)
    if len(digits) == 1:
        digits, exp = _digits(f"{value:.1e}")
    return digits, exp


def _digits(text: str) -> tuple[str, int]:
    """Significant digits of the decimal ``text`` (trailing zeros dropped) and
    the power of ten of the first one."""
    _, digit_tuple, exponent = Decimal(text).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    return digits, exponent + len(digits) - 1


_F32 = struct.Struct("<f")
_F32_MAX = _F32.unpack(b"\xff\xff\x7f\x7f")[0]


def _as_float32(value: float) -> float:
    """``value`` rounded to the nearest float32, as Java's parser rounds it."""
    try:
        return float(_F32.unpack(_F32.pack(value))[0])
    except OverflowError:  # struct refuses what IEEE rounds down to the maximum
        return _F32_MAX if abs(value) < _F32_MAX + 2.0**103 else math.inf


def _floating(fmt: struct.Struct) -> Callable[[bytes, int, int], tuple[str, int]]:
    single = fmt.size == 4

    def read(buf: bytes, pos: int, depth: int) -> tuple[str, int]:
        (value,) = fmt.unpack_from(buf, pos + 1)
        return floating_text(value, single), pos + 1 + fmt.size

    return read


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
    T.FLOAT: _floating(_F32),
    T.DOUBLE: _floating(struct.Struct("<d")),
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

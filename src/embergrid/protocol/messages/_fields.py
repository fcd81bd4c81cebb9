"""Body field helpers shared by the message modules (reference §1 notation).

Owns reading and writing typed ``Str`` (``09 len utf8`` or ``65``), ``ByteArr``,
typed ``UUIDt``, ``Obj`` slices (as raw bytes, via ``binary.span.object_end``),
bounded counts and the end-of-body check. Standard library only; imports
``embergrid.errors`` and ``embergrid.protocol`` (``codes``, ``wire``, ``binary.span``).
Everything raises ``ParseError`` on malformed input and nothing else.
"""

from __future__ import annotations

import struct
import uuid

from embergrid.errors import ParseError
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.codes import TypeCode
from embergrid.protocol.wire import Reader, Writer

__all__ = [
    "NULL_OBJECT",
    "expect_end",
    "read_byte_array",
    "read_count",
    "read_obj",
    "read_objs",
    "read_str",
    "read_uuid",
    "write_byte_array",
    "write_obj",
    "write_str",
    "write_uuid",
]

NULL_OBJECT = bytes([TypeCode.NULL])
"""The encoded NULL data object (``65``)."""

_STRING = TypeCode.STRING
_NULL = TypeCode.NULL


def _typed(r: Reader, code: int, what: str) -> bool:
    """Read a type code; True when it is ``code``, False for NULL, else ParseError."""
    pos = r.pos
    found = r.u8()
    if found == code:
        return True
    if found == _NULL:
        return False
    raise ParseError(
        f"expected {what} (type code {code}) or NULL at offset {pos}, got {found}"
    )


def read_count(r: Reader, item_size: int = 1) -> int:
    """An i32 count that is not negative and whose items (each at least
    ``item_size`` bytes) can fit in what is left of the body."""
    pos = r.pos
    n = r.i32()
    if n < 0:
        raise ParseError(f"negative count {n} at offset {pos}")
    if n * item_size > r.remaining():
        raise ParseError(
            f"count {n} at offset {pos} cannot fit in the {r.remaining()} bytes left"
        )
    return n


def read_str(r: Reader) -> str | None:
    """A typed String or NULL."""
    if not _typed(r, _STRING, "a String"):
        return None
    n = read_count(r)
    data = r.view(n)
    try:
        return str(data, "utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"String is not valid UTF-8: {exc}") from None


def write_str(w: Writer, value: str | None) -> None:
    if value is None:
        w.u8(_NULL)
        return
    data = value.encode("utf-8")
    w.u8(_STRING)
    w.i32(len(data))
    w.raw(data)


def read_byte_array(r: Reader) -> bytes | None:
    """A typed byte[] (code 12) or NULL."""
    if not _typed(r, TypeCode.BYTE_ARRAY, "a byte array"):
        return None
    return r.bytes(read_count(r))


def write_byte_array(w: Writer, value: bytes | None) -> None:
    if value is None:
        w.u8(_NULL)
        return
    w.u8(TypeCode.BYTE_ARRAY)
    w.i32(len(value))
    w.raw(value)


def read_uuid(r: Reader) -> uuid.UUID | None:
    """A typed UUID (code 10, msb, lsb) or NULL."""
    if not _typed(r, TypeCode.UUID, "a UUID"):
        return None
    return r.raw_uuid()


def write_uuid(w: Writer, value: uuid.UUID | None) -> None:
    if value is None:
        w.u8(_NULL)
        return
    w.u8(TypeCode.UUID)
    w.raw_uuid(value)


def read_obj(r: Reader) -> bytes:
    """The next complete data object, as its encoded bytes (not decoded)."""
    start, limit, buf = r.pos, r.end, r.buf
    if start >= limit:
        raise ParseError(f"expected a data object at offset {start}, body ended")
    end = object_end(buf if limit == len(buf) else buf[:limit], start)
    r.pos = end
    return buf[start:end].tobytes()


# The commonest keys and values (Python int -> LONG, hinted INT): their extent is
# known from the type code alone, which saves a call to ``object_end`` per object;
# a string's from its length field (``_extent``).
_FIXED_FAST = {int(TypeCode.LONG): 9, int(TypeCode.INT): 5}
_LENGTH = struct.Struct("<i").unpack_from


def _extent(view: memoryview, pos: int, limit: int) -> int:
    """Offset just past the object at ``pos``: the common kinds inline, the
    rest (and anything malformed, which it reports) by ``object_end``."""
    code = view[pos]
    size = _FIXED_FAST.get(code)
    if size is None and code == _STRING and pos + 5 <= limit:
        length = _LENGTH(view, pos + 1)[0]
        size = 5 + length if length >= 0 else None  # negative: object_end says so
    if size is not None and pos + size <= limit:
        return pos + size
    return object_end(view, pos)


def read_objs(r: Reader, n: int) -> list[bytes]:
    """The next ``n`` complete data objects (as ``read_obj`` would return them)."""
    pos, limit, buf = r.pos, r.end, r.buf
    view = buf if limit == len(buf) else buf[:limit]
    out: list[bytes] = []
    append = out.append
    for _ in range(n):
        if pos >= limit:
            r.pos = pos
            raise ParseError(f"expected a data object at offset {pos}, body ended")
        end = _extent(view, pos, limit)
        append(view[pos:end].tobytes())
        pos = end
    r.pos = pos
    return out


def skip_objs(r: Reader, n: int) -> None:
    """Step over the next ``n`` complete data objects (``ParseError`` as
    ``read_objs``), making none of them."""
    pos, limit, buf = r.pos, r.end, r.buf
    view = buf if limit == len(buf) else buf[:limit]
    for _ in range(n):
        if pos >= limit:
            r.pos = pos
            raise ParseError(f"expected a data object at offset {pos}, body ended")
        pos = _extent(view, pos, limit)
    r.pos = pos


def write_obj(w: Writer, value: bytes) -> None:
    """Write an already encoded data object (``NULL_OBJECT`` for null)."""
    w.raw(value)


def expect_end(r: Reader) -> None:
    """ParseError unless the whole body was consumed (fixed layouts)."""
    if r.pos != r.end:
        raise ParseError(f"{r.end - r.pos} unexpected trailing bytes at offset {r.pos}")

"""Little-endian reading and writing of the protocol's scalars.

Owns ``Reader`` (a position over one ``memoryview``) and ``Writer`` (one growing
``bytearray``), plus the precompiled ``struct.Struct`` objects every other protocol
module shares. Standard library only; imports only ``embergrid.errors``.

Every read that would run past the end of the buffer raises ``ParseError``, never
``struct.error`` or ``IndexError``, so callers can trust that one exception type.
"""

from __future__ import annotations

import struct
import uuid

from embergrid.errors import ParseError

__all__ = [
    "BOOL",
    "F32",
    "F64",
    "I8",
    "I16",
    "I32",
    "I64",
    "U8",
    "U16",
    "Buffer",
    "Reader",
    "Writer",
]

Buffer = bytes | bytearray | memoryview

I8 = struct.Struct("<b")
U8 = struct.Struct("<B")
I16 = struct.Struct("<h")
U16 = struct.Struct("<H")
I32 = struct.Struct("<i")
I64 = struct.Struct("<q")
F32 = struct.Struct("<f")
F64 = struct.Struct("<d")
BOOL = struct.Struct("<?")
UUID_PAIR = struct.Struct("<qq")

_i8 = I8.unpack_from
_u8 = U8.unpack_from
_i16 = I16.unpack_from
_u16 = U16.unpack_from
_i32 = I32.unpack_from
_i64 = I64.unpack_from
_f32 = F32.unpack_from
_f64 = F64.unpack_from


class Reader:
    """Sequential reads from one buffer; ``pos`` is the next byte to read."""

    __slots__ = ("buf", "end", "pos")

    def __init__(self, data: Buffer, pos: int = 0, end: int | None = None) -> None:
        self.buf = data if isinstance(data, memoryview) else memoryview(data)
        self.pos = pos
        self.end = len(self.buf) if end is None else end

    def remaining(self) -> int:
        return self.end - self.pos

    def need(self, n: int) -> int:
        """Reserve ``n`` bytes and return their start, or raise ``ParseError``."""
        pos = self.pos
        if n < 0 or pos + n > self.end:
            raise ParseError(
                f"need {n} bytes at offset {pos}, only {self.end - pos} left"
            )
        self.pos = pos + n
        return pos

    def skip(self, n: int) -> None:
        self.need(n)

    def i8(self) -> int:
        return int(_i8(self.buf, self.need(1))[0])

    def u8(self) -> int:
        return int(self.buf[self.need(1)])

    def bool(self) -> bool:
        return self.buf[self.need(1)] != 0

    def i16(self) -> int:
        return int(_i16(self.buf, self.need(2))[0])

    def u16(self) -> int:
        return int(_u16(self.buf, self.need(2))[0])

    def i32(self) -> int:
        return int(_i32(self.buf, self.need(4))[0])

    def i64(self) -> int:
        return int(_i64(self.buf, self.need(8))[0])

    def f32(self) -> float:
        return float(_f32(self.buf, self.need(4))[0])

    def f64(self) -> float:
        return float(_f64(self.buf, self.need(8))[0])

    def bytes(self, n: int) -> bytes:
        pos = self.need(n)
        return bytes(self.buf[pos : pos + n])

    def view(self, n: int) -> memoryview:
        pos = self.need(n)
        return self.buf[pos : pos + n]

    def raw_uuid(self) -> uuid.UUID:
        """A UUID as two bare i64 (most significant half first)."""
        msb, lsb = UUID_PAIR.unpack_from(self.buf, self.need(16))
        return uuid.UUID(
            int=((msb & 0xFFFFFFFFFFFFFFFF) << 64) | (lsb & 0xFFFFFFFFFFFFFFFF)
        )


class Writer:
    """Appends little-endian scalars to one ``bytearray`` (``out``)."""

    __slots__ = ("out",)

    def __init__(self, out: bytearray | None = None) -> None:
        self.out = bytearray() if out is None else out

    def __len__(self) -> int:
        return len(self.out)

    def getvalue(self) -> bytes:
        return bytes(self.out)

    def i8(self, v: int) -> None:
        self.out += I8.pack(v)

    def u8(self, v: int) -> None:
        self.out.append(v)

    def bool(self, v: bool) -> None:
        self.out.append(1 if v else 0)

    def i16(self, v: int) -> None:
        self.out += I16.pack(v)

    def u16(self, v: int) -> None:
        self.out += U16.pack(v)

    def i32(self, v: int) -> None:
        self.out += I32.pack(v)

    def i64(self, v: int) -> None:
        self.out += I64.pack(v)

    def f32(self, v: float) -> None:
        self.out += F32.pack(v)

    def f64(self, v: float) -> None:
        self.out += F64.pack(v)

    def raw(self, data: Buffer) -> None:
        self.out += data

    def raw_uuid(self, value: uuid.UUID) -> None:
        n = value.int
        self.out += UUID_PAIR.pack(
            _signed64(n >> 64), _signed64(n & 0xFFFFFFFFFFFFFFFF)
        )

    def reserve_i32(self) -> int:
        """Leave room for an i32 to fill in later with ``patch_i32``; return its
        offset."""
        pos = len(self.out)
        self.out += b"\0\0\0\0"
        return pos

    def patch_i32(self, pos: int, v: int) -> None:
        I32.pack_into(self.out, pos, v)


def _signed64(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n

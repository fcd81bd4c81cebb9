"""Splitting a byte stream into length-prefixed frames.

Owns ``FrameBuffer``: feed it whatever the socket gave, take whole frames out.
Every frame of the protocol, in both directions and including the handshake, is
``i32 length`` + ``length`` bytes (reference §2). Standard library only.

Theory of operation: bytes are appended to one ``bytearray``; ``_start`` marks the
first unread byte. ``next_frame`` copies one payload out (so the caller may keep it
as long as it likes) and advances ``_start``; the consumed prefix is dropped once per
``feed`` rather than once per frame.
"""

from __future__ import annotations

from embergrid.errors import ParseError
from embergrid.protocol.wire import I32, Buffer

__all__ = ["DEFAULT_MAX_FRAME", "FrameBuffer", "frame"]

DEFAULT_MAX_FRAME = 256 * 1024 * 1024
_unpack_len = I32.unpack_from


class FrameBuffer:
    """Incremental frame parser."""

    __slots__ = ("_buf", "_start", "max_frame")

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self._buf = bytearray()
        self._start = 0
        self.max_frame = max_frame

    def feed(self, data: Buffer) -> None:
        if self._start:
            del self._buf[: self._start]
            self._start = 0
        self._buf += data

    def buffered(self) -> int:
        """Bytes received but not yet returned as frames."""
        return len(self._buf) - self._start

    def next_frame(self) -> memoryview | None:
        """The next complete payload, or None until more bytes arrive.

        Raises ``ParseError`` for a negative or oversized length prefix; the
        stream cannot be resynchronised after that, so the connection must close.
        """
        start = self._start
        buf = self._buf
        if len(buf) - start < 4:
            return None
        (length,) = _unpack_len(buf, start)
        if length < 0 or length > self.max_frame:
            raise ParseError(f"bad frame length {length} (limit {self.max_frame})")
        end = start + 4 + length
        if len(buf) < end:
            return None
        self._start = end
        return memoryview(buf[start + 4 : end])


def frame(payload: Buffer) -> bytes:
    """Prefix ``payload`` with its i32 length."""
    return I32.pack(len(payload)) + bytes(payload)

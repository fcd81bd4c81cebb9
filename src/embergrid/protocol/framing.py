"""Splitting a byte stream into length-prefixed frames.

Owns ``FrameBuffer``: feed it whatever the socket gave, take whole frames out.
Every frame of the protocol, in both directions and including the handshake, is
``i32 length`` + ``length`` bytes (reference §2). Standard library only.

Theory of operation: the buffer is one immutable ``bytes`` object (``_buf``) plus a
list of chunks that arrived after it (``_tail``); ``_start`` marks the first unread
byte of ``_buf``. When everything fed so far has been consumed, the next chunk simply
becomes ``_buf`` (no copy). ``next_frame`` returns a ``memoryview`` slice of ``_buf``:
because ``bytes`` never changes, the caller may keep that view as long as it likes,
and no payload is copied. Only when a frame spans chunks are the unread bytes and the
tail joined into a new ``_buf`` -- once per completed frame, never per feed, so a
large frame arriving in many pieces is copied a bounded number of times.
"""

from __future__ import annotations

from embergrid.errors import ParseError
from embergrid.protocol.wire import I32, Buffer

__all__ = ["DEFAULT_MAX_FRAME", "FrameBuffer", "frame"]

DEFAULT_MAX_FRAME = 256 * 1024 * 1024
_unpack_len = I32.unpack_from
_pack_len = I32.pack


class FrameBuffer:
    """Incremental frame parser."""

    __slots__ = ("_buf", "_start", "_tail", "_tail_len", "max_frame")

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self._buf = b""
        self._start = 0
        self._tail: list[bytes] = []
        self._tail_len = 0
        self.max_frame = max_frame

    def feed(self, data: Buffer) -> None:
        if not data:
            return
        chunk = data if type(data) is bytes else bytes(data)
        if not self._tail and self._start >= len(self._buf):
            self._buf = chunk
            self._start = 0
        else:
            self._tail.append(chunk)
            self._tail_len += len(chunk)

    def buffered(self) -> int:
        """Bytes received but not yet returned as frames."""
        return len(self._buf) - self._start + self._tail_len

    def peek(self, n: int) -> bytes:
        """Up to ``n`` of the unread bytes, without consuming them."""
        head = self._buf[self._start : self._start + n]
        if len(head) < n and self._tail:
            head = (head + b"".join(self._tail))[:n]
        return head

    def next_frame(self) -> memoryview | None:
        """The next complete payload, or None until more bytes arrive.

        Raises ``ParseError`` for a negative or oversized length prefix; the
        stream cannot be resynchronised after that, so the connection must close.
        """
        buf, start = self._buf, self._start
        avail = len(buf) - start
        if avail < 4:
            if avail + self._tail_len < 4:
                return None
            buf, start = self._join()
        (length,) = _unpack_len(buf, start)
        if length < 0 or length > self.max_frame:
            raise ParseError(f"bad frame length {length} (limit {self.max_frame})")
        end = start + 4 + length
        if end > len(buf):
            if avail + self._tail_len < 4 + length:
                return None
            buf, start = self._join()
            end = 4 + length
        self._start = end
        return memoryview(buf)[start + 4 : end]

    def _join(self) -> tuple[bytes, int]:
        """Make the unread bytes and the tail one ``_buf`` starting at 0."""
        parts = [self._buf[self._start :], *self._tail]
        self._buf = b"".join(parts)
        self._start = 0
        self._tail = []
        self._tail_len = 0
        return self._buf, 0


def frame(payload: Buffer) -> bytes:
    """Prefix ``payload`` with its i32 length."""
    return _pack_len(len(payload)) + payload

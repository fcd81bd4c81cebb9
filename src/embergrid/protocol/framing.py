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

A frame over ``max_frame`` is an error. With ``keep_head`` set (the server, once
the handshake is done) it is not fatal: its first ``keep_head`` bytes (the request
header) are read, ``OversizedFrame`` is raised with them, and the rest is dropped
as it arrives, never held; the stream goes on with the next frame.
"""

from __future__ import annotations

from embergrid.errors import ParseError
from embergrid.protocol.wire import I32, Buffer

__all__ = ["DEFAULT_MAX_FRAME", "FrameBuffer", "OversizedFrame", "frame"]

DEFAULT_MAX_FRAME = 256 * 1024 * 1024
_unpack_len = I32.unpack_from
_pack_len = I32.pack


class OversizedFrame(ParseError):
    """A frame of ``length`` bytes, over ``limit``: ``head`` is its start; the
    rest is being dropped, and the stream can go on (``FrameBuffer.keep_head``)."""

    def __init__(self, length: int, limit: int, head: bytes) -> None:
        super().__init__(f"frame of {length} bytes over the limit of {limit}")
        self.length = length
        self.limit = limit
        self.head = head


class FrameBuffer:
    """Incremental frame parser."""

    __slots__ = (
        "_buf",
        "_skip",
        "_start",
        "_tail",
        "_tail_len",
        "keep_head",
        "max_frame",
    )

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self._buf = b""
        self._start = 0
        self._tail: list[bytes] = []
        self._tail_len = 0
        self._skip = 0  # bytes of an oversized frame still to drop
        self.max_frame = max_frame
        self.keep_head = 0  # > 0: oversized frames are dropped, not fatal

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
        if self._skip:
            self._drop()

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
        if self._skip:
            return None
        buf, start = self._buf, self._start
        avail = len(buf) - start
        if avail < 4:
            if avail + self._tail_len < 4:
                return None
            buf, start = self._join()
        (length,) = _unpack_len(buf, start)
        if length < 0 or length > self.max_frame:
            if length < 0 or length < self.keep_head or not self.keep_head:
                raise ParseError(f"bad frame length {length} (limit {self.max_frame})")
            self._oversized(length)  # raises once its head is here
            return None
        end = start + 4 + length
        if end > len(buf):
            if avail + self._tail_len < 4 + length:
                return None
            buf, start = self._join()
            end = 4 + length
        self._start = end
        return memoryview(buf)[start + 4 : end]

    def _oversized(self, length: int) -> None:
        """Read the head of an oversized frame, start dropping the rest, raise."""
        head = self.keep_head
        if self.buffered() < 4 + head:
            return None  # the head is still to come
        buf, start = self._buf, self._start
        if len(buf) - start < 4 + head:
            buf, start = self._join()
        data = bytes(buf[start + 4 : start + 4 + head])
        self._start = start + 4 + head
        self._skip = length - head
        self._drop()
        raise OversizedFrame(length, self.max_frame, data)

    def _drop(self) -> None:
        """Drop up to ``_skip`` bytes of what is buffered."""
        n = min(len(self._buf) - self._start, self._skip)
        self._start += n
        self._skip -= n
        while self._skip and self._tail:
            chunk = self._tail[0]
            if len(chunk) <= self._skip:
                self._tail.pop(0)
                self._skip -= len(chunk)
                self._tail_len -= len(chunk)
            else:
                self._tail[0] = chunk[self._skip :]
                self._tail_len -= self._skip
                self._skip = 0

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

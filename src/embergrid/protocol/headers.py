"""Request and response headers of every message after the handshake (reference §4).

Owns ``RequestHeader`` (``i16 opCode, i64 requestId``), ``ResponseHeader`` in both
layouts (< 1.4.0: ``i64 reqId, i32 status, [Str msg]``; >= 1.4.0: ``i64 reqId,
i16 flags, [i16 notification op], [i64 major, i32 minor], [i32 status, Str msg]``),
their encode/decode functions, and ``response_frame`` which builds a whole framed
response. Standard library only; imports ``embergrid.errors`` and
``embergrid.protocol.{codes,wire,handshake}``.

Decoders return the header and the offset where the body starts, so callers can take a
``memoryview`` slice of the body without copying.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from embergrid.errors import ParseError
from embergrid.protocol.codes import ResponseFlag, StatusCode
from embergrid.protocol.handshake import ProtocolVersion, read_str, write_str
from embergrid.protocol.wire import I32, Buffer, Reader, Writer

__all__ = [
    "REQUEST_HEADER_SIZE",
    "AffinityVersion",
    "RequestHeader",
    "ResponseHeader",
    "decode_request_header",
    "decode_response_header",
    "encode_request_header",
    "encode_response_header",
    "has_status_flags",
    "invalid_op_code_message",
    "request_frame",
    "response_frame",
]

REQUEST_HEADER_SIZE = 10
_FLAGS_VERSION = ProtocolVersion(1, 4, 0)
_KNOWN_FLAGS = int(
    ResponseFlag.ERROR
    | ResponseFlag.AFFINITY_TOPOLOGY_CHANGED
    | ResponseFlag.NOTIFICATION
)  # a plain int: ~ of an IntFlag stays inside the flag's own bits


class AffinityVersion(NamedTuple):
    """Affinity topology version; compared as the pair (major, minor)."""

    major: int
    minor: int


def has_status_flags(version: ProtocolVersion) -> bool:
    """True when responses use the ``i16 flags`` header (>= 1.4.0)."""
    return version >= _FLAGS_VERSION


def invalid_op_code_message(op_code: int) -> str:
    """Ignite's text for status 2 (reference §4.4)."""
    return f"Invalid request op code: {op_code}"


# -- request header (§4.1) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestHeader:
    """``op_code`` is a plain int: unknown codes must still be answered (§4.4)."""

    op_code: int
    request_id: int


def encode_request_header(header: RequestHeader) -> bytes:
    w = Writer()
    w.i16(header.op_code)
    w.i64(header.request_id)
    return w.getvalue()


def decode_request_header(payload: Buffer) -> tuple[RequestHeader, int]:
    """The header and the offset of the body."""
    r = Reader(payload)
    op_code = r.i16()
    return RequestHeader(op_code, r.i64()), r.pos


def request_frame(op_code: int, request_id: int, body: Buffer = b"") -> bytes:
    """A whole framed request: length, header, body."""
    head = encode_request_header(RequestHeader(op_code, request_id))
    return I32.pack(len(head) + len(body)) + head + bytes(body)


# -- response header (§4.2, §4.3) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class ResponseHeader:
    """A response (or, >= 1.4.0, notification) header.

    ``topology_version`` is set when the AFFINITY_TOPOLOGY_CHANGED flag is;
    ``notification_op`` when the NOTIFICATION flag is (then ``request_id`` is the
    resource id). ``message`` is only meaningful when ``status`` is not 0.
    """

    request_id: int
    status: int = StatusCode.SUCCESS
    message: str | None = None
    topology_version: AffinityVersion | None = None
    notification_op: int | None = None

    @property
    def flags(self) -> ResponseFlag:
        flags = ResponseFlag(0)
        if self.status != StatusCode.SUCCESS:
            flags |= ResponseFlag.ERROR
        if self.topology_version is not None:
            flags |= ResponseFlag.AFFINITY_TOPOLOGY_CHANGED
        if self.notification_op is not None:
            flags |= ResponseFlag.NOTIFICATION
        return flags

    @property
    def ok(self) -> bool:
        return self.status == StatusCode.SUCCESS


def encode_response_header(header: ResponseHeader, version: ProtocolVersion) -> bytes:
    """Header bytes in the layout of ``version``.

    Before 1.4.0 the topology version and notification op have no place and are dropped.
    """
    w = Writer()
    w.i64(header.request_id)
    if not has_status_flags(version):
        w.i32(header.status)
        if header.status != StatusCode.SUCCESS:
            write_str(w, header.message)
        return w.getvalue()
    w.i16(header.flags)
    if header.notification_op is not None:
        w.i16(header.notification_op)
    if header.topology_version is not None:
        w.i64(header.topology_version.major)
        w.i32(header.topology_version.minor)
    if header.status != StatusCode.SUCCESS:
        w.i32(header.status)
        write_str(w, header.message)
    return w.getvalue()


def decode_response_header(
    payload: Buffer, version: ProtocolVersion
) -> tuple[ResponseHeader, int]:
    """The header and the offset of the body (the end of the payload on error)."""
    r = Reader(payload)
    request_id = r.i64()
    if not has_status_flags(version):
        status = r.i32()
        message = read_str(r) if status != StatusCode.SUCCESS else None
        return ResponseHeader(request_id, status, message), r.pos
    flags = r.i16()
    if flags & ~_KNOWN_FLAGS:
        raise ParseError(f"unknown response flags 0x{flags & 0xFFFF:x}")
    notification_op = r.i16() if flags & ResponseFlag.NOTIFICATION else None
    topology = None
    if flags & ResponseFlag.AFFINITY_TOPOLOGY_CHANGED:
        topology = AffinityVersion(r.i64(), r.i32())
    status, message = StatusCode.SUCCESS.value, None
    if flags & ResponseFlag.ERROR:
        status = r.i32()
        message = read_str(r)
        if status == StatusCode.SUCCESS:
            raise ParseError("error flag set with status 0")
    header = ResponseHeader(request_id, status, message, topology, notification_op)
    return header, r.pos


def response_frame(
    version: ProtocolVersion,
    request_id: int,
    status: int = StatusCode.SUCCESS,
    message: str | None = None,
    topology_version: AffinityVersion | None = None,
    body: Buffer = b"",
) -> bytes:
    """A whole framed response; ``body`` is written only when ``status`` is 0."""
    header = ResponseHeader(request_id, status, message, topology_version)
    head = encode_response_header(header, version)
    tail = bytes(body) if status == StatusCode.SUCCESS else b""
    return I32.pack(len(head) + len(tail)) + head + tail

"""Request and response headers of every message after the handshake (reference §4).

Owns ``RequestHeader`` (``i16 opCode, i64 requestId``), ``ResponseHeader`` in both
layouts (< 1.4.0: ``i64 reqId, i32 status, [Str msg]``; >= 1.4.0: ``i64 reqId,
i16 flags, [i16 notification op], [i64 major, i32 minor], [i32 status, Str msg]``),
their encode/decode functions, ``response_frame`` which builds a whole framed
response, and the allocation-free hot paths ``unpack_request_header`` and
``success_frame`` (one ``struct`` call for length and header). Standard library
only; imports ``embergrid.errors`` and ``embergrid.protocol.{codes,wire,handshake}``.

Decoders return the header and the offset where the body starts, so callers can take a
``memoryview`` slice of the body without copying.
"""

from __future__ import annotations

import struct
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
    "success_frame",
    "unpack_request_header",
]

REQUEST_HEADER_SIZE = 10
_FLAGS_VERSION = ProtocolVersion(1, 4, 0)
_ERROR = int(ResponseFlag.ERROR)
_TOPOLOGY = int(ResponseFlag.AFFINITY_TOPOLOGY_CHANGED)
_NOTIFICATION = int(ResponseFlag.NOTIFICATION)
_KNOWN_FLAGS = _ERROR | _TOPOLOGY | _NOTIFICATION
# plain ints: ~ of an IntFlag stays inside the flag's own bits, and int ops are cheap
_SUCCESS = int(StatusCode.SUCCESS)

# Whole fixed-size prefixes packed or unpacked in one call (the hot paths).
_REQ_HEAD = struct.Struct("<hq")  # op code, request id
_REQ_FRAME_HEAD = struct.Struct("<ihq")  # length, op code, request id
_RESP_HEAD = struct.Struct("<qh")  # request id, flags (>= 1.4.0)
_OK_FRAME_FLAGS = struct.Struct("<iqh")  # length, request id, flags 0 (>= 1.4.0)
_OK_FRAME_STATUS = struct.Struct("<iqi")  # length, request id, status 0 (< 1.4.0)


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
    return _REQ_HEAD.pack(header.op_code, header.request_id)


def unpack_request_header(payload: Buffer) -> tuple[int, int]:
    """``(op_code, request_id)`` of a request payload; the body starts at
    ``REQUEST_HEADER_SIZE``. The allocation-free form of ``decode_request_header``."""
    if len(payload) < REQUEST_HEADER_SIZE:
        raise ParseError(
            f"need {REQUEST_HEADER_SIZE} bytes of request header, got {len(payload)}"
        )
    op_code, request_id = _REQ_HEAD.unpack_from(payload)
    return op_code, request_id


def decode_request_header(payload: Buffer) -> tuple[RequestHeader, int]:
    """The header and the offset of the body."""
    op_code, request_id = unpack_request_header(payload)
    return RequestHeader(op_code, request_id), REQUEST_HEADER_SIZE


def request_frame(op_code: int, request_id: int, body: Buffer = b"") -> bytes:
    """A whole framed request: length, header, body."""
    head = _REQ_FRAME_HEAD.pack(REQUEST_HEADER_SIZE + len(body), op_code, request_id)
    return head + body


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
        return ResponseFlag(_flag_bits(self))

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
    w.i16(_flag_bits(header))
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
    if len(payload) >= 10 and version >= _FLAGS_VERSION:
        request_id, flags = _RESP_HEAD.unpack_from(payload)
        if not flags:  # the common case: a plain success
            return ResponseHeader(request_id), 10
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
    status, message = _SUCCESS, None
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
    if status == _SUCCESS and topology_version is None:
        return success_frame(request_id, body, has_status_flags(version))
    header = ResponseHeader(request_id, status, message, topology_version)
    head = encode_response_header(header, version)
    tail = bytes(body) if status == StatusCode.SUCCESS else b""
    return I32.pack(len(head) + len(tail)) + head + tail


def success_frame(request_id: int, body: Buffer, flags_layout: bool) -> bytes:
    """A whole framed success response with no topology version and no
    notification: one pack for length and header, then ``body``.

    ``flags_layout`` is ``has_status_flags(version)`` of the connection.
    """
    if flags_layout:
        return _OK_FRAME_FLAGS.pack(10 + len(body), request_id, 0) + body
    return _OK_FRAME_STATUS.pack(12 + len(body), request_id, _SUCCESS) + body


def _flag_bits(header: ResponseHeader) -> int:
    flags = 0
    if header.status != _SUCCESS:
        flags |= _ERROR
    if header.topology_version is not None:
        flags |= _TOPOLOGY
    if header.notification_op is not None:
        flags |= _NOTIFICATION
    return flags

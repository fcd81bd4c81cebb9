"""Sans-IO client and server connection state (reference §2, §3, §4).

Owns ``ClientConnection`` and ``ServerConnection`` and the events they produce. Each
object owns one ``FrameBuffer``, the handshake state, the negotiated version and
features; the client allocates request ids and keeps the pending map, the server keeps
the last affinity topology version it reported. Bytes go in through ``receive_data``,
events come out of ``next_event``, and every ``send_*`` returns the bytes to write.
Standard library only: no socket, no asyncio, no waiting; imports only
``embergrid.errors`` and ``embergrid.protocol``.

Theory of operation (h11-style, one explicit state per side)::

    client:  IDLE --start_handshake--> HANDSHAKING --success--> ESTABLISHED
                  <--------failure------------'
    server:  AWAIT_HANDSHAKE --frame--> HANDSHAKE_RECEIVED --success--> ESTABLISHED
                  <-----------failure------------'
    either:  any --ParseError--> CLOSED (the driver closes the socket)

A failed handshake leaves both sides ready for another one on the same socket (§3.3).
On the server, a first frame whose first byte is not 1 is a ``ParseError``, and so is
a handshake of the ODBC or JDBC client type (not served here; it is also what a
heartbeat, op 1, sent before any handshake reads as). Until a handshake succeeds a
frame may not exceed ``HANDSHAKE_FRAME_LIMIT`` (64 KiB): nobody unauthenticated makes
the server hold more, and a TLS ClientHello sent to a plaintext port (``16 03 ...``)
is recognised and refused at once instead of being read as a 33 MB frame. While the
server waits for the handshake answer it returns no further events. The server sets
the topology flag on the first response carrying a topology version and whenever that
version grows (§4.3); versions < 1.4.0 have no flag.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum

from embergrid.errors import ParameterError, ParseError
from embergrid.protocol.codes import ClientType, OpCode, ProtocolFeature, StatusCode
from embergrid.protocol.framing import (
    DEFAULT_MAX_FRAME,
    FrameBuffer,
    OversizedFrame,
    frame,
)
from embergrid.protocol.handshake import (
    HANDSHAKE_OP,
    LATEST_VERSION,
    HandshakeFailure,
    HandshakeRequest,
    HandshakeResponse,
    HandshakeSuccess,
    ProtocolVersion,
    decode_handshake_request,
    decode_handshake_response,
    encode_handshake_request,
    encode_handshake_response,
)
from embergrid.protocol.headers import (
    REQUEST_HEADER_SIZE,
    AffinityVersion,
    ResponseHeader,
    decode_response_header,
    encode_response_header,
    has_status_flags,
    invalid_op_code_message,
    request_frame,
    success_frame,
    unpack_request_header,
)
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer

__all__ = [
    "HANDSHAKE_FRAME_LIMIT",
    "ClientConnection",
    "ClientState",
    "HandshakeAccepted",
    "HandshakeReceived",
    "HandshakeRejected",
    "Request",
    "RequestTooLarge",
    "Response",
    "ServerConnection",
    "ServerState",
]

_MAX_I64 = (1 << 63) - 1
HANDSHAKE_FRAME_LIMIT = 64 * 1024
"""The largest frame a server takes before a handshake succeeded."""
_TLS_RECORD = b"\x16\x03"  # a TLS handshake record, version 3.x
_NOT_SERVED = frozenset({ClientType.ODBC, ClientType.JDBC})
_KNOWN_OPS = frozenset(int(op) for op in OpCode)


class ClientState(Enum):
    IDLE = "idle"
    HANDSHAKING = "handshaking"
    ESTABLISHED = "established"
    CLOSED = "closed"


class ServerState(Enum):
    AWAIT_HANDSHAKE = "await_handshake"
    HANDSHAKE_RECEIVED = "handshake_received"
    ESTABLISHED = "established"
    CLOSED = "closed"


# -- events --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandshakeAccepted:
    """Client side: the server took ``version``."""

    version: ProtocolVersion
    features: ProtocolFeature
    node_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class HandshakeRejected:
    """Client side: the server refused ``proposed``; see ``fallback_version``."""

    proposed: ProtocolVersion
    failure: HandshakeFailure


@dataclass(slots=True)
class Response:
    """Client side: one response (or notification) and a view of its body.

    ``op_code`` is the op of the request this answers (``None`` for notifications).
    Not frozen (one is built per response, and a frozen dataclass's ``__init__``
    costs several times a plain one's); treat it as immutable all the same.
    """

    header: ResponseHeader
    body: memoryview
    op_code: int | None


@dataclass(frozen=True, slots=True)
class HandshakeReceived:
    """Server side: answer it with ``ServerConnection.answer_handshake``."""

    request: HandshakeRequest


@dataclass(slots=True)
class Request:
    """Server side: one request. ``known`` is False for op codes we do not recognise.

    Not frozen, like ``Response`` (one is built per request); treat it as immutable.
    """

    op_code: int
    request_id: int
    body: memoryview

    @property
    def known(self) -> bool:
        return self.op_code in _KNOWN_OPS


ClientEvent = HandshakeAccepted | HandshakeRejected | Response


@dataclass(frozen=True, slots=True)
class RequestTooLarge:
    """Server side: a request over the frame limit, dropped unread but for its
    header; answer it with an error (the connection goes on)."""

    op_code: int
    request_id: int
    length: int
    limit: int


ServerEvent = HandshakeReceived | Request | RequestTooLarge


# -- client --------------------------------------------------------------------


class ClientConnection:
    """Client half of one socket."""

    def __init__(self, *, first_request_id: int = 1) -> None:
        self._frames = FrameBuffer()
        self.state = ClientState.IDLE
        self.version: ProtocolVersion | None = None
        self.features = ProtocolFeature(0)
        self.node_id: uuid.UUID | None = None
        self.topology_version: AffinityVersion | None = None
        self._proposed: ProtocolVersion | None = None
        self._next_id = first_request_id
        self._pending: dict[int, int] = {}
        self._context: ProtocolContext | None = None  # immutable; rebuilt on change

    @property
    def context(self) -> ProtocolContext:
        """Negotiated version and features, as the message codecs take them."""
        if self.version is None:
            raise ParameterError("no protocol negotiated yet")
        ctx = self._context
        if ctx is None or ctx.version != self.version or ctx.features != self.features:
            ctx = self._context = ProtocolContext(self.version, self.features)
        return ctx

    @property
    def pending(self) -> int:
        """Requests sent and not yet answered."""
        return len(self._pending)

    @property
    def next_request_id(self) -> int:
        """The id the next request gets (it changes with every request sent)."""
        return self._next_id

    def start_handshake(self, request: HandshakeRequest) -> bytes:
        """Bytes of a handshake frame; allowed when idle (also after a rejection)."""
        if self.state is not ClientState.IDLE:
            raise ParameterError(
                f"cannot start a handshake in state {self.state.value}"
            )
        self.state = ClientState.HANDSHAKING
        self._proposed = request.version
        return frame(encode_handshake_request(request))

    def send_request(self, op_code: int, body: Buffer = b"") -> tuple[int, bytes]:
        """Allocate a request id and return it with the framed request."""
        if self.state is not ClientState.ESTABLISHED:
            raise ParameterError(f"cannot send a request in state {self.state.value}")
        request_id = self._next_id
        self._next_id = request_id + 1 if request_id < _MAX_I64 else 1
        self._pending[request_id] = op_code
        return request_id, request_frame(op_code, request_id, body)

    def receive_data(self, data: Buffer) -> None:
        self._frames.feed(data)

    def next_event(self) -> ClientEvent | None:
        """The next decoded event, or ``None`` until more bytes arrive."""
        state = self.state
        if state is ClientState.CLOSED:
            raise ParseError("connection is closed")
        try:
            payload = self._frames.next_frame()
            if payload is None:
                return None
            if state is ClientState.ESTABLISHED:  # the common case first
                return self._on_response(payload)
            if state is ClientState.HANDSHAKING:
                return self._on_handshake(payload)
            raise ParseError(f"unexpected frame in state {state.value}")
        except ParseError:
            self.state = ClientState.CLOSED
            raise

    def _on_handshake(self, payload: memoryview) -> ClientEvent:
        proposed = self._proposed or LATEST_VERSION
        resp = decode_handshake_response(payload, proposed)
        if isinstance(resp, HandshakeFailure):
            self.state = ClientState.IDLE
            return HandshakeRejected(proposed, resp)
        self.state = ClientState.ESTABLISHED
        self.version = proposed
        self.features = resp.features or ProtocolFeature(0)
        self.node_id = resp.node_id
        return HandshakeAccepted(proposed, self.features, resp.node_id)

    def _on_response(self, payload: memoryview) -> Response:
        version = self.version
        assert version is not None
        header, offset = decode_response_header(payload, version)
        op_code = None
        if header.notification_op is None:
            op_code = self._pending.pop(header.request_id, None)
            if op_code is None:
                raise ParseError(f"response to unknown request id {header.request_id}")
        topology = header.topology_version
        if topology is not None and (
            self.topology_version is None or topology > self.topology_version
        ):
            self.topology_version = topology
        return Response(header, payload[offset:], op_code)


# -- server --------------------------------------------------------------------


def _too_large(exc: OversizedFrame) -> RequestTooLarge:
    op_code, request_id = unpack_request_header(exc.head)
    return RequestTooLarge(op_code, request_id, exc.length, exc.limit)


class ServerConnection:
    """Server half of one socket; ``max_frame`` bounds frames once established."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._frames = FrameBuffer(min(max_frame, HANDSHAKE_FRAME_LIMIT))
        self.state = ServerState.AWAIT_HANDSHAKE
        self.version: ProtocolVersion | None = None
        self.features = ProtocolFeature(0)
        self.reported_topology: AffinityVersion | None = None
        self._handshake: HandshakeRequest | None = None
        self._flags_layout = False  # has_status_flags(version), set on success
        self._error: ParseError | None = None  # raised by the next call (next_events)

    @property
    def context(self) -> ProtocolContext:
        """Negotiated version and features, as the message codecs take them."""
        if self.version is None:
            raise ParameterError("no protocol negotiated yet")
        return ProtocolContext(version=self.version, features=self.features)

    @property
    def partial_bytes(self) -> int:
        """Bytes received that do not make a whole frame yet."""
        return self._frames.buffered()

    def receive_data(self, data: Buffer) -> None:
        self._frames.feed(data)

    def next_event(self) -> ServerEvent | None:
        """The next request or handshake, or ``None`` (also while a handshake awaits
        its answer). Malformed input raises ``ParseError`` and closes the connection."""
        state = self.state
        if state is ServerState.CLOSED:
            raise self._closed_error()
        if state is ServerState.HANDSHAKE_RECEIVED:
            return None
        try:
            if (
                state is ServerState.AWAIT_HANDSHAKE
                and self._frames.peek(2) == _TLS_RECORD
            ):
                raise ParseError("a TLS handshake on a plaintext port")
            payload = self._frames.next_frame()
            if payload is None:
                return None
            if state is ServerState.AWAIT_HANDSHAKE:
                return self._on_handshake(payload)
            op_code, request_id = unpack_request_header(payload)
            return Request(op_code, request_id, payload[REQUEST_HEADER_SIZE:])
        except OversizedFrame as exc:
            return _too_large(exc)
        except ParseError:
            self.state = ServerState.CLOSED
            raise

    def next_events(self) -> list[ServerEvent]:
        """Every event the bytes received so far make, in order: ``next_event`` until
        ``None``, in one call. A handshake ends the list (nothing follows it until it
        is answered). Malformed input closes the connection; the ``ParseError`` is
        raised at once if no event came before it, else by the next call, after the
        events before it were returned."""
        if self.state is not ServerState.ESTABLISHED:
            event = self.next_event()
            return [] if event is None else [event]
        next_frame = self._frames.next_frame
        events: list[ServerEvent] = []
        try:
            while True:
                try:
                    payload = next_frame()
                except OversizedFrame as exc:
                    events.append(_too_large(exc))
                    continue
                if payload is None:
                    break
                op_code, request_id = unpack_request_header(payload)
                events.append(
                    Request(op_code, request_id, payload[REQUEST_HEADER_SIZE:])
                )
        except ParseError as exc:
            self.state = ServerState.CLOSED
            if not events:
                raise
            self._error = exc
        return events

    def _closed_error(self) -> ParseError:
        error, self._error = self._error, None
        return error or ParseError("connection is closed")

    def _on_handshake(self, payload: memoryview) -> HandshakeReceived:
        if len(payload) == 0 or payload[0] != HANDSHAKE_OP:
            first = payload[0] if len(payload) else None
            raise ParseError(f"first frame is not a handshake (first byte {first})")
        request = decode_handshake_request(payload)
        if request.client_type in _NOT_SERVED:
            kind = ClientType(request.client_type).name
            raise ParseError(f"a {kind} client handshake (thin clients only)")
        self._handshake = request
        self.state = ServerState.HANDSHAKE_RECEIVED
        return HandshakeReceived(request)

    def answer_handshake(self, response: HandshakeResponse) -> bytes:
        """Bytes of the handshake answer; a success establishes the connection."""
        request = self._handshake
        if self.state is not ServerState.HANDSHAKE_RECEIVED or request is None:
            raise ParameterError(f"no handshake to answer in state {self.state.value}")
        self._handshake = None
        if isinstance(response, HandshakeSuccess):
            self.state = ServerState.ESTABLISHED
            self._frames.keep_head = REQUEST_HEADER_SIZE  # oversized: answered
            self.version = request.version
            self.features = response.features or ProtocolFeature(0)
            self._flags_layout = has_status_flags(request.version)
            self._frames.max_frame = self.max_frame
        else:
            self.state = ServerState.AWAIT_HANDSHAKE
        return frame(encode_handshake_response(response, request.version))

    def send_response(
        self,
        request_id: int,
        body: Buffer = b"",
        *,
        topology_version: AffinityVersion | None = None,
    ) -> bytes:
        """A success frame; ``topology_version`` is the cluster's current one."""
        if (
            self.state is ServerState.ESTABLISHED
            and self._flags_layout
            and topology_version is not None
            and topology_version == self.reported_topology
        ):  # the common case: nothing to report, one pack and the body
            return success_frame(request_id, body, True)
        return self._respond(
            request_id, StatusCode.SUCCESS, None, topology_version, body
        )

    def send_error(
        self,
        request_id: int,
        status: int,
        message: str,
        *,
        topology_version: AffinityVersion | None = None,
    ) -> bytes:
        """An error frame (no body)."""
        if status == StatusCode.SUCCESS:
            raise ParameterError("an error response needs a non-zero status")
        return self._respond(request_id, status, message, topology_version, b"")

    def send_invalid_op_code(
        self, request: Request, *, topology_version: AffinityVersion | None = None
    ) -> bytes:
        """Status 2 ``Invalid request op code: N`` for an unknown op (§4.4)."""
        return self.send_error(
            request.request_id,
            StatusCode.INVALID_OP_CODE,
            invalid_op_code_message(request.op_code),
            topology_version=topology_version,
        )

    def send_notification(self, resource_id: int, op_code: int, body: Buffer) -> bytes:
        """A server-initiated frame (>= 1.4.0): flag 0x4, ``op_code`` and the
        ``resource_id`` of the resource it concerns in place of a request id
        (reference §4.5); never a topology version."""
        if self.state is not ServerState.ESTABLISHED or self.version is None:
            raise ParameterError(f"cannot notify in state {self.state.value}")
        header = ResponseHeader(resource_id, StatusCode.SUCCESS, None, None, op_code)
        return frame(encode_response_header(header, self.version) + body)

    def _respond(
        self,
        request_id: int,
        status: int,
        message: str | None,
        topology: AffinityVersion | None,
        body: Buffer,
    ) -> bytes:
        if self.state is not ServerState.ESTABLISHED or self.version is None:
            raise ParameterError(f"cannot respond in state {self.state.value}")
        flagged = self._topology_flag(topology)
        if status == StatusCode.SUCCESS and flagged is None:
            return success_frame(request_id, body, has_status_flags(self.version))
        header = ResponseHeader(request_id, status, message, flagged)
        return frame(encode_response_header(header, self.version) + body)

    def _topology_flag(self, current: AffinityVersion | None) -> AffinityVersion | None:
        """``current`` if this response must carry it, remembering it as reported."""
        if (
            current is None
            or self.version is None
            or not has_status_flags(self.version)
        ):
            return None
        if self.reported_topology is not None and current <= self.reported_topology:
            return None
        self.reported_topology = current
        return current

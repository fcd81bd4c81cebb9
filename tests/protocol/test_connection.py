"""ClientConnection and ServerConnection wired together without a socket.

Every conversation is also replayed with the bytes cut at random points (hypothesis),
in both directions.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyignite.connection.bitmask_feature import BitmaskFeature
from pyignite.connection.handshake import HandshakeRequest as PyHandshakeRequest
from pyignite.connection.protocol_context import ProtocolContext
from pyignite.stream import BinaryStream

from embergrid.errors import ParameterError, ParseError
from embergrid.protocol.codes import OpCode, ProtocolFeature, ResponseFlag, StatusCode
from embergrid.protocol.connection import (
    ClientConnection,
    ClientState,
    HandshakeAccepted,
    HandshakeReceived,
    HandshakeRejected,
    Request,
    RequestTooLarge,
    Response,
    ServerConnection,
    ServerState,
)
from embergrid.protocol.framing import frame
from embergrid.protocol.handshake import (
    SUPPORTED_VERSIONS,
    HandshakeFailure,
    HandshakeRequest,
    HandshakeSuccess,
    ProtocolVersion,
    fallback_version,
    negotiate,
)
from embergrid.protocol.headers import AffinityVersion, ResponseHeader, request_frame

SETTINGS = settings(max_examples=200, deadline=None)
V = ProtocolVersion
NODE = uuid.UUID("00000000-0000-0001-0000-000000000002")
SERVER_FEATURES = ProtocolFeature.CLUSTER_API | ProtocolFeature.HEARTBEAT
CLIENT_FEATURES = ProtocolFeature.CLUSTER_API | ProtocolFeature.INDEX_QUERY
Conn = ClientConnection | ServerConnection


def chunks(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(data)})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def deliver(conn: Conn, data: bytes, cuts: Sequence[int] = ()) -> list[object]:
    """Feed ``data`` in pieces, draining events after each piece."""
    events: list[object] = []
    for piece in chunks(data, cuts):
        conn.receive_data(piece)
        while (event := conn.next_event()) is not None:
            events.append(event)
    return events


def cut_points(data: st.DataObject, size: int) -> list[int]:
    return data.draw(st.lists(st.integers(0, max(size, 1)), max_size=8))


class Pair:
    """A client and a server joined by two byte pipes that cut data where told."""

    def __init__(
        self,
        cutter: st.DataObject | None = None,
        supported_versions: Sequence[ProtocolVersion] = SUPPORTED_VERSIONS,
    ) -> None:
        self.client = ClientConnection()
        self.server = ServerConnection()
        self.cutter = cutter
        self.supported_versions = supported_versions

    def cuts(self, size: int) -> list[int]:
        return [] if self.cutter is None else cut_points(self.cutter, size)

    def to_server(self, data: bytes) -> list[object]:
        return deliver(self.server, data, self.cuts(len(data)))

    def to_client(self, data: bytes) -> list[object]:
        return deliver(self.client, data, self.cuts(len(data)))

    def handshake(self, request: HandshakeRequest) -> tuple[object, bytes]:
        [received] = self.to_server(self.client.start_handshake(request))
        assert isinstance(received, HandshakeReceived)
        assert received.request == request
        response = negotiate(
            received.request,
            node_id=NODE,
            server_features=SERVER_FEATURES,
            supported_versions=self.supported_versions,
        )
        answer = self.server.answer_handshake(response)
        [event] = self.to_client(answer)
        return event, answer


def client_request(version: ProtocolVersion) -> HandshakeRequest:
    features = CLIENT_FEATURES if version >= V(1, 7, 0) else ProtocolFeature(0)
    return HandshakeRequest(version, features=features)


# -- handshake -----------------------------------------------------------------


def expected_success_size(version: ProtocolVersion) -> int:
    size = 4 + 1
    if version >= V(1, 4, 0):
        size += 17
    if version >= V(1, 7, 0):
        size += 5 + 1
    return size


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS, ids=str)
@SETTINGS
@given(data=st.data())
def test_handshake_succeeds_for_every_version(
    version: ProtocolVersion, data: st.DataObject
) -> None:
    pair = Pair(data)
    event, answer = pair.handshake(client_request(version))
    assert len(answer) == expected_success_size(version)
    features = (
        ProtocolFeature.CLUSTER_API if version >= V(1, 7, 0) else ProtocolFeature(0)
    )
    node = NODE if version >= V(1, 4, 0) else None
    assert event == HandshakeAccepted(version, features, node)
    assert pair.client.state is ClientState.ESTABLISHED
    assert pair.server.state is ServerState.ESTABLISHED
    assert pair.client.version == pair.server.version == version
    assert pair.client.features == pair.server.features == features
    assert pair.client.node_id == node
    assert pair.client.context == pair.server.context
    assert pair.client.context.version == version
    assert pair.client.context.features == features


@SETTINGS
@given(data=st.data())
def test_version_fallback_on_the_same_connection(data: st.DataObject) -> None:
    pair = Pair(data)
    rejected, _ = pair.handshake(HandshakeRequest(V(1, 8, 0)))
    assert rejected == HandshakeRejected(
        V(1, 8, 0),
        HandshakeFailure(V(1, 7, 0), "Unsupported version: 1.8.0", StatusCode.FAILED),
    )
    assert pair.client.state is ClientState.IDLE
    assert pair.server.state is ServerState.AWAIT_HANDSHAKE
    assert isinstance(rejected, HandshakeRejected)
    retry = fallback_version(rejected.proposed, rejected.failure)
    assert retry == V(1, 7, 0)
    accepted, _ = pair.handshake(client_request(retry))
    assert isinstance(accepted, HandshakeAccepted)
    assert accepted.version == V(1, 7, 0)


@SETTINGS
@given(data=st.data())
def test_fallback_to_an_older_server(data: st.DataObject) -> None:
    pair = Pair(data, supported_versions=SUPPORTED_VERSIONS[:6])
    rejected, _ = pair.handshake(client_request(V(1, 7, 0)))
    assert isinstance(rejected, HandshakeRejected)
    retry = fallback_version(rejected.proposed, rejected.failure)
    assert retry == V(1, 5, 0)
    accepted, _ = pair.handshake(client_request(retry))
    assert accepted == HandshakeAccepted(V(1, 5, 0), ProtocolFeature(0), NODE)


def test_server_decodes_pyignite_handshake_bytes() -> None:
    ctx = ProtocolContext((1, 7, 0), BitmaskFeature.all_supported())
    stream = BinaryStream(None)
    PyHandshakeRequest(ctx, "user", "pass").from_python(stream)
    server = ServerConnection()
    [event] = deliver(server, stream.getvalue())
    assert event == HandshakeReceived(
        HandshakeRequest(
            V(1, 7, 0),
            features=ProtocolFeature.CLUSTER_API,
            username="user",
            password="pass",
        )
    )


# -- requests and responses ----------------------------------------------------


BODY = bytes.fromhex("21e01c8e00032a000000")
VALUE = bytes.fromhex("090100000076")


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS, ids=str)
@SETTINGS
@given(data=st.data())
def test_request_response_round_trip(
    version: ProtocolVersion, data: st.DataObject
) -> None:
    pair = Pair(data)
    pair.handshake(client_request(version))
    c, s = pair.client, pair.server
    sent = [c.send_request(OpCode.CACHE_GET, BODY) for _ in range(3)]
    sent.append(c.send_request(9999, b"junk"))
    assert [rid for rid, _ in sent] == [1, 2, 3, 4]
    assert c.pending == 4
    requests = pair.to_server(b"".join(wire for _, wire in sent))
    assert requests == [
        Request(OpCode.CACHE_GET, rid, memoryview(BODY)) for rid in (1, 2, 3)
    ] + [Request(9999, 4, memoryview(b"junk"))]
    assert [r.known for r in requests if isinstance(r, Request)] == [
        True,
        True,
        True,
        False,
    ]
    topologies = [AffinityVersion(1, 0), AffinityVersion(1, 0), AffinityVersion(1, 1)]
    replies = [
        s.send_response(1, VALUE, topology_version=topologies[0]),
        s.send_error(
            2, StatusCode.CACHE_DOES_NOT_EXIST, "gone", topology_version=topologies[1]
        ),
        s.send_response(3, VALUE, topology_version=topologies[2]),
    ]
    assert isinstance(requests[3], Request)
    replies.append(s.send_invalid_op_code(requests[3], topology_version=topologies[2]))
    responses = pair.to_client(b"".join(replies))
    assert c.pending == 0
    flagged = version >= V(1, 4, 0)
    expected = [
        Response(
            ResponseHeader(1, topology_version=topologies[0] if flagged else None),
            memoryview(VALUE),
            OpCode.CACHE_GET,
        ),
        Response(
            ResponseHeader(2, StatusCode.CACHE_DOES_NOT_EXIST, "gone"),
            memoryview(b""),
            OpCode.CACHE_GET,
        ),
        Response(
            ResponseHeader(3, topology_version=topologies[2] if flagged else None),
            memoryview(VALUE),
            OpCode.CACHE_GET,
        ),
        Response(
            ResponseHeader(
                4, StatusCode.INVALID_OP_CODE, "Invalid request op code: 9999"
            ),
            memoryview(b""),
            9999,
        ),
    ]
    assert responses == expected
    assert c.topology_version == (topologies[2] if flagged else None)


def test_topology_flag_on_first_response_and_when_it_grows() -> None:
    pair = Pair()
    pair.handshake(client_request(V(1, 7, 0)))
    s = pair.server
    seen = []
    for topology in [(1, 0), (1, 0), (1, 2), (1, 1), (2, 0), (2, 0)]:
        wire = s.send_response(0, topology_version=AffinityVersion(*topology))
        seen.append(bool(wire[12] & ResponseFlag.AFFINITY_TOPOLOGY_CHANGED))
    assert seen == [True, False, True, False, True, False]
    assert s.reported_topology == (2, 0)


def test_no_topology_given_means_no_flag() -> None:
    pair = Pair()
    pair.handshake(client_request(V(1, 7, 0)))
    assert pair.server.send_response(8) == bytes.fromhex(
        "0a000000 0800000000000000 0000"
    )


# -- malformed input and misuse ------------------------------------------------


def test_server_closes_on_non_handshake_first_frame() -> None:
    server = ServerConnection()
    server.receive_data(request_frame(OpCode.CACHE_GET, 1, BODY))
    with pytest.raises(ParseError):
        server.next_event()
    assert server.state is ServerState.CLOSED
    with pytest.raises(ParseError):
        server.next_event()


def test_server_closes_on_request_after_failed_handshake() -> None:
    pair = Pair()
    pair.handshake(HandshakeRequest(V(2, 0, 0)))
    pair.server.receive_data(request_frame(OpCode.CACHE_GET, 1, BODY))
    with pytest.raises(ParseError):
        pair.server.next_event()


@pytest.mark.parametrize(
    "payload", [b"", b"\x01\x01\x00", b"\x01\x01\x00\x07\x00\x00\x00\x02\x0c\xff"]
)
def test_malformed_handshake_frames(payload: bytes) -> None:
    server = ServerConnection()
    server.receive_data(frame(payload))
    with pytest.raises(ParseError):
        server.next_event()
    assert server.state is ServerState.CLOSED


@pytest.mark.parametrize(
    "payload", [b"", b"\xe8", b"\xe8\x03\x01\x00\x00\x00\x00\x00\x00"]
)
def test_truncated_request_header_closes(payload: bytes) -> None:
    pair = Pair()
    pair.handshake(client_request(V(1, 7, 0)))
    pair.server.receive_data(frame(payload))
    with pytest.raises(ParseError):
        pair.server.next_event()
    assert pair.server.state is ServerState.CLOSED


def test_negative_frame_length_closes() -> None:
    server = ServerConnection()
    server.receive_data(b"\xff\xff\xff\xff")
    with pytest.raises(ParseError):
        server.next_event()
    assert server.state is ServerState.CLOSED


def test_server_waits_for_handshake_answer_before_more_events() -> None:
    server = ServerConnection()
    client = ClientConnection()
    hello = client.start_handshake(client_request(V(1, 7, 0)))
    server.receive_data(hello + request_frame(OpCode.CACHE_GET, 1, BODY))
    assert isinstance(server.next_event(), HandshakeReceived)
    assert server.next_event() is None
    server.answer_handshake(HandshakeSuccess(ProtocolFeature(0), NODE))
    assert server.next_event() == Request(OpCode.CACHE_GET, 1, memoryview(BODY))


def drain_all(server: ServerConnection, events: list[object]) -> None:
    """``next_events`` into ``events`` until it returns nothing (or raises)."""
    while batch := server.next_events():
        events.extend(batch)


@SETTINGS
@given(st.binary(max_size=80), st.integers(0, 4))
def test_next_events_equals_next_event_until_none(garbage: bytes, good: int) -> None:
    frames = b"".join(request_frame(OpCode.CACHE_GET, i, BODY) for i in range(good))
    one, many = Pair(), Pair()
    for pair in (one, many):
        pair.handshake(client_request(V(1, 7, 0)))
        pair.server.receive_data(frames + garbage)
    singles: list[object] = []
    try:
        while (event := one.server.next_event()) is not None:
            singles.append(event)
    except ParseError as exc:
        singles.append(str(exc))
    batched: list[object] = []
    try:
        drain_all(many.server, batched)
    except ParseError as exc:
        batched.append(str(exc))
    assert batched == singles
    assert many.server.state is one.server.state


def test_next_events_returns_requests_before_bad_frame_then_raises() -> None:
    pair = Pair()
    pair.handshake(client_request(V(1, 7, 0)))
    good = [request_frame(OpCode.CACHE_GET, rid, BODY) for rid in (1, 2)]
    pair.server.receive_data(b"".join(good) + b"\xff\xff\xff\xff")
    assert pair.server.next_events() == [
        Request(OpCode.CACHE_GET, rid, memoryview(BODY)) for rid in (1, 2)
    ]
    assert pair.server.state is ServerState.CLOSED
    with pytest.raises(ParseError, match="bad frame length -1"):
        pair.server.next_events()
    with pytest.raises(ParseError, match="connection is closed"):
        pair.server.next_events()


def test_next_events_stops_at_the_handshake() -> None:
    server = ServerConnection()
    hello = ClientConnection().start_handshake(client_request(V(1, 7, 0)))
    server.receive_data(hello + request_frame(OpCode.CACHE_GET, 1, BODY))
    [received] = server.next_events()
    assert isinstance(received, HandshakeReceived)
    assert server.next_events() == []
    server.answer_handshake(HandshakeSuccess(ProtocolFeature(0), NODE))
    assert server.next_events() == [Request(OpCode.CACHE_GET, 1, memoryview(BODY))]
    assert server.next_events() == []


def test_client_rejects_response_to_unknown_request_id() -> None:
    pair = Pair()
    pair.handshake(client_request(V(1, 7, 0)))
    pair.client.receive_data(pair.server.send_response(77))
    with pytest.raises(ParseError):
        pair.client.next_event()
    assert pair.client.state is ClientState.CLOSED


def test_client_passes_notifications_through() -> None:
    pair = Pair()
    pair.handshake(client_request(V(1, 7, 0)))
    notification = frame(bytes.fromhex("0500000000000000 0400 d707") + b"event")
    [event] = deliver(pair.client, notification)
    assert event == Response(
        ResponseHeader(5, notification_op=2007), memoryview(b"event"), None
    )


def test_misuse_raises_parameter_error() -> None:
    client, server = ClientConnection(), ServerConnection()
    with pytest.raises(ParameterError):
        client.send_request(OpCode.CACHE_GET, BODY)
    with pytest.raises(ParameterError):
        _ = client.context
    with pytest.raises(ParameterError):
        server.answer_handshake(HandshakeSuccess())
    with pytest.raises(ParameterError):
        server.send_response(1)
    client.start_handshake(HandshakeRequest())
    with pytest.raises(ParameterError):
        client.start_handshake(HandshakeRequest())
    pair = Pair()
    pair.handshake(client_request(V(1, 7, 0)))
    with pytest.raises(ParameterError):
        pair.server.send_error(1, StatusCode.SUCCESS, "no")


@SETTINGS
@given(st.binary(max_size=80))
def test_established_server_raises_only_parse_error_on_garbage(data: bytes) -> None:
    pair = Pair()
    pair.handshake(client_request(V(1, 7, 0)))
    try:
        events = deliver(pair.server, data)
    except ParseError:
        assert pair.server.state is ServerState.CLOSED
    else:
        # a length over the limit is answered (RequestTooLarge), not fatal
        assert all(isinstance(e, Request | RequestTooLarge) for e in events)


@SETTINGS
@given(st.binary(max_size=80))
def test_fresh_server_raises_only_parse_error_on_garbage(data: bytes) -> None:
    try:
        events = deliver(ServerConnection(), data)
    except ParseError:
        return
    assert all(isinstance(e, HandshakeReceived) for e in events)

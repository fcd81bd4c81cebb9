"""Test helpers: a sans-IO client wired to a ``Session`` (h11 ConnectionPair) and a
raw-socket client, both built on our ``ClientConnection``. The raw-socket client is
the one blocking connection every test directory builds on (tests/sql/_sqlwire.py,
tests/compat/_wire.py)."""

from __future__ import annotations

import socket
from typing import Any

from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.connection import (
    ClientConnection,
    HandshakeAccepted,
    HandshakeRejected,
    Response,
)
from embergrid.protocol.handshake import HandshakeRequest, ProtocolVersion
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.registry import REQUESTS, RESPONSES
from embergrid.server import Node, Session

ALL_FEATURES = ProtocolFeature((1 << 19) - 1)
V170 = ProtocolVersion(1, 7, 0)


def body(op: OpCode, msg: Any, ctx: ProtocolContext | None = None) -> bytes:
    return REQUESTS[op][1](msg, ctx or ProtocolContext(features=ALL_FEATURES))


def decode(op: OpCode, resp: Response, ctx: ProtocolContext) -> Any:
    return RESPONSES[op][0](resp.body, ctx)


class Pair:
    """A client connection talking to a server ``Session`` with no socket.

    Nothing here runs worker threads: give the node ``Limits(workers=0)`` so that
    long work runs in the request (a request that waits would never be answered).
    """

    def __init__(self, node: Node) -> None:
        self.session = Session(node, "pair")
        self.client = ClientConnection()

    def _pump(self, data: bytes) -> bytes:
        out, close = self.session.feed(data)
        assert not close, "session asked to close"
        return out

    def handshake(
        self, version: ProtocolVersion = V170, features: ProtocolFeature = ALL_FEATURES
    ) -> HandshakeAccepted | HandshakeRejected:
        data = self.client.start_handshake(HandshakeRequest(version, features=features))
        self.client.receive_data(self._pump(data))
        event = self.client.next_event()
        assert isinstance(event, HandshakeAccepted | HandshakeRejected)
        return event

    def call(self, op: OpCode | int, payload: bytes = b"") -> Response:
        _rid, data = self.client.send_request(op, payload)
        self.client.receive_data(self._pump(data))
        event = self.client.next_event()
        assert isinstance(event, Response)
        return event

    def ok(self, op: OpCode, msg: Any) -> Any:
        resp = self.call(op, body(op, msg, self.client.context))
        assert resp.header.ok, resp.header.message
        return decode(op, resp, self.client.context)


class RawSocket:
    """A blocking socket speaking our ClientConnection, for robustness tests."""

    def __init__(self, address: tuple[str, int], timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(address, timeout=timeout)
        self.conn = ClientConnection()

    def handshake(self, features: ProtocolFeature | None = None) -> None:
        """Protocol 1.7.0 with ``features`` (default: the request's own default)."""
        request = (
            HandshakeRequest(V170)
            if features is None
            else HandshakeRequest(V170, features=features)
        )
        self.sock.sendall(self.conn.start_handshake(request))
        event = self._event()
        assert isinstance(event, HandshakeAccepted), event

    def call(
        self, op: OpCode | int, payload: bytes = b"", skip_notifications: bool = False
    ) -> Response:
        _rid, data = self.conn.send_request(op, payload)
        self.sock.sendall(data)
        return self.response(skip_notifications)

    def response(self, skip_notifications: bool = False) -> Response:
        """The next response (requests may have been sent some other way);
        with ``skip_notifications``, the next answer to a request (frames the
        server sends of its own, continuous-query events, are passed over)."""
        while True:
            event = self._event()
            assert isinstance(event, Response)
            if not (skip_notifications and event.op_code is None):
                return event

    def _event(self) -> object:
        while True:
            event = self.conn.next_event()
            if event is not None:
                return event
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("server closed the connection")
            self.conn.receive_data(data)

    def closed_by_server(self) -> bool:
        """True when the server closes the socket (EOF) before the timeout."""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()

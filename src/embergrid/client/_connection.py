"""What the connections of both shells share: identity, events, the handshake steps.

Owns ``ConnectionBase`` (host, port, settings, the ``ClientConnection`` and node id
of one connection, pyignite's read-only connection properties, and the connection
events pyignite publishes: handshake start/success/failure, authentication failure,
connection lost/closed), ``handshake_steps`` (the handshake with version fallback as
a generator: bytes to write out, handshake events in) and ``Observation`` (the query
events around one request). ``aio/_transport.py`` and ``sync/_transport.py``
subclass ``ConnectionBase`` and add only the socket and the waiting. No I/O;
imports ``embergrid.protocol``, ``embergrid.errors``, ``embergrid.monitoring`` and
``client._driver``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator
from typing import Any

from embergrid.client import _driver
from embergrid.client._nodes import ConnectParams
from embergrid.client.flows._call import Call
from embergrid.errors import AuthenticationError
from embergrid.monitoring import (
    AuthenticationFailedEvent,
    ConnectionClosedEvent,
    ConnectionLostEvent,
    EventPublisher,
    HandshakeFailedEvent,
    HandshakeStartEvent,
    HandshakeSuccessEvent,
    QueryFailEvent,
    QueryStartEvent,
    QuerySuccessEvent,
)
from embergrid.protocol.codes import OpCode
from embergrid.protocol.connection import ClientConnection
from embergrid.protocol.handshake import LATEST_VERSION, ProtocolVersion
from embergrid.protocol.messages.context import ProtocolContext

__all__ = ["BROKEN", "ConnectionBase", "Observation", "broken", "handshake_steps"]

BROKEN = "Connection broken."


def broken(cause: OSError) -> OSError:
    """What a request fails with when its connection broke under it, in both shells:
    ``OSError("Connection broken.")`` whatever the socket said (reset, EOF, TLS),
    except a timeout, which stays what it is."""
    return cause if isinstance(cause, TimeoutError) else OSError(BROKEN)


class ConnectionBase:
    """One connection to one node, less its socket (``alive`` is the shell's)."""

    uuid: uuid.UUID | None

    def __init__(
        self, host: str, port: int, params: ConnectParams, events: EventPublisher
    ) -> None:
        self.host, self.port = host, port
        self.params, self.events = params, events
        self.proto = ClientConnection()
        self.uuid = None
        self.failed = False  # the last handshake failed or the connection broke
        self._proposed: ProtocolVersion = LATEST_VERSION

    def __repr__(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def alive(self) -> bool:
        """Whether the connection is up (a broken one is dropped at once)."""
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """Whether there is no open socket to the node."""
        return not self.alive

    @property
    def protocol_context(self) -> ProtocolContext | None:
        """The protocol version and features negotiated with this node, or None."""
        return self.proto.context if self.proto.version is not None else None

    @property
    def username(self) -> str | None:
        return self.params.username

    @property
    def password(self) -> str | None:
        return self.params.password

    @property
    def timeout(self) -> float | None:
        """Seconds each socket operation may take (None: no limit)."""
        return self.params.timeout

    @property
    def handshake_timeout(self) -> float:
        return self.params.handshake_timeout

    @property
    def ssl_params(self) -> dict[str, Any]:
        """The TLS settings the client was given (``use_ssl``, ``ssl_*``)."""
        return dict(self.params.ssl or {})

    # -- events ---------------------------------------------------------------------

    def _where(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "node_uuid": _driver.node_text(self.uuid),
        }

    def _handshake_started(self, version: ProtocolVersion) -> None:
        self._proposed = version
        self.events.publish(
            HandshakeStartEvent,
            host=self.host,
            port=self.port,
            protocol_context=_driver.proposed_context(version),
        )

    def _handshake_succeeded(self) -> None:
        self.uuid = self.proto.node_id
        self.failed = False
        self.events.publish(
            HandshakeSuccessEvent,
            host=self.host,
            port=self.port,
            protocol_context=self.protocol_context,
            node_uuid=_driver.node_text(self.uuid),
        )

    def _handshake_failed(self, exc: BaseException) -> None:
        """As in pyignite, any failure on the way (socket, TLS, handshake, timeout)
        is published before it propagates."""
        self.failed = True
        auth = isinstance(exc, AuthenticationError)
        self.events.publish(
            AuthenticationFailedEvent if auth else HandshakeFailedEvent,
            host=self.host,
            port=self.port,
            protocol_context=_driver.proposed_context(self._proposed),
            error_msg=repr(exc),
        )

    def _lost(self, exc: BaseException | None) -> None:
        self.failed = True
        error = repr(exc) if exc else ""
        self.events.publish(ConnectionLostEvent, **self._where(), error_msg=error)

    def _closed(self) -> None:
        self.events.publish(ConnectionClosedEvent, **self._where())


def handshake_steps(conn: ConnectionBase) -> Generator[bytes, Any, None]:
    """The handshake of ``conn``: yields the bytes to write, receives the handshake
    event that answers them; retries older versions as the server asks; raises
    ``HandshakeError``/``AuthenticationError`` (``OSError`` if the event is None)."""
    params = conn.params
    conn.proto = ClientConnection()
    version: ProtocolVersion | None = LATEST_VERSION
    while version is not None:
        conn._handshake_started(version)
        req = _driver.handshake_request(version, params.username, params.password)
        version = _driver.handshake_outcome((yield conn.proto.start_handshake(req)))


class Observation:
    """The query events around one request (for when anyone listens for them):
    ``with Observation(conn, call): <send and wait>``."""

    def __init__(self, conn: ConnectionBase, call: Call) -> None:
        self.events = conn.events
        self.fields = conn._where()
        self.fields.update(query_id=None, op_code=int(call.op))
        self.fields["op_name"] = OpCode(call.op).name
        self.start = 0.0

    def __enter__(self) -> None:
        self.events.publish(QueryStartEvent, **self.fields)
        self.start = time.monotonic()

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        ms = (time.monotonic() - self.start) * 1000
        if exc is None:
            self.events.publish(QuerySuccessEvent, **self.fields, duration=ms)
        elif isinstance(exc, Exception):
            err = repr(exc)
            self.events.publish(QueryFailEvent, **self.fields, duration=ms, err_msg=err)

"""What the connections of both shells share: identity, events, the handshake steps.

Owns ``ConnectionBase`` (host, port, settings, the ``ClientConnection`` and node id
of one connection, pyignite's read-only connection properties, and the connection
events pyignite publishes and logs: handshake start/success/failure, authentication
failure, connection lost/closed; a peer that answers no handshake is named as
such), ``handshake_steps`` (the handshake with version fallback as
a generator: bytes to write out, handshake events in) and ``Observation`` (the query
events around one request). ``aio/_transport.py`` and ``sync/_transport.py``
subclass ``ConnectionBase`` and add only the socket and the waiting. No I/O but
the ``embergrid.connection`` log;
imports ``embergrid.protocol``, ``embergrid.errors``, ``embergrid.monitoring`` and
``client._driver``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Generator
from typing import Any

from embergrid.client import _driver
from embergrid.client._nodes import ConnectParams
from embergrid.client.flows._call import Call, Reply
from embergrid.errors import AuthenticationError, ParseError
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
from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.connection import ClientConnection, Response
from embergrid.protocol.handshake import LATEST_VERSION, ProtocolVersion
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.general import GetIdleTimeout, Heartbeat

__all__ = [
    "BROKEN",
    "NOT_IGNITE",
    "ConnectionBase",
    "Heartbeats",
    "Observation",
    "broken",
    "handshake_steps",
    "heartbeat_interval",
]

BROKEN = "Connection broken."
NOT_IGNITE = "not an Ignite thin-client endpoint"

# Named, leveled and worded as pyignite 0.6.1 logs its connections
# ("pyignite.connection"), so a user's logging set-up reads the same.
log = logging.getLogger("embergrid.connection")


# Heartbeats as Ignite's Java thin client sends them (TcpClientChannel): asked the
# server's idle timeout (op 2) after the handshake, it sends a heartbeat (op 1) every
# third of it, at least every 0.5 s apart and at most ClientConfiguration's default
# heartbeatInterval (30 s) apart, and only when nothing else was sent meanwhile.
# Unlike Java's (off unless heartbeatEnabled), ours are on whenever the server both
# supports them (feature bit 11) and closes idle connections; never otherwise.
_MIN_HEARTBEAT, _MAX_HEARTBEAT = 0.5, 30.0


def heartbeat_interval(idle_timeout_ms: int) -> float | None:
    """Seconds between heartbeats for a server with this idle timeout (None: the
    server closes no idle connection, no heartbeats)."""
    if idle_timeout_ms <= 0:
        return None
    return min(_MAX_HEARTBEAT, max(_MIN_HEARTBEAT, idle_timeout_ms / 3000))


class Heartbeats:
    """The heartbeats of one connection: a shell calls ``due`` every ``interval``
    seconds and sends ``BEAT`` when it says so, then calls ``sent``."""

    ASK = Call(OpCode.GET_IDLE_TIMEOUT, GetIdleTimeout())
    """What a connection asks the server after its handshake, if ``wanted``."""
    BEAT = Call(OpCode.HEARTBEAT, Heartbeat())

    def __init__(self, proto: ClientConnection, interval: float) -> None:
        self.proto, self.interval = proto, interval
        self._seen = proto.next_request_id

    @classmethod
    def after(cls, proto: ClientConnection, reply: Reply) -> Heartbeats | None:
        """The heartbeats for the server's answer to ``ASK`` (None: no
        idle timeout, no heartbeats)."""
        interval = heartbeat_interval(reply.message.timeout_ms)
        return None if interval is None else cls(proto, interval)

    @staticmethod
    def wanted(ctx: ProtocolContext | None) -> bool:
        """Whether to ask the server for its idle timeout: it has heartbeats."""
        return ctx is not None and ctx.has(ProtocolFeature.HEARTBEAT)

    def due(self) -> bool:
        """Whether nothing was sent since the last look (a heartbeat then is)."""
        return self.proto.next_request_id == self._seen

    def sent(self) -> None:
        """The look is over (and its heartbeat, if any, sent)."""
        self._seen = self.proto.next_request_id


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
        # Server-initiated frames (continuous-query events, op 2007) in arrival
        # order, for whoever listens on this connection (client/aio/listening.py).
        self.inbox: deque[Response] = deque()

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
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "Connecting to node(address=%s, port=%d) with protocol context %s",
                self.host,
                self.port,
                _driver.proposed_context(version),
            )
        self.events.publish(
            HandshakeStartEvent,
            host=self.host,
            port=self.port,
            protocol_context=_driver.proposed_context(version),
        )

    def _handshake_succeeded(self) -> None:
        self.uuid = self.proto.node_id
        self.failed = False
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "Connected to node(address=%s, port=%d, node_uuid=%s) with protocol "
                "context %s",
                self.host,
                self.port,
                self.uuid,
                self.protocol_context,
            )
        self.events.publish(
            HandshakeSuccessEvent,
            host=self.host,
            port=self.port,
            protocol_context=self.protocol_context,
            node_uuid=_driver.node_text(self.uuid),
        )

    def _handshake_failed(self, exc: BaseException) -> BaseException:
        """As in pyignite, any failure on the way (socket, TLS, handshake, timeout)
        is logged and published before it propagates; the error to raise: bytes
        that are no handshake answer (``ParseError``) say the peer is no Ignite
        node, as a connection error (the next node is tried)."""
        self.failed = True
        if isinstance(exc, ParseError):
            cause = exc
            exc = ConnectionError(f"{self!r} is {NOT_IGNITE}: {cause}")
            exc.__cause__ = cause
        context = _driver.proposed_context(self._proposed)
        auth = isinstance(exc, AuthenticationError)
        if auth:
            log.error(
                "Authentication failed while connecting to node(address=%s, port=%d): "
                "%s",
                self.host,
                self.port,
                exc,
            )
        else:
            log.error(
                "Failed to perform handshake, connection to node(address=%s, port=%d) "
                "with protocol context %s failed: %s",
                self.host,
                self.port,
                context,
                exc,
                exc_info=exc,
            )
        self.events.publish(
            AuthenticationFailedEvent if auth else HandshakeFailedEvent,
            host=self.host,
            port=self.port,
            protocol_context=context,
            error_msg=repr(exc),
        )
        return exc

    def _lost(self, exc: BaseException | None) -> None:
        self.failed = True
        log.info(
            "Connection lost to node(address=%s, port=%d, node_uuid=%s): %s",
            self.host,
            self.port,
            self.uuid,
            exc,
        )
        error = repr(exc) if exc else ""
        self.events.publish(ConnectionLostEvent, **self._where(), error_msg=error)

    def _closed(self) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "Connection closed to node(address=%s, port=%d, node_uuid=%s)",
                self.host,
                self.port,
                self.uuid,
            )
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
        req = _driver.handshake_request(
            version, params.username, params.password, params.discovery
        )
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

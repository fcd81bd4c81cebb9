"""The blocking driver: sockets, one lock per socket, failover (handwritten).

Owns ``SyncConnection`` (one socket wrapping one ``ClientConnection``; its lock makes
send-then-receive atomic, so one ``Client`` can be shared between threads) and
``SyncTransport`` (the connections of one client, node choice and reconnection per
``client._nodes``, and ``run(flow)``, the only place where the blocking client meets
the protocol) and ``SpinningReceiver`` (how a request waits for its answer). Twin of
``client/aio/_transport.py``; everything else about an operation lives in
``client.flows``. Imports ``select``, ``socket``, ``ssl``, ``threading``.
"""

from __future__ import annotations

import contextlib

import random
import select
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from embergrid.client import _driver
from embergrid.client._nodes import OUT_OF_NODES, ConnectParams, NodeList
from embergrid.client.flows._call import Call, Flow, Reply
from embergrid.client.flows._state import ClientState
from embergrid.errors import (
    AuthenticationError,
    HandshakeError,
    ReconnectError,
    ServerError,
    connection_errors,
)
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
from embergrid.protocol.connection import ClientConnection, Response
from embergrid.protocol.handshake import LATEST_VERSION, ProtocolVersion
from embergrid.protocol.messages.context import ProtocolContext

__all__ = ["SpinningReceiver", "SyncConnection", "SyncTransport"]

T = TypeVar("T")
_RECV = 262144
# One receive buffer per connection, filled with ``recv_into``: ``sock.recv(256 KiB)``
# allocates (and the kernel maps in) a fresh 256 KiB object per call, which costs
# ~15 us of system time per small response on Linux.
BROKEN = "Connection broken."


def _closed(view: memoryview) -> int:
    raise OSError(BROKEN)


class SpinningReceiver:
    """``recv_into`` on one plain socket that polls for up to ``spin`` seconds first.

    Waking a thread asleep in ``recv`` costs tens of microseconds on virtual
    machines (the idle vCPU halts), more than a quick answer takes. Polling costs
    CPU only while an answer is due, and only while answers come quickly: after a
    wait longer than ``spin`` the next one sleeps at once, until one is quick again.
    """

    def __init__(
        self, sock: socket.socket, spin: float = _driver.ANSWER_SPIN
    ) -> None:
        self._sock, self._spin_for = sock, spin
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        self._poll = poller.poll
        self.spinning = True

    def __call__(self, view: memoryview) -> int:
        start = time.perf_counter()
        if self.spinning:
            poll, deadline = self._poll, start + self._spin_for
            while not poll(0) and time.perf_counter() < deadline:
                pass
        n = self._sock.recv_into(view)
        self.spinning = time.perf_counter() - start <= self._spin_for
        return n


class SyncConnection:
    """One socket to one node."""

    def __init__(
        self, host: str, port: int, params: ConnectParams, events: EventPublisher
    ) -> None:
        self.host, self.port = host, port
        self.params, self.events = params, events
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.proto = ClientConnection()
        self.uuid: uuid.UUID | None = None
        self.failed = False  # the last handshake failed or the connection broke
        self._proposed: ProtocolVersion = LATEST_VERSION
        self._rview = memoryview(bytearray(_RECV))
        self._recv: Callable[[memoryview], int] = _closed

    def __repr__(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def alive(self) -> bool:
        """Whether the connection is up (a broken one is dropped at once)."""
        return self.sock is not None

    @property
    def closed(self) -> bool:
        """Whether there is no open socket to the node."""
        return self.sock is None

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

    def connect(self) -> None:
        """Open the socket and handshake, falling back to an older version.

        As in pyignite, any failure on the way (socket, TLS, handshake) is published
        as a failed-handshake event before it propagates. A live connection is left
        as it is.
        """
        if self.alive:
            return
        version: ProtocolVersion | None = LATEST_VERSION
        self.proto = ClientConnection()
        try:
            while version is not None:
                self._proposed = version
                self.events.publish(
                    HandshakeStartEvent,
                    host=self.host,
                    port=self.port,
                    protocol_context=_driver.proposed_context(version),
                )
                sock = self.sock if self.sock is not None else self._open()
                req = _driver.handshake_request(
                    version, self.params.username, self.params.password
                )
                sock.sendall(self.proto.start_handshake(req))
                version = _driver.handshake_outcome(self._next_event())
        except AuthenticationError as exc:
            self._fail(AuthenticationFailedEvent, exc)
            raise
        except Exception as exc:
            self._fail(HandshakeFailedEvent, exc)
            raise
        assert self.sock is not None
        self.sock.settimeout(self.params.timeout)
        # TLS may hold bytes already read from the socket: no polling there (nor
        # where the platform has no poll(), e.g. Windows).
        plain = not isinstance(self.sock, ssl.SSLSocket) and hasattr(select, "poll")
        self._recv = SpinningReceiver(self.sock) if plain else self.sock.recv_into
        self.uuid = self.proto.node_id
        self.failed = False
        self.events.publish(
            HandshakeSuccessEvent,
            host=self.host,
            port=self.port,
            protocol_context=self.protocol_context,
            node_uuid=_driver.node_text(self.uuid),
        )

    def reconnect(self) -> None:
        """Connect again unless alive; connection errors are swallowed, as in
        pyignite (``alive`` tells whether it worked)."""
        with contextlib.suppress(*connection_errors):
            self.connect()

    def _open(self) -> socket.socket:
        """A connected socket, TLS-wrapped when configured; nothing leaks on failure."""
        ctx = self.params.ssl_context()  # before the socket: a bad key leaks nothing
        sock = socket.create_connection(
            (self.host, self.port), timeout=self.params.handshake_timeout
        )
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if ctx is not None:
                sock = ctx.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        return sock

    def _fail(self, event: type[Any], exc: BaseException) -> None:
        self._drop()
        self.failed = True
        self.events.publish(
            event,
            host=self.host,
            port=self.port,
            protocol_context=_driver.proposed_context(self._proposed),
            error_msg=repr(exc),
        )

    def _next_event(self) -> Any:
        while True:
            event = self.proto.next_event()
            if event is not None:
                return event
            assert self.sock is not None
            n = self.sock.recv_into(self._rview)
            if not n:
                raise OSError(BROKEN)
            self.proto.receive_data(self._rview[:n].tobytes())

    def _drop(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def close(self, on_reconnect: bool = False) -> None:
        """Close the socket; a closed-connection event if it was open, unless
        ``on_reconnect`` (closing to connect again at once)."""
        if self.sock is not None:
            self._drop()
            if not on_reconnect:
                self.events.publish(
                    ConnectionClosedEvent,
                    host=self.host,
                    port=self.port,
                    node_uuid=_driver.node_text(self.uuid),
                )

    def _response(self, sock: socket.socket) -> Response:
        """The next answer to a request (notifications are skipped)."""
        proto, view = self.proto, self._rview
        while True:
            event = proto.next_event()
            if event is None:
                n = self._recv(view)
                if not n:
                    raise OSError(BROKEN)
                proto.receive_data(view[:n].tobytes())
            elif type(event) is Response and event.op_code is not None:
                return event

    def request(self, call: Call) -> Reply:
        """Send ``call`` and wait for its answer; a broken socket raises ``OSError``."""
        with self.lock:
            sock = self.sock
            if sock is None:
                raise OSError(BROKEN)
            try:
                _, data = _driver.encode_call(call, self.proto)
                sock.sendall(data)
                event = self._response(sock)
            except OSError as exc:
                self._drop()
                self.failed = True
                self.events.publish(
                    ConnectionLostEvent,
                    host=self.host,
                    port=self.port,
                    node_uuid=_driver.node_text(self.uuid),
                    error_msg=repr(exc),
                )
                raise
            return _driver.reply_for(call, event, self.proto, self)


class SyncTransport:
    """The connections of one ``Client`` and the driver that runs flows on them."""

    def __init__(
        self,
        state: ClientState,
        partition_aware: bool,
        params: ConnectParams,
        events: EventPublisher,
    ) -> None:
        self.state, self.partition_aware = state, partition_aware
        self.params, self.events = params, events
        self.nodes = NodeList()
        self.conns: list[SyncConnection] = []
        self._lock = threading.RLock()
        self._context: ProtocolContext | None = None  # the last one negotiated

    # -- connecting -----------------------------------------------------------

    def connect(self, addresses: list[tuple[str, int]]) -> None:
        with self._lock:
            self.nodes = NodeList(addresses)
            self.conns = [
                SyncConnection(h, p, self.params, self.events) for h, p in addresses
            ]
            for i, conn in enumerate(self.conns):
                try:
                    conn.connect()
                except (AuthenticationError, HandshakeError):
                    raise
                except OSError:
                    continue
                if not self.partition_aware:
                    self.nodes.current = i
                    break
            first = self._first_alive()
            if first is None:
                raise ReconnectError("Can not connect.")
            self.state.routing = _driver.partition_routing(
                self.partition_aware, len(self.conns), first.protocol_context
            )

    def _first_alive(self) -> SyncConnection | None:
        return next((c for c in self.conns if c.alive), None)

    @property
    def protocol_context(self) -> ProtocolContext | None:
        """The first live connection's context; while none is up (also after
        ``close``) the last one seen, as pyignite keeps it; None before any."""
        conn = self._first_alive()
        if conn is not None:
            self._context = conn.protocol_context
        return self._context

    def close(self) -> None:
        with self._lock:
            self._context = self.protocol_context  # kept once the nodes are gone
            for conn in self.conns:
                conn.close()
            self.conns = []

    # -- choosing a connection --------------------------------------------------

    def random_node(self) -> SyncConnection:
        """A live connection, reconnecting as pyignite does if there is none."""
        with self._lock:
            if self.partition_aware:
                alive = [c for c in self.conns if c.alive]
                if not alive:
                    alive = self._reconnect_all()
                return random.choice(alive)
            conn = self.conns[self.nodes.current] if self.conns else None
            if conn is not None and conn.alive:
                return conn
            return self._fail_over()

    def _reconnect_all(self) -> list[SyncConnection]:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.connect()
        alive = [c for c in self.conns if c.alive]
        if not alive:
            raise ReconnectError(OUT_OF_NODES)
        return alive

    def _fail_over(self) -> SyncConnection:
        if not self.conns:
            raise ReconnectError(OUT_OF_NODES)
        self.conns[self.nodes.current].close()
        for i in self.nodes.failover_order():
            try:
                self.conns[i].connect()
            except OSError:
                continue
            self.nodes.current = i
            return self.conns[i]
        raise ReconnectError(OUT_OF_NODES)

    def _pick(self, call: Call) -> SyncConnection:
        if call.conn is not None:
            return call.conn  # type: ignore[return-value]
        return self.connection_to(call.node)

    def connection_to(self, node: uuid.UUID | None) -> SyncConnection:
        """The live connection to ``node``, else a random usable one."""
        if node is not None:
            for conn in self.conns:
                if conn.uuid == node and conn.alive:
                    return conn
        return self.random_node()

    # -- the driver ----------------------------------------------------------------

    def _current(self, call: Call) -> SyncConnection | None:
        """The connection for an unrouted call when no choice or reconnection is
        needed (no lock, no list: the common case of one node)."""
        conns = self.conns
        if call.conn is None and call.node is None and conns:
            if not self.partition_aware:
                conn = conns[self.nodes.current]
            elif len(conns) == 1:
                conn = conns[0]  # random_node's choice among one
            else:
                return None
            if conn.sock is not None:
                return conn
        return None

    def call(self, call: Call) -> Reply:
        conn = self._current(call) or self._pick(call)
        if not self.events.queries:
            reply = conn.request(call)
        else:
            reply = self._observed(conn, call)
        self.state.saw_topology(conn.proto.topology_version)
        return reply

    def _observed(self, conn: SyncConnection, call: Call) -> Reply:
        where = {
            "host": conn.host,
            "port": conn.port,
            "node_uuid": _driver.node_text(conn.uuid),
        }
        what = {
            "query_id": None,
            "op_code": int(call.op),
            "op_name": OpCode(call.op).name,
        }
        self.events.publish(QueryStartEvent, **where, **what)
        start = time.monotonic()
        try:
            reply = conn.request(call)
        except Exception as exc:
            ms = (time.monotonic() - start) * 1000
            self.events.publish(
                QueryFailEvent, **where, **what, duration=ms, err_msg=repr(exc)
            )
            raise
        ms = (time.monotonic() - start) * 1000
        self.events.publish(QuerySuccessEvent, **where, **what, duration=ms)
        return reply

    def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result, answering each call it yields."""
        try:
            call = next(flow)
            while True:
                try:
                    reply = self.call(call)
                except ServerError as exc:
                    error = exc
                else:
                    call = flow.send(reply)
                    continue
                call = flow.throw(error)  # outside the handler: no chained context
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()

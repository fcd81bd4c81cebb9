"""The asyncio driver: connections multiplexed by request id, failover (handwritten).

Owns ``AioConnection`` (an ``asyncio.Protocol`` wrapping one ``ClientConnection``:
any number of requests in flight, one future per request id, answers decoded as they
arrive) and ``AioTransport`` (the connections of one client, node choice and
reconnection per ``client._nodes``, and ``run(flow)``, the only place where the
asyncio client meets the protocol). Twin of ``client/sync/_transport.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

from embergrid.client import _driver
from embergrid.client._nodes import OUT_OF_NODES, ConnectParams, NodeList
from embergrid.client.flows._call import Call, Flow, Reply
from embergrid.client.flows._state import ClientState
from embergrid.errors import (
    AuthenticationError,
    HandshakeError,
    ParseError,
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

__all__ = ["AioConnection", "AioTransport"]

T = TypeVar("T")
BROKEN = "Connection broken."
_RECV = 262144
_BATCH = 8  # queued requests written at once: fewer sends, the server starts early
# While a lone request's answer is due the loop keeps polling instead of sleeping,
# for up to ``_driver.ANSWER_SPIN`` and only while answers come that quickly; after
# a slower one it sleeps at once, until an answer is quick again.


class AioConnection(asyncio.BufferedProtocol):
    """One socket to one node; many requests in flight at once.

    A buffered protocol: the loop reads into this connection's own buffer
    (``recv_into``) instead of allocating a fresh 256 KiB ``bytes`` per read, which
    costs ~15 us of system time per small response on Linux.
    """

    def __init__(
        self, host: str, port: int, params: ConnectParams, events: EventPublisher
    ) -> None:
        self.host, self.port = host, port
        self.params, self.events = params, events
        self.transport: asyncio.Transport | None = None
        self.proto = ClientConnection()
        self.uuid: uuid.UUID | None = None
        self.failed = False  # the last handshake failed or the connection broke
        self._proposed: ProtocolVersion = LATEST_VERSION
        self._pending: dict[int, tuple[asyncio.Future[Any], Call]] = {}
        self._handshake: asyncio.Future[Any] | None = None
        self._rview = memoryview(bytearray(_RECV))
        # Requests issued while others are in flight are written together, once
        # per loop iteration (``_flush``): 100 concurrent gets cost one send.
        self._out: list[bytes] | None = None
        self._sent_at = 0.0  # when the last lone request went out
        self._quick = True  # the last lone answer came within ANSWER_SPIN
        self._polling = False

    def __repr__(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def alive(self) -> bool:
        """Whether the connection is up (a broken one is dropped at once)."""
        return self.transport is not None

    @property
    def closed(self) -> bool:
        """Whether there is no open socket to the node."""
        return self.transport is None

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
    def handshake_timeout(self) -> float:
        return self.params.handshake_timeout

    @property
    def ssl_params(self) -> dict[str, Any]:
        """The TLS settings the client was given (``use_ssl``, ``ssl_*``)."""
        return dict(self.params.ssl or {})

    # -- asyncio.BufferedProtocol -------------------------------------------------

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._rview

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._rview[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        self.proto.receive_data(data)
        try:
            while (event := self.proto.next_event()) is not None:
                self._dispatch(event)
        except ParseError as exc:
            self._lost(OSError(f"{BROKEN} {exc}"))

    def _dispatch(self, event: Any) -> None:
        if not isinstance(event, Response):
            if self._handshake is not None and not self._handshake.done():
                self._handshake.set_result(event)
            return
        if event.op_code is None:
            return  # a notification: nothing subscribes to them yet
        fut, call = self._pending.pop(event.header.request_id)
        if (
            not self._quick
            and time.perf_counter() - self._sent_at <= _driver.ANSWER_SPIN
        ):
            self._quick = True
        if fut.done():
            return
        try:
            fut.set_result(_driver.reply_for(call, event, self.proto, self))
        except Exception as exc:  # ServerError, or a decode failure
            fut.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost(exc if isinstance(exc, OSError) else OSError(BROKEN))

    def _lost(self, exc: OSError) -> None:
        was_alive = self.transport is not None
        self.failed = True
        if self.transport is not None:
            self.transport.abort()
            self.transport = None
        if self._handshake is not None and not self._handshake.done():
            self._handshake.set_exception(exc)
        self._out = None
        pending, self._pending = self._pending, {}
        for fut, _ in pending.values():
            if not fut.done():
                fut.set_exception(OSError(BROKEN))
        if was_alive and pending:
            self.events.publish(
                ConnectionLostEvent,
                host=self.host,
                port=self.port,
                node_uuid=_driver.node_text(self.uuid),
                error_msg=repr(exc) if exc else "",
            )

    # -- connecting -------------------------------------------------------------

    async def connect(self) -> None:
        """Open the connection and handshake, falling back to an older version.

        As in pyignite, any failure on the way (socket, TLS, handshake, timeout) is
        published as a failed-handshake event before it propagates; a live
        connection is left as it is.
        """
        if self.alive:
            return
        self.proto = ClientConnection()
        try:
            async with asyncio.timeout(self.params.handshake_timeout):
                await self._handshake_loop()
        except AuthenticationError as exc:
            self._fail(AuthenticationFailedEvent, exc)
            raise
        except Exception as exc:
            self._fail(HandshakeFailedEvent, exc)
            raise
        self.uuid = self.proto.node_id
        self.failed = False
        self.events.publish(
            HandshakeSuccessEvent,
            host=self.host,
            port=self.port,
            protocol_context=self.protocol_context,
            node_uuid=_driver.node_text(self.uuid),
        )

    async def reconnect(self) -> None:
        """Connect again unless alive; connection errors are swallowed, as in
        pyignite (``alive`` tells whether it worked)."""
        with contextlib.suppress(*connection_errors):
            await self.connect()

    async def _open(self) -> asyncio.Transport:
        ctx = self.params.ssl_context()
        transport, _ = await asyncio.get_running_loop().create_connection(
            lambda: self,
            self.host,
            self.port,
            ssl=ctx,
            server_hostname=self.host if ctx is not None else None,
        )
        return transport

    async def _handshake_loop(self) -> None:
        version: ProtocolVersion | None = LATEST_VERSION
        while version is not None:
            self._proposed = version
            self.events.publish(
                HandshakeStartEvent,
                host=self.host,
                port=self.port,
                protocol_context=_driver.proposed_context(version),
            )
            if self.transport is None:
                self.transport = await self._open()
            assert self.transport is not None
            self._handshake = asyncio.get_running_loop().create_future()
            req = _driver.handshake_request(
                version, self.params.username, self.params.password
            )
            self.transport.write(self.proto.start_handshake(req))
            version = _driver.handshake_outcome(await self._handshake)

    def _fail(self, event: type[Any], exc: BaseException) -> None:
        self.failed = True
        if self.transport is not None:
            self.transport.abort()
            self.transport = None
        self.events.publish(
            event,
            host=self.host,
            port=self.port,
            protocol_context=_driver.proposed_context(self._proposed),
            error_msg=repr(exc),
        )

    async def close(self) -> None:
        """Close the connection (a closed-connection event if it was open)."""
        self._out = None
        if self.transport is not None:
            self.transport.close()
            self.transport = None
            self.events.publish(
                ConnectionClosedEvent,
                host=self.host,
                port=self.port,
                node_uuid=_driver.node_text(self.uuid),
            )

    # -- requests -----------------------------------------------------------------

    async def request(self, call: Call) -> Reply:
        """Send ``call``; the answer resolves its future in ``data_received``."""
        return await self.send(call)

    def send(self, call: Call) -> asyncio.Future[Reply]:
        """Send ``call`` (or queue it for this loop iteration's write); the future
        its answer resolves."""
        if self.transport is None:
            raise OSError(BROKEN)
        request_id, data = _driver.encode_call(call, self.proto)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Reply] = loop.create_future()
        if self._out is not None:
            self._out.append(data)
            if len(self._out) >= _BATCH:
                self._flush()
        elif not self._pending:  # nothing else in flight: send now, lowest latency
            self.transport.write(data)
            self._stay_awake(loop)
        else:  # more requests are being issued: one write for all of them
            self._out = [data]
            loop.call_soon(self._flush)
        self._pending[request_id] = (fut, call)
        return fut

    def _stay_awake(self, loop: asyncio.AbstractEventLoop) -> None:
        """Keep ``loop`` polling while the answer just asked for is due: a callback
        that re-queues itself makes the loop poll with a zero timeout."""
        self._sent_at = time.perf_counter()
        if self._quick and not self._polling:
            self._polling = True
            loop.call_soon(self._poll_again, loop)

    def _poll_again(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._pending:
            self._polling = False
        elif time.perf_counter() - self._sent_at < _driver.ANSWER_SPIN:
            loop.call_soon(self._poll_again, loop)
        else:  # the answer is late: sleep for it, and next time at once
            self._polling = self._quick = False

    def _flush(self) -> None:
        """Write the requests queued during one loop iteration, in order."""
        out, self._out = self._out, None
        if out and self.transport is not None:
            self.transport.write(b"".join(out))


class AioTransport:
    """The connections of one ``AioClient`` and the driver that runs flows on them."""

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
        self.conns: list[AioConnection] = []
        self._lock: asyncio.Lock | None = None
        self._context: ProtocolContext | None = None  # the last one negotiated

    def _mutex(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    # -- connecting -----------------------------------------------------------

    async def connect(self, addresses: list[tuple[str, int]]) -> None:
        self.nodes = NodeList(addresses)
        self.conns = [
            AioConnection(h, p, self.params, self.events) for h, p in addresses
        ]
        for i, conn in enumerate(self.conns):
            try:
                await conn.connect()
            except (AuthenticationError, HandshakeError):
                raise
            except (OSError, TimeoutError):
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

    def _first_alive(self) -> AioConnection | None:
        return next((c for c in self.conns if c.alive), None)

    @property
    def protocol_context(self) -> ProtocolContext | None:
        """The first live connection's context; while none is up (also after
        ``close``) the last one seen, as pyignite keeps it; None before any."""
        conn = self._first_alive()
        if conn is not None:
            self._context = conn.protocol_context
        return self._context

    async def close(self) -> None:
        self._context = self.protocol_context  # kept once the nodes are gone
        for conn in self.conns:
            await conn.close()
        self.conns = []

    # -- choosing a connection --------------------------------------------------

    async def random_node(self) -> AioConnection:
        """A live connection, reconnecting as pyignite does if there is none."""
        if self.partition_aware:
            alive = [c for c in self.conns if c.alive]
            if alive:
                return random.choice(alive)
        elif self.conns and self.conns[self.nodes.current].alive:
            return self.conns[self.nodes.current]
        async with self._mutex():
            if self.partition_aware:
                return random.choice(await self._reconnect_all())
            return await self._fail_over()

    async def _reconnect_all(self) -> list[AioConnection]:
        alive = [c for c in self.conns if c.alive]
        if alive:
            return alive
        for conn in self.conns:
            with contextlib.suppress(OSError, TimeoutError):
                await conn.connect()
        alive = [c for c in self.conns if c.alive]
        if not alive:
            raise ReconnectError(OUT_OF_NODES)
        return alive

    async def _fail_over(self) -> AioConnection:
        if not self.conns:
            raise ReconnectError(OUT_OF_NODES)
        current = self.conns[self.nodes.current]
        if current.alive:
            return current
        for i in self.nodes.failover_order():
            try:
                await self.conns[i].connect()
            except (OSError, TimeoutError):
                continue
            self.nodes.current = i
            return self.conns[i]
        raise ReconnectError(OUT_OF_NODES)

    async def _pick(self, call: Call) -> AioConnection:
        if call.conn is not None:
            return call.conn  # type: ignore[return-value]
        return await self.connection_to(call.node)

    async def connection_to(self, node: uuid.UUID | None) -> AioConnection:
        """The live connection to ``node``, else a random usable one."""
        if node is not None:
            for conn in self.conns:
                if conn.uuid == node and conn.alive:
                    return conn
        return await self.random_node()

    # -- the driver ----------------------------------------------------------------

    def _current(self, call: Call) -> AioConnection | None:
        """The connection for an unrouted call when no choice or reconnection is
        needed (no coroutine to await: the common case of one node)."""
        conns = self.conns
        if call.conn is None and call.node is None and conns:
            if not self.partition_aware:
                conn = conns[self.nodes.current]
            elif len(conns) == 1:
                conn = conns[0]  # random_node's choice among one
            else:
                return None
            if conn.transport is not None:
                return conn
        return None

    async def call(self, call: Call) -> Reply:
        conn = self._current(call) or await self._pick(call)
        if not self.events.queries:
            reply = await conn.send(call)
        else:
            reply = await self._observed(conn, call)
        self.state.saw_topology(conn.proto.topology_version)
        return reply

    async def _observed(self, conn: AioConnection, call: Call) -> Reply:
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
            reply = await conn.request(call)
        except Exception as exc:
            ms = (time.monotonic() - start) * 1000
            self.events.publish(
                QueryFailEvent, **where, **what, duration=ms, err_msg=repr(exc)
            )
            raise
        ms = (time.monotonic() - start) * 1000
        self.events.publish(QuerySuccessEvent, **where, **what, duration=ms)
        return reply

    def run(self, flow: Flow[T], timeout: float = 0) -> Coroutine[Any, Any, T]:
        """Drive ``flow`` to its result; ``timeout`` seconds (0 = none) for all of it.

        Always a coroutine; without a timeout it is ``_run`` itself, saving a
        coroutine frame and ``asyncio.timeout``'s set-up per operation.
        """
        if timeout:
            return self._run_within(flow, timeout)
        return self._run(flow)

    async def _run_within(self, flow: Flow[T], seconds: float) -> T:
        async with asyncio.timeout(seconds):
            return await self._run(flow)

    async def _run(self, flow: Flow[T]) -> T:
        try:
            call = next(flow)
            while True:
                try:
                    conn = self._current(call)
                    if conn is not None and not self.events.queries:
                        reply = await conn.send(call)  # what ``call`` does, inline
                        self.state.saw_topology(conn.proto.topology_version)
                    else:
                        reply = await self.call(call)
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

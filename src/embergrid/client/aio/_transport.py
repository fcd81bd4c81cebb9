"""The asyncio driver: connections multiplexed by request id (handwritten).

Owns ``AioConnection`` (an ``asyncio.Protocol`` wrapping one ``ClientConnection``:
any number of requests in flight, one future per request id, answers decoded as they
arrive) and ``AioTransport`` (the connections of one client: it dials what
``client._policy`` decides, and ``run(flow)`` is the only place where the asyncio
client meets the protocol). What the blocking driver (``client/sync/_transport.py``)
shares with this one lives in ``client._connection`` and ``client._policy``; here is
only the I/O. Imports ``asyncio``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from embergrid._busy_poll import BusyPoll
from embergrid.client import _driver
from embergrid.client._connection import (
    BROKEN,
    ConnectionBase,
    Heartbeats,
    Observation,
    handshake_steps,
)
from embergrid.client._nodes import ConnectParams
from embergrid.client._policy import Dial, TransportBase
from embergrid.client.flows._call import Call, Flow, Reply
from embergrid.errors import (
    ParameterError,
    ParseError,
    ServerError,
    connection_errors,
)
from embergrid.monitoring import EventPublisher
from embergrid.protocol.connection import Response
from embergrid.protocol.headers import AffinityVersion

__all__ = ["AioConnection", "AioTransport"]

T = TypeVar("T")
_RECV = 262144
_BATCH = 8  # queued requests written at once: fewer sends, the server starts early
_INBOX = 1024  # notifications waiting for their listener before reading pauses
# While a lone request's answer is due the loop keeps polling instead of sleeping,
# for up to ``_driver.ANSWER_SPIN``, when ``embergrid._busy_poll.BusyPoll`` says it
# pays: answers come that quickly and the loop's thread has a core to itself.


def _ignore_outcome(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()  # retrieved: no "exception was never retrieved" warning


class AioConnection(ConnectionBase, asyncio.BufferedProtocol):
    """One socket to one node; many requests in flight at once.

    A buffered protocol: the loop reads into this connection's own buffer
    (``recv_into``) instead of allocating a fresh 256 KiB ``bytes`` per read, which
    costs ~15 us of system time per small response on Linux.
    """

    def __init__(
        self, host: str, port: int, params: ConnectParams, events: EventPublisher
    ) -> None:
        super().__init__(host, port, params, events)
        self.transport: asyncio.Transport | None = None
        self._pending: dict[int, tuple[asyncio.Future[Any], Call]] = {}
        self._handshake: asyncio.Future[Any] | None = None
        self._rview = memoryview(bytearray(_RECV))
        # Requests issued while others are in flight are written together, once
        # per loop iteration (``_flush``): 100 concurrent gets cost one send.
        self._out: list[bytes] | None = None
        self._sent_at = 0.0  # when the last lone request went out
        self._lone = -1  # its request id
        self._busy_poll = BusyPoll(_driver.ANSWER_SPIN)
        self._polling = False
        self._poll_started = 0.0  # when the loop began polling
        self._poll_cpu = -1.0  # thread CPU time then, if this poll is measured
        self._beats: Heartbeats | None = None
        self._waiter: asyncio.Future[None] | None = None  # of next_notification
        self._reading_paused = False  # the inbox is full (_notified)

    @property
    def alive(self) -> bool:
        """Whether the connection is up (a broken one is dropped at once)."""
        return self.transport is not None

    # -- asyncio.BufferedProtocol -------------------------------------------------

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._rview

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._rview[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        try:
            self.proto.receive_data(data)
            while (event := self.proto.next_event()) is not None:
                self._dispatch(event)
        except ParseError as exc:
            if self._handshake is not None and not self._handshake.done():
                self._handshake.set_exception(exc)  # connect() names the peer
            self._broke(OSError(f"{BROKEN} {exc}"))

    def _dispatch(self, event: Any) -> None:
        if not isinstance(event, Response):
            if self._handshake is not None and not self._handshake.done():
                self._handshake.set_result(event)
            return
        if event.op_code is None:
            self._notified(event)
            return
        request_id = event.header.request_id
        fut, call = self._pending.pop(request_id)
        if request_id == self._lone:
            self._busy_poll.waited(time.perf_counter() - self._sent_at)
        if fut.done():
            return
        try:
            fut.set_result(_driver.reply_for(call, event, self.proto, self))
        except Exception as exc:  # ServerError, or a decode failure
            fut.set_exception(exc)

    def _notified(self, event: Response) -> None:
        """A server-initiated frame: to the inbox; past ``_INBOX`` waiting, the
        socket is not read until the listener takes some (back-pressure)."""
        self.inbox.append(event)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if len(self.inbox) >= _INBOX and self.transport is not None:
            self.transport.pause_reading()
            self._reading_paused = True

    async def next_notification(self) -> Response:
        """The next server-initiated frame; ``OSError`` once the connection is
        gone and none is left."""
        while not self.inbox:
            if self.transport is None:
                raise OSError(BROKEN)
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        event = self.inbox.popleft()
        if self._reading_paused and len(self.inbox) < _INBOX // 2:
            self._reading_paused = False
            if self.transport is not None:
                self.transport.resume_reading()
        return event

    def connection_lost(self, exc: Exception | None) -> None:
        self._broke(exc if isinstance(exc, OSError) else OSError(BROKEN))

    def _broke(self, exc: OSError) -> None:
        was_alive = self.transport is not None
        self.failed = True
        if self.transport is not None:
            self.transport.abort()
            self.transport = None
        if self._handshake is not None and not self._handshake.done():
            self._handshake.set_exception(exc)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)  # it finds no transport: the listener ends
        self._out = None
        pending, self._pending = self._pending, {}
        for fut, _ in pending.values():
            if not fut.done():
                fut.set_exception(OSError(BROKEN))
        if was_alive and pending:
            self._lost(exc)

    # -- connecting -------------------------------------------------------------

    async def connect(self) -> None:
        """Open the connection and handshake, falling back to an older version; a
        live connection is left as it is."""
        if self.alive:
            return
        try:
            async with asyncio.timeout(self.params.handshake_timeout):
                await self._handshake_loop()
        except Exception as exc:
            self._abort()
            raise self._handshake_failed(exc)  # noqa: B904 - it is exc, or from it
        self._handshake_succeeded()
        if Heartbeats.wanted(self.protocol_context):
            with contextlib.suppress(ServerError):  # then no heartbeats
                reply = await self.send(Heartbeats.ASK)
                self._beat_every(Heartbeats.after(self.proto, reply))

    def _beat_every(self, beats: Heartbeats | None) -> None:
        """Send heartbeats as ``beats`` says (a loop timer per interval)."""
        self._beats = beats
        if beats is not None:
            asyncio.get_running_loop().call_later(beats.interval, self._beat, beats)

    def _beat(self, beats: Heartbeats) -> None:
        if beats is not self._beats or self.transport is None:
            return  # closed, or connected again with heartbeats of its own
        if beats.due():
            # a failed heartbeat breaks the connection for whoever uses it next
            self.send(Heartbeats.BEAT).add_done_callback(_ignore_outcome)
        beats.sent()
        asyncio.get_running_loop().call_later(beats.interval, self._beat, beats)

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
        steps = handshake_steps(self)
        data = next(steps)
        while True:
            if self.transport is None:
                self.transport = await self._open()
            self._handshake = asyncio.get_running_loop().create_future()
            self.transport.write(data)
            try:
                data = steps.send(await self._handshake)
            except StopIteration:
                return

    def _abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
            self.transport = None

    async def close(self) -> None:
        """Close the connection (a closed-connection event if it was open)."""
        self._out = self._beats = None
        if self.transport is not None:
            self.transport.close()
            self.transport = None
            self._closed()
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

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
            self._lone = request_id
            self._stay_awake(loop)
        else:  # more requests are being issued: one write for all of them
            self._out = [data]
            loop.call_soon(self._flush)
        self._pending[request_id] = (fut, call)
        return fut

    def _stay_awake(self, loop: asyncio.AbstractEventLoop) -> None:
        """Keep ``loop`` polling while the answer just asked for is due: a callback
        that re-queues itself makes the loop poll with a zero timeout."""
        self._sent_at = now = time.perf_counter()
        if not self._polling and self._busy_poll.polls(now):
            self._polling, self._poll_started = True, now
            measured = self._busy_poll.measures()
            self._poll_cpu = time.thread_time() if measured else -1.0
            loop.call_soon(self._poll_again, loop)

    def _poll_again(self, loop: asyncio.AbstractEventLoop) -> None:
        now = time.perf_counter()
        if self._pending and now - self._sent_at < self._busy_poll.window:
            loop.call_soon(self._poll_again, loop)
            return
        self._polling = False  # answered, or late: then sleep for it
        if self._poll_cpu >= 0:
            cpu = time.thread_time() - self._poll_cpu
            self._busy_poll.polled(now - self._poll_started, cpu, now)

    def _flush(self) -> None:
        """Write the requests queued during one loop iteration, in order."""
        out, self._out = self._out, None
        if out and self.transport is not None:
            self.transport.write(b"".join(out))


class AioTransport(TransportBase[AioConnection]):
    """The connections of one ``AioClient`` and the driver that runs flows on them:
    every choice of node is ``client._policy``'s, this class only dials."""

    _lock: asyncio.Lock | None = None  # made by the first recovery, in its loop

    async def _dial(self, dials: Dial) -> AioConnection:
        """Dial what the policy says; the connection it settles on."""
        for conn in (dialling := self.pool.dialling(dials)):
            with dialling:
                await conn.connect()
        return dialling.chosen

    async def connect(self, addresses: list[tuple[str, int]]) -> None:
        conns = [AioConnection(h, p, self.params, self.events) for h, p in addresses]
        self.pool.opened(await self._dial(self.pool.reset(conns)))
        await self._discover(None)

    async def _discover(self, version: AffinityVersion | None) -> None:
        """Opt-in endpoint discovery: ask for the cluster's nodes when due, close
        the discovered ones it no longer lists, dial the new ones as the policy
        says (no answer: the next topology change asks again; an answer older
        than a version already reported, from a node that had not yet seen the
        change: the next response asks again)."""
        with self.discovery(version) as ask:
            if ask.call is not None:
                with contextlib.suppress(ServerError, *connection_errors):
                    ask.answer = (await self.call(ask.call)).message
        for conn in ask.gone:
            await conn.close()
        if ask.found:
            new = [AioConnection(h, p, self.params, self.events) for h, p in ask.found]
            await self._dial(self.pool.add(new))

    async def close(self) -> None:
        for conn in self.pool.release():
            await conn.close()

    async def random_node(self) -> AioConnection:
        """A live connection, reconnecting as pyignite does if there is none."""
        return await self.connection_to(None)

    async def connection_to(self, node: uuid.UUID | None) -> AioConnection:
        """The live connection to ``node``, else a random usable one."""
        return self.pool.to_node(node) or await self._recover()

    async def _recover(self) -> AioConnection:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            return await self._dial(self.pool.recovery())

    async def call(self, call: Call) -> Reply:
        """Send ``call`` where the policy says; its answer. ``_run`` does the same
        inline for a live connection when nobody listens for query events."""
        conn = self.pool.pick(call) or await self._recover()
        if self.events.queries:
            with Observation(conn, call):
                reply = await conn.send(call)
        else:
            reply = await conn.send(call)
        version = conn.proto.topology_version
        dials = self.pool.saw_topology(version)
        if dials is not None:
            await self._dial(dials)
            await self._discover(version)
        return reply

    def run(self, flow: Flow[T], timeout: float = 0) -> Coroutine[Any, Any, T]:
        """Drive ``flow`` to its result; ``timeout`` seconds (0 = none) for all of it.

        Always a coroutine; without a timeout it is ``_run`` itself, saving a
        coroutine frame and ``asyncio.timeout``'s set-up per operation.
        """
        if timeout:
            return self._run_within(flow, timeout)
        return self._run(flow)

    async def run_many(self, flows: Iterable[Flow[T]], window: int) -> list[T]:
        """Drive ``flows`` side by side, up to ``window`` at once (``flows`` is
        consumed lazily); their results in order. The first exception a flow
        raises is raised once the flows already running have ended."""
        if window < 1:
            raise ParameterError("window must be at least 1")
        results: list[Any] = []
        running: set[asyncio.Task[None]] = set()

        async def one(index: int, flow: Flow[T]) -> None:
            results[index] = await self._run(flow)

        try:
            for flow in flows:
                if len(running) >= window:
                    done, running = await asyncio.wait(
                        running, return_when=asyncio.FIRST_COMPLETED
                    )
                    for task in done:
                        task.result()  # a failure: stop starting flows
                results.append(None)
                running.add(asyncio.create_task(one(len(results) - 1, flow)))
        finally:
            if running:
                done, _ = await asyncio.wait(running)
                for task in done:
                    task.result()
        return results

    async def _run_within(self, flow: Flow[T], seconds: float) -> T:
        async with asyncio.timeout(seconds):
            return await self._run(flow)

    async def _run(self, flow: Flow[T]) -> T:
        """``_driver.drive`` with ``await``, and ``call`` inlined for a live
        connection when nobody listens for query events."""
        try:
            call = next(flow)
            while True:
                try:
                    conn = self.pool.pick(call)
                    if conn is None or self.events.queries:
                        reply = await self.call(call)
                    else:
                        reply = await conn.send(call)
                        version = conn.proto.topology_version
                        if (dials := self.pool.saw_topology(version)) is not None:
                            await self._dial(dials)
                            await self._discover(version)
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

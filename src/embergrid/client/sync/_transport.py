"""The blocking driver: sockets, one lock per socket (handwritten).

Owns ``SyncConnection`` (one socket wrapping one ``ClientConnection``; its lock makes
send-then-receive atomic, so one ``Client`` can be shared between threads),
``SyncTransport`` (the connections of one client: it dials what ``client._policy``
decides, and ``run(flow)`` is the only place where the blocking client meets the
protocol) and ``SpinningReceiver`` (how a request waits for its answer). What the
asyncio driver shares with this one lives in ``client._connection`` and
``client._policy``; here is only the I/O. Imports ``select``, ``socket``, ``ssl``,
``threading``.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from embergrid._busy_poll import BusyPoll
from embergrid.client import _driver
from embergrid.client._driver import drive
from embergrid.client._connection import (
    BROKEN,
    ConnectionBase,
    Heartbeats,
    Observation,
    broken,
    handshake_steps,
)
from embergrid.client._nodes import ConnectParams
from embergrid.client._policy import Dial, TransportBase, unreachable
from embergrid.client.flows._call import Call, Flow, Reply
from embergrid.client.flows._state import ClientState
from embergrid.errors import (
    AuthenticationError,
    HandshakeError,
    ServerError,
    connection_errors,
)
from embergrid.monitoring import EventPublisher
from embergrid.protocol.connection import Response
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.messages.context import ProtocolContext

__all__ = ["SpinningReceiver", "SyncConnection", "SyncTransport"]

T = TypeVar("T")
_RECV = 262144
# One receive buffer per connection, filled with ``recv_into``: ``sock.recv(256 KiB)``
# allocates (and the kernel maps in) a fresh 256 KiB object per call, which costs
# ~15 us of system time per small response on Linux.


def _closed(view: memoryview) -> int:
    raise OSError(BROKEN)


class SpinningReceiver:
    """``recv_into`` on one plain socket that polls for up to ``spin`` seconds first,
    when ``embergrid._busy_poll.BusyPoll`` says polling pays.

    Waking a thread asleep in ``recv`` costs tens of microseconds on virtual
    machines (the idle vCPU halts), more than a quick answer takes. Polling costs
    CPU only while an answer is due, only while answers come quickly (after a
    wait longer than ``spin`` the next one sleeps at once, until one is quick
    again) and only while this thread has a core to itself.
    """

    def __init__(
        self, sock: socket.socket, spin: float = _driver.ANSWER_SPIN
    ) -> None:
        self._sock = sock
        self.policy = BusyPoll(spin)
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        self._poll = poller.poll

    @property
    def spinning(self) -> bool:
        """Whether the next wait polls first."""
        return self.policy.polls(time.perf_counter())

    def __call__(self, view: memoryview) -> int:
        policy, clock = self.policy, time.perf_counter
        start = clock()
        if policy.polls(start):
            measured = policy.measures()
            cpu = time.thread_time() if measured else 0.0
            poll, deadline = self._poll, start + policy.window
            while not poll(0) and clock() < deadline:
                pass
            if measured:
                now = clock()
                policy.polled(now - start, time.thread_time() - cpu, now)
        n = self._sock.recv_into(view)
        policy.waited(clock() - start)
        return n


class SyncConnection(ConnectionBase):
    """One socket to one node."""

    def __init__(
        self, host: str, port: int, params: ConnectParams, events: EventPublisher
    ) -> None:
        super().__init__(host, port, params, events)
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self._rview = memoryview(bytearray(_RECV))
        self._recv: Callable[[memoryview], int] = _closed
        self._stop_beats = threading.Event()
        self._beats: Heartbeats | None = None
        self._next_look = 0.0  # monotonic time of the listener's next heartbeat look

    @property
    def alive(self) -> bool:
        """Whether the connection is up (a broken one is dropped at once)."""
        return self.sock is not None

    def connect(self) -> None:
        """Open the socket and handshake, falling back to an older version; a live
        connection is left as it is."""
        if self.alive:
            return
        try:
            steps = handshake_steps(self)
            data = next(steps)
            while True:
                sock = self.sock if self.sock is not None else self._open()
                sock.sendall(data)
                data = steps.send(self._next_event())
        except StopIteration:
            pass
        except Exception as exc:
            self._drop()
            raise self._handshake_failed(exc)  # noqa: B904 - it is exc, or from it
        assert self.sock is not None
        self.sock.settimeout(self.params.timeout)
        # TLS may hold bytes already read from the socket: no polling there (nor
        # where the platform has no poll(), e.g. Windows).
        plain = not isinstance(self.sock, ssl.SSLSocket) and hasattr(select, "poll")
        self._recv = SpinningReceiver(self.sock) if plain else self.sock.recv_into
        self._handshake_succeeded()
        if Heartbeats.wanted(self.protocol_context):
            with contextlib.suppress(ServerError):  # then no heartbeats
                reply = self.request(Heartbeats.ASK)
                self._beat_every(Heartbeats.after(self.proto, reply))

    def _beat_every(self, beats: Heartbeats | None) -> None:
        """Send heartbeats as ``beats`` says, from a thread of this connection's
        own that ends with the socket."""
        self._stop_beats = stop = threading.Event()
        self._beats = beats
        if beats is not None:
            self._next_look = time.monotonic() + beats.interval
            name = f"embergrid-heartbeats-{self!r}"
            beating = threading.Thread(
                target=self._beat, args=(beats, stop), name=name, daemon=True
            )
            beating.start()

    def _beat(self, beats: Heartbeats, stop: threading.Event) -> None:
        while not stop.wait(beats.interval):
            if beats.due() and not self.lock.locked():  # locked: a request is out
                # a failed heartbeat breaks the connection for whoever uses it next
                with contextlib.suppress(Exception):
                    self.request(Heartbeats.BEAT)
            beats.sent()

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
        self._stop_beats.set()
        self._beats = None
        sock, self.sock = self.sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked reading it
            with contextlib.suppress(OSError):
                sock.close()

    def close(self, on_reconnect: bool = False) -> None:
        """Close the socket; a closed-connection event if it was open, unless
        ``on_reconnect`` (closing to connect again at once)."""
        if self.sock is not None:
            self._drop()
            if not on_reconnect:
                self._closed()

    def _response(self, sock: socket.socket) -> Response:
        """The next answer to a request (notifications go to the inbox)."""
        proto, view = self.proto, self._rview
        while True:
            event = proto.next_event()
            if event is None:
                n = self._recv(view)
                if not n:
                    raise OSError(BROKEN)
                proto.receive_data(view[:n].tobytes())
            elif type(event) is Response:
                if event.op_code is not None:
                    return event
                self.inbox.append(event)

    def next_notification(self) -> Response:
        """The next server-initiated frame, waiting for it as long as it takes;
        ``OSError`` once the socket is gone (closed here or by the peer). Unread
        notifications stay in the socket: a slow listener slows the server's
        sending, not this process's memory. The waiting thread holds the lock,
        so it sends the connection's heartbeats itself (``_receive_or_beat``):
        the heartbeat thread finds the lock taken and leaves them to it."""
        with self.lock:
            while not self.inbox:
                sock = self.sock
                if sock is None:
                    raise OSError(BROKEN)
                event = self.proto.next_event()
                if event is None:
                    self._receive_or_beat(sock)
                elif type(event) is Response and event.op_code is None:
                    self.inbox.append(event)
            return self.inbox.popleft()

    def _receive_or_beat(self, sock: socket.socket) -> None:
        """Receive what comes within the time left to the next heartbeat look,
        or look (a heartbeat if nothing was sent since the last look); the
        lock is held."""
        beats, wait = self._beats, self.params.timeout
        if beats is not None:
            left = self._next_look - time.monotonic()
            if left <= 0:
                if beats.due():
                    self._request(Heartbeats.BEAT)
                beats.sent()
                self._next_look = time.monotonic() + beats.interval
                return
            wait = left if wait is None else min(wait, left)
        sock.settimeout(wait)
        try:
            n = sock.recv_into(self._rview)
        except TimeoutError:
            return  # nothing yet: wait on
        finally:
            if self.sock is sock:
                sock.settimeout(self.params.timeout)
        if not n:
            self._drop()
            raise OSError(BROKEN)
        self.proto.receive_data(self._rview[:n].tobytes())

    def pipeline(self, flows: Iterable[Flow[T]], window: int) -> list[T]:
        """Run ``flows`` on this connection with up to ``window`` requests in
        flight (``_driver.drive_many``); a broken socket raises ``OSError``."""
        with self.lock, self._breaking() as sock:
            proto = self.proto

            def send(call: Call) -> int:
                request_id, data = _driver.encode_call(call, proto)
                sock.sendall(data)
                return request_id

            return _driver.drive_many(
                flows,
                window,
                send,
                lambda: self._response(sock),
                lambda call, resp: _driver.reply_for(call, resp, proto, self),
            )

    def request(self, call: Call) -> Reply:
        """Send ``call`` and wait for its answer; a broken socket raises ``OSError``."""
        with self.lock:
            return self._request(call)

    def _request(self, call: Call) -> Reply:
        """``request`` with the lock held."""
        with self._breaking() as sock:
            _, data = _driver.encode_call(call, self.proto)
            sock.sendall(data)
            event = self._response(sock)
        return _driver.reply_for(call, event, self.proto, self)

    @contextlib.contextmanager
    def _breaking(self) -> Iterator[socket.socket]:
        """The open socket (none: "Connection broken."); an ``OSError`` of the
        block drops the connection and is raised as what a broken connection
        raises (``broken``)."""
        sock = self.sock
        if sock is None:
            raise OSError(BROKEN)
        try:
            yield sock
        except OSError as exc:
            self._drop()
            self._lost(exc)
            error = broken(exc)
            if error is exc:
                raise
            raise error from exc


class SyncTransport(TransportBase[SyncConnection]):
    """The connections of one ``Client`` and the driver that runs flows on them:
    every choice of node is ``client._policy``'s, this class only dials (one
    thread at a time)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._lock = threading.RLock()  # dials and closing: one thread at a time

    def _dial(self, dials: Dial) -> SyncConnection:
        """Dial what the policy says, one thread at a time; the connection it
        settles on."""
        with self._lock:
            for conn in (dialling := self.pool.dialling(dials)):
                with dialling:
                    conn.connect()
            return dialling.chosen

    def connect(self, addresses: list[tuple[str, int]]) -> None:
        conns = [SyncConnection(h, p, self.params, self.events) for h, p in addresses]
        with self._lock:
            self.pool.opened(self._dial(self.pool.reset(conns)))
        self._discover(None)

    def _discover(self, version: AffinityVersion | None) -> None:
        """Opt-in endpoint discovery: ask for the cluster's nodes when due, close
        the discovered ones it no longer lists, dial the new ones as the policy
        says (no answer: the next topology change asks again; an answer older
        than a version already reported, from a node that had not yet seen the
        change: the next response asks again)."""
        with self.discovery(version) as ask:
            if ask.call is not None:
                with contextlib.suppress(ServerError, *connection_errors):
                    ask.answer = self.call(ask.call).message
        with self._lock:
            for conn in ask.gone:
                conn.close()
        if ask.found:
            new = [SyncConnection(h, p, self.params, self.events) for h, p in ask.found]
            with self._lock:
                self._dial(self.pool.add(new))

    def close(self) -> None:
        with self._lock:
            for conn in self.pool.release():
                conn.close()

    def random_node(self) -> SyncConnection:
        """A live connection, reconnecting as pyignite does if there is none."""
        return self.connection_to(None)

    def connection_to(self, node: uuid.UUID | None) -> SyncConnection:
        """The live connection to ``node``, else a random usable one."""
        return self.pool.to_node(node) or self._dial(self.pool.recovery())

    def call(self, call: Call) -> Reply:
        """Send ``call`` where the policy says and wait for its answer."""
        conn = self.pool.pick(call) or self._dial(self.pool.recovery())
        if not self.events.queries:
            reply = conn.request(call)
        else:
            with Observation(conn, call):
                reply = conn.request(call)
        version = conn.proto.topology_version
        revival = self.pool.saw_topology(version)
        if revival is not None:
            self._dial(revival)
            self._discover(version)
        return reply

    def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result, answering each call it yields."""
        return drive(flow, self.call)

    def run_many(self, flows: Iterable[Flow[T]], window: int) -> list[T]:
        """Drive ``flows`` side by side over one connection, up to ``window``
        requests in flight; their results in order."""
        return self.random_node().pipeline(flows, window)

"""The asyncio front: one ``asyncio.Protocol`` per socket over a ``Session``.

Owns ``ClientProtocol`` (data_received -> ``Session.feed`` -> ``transport.write``,
the handshake and idle timeouts, the password check of a login on a thread,
resource release on disconnect), ``Server`` (listening socket, TLS when given an
``ssl.SSLContext`` from ``server/tls.py``, whose failed handshakes log
themselves, plus the background expiry purge and partition-map fill) and
``new_event_loop`` (uvloop when it imports, else asyncio's default). Imports
asyncio, uvloop (optional) and the rest of ``embergrid.server``; nothing here
decides protocol behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from time import perf_counter, thread_time
from typing import cast

from embergrid._busy_poll import BusyPoll
from embergrid.engine import LockWait
from embergrid.errors import ParseError
from embergrid.server.node import Node
from embergrid.server.session import Blocked, LongWork, Session

__all__ = ["ClientProtocol", "Server", "new_event_loop"]

log = logging.getLogger("embergrid.server")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A uvloop loop when uvloop is installed, else the default asyncio loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return cast(asyncio.AbstractEventLoop, uvloop.new_event_loop())


# A blocked request is tried again when a transaction of this node ends, and at
# least this often (doubling) for one of another node sharing the store.
_FIRST_POLL, _LAST_POLL = 0.002, 0.05


def _wait_time(node: Node, waiter: LockWait, poll: float) -> float:
    """Seconds to wait before trying a request blocked on a lock again:
    ``poll``, or less if the waiting transaction times out sooner."""
    deadline = waiter.deadline
    if deadline is None:
        return poll
    left = (deadline - node.engine.clock.now_ms()) / 1000
    return max(0.0, min(poll, left))


def _read_ahead_soon(session: Session) -> None:
    """Answers went out: the cursors they came from make their next pages
    (``Session.read_ahead``) once the loop has written them."""
    if session.has_read_ahead:
        asyncio.get_running_loop().call_soon(session.run_read_ahead)


class ClientProtocol(asyncio.Protocol):
    """Bytes of one client socket in, response bytes out, in arrival order."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self._session: Session | None = None
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._waiting: set[asyncio.Task[None]] = set()
        self._partial: asyncio.TimerHandle | None = None  # closes a stalled frame
        self._write_paused = False  # the socket's send buffer is over the bound
        self._read_paused = False
        self.partial_held = 0  # bytes of an unfinished frame, as last counted
        self._partial_paused = False  # waits for the node's partial bytes to fall
        self._login: asyncio.Task[None] | None = None  # a password being checked
        self._idle: asyncio.TimerHandle | None = None  # closes a silent connection
        self._last_active = 0.0  # loop time of the last bytes in or out

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._transport.set_write_buffer_limits(
            high=self._server.node.limits.max_unsent
        )
        peer = transport.get_extra_info("peername")
        self._session = Session(self._server.node, str(peer))
        self._session.pusher = self
        self._server.protocols.add(self)
        timeout = self._server.node.limits.handshake_timeout
        if timeout > 0:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(timeout, self._handshake_expired)
        self._idle_check()

    def _idle_check(self) -> None:
        """Close the connection once it was silent for ``limits.idle_timeout``
        (nothing received, nothing sent), as Ignite's idle timeout does; else
        look again when it would be."""
        timeout = self._server.node.limits.idle_timeout
        transport = self._transport
        if timeout <= 0 or transport is None:
            return
        loop = asyncio.get_running_loop()
        if self._idle is None:  # the first look, at connection_made
            self._last_active = loop.time()
        silent = loop.time() - self._last_active
        if silent >= timeout:
            self._idle = None
            peer = self._session and self._session.peer
            log.info("closing %s: idle for %.1f s", peer, silent)
            transport.close()
            return
        self._idle = loop.call_later(timeout - silent, self._idle_check)

    def _touch(self) -> None:
        """Bytes went in or out (called only while an idle timeout is on)."""
        self._last_active = asyncio.get_running_loop().time()

    def data_received(self, data: bytes) -> None:
        arrived = perf_counter()
        session, transport = self._session, self._transport
        if session is None or transport is None:
            return
        if self._idle is not None:
            self._touch()
        out, close = session.feed(data)
        if out:
            transport.write(out)
            self._server.node.feed.poke()  # continuous queries: changes to send?
        if close or not self._quiet(session):
            self._after_feed(session, close)
        self._server.stay_awake(arrived)
        if close:
            transport.close()
        elif self._timer is not None and session.established:
            self._timer.cancel()
            self._timer = None

    def _quiet(self, session: Session) -> bool:
        """Whether ``_after_feed`` has nothing to do: the session left nothing
        behind and this connection holds no partial frame, pause or login (the
        state after almost every request)."""
        return (
            session.settled
            and not self.partial_held
            and self._partial is None
            and not self._read_paused
            and not self._holds_reading(session)
        )

    def _holds_reading(self, session: Session) -> bool:
        """Whether this connection is not to be read now: requests wait in the
        backlog, the answers are over their bound, the node's partial frames
        are, or a password is being checked."""
        return (
            session.backlogged
            or self._write_paused
            or self._partial_paused
            or self._login is not None
        )

    def _after_feed(self, session: Session, close: bool) -> None:
        """What ``feed`` left: partial frames counted and watched, reading paused
        or resumed, waits, a login, read-ahead."""
        self._count_partial(session)
        if close:
            return
        self._flow()
        self._start_waits(session)
        self._watch_partial_frame(session)
        if session.pending_login is not None and self._login is None:
            self._start_login(session)
        _read_ahead_soon(session)

    def _count_partial(self, session: Session) -> None:
        """Keep the node's count of unfinished-frame bytes; past the bound,
        stop reading this connection unless it is the one let finish."""
        held = session.conn.partial_bytes
        grew = held > self.partial_held
        self._server.count_partial(self, held)
        if grew and self._server.must_wait(self):
            self._partial_paused = True
            self._server.partial_waiters.add(self)

    def resume_partial(self) -> None:
        """The node's unfinished-frame bytes fell under the bound: read again."""
        self._partial_paused = False
        self._flow()

    def _start_login(self, session: Session) -> None:
        """Check the password of a handshake on a thread (a slow hash); nothing
        more is read from this client until it is answered (``_flow``)."""
        self._login = asyncio.get_running_loop().create_task(self._check_login(session))
        self._flow()

    async def _check_login(self, session: Session) -> None:
        login = session.pending_login
        assert login is not None
        try:
            accepted = await asyncio.get_running_loop().run_in_executor(
                None, login.check
            )
        except Exception:
            log.exception("password check failed (peer %s)", session.peer)
            accepted = False
        self._login = None
        if self._session is not session or self._transport is None:
            return
        self._transport.write(session.finish_login(accepted))
        self.data_received(b"")  # the requests that came behind the handshake

    def _watch_partial_frame(self, session: Session) -> None:
        """A frame left unfinished closes the connection if nothing more comes
        for ``limits.partial_frame_timeout`` seconds."""
        if self._partial is not None:
            self._partial.cancel()
            self._partial = None
        timeout = self._server.node.limits.partial_frame_timeout
        if timeout > 0 and session.conn.partial_bytes and not session.backlogged:
            loop = asyncio.get_running_loop()
            self._partial = loop.call_later(timeout, self._partial_expired)

    def _partial_expired(self) -> None:
        self._partial = None
        if self._transport is not None and self._session is not None:
            log.info(
                "closing %s: a frame unfinished for %.0f s (%d bytes held)",
                self._session.peer,
                self._server.node.limits.partial_frame_timeout,
                self._session.conn.partial_bytes,
            )
            self._transport.close()

    # -- back-pressure: a client that does not read its answers is not read ----------

    def pause_writing(self) -> None:
        self._write_paused = True
        self._flow()

    def resume_writing(self) -> None:
        self._write_paused = False
        self._flow()
        self._server.node.feed.poke()  # continuous queries held back resume

    # -- server-initiated frames (server/continuous.py's Pusher) --------------------

    def push(self, data: bytes) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(data)
            if self._idle is not None:
                self._touch()

    def drop(self, reason: str) -> None:
        """Close at once, unsent bytes too (a listener that does not read)."""
        transport = self._transport
        if transport is not None and not transport.is_closing():
            log.warning("closing %s: %s", self._session and self._session.peer, reason)
            transport.abort()

    @property
    def push_paused(self) -> bool:
        """Over the answer bound (read at once: ``pause_writing`` may come
        later), or closing."""
        transport = self._transport
        if self._write_paused or transport is None or transport.is_closing():
            return True
        limit = self._server.node.limits.max_unsent
        return transport.get_write_buffer_size() >= limit

    def _flow(self) -> None:
        """Read while the answers can go out and no request waits in the
        session's backlog; handle that backlog as the answers drain."""
        session, transport = self._session, self._transport
        if session is None or transport is None or transport.is_closing():
            return
        if session.backlogged and not self._write_paused:
            out, close = session.pump()
            if out:
                transport.write(out)  # may call pause_writing at once
                self._server.node.feed.poke()
            if close:
                transport.close()
                return
            _read_ahead_soon(session)
            self._start_waits(session)
            if session.backlogged and not self._write_paused:
                asyncio.get_running_loop().call_soon(self._flow)
        hold = self._holds_reading(session)
        if hold and not self._read_paused:
            transport.pause_reading()
            self._read_paused = True
        elif not hold and self._read_paused:
            transport.resume_reading()
            self._read_paused = False

    def _start_waits(self, session: Session) -> None:
        """A task for each request the session left blocked."""
        for blocked in session.blocked:
            task = asyncio.get_running_loop().create_task(self._wait(blocked))
            self._waiting.add(task)
            task.add_done_callback(self._waiting.discard)
        session.blocked.clear()

    async def _wait(self, blocked: Blocked) -> None:
        """Wait for what a blocked request waits for, run it again, answer it and
        what queued behind it; again while it stays blocked."""
        node = self._server.node
        poll = _FIRST_POLL
        while True:
            waiter = blocked.waiter
            if isinstance(waiter, LongWork):
                value, error = await node.run_off_loop(waiter.job, waiter.discard)
            else:
                await node.wait_for_locks(_wait_time(node, waiter, poll))
            session, transport = self._session, self._transport
            if session is None or transport is None:
                if isinstance(waiter, LongWork) and waiter.discard and error is None:
                    waiter.discard(value)
                return
            if isinstance(waiter, LongWork):
                session.finish(blocked, value, error)
            try:
                results = session.resume(blocked)
            except ParseError as exc:  # a body decoded on a worker (server/bulk.py)
                log.warning("closing connection from %s: %s", session.peer, exc)
                transport.close()
                return
            data = b"".join(r for r in results if isinstance(r, bytes))
            if data:
                transport.write(data)
                node.feed.poke()
                if self._idle is not None:
                    self._touch()
                _read_ahead_soon(session)
            last = results[-1]
            if not isinstance(last, Blocked):
                return
            blocked, poll = last, min(poll * 2, _LAST_POLL)

    def connection_lost(self, exc: Exception | None) -> None:
        for task in self._waiting:
            task.cancel()
        if self._login is not None:
            self._login.cancel()
        if self._partial is not None:
            self._partial.cancel()
        if self._timer is not None:
            self._timer.cancel()
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._session is not None:
            self._session.close()
            # The session points back here (``pusher``): without this the pair
            # is a cycle, freed only by the garbage collector, and a connection
            # that left a large unfinished frame would hold it until then.
            self._session.pusher = None
        self._server.protocols.discard(self)
        self._server.partial_waiters.discard(self)
        self._server.count_partial(self, 0)
        self._transport = None

    def _handshake_expired(self) -> None:
        self._timer = None
        if self._transport is not None and not (
            self._session is not None and self._session.established
        ):
            log.info(
                "closing %s: no handshake in time", self._session and self._session.peer
            )
            self._transport.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class Server:
    """A listening node: start it, read ``port``, close it."""

    def __init__(self, node: Node, tls: ssl.SSLContext | None = None) -> None:
        self.node = node
        self.tls = tls  # TLS on the client port (server/tls.py) when given
        self.protocols: set[ClientProtocol] = set()
        self.partial_total = 0  # bytes of unfinished frames over all connections
        self.partial_waiters: set[ClientProtocol] = set()
        self._finisher: ClientProtocol | None = None  # read past the bound
        self._server: asyncio.Server | None = None
        self._chores: list[asyncio.Task[None]] = []  # expiry, partition maps
        self.host = ""
        self.port = 0
        # Busy polling (``stay_awake``): whether and how long, by one policy.
        self.busy_poll = BusyPoll(node.limits.busy_poll)
        self._awake_until = 0.0
        self._idle_since: float | None = None  # when the loop last handled requests
        self._polling = False
        self._poll_started = self._poll_cpu = 0.0  # the stretch being measured

    async def start(
        self, host: str = "127.0.0.1", port: int = 10800, *, reuse_port: bool = False
    ) -> None:
        """Listen on ``host:port`` (port 0 = any free port; see ``self.port``);
        ``reuse_port``: other processes may listen on it too (``SO_REUSEPORT``:
        the kernel spreads new connections over them)."""
        loop = asyncio.get_running_loop()
        # A TLS peer gets the handshake timeout for its TLS handshake too.
        tls_timeout = (self.node.limits.handshake_timeout or None) if self.tls else None
        self._server = await loop.create_server(
            lambda: ClientProtocol(self),
            host,
            port,
            reuse_address=True,
            reuse_port=reuse_port or None,
            ssl=self.tls,
            ssl_handshake_timeout=tls_timeout,
        )
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]
        self.node.joined(self.host, self.port)
        self._chores = [
            asyncio.create_task(self.node.run_expiry()),
            asyncio.create_task(self.node.run_partition_maps()),
        ]

    # -- the node's bound on unfinished frames (Limits.max_partial_total) ----------

    def count_partial(self, proto: ClientProtocol, held: int) -> None:
        """``proto`` now holds ``held`` bytes of an unfinished frame. Under the
        bound, every waiting connection is read again; over it, once the one let
        finish has finished (or left), the waiter holding the most takes its place."""
        self.partial_total += held - proto.partial_held
        proto.partial_held = held
        if proto is self._finisher and held == 0:
            self._finisher = None
        if not self.over_partial_bound():
            self._finisher = None
            waiters, self.partial_waiters = self.partial_waiters, set()
            for waiter in waiters:
                waiter.resume_partial()
        elif self._finisher is None and self.partial_waiters:
            nxt = max(self.partial_waiters, key=lambda p: p.partial_held)
            self.partial_waiters.discard(nxt)
            self._finisher = nxt
            nxt.resume_partial()

    def over_partial_bound(self) -> bool:
        return self.partial_total > self.node.limits.max_partial_total

    def must_wait(self, proto: ClientProtocol) -> bool:
        """Whether ``proto``, which just received more of a frame, must stop
        being read: over the bound, all but one connection (the first to grow
        past it) wait, so that one frame at least can finish."""
        if not self.over_partial_bound():
            return False
        if self._finisher is None:
            self._finisher = proto
        return proto is not self._finisher

    @property
    def polling(self) -> bool:
        """Whether the loop is inside a busy-poll window (see ``stay_awake``)."""
        return self._polling

    def stay_awake(self, arrived: float) -> None:
        """Requests that arrived at ``arrived`` were handled: keep the loop polling
        for ``limits.busy_poll`` seconds from now, if ``busy_poll`` says it pays
        (requests come that quickly, and the loop has a core to itself).

        A callback that re-queues itself makes the loop poll its sockets with a
        zero timeout instead of sleeping (both uvloop and asyncio do so while
        callbacks are ready), so a request arriving meanwhile is read at once.
        The polling is measured in stretches of ``busy_poll.sample`` seconds.
        """
        policy = self.busy_poll
        if policy.window <= 0:
            return
        if self._idle_since is not None:
            policy.waited(arrived - self._idle_since)
        self._idle_since = now = perf_counter()
        self._awake_until = now + policy.window
        if not self._polling and policy.polls(now):
            self._polling = True
            self._poll_started, self._poll_cpu = now, thread_time()
            asyncio.get_running_loop().call_soon(self._poll_again)

    def _poll_again(self) -> None:
        now, policy = perf_counter(), self.busy_poll
        done = now >= self._awake_until
        if done or now - self._poll_started >= policy.sample:
            cpu = thread_time()
            policy.polled(now - self._poll_started, cpu - self._poll_cpu, now)
            self._poll_started, self._poll_cpu = now, cpu
        if not done and policy.polls(now):
            asyncio.get_running_loop().call_soon(self._poll_again)
        else:
            self._polling = False

    async def close(self) -> None:
        """Stop listening, drop every connection, stop the purge and fill tasks."""
        self.node.left()
        await self.node.feed.close()
        for chore in self._chores:
            chore.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chore
        if self._server is not None:
            self._server.close()
        for proto in list(self.protocols):
            proto.abort()
        if self._server is not None:
            await self._server.wait_closed()

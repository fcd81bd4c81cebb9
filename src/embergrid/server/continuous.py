"""Continuous queries on a node: delivering the store's change log to listeners.

Owns ``Subscription`` (one query: the resource a connection holds; closing it
unsubscribes) and ``Feed`` (the node's listeners and the asyncio task that sends
their notifications, op 2007). The engine records changes (``engine/changes.py``:
triggers write them to the store, from whichever node or path); this module only
reads and sends. Imports asyncio, the engine, ``embergrid.protocol`` and
``server/topology.py``; must not import the listener or the session (a session
reaches it through ``Node``).

Theory of operation
-------------------
While the node has a listener, one task runs ``Feed.deliver``: for each
subscription it reads up to ``BATCH`` changes past its position and sends them,
then, every ``RECORD_EVERY`` positions and at the first quiet look, records the
new position in the store (``ChangeLog.advance``, which trims what every
listener has been sent). The task runs as soon as a request of any connection
of this node was handled (``poke``: that is how a put reaches a listener at
once; answers written from a worker thread and the expiry purge poke too) and
every ``POLL`` seconds otherwise, which is how changes made by other processes
(other nodes, ``--workers``) arrive. Such a look first asks the store whether
its file changed at all (``ChangeLog.stamp``: SQLite's data version, no table
read), and reads the log only if so. A node whose store no other
process writes (no data dir, no worker processes) looks only every
``LOCAL_POLL`` seconds, a safety net: every change it makes pokes. On a shared
store, a quiet look also drops, every ``SWEEP_EVERY`` seconds, the listeners of
processes that are gone (a node killed with its listeners registered).

How events are grouped is Ignite's (``CacheContinuousQueryHandler``): a change
of a key whose primary node is this one goes out at once, alone in its
notification; the primary node of any other key (in a cluster, a PARTITIONED
cache, a page size over 1) holds its changes for the listener's node until it
has ``page_size`` of them, or until the query's time interval elapses (0:
never), and sends them as one notification. (Here the interval ticks every
``time_interval`` ms from the subscription; Ignite's timer counts from that
node's last send.) Here the listener's node does that holding itself
(``Subscription.held``, per primary node, on the loop's clock), so a listener
sees the same notifications, in the same order: an event held for another
primary may come after later ones of this node's keys (still in order per key).
On one node every key is this node's: page size and interval change nothing.
Delivery otherwise follows the log, in commit order, and nothing is skipped
while the connection lives.

Back-pressure: a subscription whose connection has more than
``Limits.max_unsent`` bytes waiting to be sent (``Pusher.push_paused``) is
skipped; its changes wait in the store's log, not in the node's memory, and
resume when the socket drains (``poke`` from ``resume_writing``); a pass stops
sending to a connection as soon as it reaches the bound (``_Sender``), so about
the bound is queued for it (a few notifications over it, measured), however
many events wait, and the node holds at most ``BATCH`` changes per subscription
in memory at a time, plus those held for a page.

The bound on what waits: a subscription with more than
``Limits.max_unread_events`` changes unread (its table's changes logged past
its position, plus those held) has its connection closed, with the reason
logged, and is unsubscribed, which releases its rows of the log. This is Ignite
2.18's ``ClientConnectorConfiguration.sessionOutboundMessageQueueLimit`` (a
thin client whose queue of unsent messages reaches it is disconnected, with a
warning), except that Ignite's is off by default and counts notifications, ours
counts events and is on. Below the bound nothing is lost. Counting a backlog
reads the log, so it is done only when the log grew by more than the bound
since the last count (``_within_bound``); a subscription that has been sent
everything of its table moves its position to the log's end (``deliver``), so
one that keeps up never counts.

Notifications start only after the response to 2006 was written: the handler
registers the subscription while building that response, and the task, which
runs later on the same loop, is the only writer of notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from embergrid.engine import Engine
from embergrid.engine.changes import Change
from embergrid.engine.store import is_busy
from embergrid.errors import ParseError
from embergrid.protocol.binary.hashing import hash_key_bytes, partition
from embergrid.protocol.config import PARTITIONED, CacheConfiguration
from embergrid.protocol.connection import ServerConnection
from embergrid.protocol.messages._fields import NULL_OBJECT
from embergrid.protocol.messages.continuous import (
    EVENT_NOTIFICATION,
    CacheEntryEvent,
    EventType,
    encode_events,
)
from embergrid.server.topology import Topology
from embergrid.server.values import returned

__all__ = [
    "BATCH",
    "LOCAL_POLL",
    "POLL",
    "RECORD_EVERY",
    "Feed",
    "Pusher",
    "Subscription",
]

log = logging.getLogger("embergrid.server")

BATCH = 256  # changes read per subscription per pass
RECORD_EVERY = 1024  # positions between writes of a subscription's position
POLL = 0.005  # seconds between looks at the store when nothing poked
LOCAL_POLL = 0.1  # the same when only this process writes it (every write pokes)
SWEEP_EVERY = 1.0  # seconds between sweeps of dead processes' listeners
_CHUNK = 16 * 1024  # bytes of notifications written to a connection at a time
_NULL = NULL_OBJECT

Placement = Callable[[bytes], uuid.UUID | None]
"""A key's primary node when it is another node, else None."""


class Pusher(Protocol):
    """Where a connection's server-initiated frames go (the asyncio protocol)."""

    def push(self, data: bytes) -> None: ...

    def drop(self, reason: str) -> None:
        """Close the connection at once (unsent bytes too), logging ``reason``."""

    @property
    def push_paused(self) -> bool: ...


@dataclass(eq=False, slots=True)
class Subscription:
    """One continuous query of one connection (a resource: ``close`` ends it)."""

    feed: Feed
    conn: ServerConnection
    resource_id: int
    listener_id: int
    table: str
    config: CacheConfiguration
    after: int
    page_size: int
    interval: float  # seconds between flushes of ``held`` (0: never)
    include_expired: bool
    pusher: Pusher | None = None
    closed: bool = field(default=False)
    recorded: int = 0  # the position last written to the store (``Feed.record``)
    counted: int = 0  # its backlog when last counted (``Feed._within_bound``)
    counted_at: int = 0  # the log's last position then
    # Changes of keys whose primary is another node, per that node, until a
    # page is full or the interval flush (see the module docstring).
    held: dict[uuid.UUID, list[Change]] = field(default_factory=dict)
    flush_at: float = 0.0  # loop time of the next interval flush

    def close(self) -> None:
        self.feed.remove(self)

    @property
    def holding(self) -> int:
        return sum(len(changes) for changes in self.held.values())


class Feed:
    """The continuous queries of one node (see the module docstring)."""

    def __init__(
        self, engine: Engine, max_unread: int = 0, node_id: uuid.UUID | None = None
    ) -> None:
        self._engine = engine
        self._max_unread = max_unread  # 0: no bound (``Limits.max_unread_events``)
        self._node_id = node_id  # None: every key is this node's
        self._subs: dict[int, Subscription] = {}
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._poked = False
        self._sweep_at = 0.0  # loop time of the next ``_sweep``

    def subscribe(
        self,
        conn: ServerConnection,
        resource_id: int,
        table: str,
        config: CacheConfiguration,
        page_size: int,
        time_interval_ms: int,
        include_expired: bool,
        pusher: Pusher | None,
    ) -> Subscription:
        """Listen to the entry table ``table`` (of a cache with ``config``)
        from now on."""
        lid, after = self._engine.changes.subscribe(table)
        interval = max(0, time_interval_ms) / 1000
        sub = Subscription(
            self,
            conn,
            resource_id,
            lid,
            table,
            config,
            after,
            max(1, page_size),
            interval,
            include_expired,
            pusher,
            recorded=after,
            counted_at=after,
        )
        self._subs[lid] = sub
        self._start()
        if interval:
            sub.flush_at = asyncio.get_running_loop().time() + interval
        return sub

    def remove(self, sub: Subscription) -> None:
        """Unsubscribe (resource close, or the connection went away)."""
        if sub.closed:
            return
        sub.closed = True
        sub.held.clear()
        self._subs.pop(sub.listener_id, None)
        try:
            self._engine.changes.unsubscribe(sub.listener_id)
        except Exception:  # the store is busy or gone: a later node sweeps it
            log.exception("unsubscribing continuous query %d", sub.listener_id)

    def poke(self) -> None:
        """Something may have changed: deliver soon."""
        if self._wake is not None and self._subs:
            self._poked = True
            self._wake.set()

    @property
    def active(self) -> bool:
        return bool(self._subs)

    def _start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    def _next_flush(self) -> float | None:
        """Loop time of the earliest interval flush with changes held."""
        due = [s.flush_at for s in self._subs.values() if s.interval and s.held]
        return min(due) if due else None

    async def _run(self) -> None:
        wake = self._wake
        assert wake is not None
        loop = asyncio.get_running_loop()
        changes_log = self._engine.changes
        stamp: object = None  # the store's change stamp at the last look
        more = False  # the last look left changes to send
        while self._subs:
            if not wake.is_set():
                wait = LOCAL_POLL if self._engine.store.only_this_process else POLL
                flush = self._next_flush()
                if flush is not None:
                    wait = min(wait, max(0.0, flush - loop.time()))
                timer = loop.call_later(wait, wake.set)
                await wake.wait()
                timer.cancel()
            wake.clear()
            poked, self._poked = self._poked, False
            try:
                now = loop.time()
                seen, stamp = stamp, changes_log.stamp()
                flush = self._next_flush()
                quiet = not (poked or more) and stamp == seen
                if quiet and (flush is None or flush > now):
                    self.record()  # a quiet moment: let the log be trimmed
                    self._sweep(now)
                    continue  # nobody else changed anything: no reads
                more = self.deliver(now=now)
                if more:
                    wake.set()  # more to send: again after others had their turn
                    await asyncio.sleep(0)
            except Exception as exc:
                if not is_busy(exc):
                    log.exception("continuous query delivery failed")

    def _sweep(self, now: float) -> None:
        """Every ``SWEEP_EVERY`` s of a store other processes share, drop the
        listeners of processes that are gone (``ChangeLog.sweep``), so that a
        killed node's listeners do not hold the log for ever."""
        if now < self._sweep_at or self._engine.store.only_this_process:
            return
        self._sweep_at = now + SWEEP_EVERY
        self._engine.changes.sweep()

    async def close(self) -> None:
        """Stop delivering and unsubscribe every query while the store is open
        (their connections, closed after this, find them gone)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sub in list(self._subs.values()):
            self.remove(sub)

    def deliver(self, now: float = 0.0) -> bool:
        """One pass over the subscriptions at loop time ``now``; whether one of
        them has more."""
        changes_log = self._engine.changes
        # Read before the changes: each one up to it is committed, so a read
        # that returns less than it asked for has returned all of them.
        last = changes_log.last()
        more = False
        for sub in list(self._subs.values()):
            if not self._within_bound(sub, last):
                continue
            pusher = sub.pusher
            if pusher is None or pusher.push_paused:
                continue
            sender = _Sender(sub, pusher)
            if sub.interval and now >= sub.flush_at:
                periods = (now - sub.flush_at) // sub.interval + 1
                sub.flush_at += periods * sub.interval  # the next tick after now
                for held in sub.held.values():
                    sender.send(held)
                sub.held.clear()
            changes = changes_log.read(sub.table, sub.after, BATCH, sub.include_expired)
            handled = sender.offer(changes, self._placement(sub))
            sender.flush()
            if handled == len(changes) < BATCH:  # everything of its table up to last
                sub.after = max(last, changes[-1].seq if changes else sub.after)
                sub.counted, sub.counted_at = 0, sub.after
            else:
                sub.after = changes[handled - 1].seq if handled else sub.after
                more = True
            if sub.after - sub.recorded >= RECORD_EVERY:
                self._record(sub)
        return more

    def _placement(self, sub: Subscription) -> Placement | None:
        """Where the primary of each key of ``sub``'s cache is, when that can
        matter (see the module docstring); None: every key is this node's."""
        me = self._node_id
        if me is None or sub.page_size == 1 or sub.config.cache_mode != PARTITIONED:
            return None
        owners = Topology(self._engine).owners(sub.config)
        primaries = [o[0].node_id if o else me for o in owners]
        if all(p == me for p in primaries):
            return None
        n = len(primaries)

        def elsewhere(key: bytes) -> uuid.UUID | None:
            try:
                primary = primaries[partition(hash_key_bytes(key), n)]
            except ParseError:  # not a key Ignite could hash: partition 0
                primary = primaries[0]
            return None if primary == me else primary

        return elsewhere

    def _within_bound(self, sub: Subscription, last: int) -> bool:
        """Whether ``sub``'s unread events are within ``max_unread``; past it,
        its connection is closed and it is unsubscribed (see the module
        docstring)."""
        bound = self._max_unread
        held = sub.holding
        if bound <= 0 or held + sub.counted + (last - sub.counted_at) <= bound:
            return True  # it cannot have grown past the bound since the count
        sub.counted = self._engine.changes.backlog(sub.table, sub.after)
        sub.counted_at = last
        if held + sub.counted <= bound:
            return True
        reason = (
            f"continuous query {sub.resource_id} has {held + sub.counted} events"
            f" unread, over the bound of {bound} (max_unread_events)"
        )
        self.remove(sub)  # releases its rows of the log
        if sub.pusher is not None:
            sub.pusher.drop(reason)
        else:
            log.warning("ending %s", reason)
        return False

    def record(self) -> None:
        """Write every subscription's position to the store (lets the log be
        trimmed); done on the first quiet pass, and every ``RECORD_EVERY``
        positions meanwhile, so a busy stream does not pay a write per event."""
        for sub in list(self._subs.values()):
            if sub.after != sub.recorded:
                self._record(sub)

    def _record(self, sub: Subscription) -> None:
        try:
            self._engine.changes.advance(sub.listener_id, sub.table, sub.after)
        except Exception as exc:
            if not is_busy(exc):  # busy: recorded on a later pass
                raise
            return
        sub.recorded = sub.after


class _Sender:
    """The notifications of one pass to one subscription's connection, written
    ``_CHUNK`` bytes at a time, until the connection reaches its bound."""

    def __init__(self, sub: Subscription, pusher: Pusher) -> None:
        self._sub, self._pusher = sub, pusher
        self._frames: list[bytes] = []
        self._size = 0
        self.paused = False

    def offer(self, changes: list[Change], placement: Placement | None) -> int:
        """Send (or hold, see the module docstring) ``changes`` in order until
        the connection is paused; how many were handled."""
        sub = self._sub
        for i, change in enumerate(changes):
            primary = None if placement is None else placement(change.key)
            if primary is None:
                self.send([change])
            else:
                held = sub.held.setdefault(primary, [])
                held.append(change)
                if len(held) >= sub.page_size:
                    del sub.held[primary]
                    self.send(held)
            if self.paused:
                return i + 1
        return len(changes)

    def send(self, changes: list[Change]) -> None:
        """One notification of ``changes``."""
        sub = self._sub
        frame = sub.conn.send_notification(
            sub.resource_id, EVENT_NOTIFICATION, encode_events(_events(changes))
        )
        self._frames.append(frame)
        self._size += len(frame)
        if self._size >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._frames:
            self._pusher.push(b"".join(self._frames))
            self._frames.clear()
            self._size = 0
            self.paused = self._pusher.push_paused


def _events(changes: list[Change]) -> list[CacheEntryEvent]:
    return [
        CacheEntryEvent(
            returned(c.key),
            _NULL if c.old is None else returned(c.old),
            _NULL if c.new is None else returned(c.new),
            EventType(c.type),
        )
        for c in changes
    ]

"""Continuous queries on a node: delivering the store's change log to listeners.

Owns ``Subscription`` (one query: the resource a connection holds; closing it
unsubscribes) and ``Feed`` (the node's listeners and the asyncio task that sends
their notifications, op 2007). The engine records changes (``engine/changes.py``:
triggers write them to the store, from whichever node or path); this module only
reads and sends. Imports asyncio, the engine and ``embergrid.protocol``; must not
import the listener or the session (a session reaches it through ``Node``).

Theory of operation
-------------------
While the node has a listener, one task runs ``Feed.deliver``: for each
subscription it reads up to ``BATCH`` changes past its position, sends them as
notifications of at most ``page_size`` events each (Ignite's buffer size; on one
node Ignite sends each event as it happens, which a page size of 1, the default,
reproduces), then, every ``RECORD_EVERY`` positions and at the first quiet
look, records the new position in the store (``ChangeLog.advance``, which trims
what every listener has been sent). The task runs as soon as a
request of any connection of this node was handled (``poke``: that is how a put
reaches a listener at once) and every ``POLL`` seconds otherwise, which is how
changes made by other nodes, worker threads and the expiry purge arrive (such a
look reads one row, the log's last position, and nothing more if it did not move).

Events are never held back to fill a page, so the time interval never delays
one. Delivery follows the log, so events reach a listener in commit order (hence
in order per key), and none is skipped while the connection lives.

Back-pressure: a subscription whose connection has more than
``Limits.max_unsent`` bytes waiting to be sent (``Pusher.push_paused``) is
skipped; its changes wait in the store's log, not in the node's memory, and
resume when the socket drains (``poke`` from ``resume_writing``); a pass stops
sending to a connection as soon as it reaches the bound (``_push``), so about the
bound is queued for it (a few notifications over it, measured), however many
events wait, and the node holds at most ``BATCH`` changes per subscription in
memory at a time. This is
back-pressure rather than Ignite's semantics, whose thin-client notification
queue has no bound.

Notifications start only after the response to 2006 was written: the handler
registers the subscription while building that response, and the task, which
runs later on the same loop, is the only writer of notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Protocol

from embergrid.engine import Engine
from embergrid.engine.changes import Change
from embergrid.engine.store import is_busy
from embergrid.protocol.connection import ServerConnection
from embergrid.protocol.messages._fields import NULL_OBJECT
from embergrid.protocol.messages.continuous import (
    EVENT_NOTIFICATION,
    CacheEntryEvent,
    EventType,
    encode_events,
)
from embergrid.server.values import returned

__all__ = ["BATCH", "POLL", "RECORD_EVERY", "Feed", "Pusher", "Subscription"]

log = logging.getLogger("embergrid.server")

BATCH = 256  # changes read per subscription per pass
RECORD_EVERY = 1024  # positions between writes of a subscription's position
POLL = 0.005  # seconds between looks at the log when nothing poked
_NULL = NULL_OBJECT


class Pusher(Protocol):
    """Where a connection's server-initiated frames go (the asyncio protocol)."""

    def push(self, data: bytes) -> None: ...

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
    after: int
    page_size: int
    include_expired: bool
    pusher: Pusher | None = None
    closed: bool = field(default=False)
    recorded: int = 0  # the position last written to the store (``Feed.record``)

    def close(self) -> None:
        self.feed.remove(self)


class Feed:
    """The continuous queries of one node (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._subs: dict[int, Subscription] = {}
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._poked = False

    def subscribe(
        self,
        conn: ServerConnection,
        resource_id: int,
        table: str,
        page_size: int,
        include_expired: bool,
        pusher: Pusher | None,
    ) -> Subscription:
        """Listen to the entry table ``table`` from now on."""
        lid, after = self._engine.changes.subscribe(table)
        sub = Subscription(
            self,
            conn,
            resource_id,
            lid,
            table,
            after,
            max(1, page_size),
            include_expired,
            pusher,
            recorded=after,
        )
        self._subs[lid] = sub
        self._start()
        return sub

    def remove(self, sub: Subscription) -> None:
        """Unsubscribe (resource close, or the connection went away)."""
        if sub.closed:
            return
        sub.closed = True
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

    async def _run(self) -> None:
        wake = self._wake
        assert wake is not None
        loop = asyncio.get_running_loop()
        seen = -1  # the log's last position at the last pass
        while self._subs:
            if not wake.is_set():
                timer = loop.call_later(POLL, wake.set)
                await wake.wait()
                timer.cancel()
            wake.clear()
            poked, self._poked = self._poked, False
            try:
                last = self._engine.changes.last()
                if not poked and last == seen:
                    self.record()  # a quiet moment: let the log be trimmed
                    continue  # nothing logged anywhere since: no reads
                seen = last
                if self.deliver():
                    wake.set()  # more to send: again after others had their turn
                    await asyncio.sleep(0)
            except Exception as exc:
                if not is_busy(exc):
                    log.exception("continuous query delivery failed")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def deliver(self) -> bool:
        """One pass over the subscriptions; whether one of them has more."""
        more = False
        for sub in list(self._subs.values()):
            pusher = sub.pusher
            if pusher is None or pusher.push_paused:
                continue
            changes = self._engine.changes.read(
                sub.table, sub.after, BATCH, sub.include_expired
            )
            if not changes:
                continue
            sent = _push(sub, pusher, changes)
            sub.after = changes[sent - 1].seq
            more = more or sent < len(changes) or len(changes) == BATCH
            if sub.after - sub.recorded >= RECORD_EVERY:
                self._record(sub)
        return more

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


def _event(c: Change) -> CacheEntryEvent:
    return CacheEntryEvent(
        returned(c.key),
        _NULL if c.old is None else returned(c.old),
        _NULL if c.new is None else returned(c.new),
        EventType(c.type),
    )


def _push(sub: Subscription, pusher: Pusher, changes: list[Change]) -> int:
    """Send ``changes`` as notifications of ``page_size`` events each, until the
    connection's unsent bytes reach the bound; how many were sent (at least one
    page, so that a page larger than the bound still goes)."""
    size = sub.page_size
    for start in range(0, len(changes), size):
        page = [_event(c) for c in changes[start : start + size]]
        pusher.push(
            sub.conn.send_notification(
                sub.resource_id, EVENT_NOTIFICATION, encode_events(page)
            )
        )
        if pusher.push_paused:
            return min(start + size, len(changes))
    return len(changes)

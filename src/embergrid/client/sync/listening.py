# GENERATED from client/aio/listening.py: edit that file
"""``ContinuousQuery``: listening to a cache's changes (the SOURCE shell).

Owns the handle ``Cache.listen`` returns: an async context manager and async
iterator of ``CacheEvent`` (``client/flows/listen.py``), or, given a callback,
a task that calls it for each event. ``client/sync/listening.py`` is generated
from this file by ``tools/unasync.py`` (there the callback runs on a thread).

A query lives on a connection of its own to one node of the client (opened with
the client's settings), so its events never wait behind the client's requests,
and closing that connection is what unsubscribes (the server ends a connection's
queries with it; RESOURCE_CLOSE would do the same). The initial query, when
asked for, is a scan run through the client after the subscription, as Ignite's
Java thin client runs it: its rows come first (as ``INITIAL`` events), then the
events in the order the server sent them, which is commit order, so in order per
key. An entry changed while the scan runs may be seen both ways. A connection
lost while listening ends the iteration with ``OSError`` naming the node; an
event is never dropped before that. Imports ``client.flows`` and the transport.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from embergrid.client.sync._transport import SyncConnection
from embergrid.client.sync.cursors import ScanCursor
from embergrid.client.flows import listen, query
from embergrid.client.flows._state import CacheRef
from embergrid.client.flows.listen import CacheEvent, CacheEventType

if TYPE_CHECKING:
    from embergrid.client.sync.client import Client

__all__ = ["ContinuousQuery"]

_SCAN_PAGE = 1024  # entries per page of the initial query


class ContinuousQuery:
    """One continuous query: iterate over it (``for``), or give it a
    callback, called with each event once ``start`` subscribed."""

    def __init__(
        self,
        client: Client,
        cache: CacheRef,
        page_size: int = 1,
        time_interval: int = 0,
        include_expired: bool = False,
        initial_query: bool = False,
        callback: Callable[[CacheEvent], Any] | None = None,
    ) -> None:
        self._client = client
        self._callback = callback
        self._cache = cache
        self._options = (page_size, time_interval, include_expired)
        self._initial = initial_query
        self._scan: ScanCursor | None = None
        self._conn: SyncConnection | None = None
        self._ready: deque[CacheEvent] = deque()
        self._closed = False
        self._worker: Any = None  # the callback's task (thread, sync)
        self.resource_id: int | None = None

    def start(self) -> ContinuousQuery:
        """Subscribe (once): events from now on; the initial query's rows first."""
        if self._conn is not None or self._closed:
            return self
        transport = self._client._transport
        node = transport.random_node()
        conn = SyncConnection(node.host, node.port, transport.params, transport.events)
        self._conn = conn
        conn.connect()
        self.resource_id = self._client._run(
            listen.listen_start(self._cache, conn, *self._options)
        )
        if self._initial:
            flow = query.scan_open(self._client._state, self._cache, _SCAN_PAGE)
            self._scan = ScanCursor(self._client, flow)
        if self._callback is not None:
            self._start_worker(self._callback)
        return self

    def __enter__(self) -> ContinuousQuery:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> ContinuousQuery:
        return self

    def __next__(self) -> CacheEvent:
        self.start()
        if self._scan is not None:
            row = self._next_initial()
            if row is not None:
                return row
        while not self._ready:
            if self._closed:
                raise StopIteration
            self._receive()
        return self._ready.popleft()

    def _next_initial(self) -> CacheEvent | None:
        scan = self._scan
        assert scan is not None
        try:
            key, value = scan.__next__()
        except StopIteration:
            self._scan = None
            return None
        return CacheEvent(CacheEventType.INITIAL, key, value)

    def _receive(self) -> None:
        conn = self._conn
        assert conn is not None
        try:
            note = conn.next_notification()
        except OSError as exc:
            if self._closed:
                return
            self._closed = True
            raise OSError(
                f"continuous query {self.resource_id} ended: the connection to "
                f"{conn.host}:{conn.port} was lost"
            ) from exc
        if note.header.request_id == self.resource_id:
            events = self._client._run(
                listen.events_of(self._client._state, note.body)
            )
            self._ready.extend(events)

    def _start_worker(self, callback: Callable[[CacheEvent], Any]) -> None:
        run = threading.Thread(target=self._deliver, args=(callback,))
        self._worker = run
        run.daemon = True
        run.start()

    def _deliver(self, callback: Callable[[CacheEvent], Any]) -> None:
        for event in self:
            callback(event)

    def close(self) -> None:
        """Unsubscribe: no event is delivered after this returns."""
        self._closed = True
        self._ready.clear()
        if self._scan is not None:
            scan, self._scan = self._scan, None
            scan.close()
        if self._conn is not None:
            self._conn.close()

"""Scan cursors (op 2000/2001): pages of (key bytes, value bytes).

Owns ``ScanCursor``. Must not import asyncio or ``embergrid.protocol.messages``.

Theory of operation
-------------------
A cursor pages by key (keyset pagination): it remembers the last key it has
read and asks ``Entries.page(after=last_key)``, a range seek in the cache's
key-ordered table. It holds no SQLite transaction between pages, because an
open read transaction would pin a WAL snapshot (blocking checkpoints while a
client idles on a cursor) and, on the single in-memory connection, would
swallow every other op into it. The guarantees (those of Ignite's scan, which
is not a snapshot either):

* no key is returned twice (keys only grow);
* every entry present and visible from open to the end is returned once;
* entries inserted, removed or expiring during the scan may or may not appear;
  a value is the one current when its page was read.

A partition scan goes straight to its partition through the cache's
partition map (``engine/partition_map.py``: a side table of (partition, key)
that triggers keep on every write once it exists). The cache's first
partition scan makes the map and fills its first chunk of keys
(``Entries.map_partitions``: one short write transaction); the node's filler
(``Engine.fill_partition_maps``, which the server runs) maps the rest a
chunk at a time, so no scan and no fill holds the store's write lock for
longer than a chunk, and a node that dies mid-fill leaves the store's record
of how far it got to another node. Until the map is done, a page reads the
keys it covers (up to its ``filled`` key) through it, and walks the rest of
the cache in key order keeping the keys of its partition (hashing each: no
write, no lock); each step asks the store how far the map has come. Given a
time budget (on the event loop), a cursor whose cache's map is missing or
not done stops at once with ``OverBudget`` (having read nothing), so that the
map is made and the walk runs off the loop.

A node alone takes the same path. An earlier version made an index on the
partition instead, on the cache's first partition scan: one write
transaction over every key (1M keys: 3.1 s), during which the other nodes on
the data dir could not renew their leases; so it was made only by a node
alone or for at most 100,000 entries, and a larger cache on a cluster was
walked by every partition scan for ever (docs/benchmarks.md, session 8). A
table it indexed is read through that index (``Mapped.indexed``).

To report ``has_more`` exactly, the cursor reads ahead until it holds one
entry beyond the page (or the table ends); ``has_more = False`` means the
cursor is finished (the server then releases it, reference §7.5).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from embergrid.engine import messages, partition_map
from embergrid.engine.caches import CacheHandle
from embergrid.engine.entries import Entries
from embergrid.engine.errors import EngineError, OverBudget
from embergrid.engine.partition_map import Mapped
from embergrid.engine.partitions import partition_of
from embergrid.engine.store import is_missing_table
from embergrid.protocol.codes import StatusCode

__all__ = ["ScanCursor", "ScanSource"]

Page = list[tuple[bytes, bytes]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ScanSource:
    """Where a cursor reads its cache: one engine's entries (its connection),
    the cache's handle now, and forgetting a handle gone stale."""

    entries: Entries
    resolve: Callable[[], CacheHandle]
    forget: Callable[[], None]


class ScanCursor:
    """Pages through one cache (optionally one partition) in key order.

    The cursor's position is its own: a page can be read through another
    engine's ``ScanSource`` (another thread's connection), one call at a time.
    A page of a partition scan given a time budget stops with ``OverBudget``
    (having read nothing) while the cache's partition map is missing or not
    done.
    """

    def __init__(
        self,
        cache_id: int,
        source: ScanSource,
        now_ms: Callable[[], int],
        page_size: int,
        partition: int | None = None,
    ) -> None:
        if page_size <= 0:
            raise ValueError("page size must be positive")
        self.cache_id = cache_id
        self._source = source
        self._now = now_ms
        self.page_size = page_size
        self.partition = partition
        self._after: bytes | None = None
        self._buffer: Page = []
        self._table_done = False
        self.finished = False
        self._done: tuple[str, Mapped] | None = None  # a table mapped for good
        self._busy = threading.Lock()  # one page at a time, whichever thread

    def _fill(self, src: ScanSource, budget: bool) -> None:
        batch = max(self.page_size + 1, 64)
        while len(self._buffer) <= self.page_size and not self._table_done:
            if self.partition is None:
                rows = self._read(src, batch)
            else:
                rows = _resolved(
                    src, lambda h: self._partition_step(src, h, batch, budget)
                )
            self._buffer.extend(rows)

    def _read(self, src: ScanSource, batch: int) -> Page:
        rows = _resolved(
            src, lambda h: src.entries.page(h, self._after, batch, self._now())
        )
        self._advance(rows, batch)
        return rows

    def _advance(self, rows: Page, batch: int) -> None:
        if rows:
            self._after = rows[-1][0]
        if len(rows) < batch:
            self._table_done = True

    def _partition_step(
        self, src: ScanSource, h: CacheHandle, batch: int, budget: bool
    ) -> Page:
        """The next rows of the partition: through the map where it covers
        the cursor's position, else a batch of the walk."""
        assert self.partition is not None
        mapped = self._mapped(src, h, budget)
        if mapped.covers(self._after):
            rows = src.entries.partition_page(
                h, self.partition, self._after, batch, self._now(), mapped
            )
            if len(rows) < batch and not mapped.done:
                self._after = mapped.filled  # the mapped keys are read: walk on
            else:
                self._advance(rows, batch)
            return rows
        rows = src.entries.page(h, self._after, batch, self._now())
        self._advance(rows, batch)
        parts = h.sql.parts
        return [row for row in rows if partition_of(row[0], parts) == self.partition]

    def _mapped(self, src: ScanSource, h: CacheHandle, budget: bool) -> Mapped:
        """How far the cache's partition map reaches; made if missing, unless
        given a ``budget`` (then ``OverBudget`` while it is not done)."""
        if self._done is not None and self._done[0] == h.table:
            return self._done[1]
        mapped = src.entries.mapped(h)
        if mapped is None or not mapped.done:
            if budget:
                raise OverBudget
            if mapped is None:
                src.entries.map_partitions(
                    h, self._now(), partition_map.CHUNK, partition_map.PAUSE_MS
                )
                mapped = src.entries.mapped(h)
                assert mapped is not None
        if mapped.done:  # for good: a map (or index) is never undone
            self._done = (h.table, mapped)
        return mapped

    def next_page(
        self, source: ScanSource | None = None, budget_s: float = 0.0
    ) -> tuple[Page, bool]:
        """The next page and whether more entries follow, read through
        ``source`` (default: the opening engine's); with a positive
        ``budget_s`` (on the event loop) the page is not one that makes the
        partition map or walks the cache (``OverBudget`` instead)."""
        if not self._busy.acquire(blocking=False):
            raise EngineError(StatusCode.FAILED, messages.SCAN_PAGE_BUSY)
        try:
            return self._next_page(source or self._source, budget_s)
        finally:
            self._busy.release()

    def _next_page(self, source: ScanSource, budget_s: float) -> tuple[Page, bool]:
        if self.finished:
            return [], False
        self._fill(source, budget_s > 0)
        page = self._buffer[: self.page_size]
        del self._buffer[: self.page_size]
        has_more = bool(self._buffer)
        self.finished = not has_more
        return page, has_more


def _resolved(src: ScanSource, read: Callable[[CacheHandle], T]) -> T:
    try:
        return read(src.resolve())
    except sqlite3.OperationalError as exc:
        if not is_missing_table(exc):
            raise
    src.forget()  # the table was dropped by another node: re-resolve once
    return read(src.resolve())

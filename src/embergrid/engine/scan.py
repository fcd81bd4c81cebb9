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

A partition scan goes straight to its partition: it pages through the entry
table's partition index (``Entries.partition_page``), which every write keeps
once it exists. The cache's first partition scan makes it
(``Entries.index_partitions``, which reads every key once); given a time
budget (on the event loop), a cursor that finds the index missing stops at
once with ``OverBudget``, so that the index is made off the loop.

Making the index is one write transaction: the store's write lock is held
until every key is read (1M keys: 2.6 s of CPU). Other nodes on the store
cannot renew their leases meanwhile, and the first to beat afterwards reaps
the others (seen: a node of two segmented by the first partition scan of a
1M-entry cache). So the index is made at once only where that cannot happen:
a node alone in its cluster, or a table of at most ``INDEX_AT_ONCE`` rows (a
fraction of a second). Otherwise the scan walks the cache in key order and
keeps the keys of its partition (no write, no lock), as long as the cache is
not indexed.

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

from embergrid.engine import messages
from embergrid.engine.caches import CacheHandle
from embergrid.engine.entries import Entries
from embergrid.engine.errors import EngineError, OverBudget
from embergrid.engine.partitions import partition_of
from embergrid.engine.store import is_missing_table
from embergrid.protocol.codes import StatusCode

__all__ = ["INDEX_AT_ONCE", "ScanCursor", "ScanSource"]

Page = list[tuple[bytes, bytes]]
T = TypeVar("T")
INDEX_AT_ONCE = 100_000
"""Rows of a table whose partition index may be made while other nodes share
the store (100k int keys: 0.26 s of CPU; the default lease is 2 s)."""


@dataclass(frozen=True, slots=True)
class ScanSource:
    """Where a cursor reads its cache: one engine's entries (its connection),
    the cache's handle now, forgetting a handle gone stale, and whether this
    node is alone in its cluster (no other node's lease to run out)."""

    entries: Entries
    resolve: Callable[[], CacheHandle]
    forget: Callable[[], None]
    alone: Callable[[], bool] = lambda: True


class ScanCursor:
    """Pages through one cache (optionally one partition) in key order.

    The cursor's position is its own: a page can be read through another
    engine's ``ScanSource`` (another thread's connection), one call at a time.
    A page of a partition scan given a time budget stops with ``OverBudget``
    (having read nothing) when the partition index is still to be made.
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
        self._indexed = partition is None  # the index exists, or the scan walks
        self._walk = False  # a partition scan that walks the whole cache
        self._busy = threading.Lock()  # one page at a time, whichever thread

    def _fill(self, src: ScanSource, budget: bool) -> None:
        batch = max(self.page_size + 1, 64)
        if not self._indexed:
            self._index(src, budget)
        while len(self._buffer) <= self.page_size and not self._table_done:
            if self.partition is None or self._walk:
                rows = self._read(src, batch)
            else:
                rows = self._read_partition(src, self.partition, batch)
            if rows:
                self._after = rows[-1][0]
            if len(rows) < batch:
                self._table_done = True
            if self._walk:
                rows = self._of_partition(src, rows)
            self._buffer.extend(rows)

    def _index(self, src: ScanSource, budget: bool) -> None:
        """Make sure the cache's table has its partition index; with a
        ``budget``, ``OverBudget`` instead of making one."""
        if not _resolved(src, src.entries.has_partition_index):
            if budget:
                raise OverBudget
            if src.alone() or self._small(src):
                _resolved(src, src.entries.index_partitions)
            else:
                self._walk = True
        self._indexed = True

    def _small(self, src: ScanSource) -> bool:
        count = _resolved(src, lambda h: src.entries.count(h, self._now()))
        return count <= INDEX_AT_ONCE

    def _of_partition(self, src: ScanSource, rows: Page) -> Page:
        parts = src.resolve().sql.parts
        return [row for row in rows if partition_of(row[0], parts) == self.partition]

    def _read_partition(self, src: ScanSource, part: int, batch: int) -> Page:
        return _resolved(
            src,
            lambda h: src.entries.partition_page(
                h, part, self._after, batch, self._now()
            ),
        )

    def _read(self, src: ScanSource, batch: int) -> Page:
        return _resolved(
            src, lambda h: src.entries.page(h, self._after, batch, self._now())
        )

    def next_page(
        self, source: ScanSource | None = None, budget_s: float = 0.0
    ) -> tuple[Page, bool]:
        """The next page and whether more entries follow, read through
        ``source`` (default: the opening engine's); with a positive
        ``budget_s`` (on the event loop) the page is not one that makes the
        partition index (``OverBudget`` instead)."""
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

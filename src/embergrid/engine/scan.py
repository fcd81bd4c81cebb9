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

A partition scan goes straight to its partition: it first records the partition
of the keys that have none recorded yet (``Entries.fill_partitions``: only
those written since the last partition scan of the cache, a few hundred per
write transaction), then pages through the ``(part, key)`` index. The
partitions are computed by ``partition_of`` (the server's affinity) when they
are recorded, so the engine records them only for caches that are scanned by
partition.

To report ``has_more`` exactly, the cursor reads ahead until it holds one
entry beyond the page (or the table ends); ``has_more = False`` means the
cursor is finished (the server then releases it, reference §7.5).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import TypeVar

from embergrid.engine import messages
from embergrid.engine.caches import CacheHandle
from embergrid.engine.entries import Entries
from embergrid.engine.errors import EngineError, OverBudget
from embergrid.engine.store import is_missing_table
from embergrid.protocol.codes import StatusCode

__all__ = ["ScanCursor", "ScanSource"]

Page = list[tuple[bytes, bytes]]
T = TypeVar("T")
_RECORD_BATCH = 500  # rows whose partition one write transaction records


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
    engine's ``ScanSource`` (another thread's connection), and a page of a
    partition scan given a time budget stops at it with ``OverBudget``, keeping
    what it read, to go on from there (one call at a time).
    """

    def __init__(
        self,
        cache_id: int,
        source: ScanSource,
        now_ms: Callable[[], int],
        page_size: int,
        partition: int | None = None,
        partition_of: Callable[[bytes], int] | None = None,
    ) -> None:
        if page_size <= 0:
            raise ValueError("page size must be positive")
        self.cache_id = cache_id
        self._source = source
        self._now = now_ms
        self.page_size = page_size
        self.partition = partition
        self._partition_of = partition_of
        self._after: bytes | None = None
        self._buffer: Page = []
        self._table_done = False
        self.finished = False
        # where a partition scan goes on recording partitions (None: done)
        self._recorded_up_to: bytes | None = b""
        self._busy = threading.Lock()  # one page at a time, whichever thread

    def _fill(self, src: ScanSource, budget_end: float | None) -> None:
        batch = max(self.page_size + 1, 64)
        if self.partition is not None and self._recorded_up_to is not None:
            self._record_partitions(src, budget_end)
        while len(self._buffer) <= self.page_size and not self._table_done:
            if self.partition is None:
                rows = self._read(src, batch)
            else:
                rows = self._read_partition(src, self.partition, batch)
            if rows:
                self._after = rows[-1][0]
            if len(rows) < batch:
                self._table_done = True
            self._buffer.extend(rows)

    def _record_partitions(self, src: ScanSource, budget_end: float | None) -> None:
        """Record the partition of every row that has none yet (a few hundred
        per transaction; past the budget, ``OverBudget`` with what was done kept)."""
        part_of = self._partition_of or (lambda _key: 0)
        while (after := self._recorded_up_to) is not None:
            self._recorded_up_to = _resolved(
                src,
                lambda h, after=after: src.entries.fill_partitions(  # type: ignore[misc]
                    h, part_of, after, _RECORD_BATCH
                ),
            )
            if budget_end is not None and perf_counter() > budget_end:
                raise OverBudget

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
        ``source`` (default: the opening engine's); a positive ``budget_s``
        bounds the real time a partition scan may look for its entries."""
        if not self._busy.acquire(blocking=False):
            raise EngineError(StatusCode.FAILED, messages.SCAN_PAGE_BUSY)
        try:
            return self._next_page(source or self._source, budget_s)
        finally:
            self._busy.release()

    def _next_page(self, source: ScanSource, budget_s: float) -> tuple[Page, bool]:
        if self.finished:
            return [], False
        end = perf_counter() + budget_s if budget_s > 0 else None
        self._fill(source, end)
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

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

A partition filter is applied while paging: ``partition_of(key)`` is computed
for each scanned key instead of being stored, so the engine never records an
affinity decision the server might change (partition count, affinity key
rules). A scan of one partition therefore reads the whole cache's keys (only
the keys: the values of the keys in the partition are read afterwards, so large
values elsewhere are never loaded); Ignite's clients only do that for
partition-aware scans, which are rare. Storing a partition column plus index is
the upgrade path if it matters.

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
        self._busy = threading.Lock()  # one page at a time, whichever thread

    def _fill(self, src: ScanSource, budget_end: float | None) -> None:
        batch = max(self.page_size + 1, 64)
        while len(self._buffer) <= self.page_size and not self._table_done:
            if budget_end is not None and perf_counter() > budget_end:
                raise OverBudget  # what was read stays: the next call goes on
            if self.partition is None:
                rows = self._read(src, batch)
                found = len(rows)
                if rows:
                    self._after = rows[-1][0]
            else:
                keys = self._read_keys(src, batch)
                rows = self._entries_of(src, self._in_partition(keys))
                found = len(keys)
                if keys:
                    self._after = keys[-1]
            if found < batch:
                self._table_done = True
            self._buffer.extend(rows)

    def _read(self, src: ScanSource, batch: int) -> Page:
        return _resolved(
            src, lambda h: src.entries.page(h, self._after, batch, self._now())
        )

    def _read_keys(self, src: ScanSource, batch: int) -> list[bytes]:
        return _resolved(
            src, lambda h: src.entries.page_keys(h, self._after, batch, self._now())
        )

    def _entries_of(self, src: ScanSource, keys: list[bytes]) -> Page:
        """(key, value) of those of ``keys`` still visible, in their order."""
        if not keys:
            return []
        found = _resolved(src, lambda h: src.entries.read_many(h, keys, self._now()))
        return [(key, found[key][0]) for key in keys if key in found]

    def _in_partition(self, keys: list[bytes]) -> list[bytes]:
        part_of = self._partition_of or (lambda _key: 0)
        want = self.partition
        return [key for key in keys if part_of(key) == want]

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

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
from collections.abc import Callable
from typing import TypeVar

from embergrid.engine.caches import CacheHandle
from embergrid.engine.entries import Entries
from embergrid.engine.store import is_missing_table

__all__ = ["ScanCursor"]

Page = list[tuple[bytes, bytes]]
T = TypeVar("T")


class ScanCursor:
    """Pages through one cache (optionally one partition) in key order."""

    def __init__(
        self,
        entries: Entries,
        resolve: Callable[[], CacheHandle],
        forget: Callable[[], None],
        now_ms: Callable[[], int],
        page_size: int,
        partition: int | None = None,
        partition_of: Callable[[bytes], int] | None = None,
    ) -> None:
        if page_size <= 0:
            raise ValueError("page size must be positive")
        self._entries = entries
        self._resolve = resolve
        self._forget = forget
        self._now = now_ms
        self.page_size = page_size
        self._partition = partition
        self._partition_of = partition_of
        self._after: bytes | None = None
        self._buffer: Page = []
        self._table_done = False
        self.finished = False

    def _fill(self) -> None:
        batch = max(self.page_size + 1, 64)
        while len(self._buffer) <= self.page_size and not self._table_done:
            if self._partition is None:
                rows = self._read(batch)
                found = len(rows)
                if rows:
                    self._after = rows[-1][0]
            else:
                keys = self._read_keys(batch)
                found = len(keys)
                if keys:
                    self._after = keys[-1]
                rows = self._entries_of(self._in_partition(keys))
            if found < batch:
                self._table_done = True
            self._buffer.extend(rows)

    def _read(self, batch: int) -> Page:
        return self._resolved(
            lambda h: self._entries.page(h, self._after, batch, self._now())
        )

    def _read_keys(self, batch: int) -> list[bytes]:
        return self._resolved(
            lambda h: self._entries.page_keys(h, self._after, batch, self._now())
        )

    def _entries_of(self, keys: list[bytes]) -> Page:
        """(key, value) of those of ``keys`` still visible, in their order."""
        if not keys:
            return []
        found = self._resolved(lambda h: self._entries.read_many(h, keys, self._now()))
        return [(key, found[key][0]) for key in keys if key in found]

    def _resolved(self, read: Callable[[CacheHandle], T]) -> T:
        try:
            return read(self._resolve())
        except sqlite3.OperationalError as exc:
            if not is_missing_table(exc):
                raise
        self._forget()  # the table was dropped by another node: re-resolve once
        return read(self._resolve())

    def _in_partition(self, keys: list[bytes]) -> list[bytes]:
        part_of = self._partition_of or (lambda _key: 0)
        want = self._partition
        return [key for key in keys if part_of(key) == want]

    def next_page(self) -> tuple[Page, bool]:
        """The next page and whether more entries follow."""
        if self.finished:
            return [], False
        self._fill()
        page = self._buffer[: self.page_size]
        del self._buffer[: self.page_size]
        has_more = bool(self._buffer)
        self.finished = not has_more
        return page, has_more

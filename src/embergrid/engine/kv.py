"""Key-value operations 1000-1021 with Ignite's semantics on ``bytes`` keys and values.

Owns ``KeyValue``: each op resolves the cache, passes the cluster-state gate,
then works only through the ``Entries`` primitives (read / write / delete),
so a transaction layer can later wrap that single path. Keys are compared by
their bytes (reference §9.6). Expiry rules are in ``expiry.py``.

The compare-and-set ops (1010, 1017) compare as Ignite 2.18 does (pinned on the
reference node, tests/compat/test_diff_compare.py): a sample that is a complex
object while the stored value is not, or the reverse, fails with status 1
(``messages.failed_to_update_key``); a collection or map is compared with Java
``equals`` on the deserialized objects (a nested array equals only itself);
anything else (top-level arrays, complex objects, leaves) by its stored bytes.
Must not import asyncio or ``embergrid.protocol.messages``.

Every op takes ``expiry``: the request's durations (cache prefix flag 0x04),
which replace the cache's own ``expiry_policy`` for that request.

On a shared (file) store each write op runs in one ``BEGIN IMMEDIATE``
transaction, so a read-then-write op is atomic against other processes; an
in-memory store has one connection driven by one thread, so single-key ops need
no transaction there (multi-key ops always use one). A statement that fails
because another node dropped the cache table makes the op forget its cached
handle and run once more (ending in status 1000 if the cache is really gone).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from embergrid.engine import messages
from embergrid.engine.caches import CacheHandle, Caches
from embergrid.engine.clock import Clock
from embergrid.engine.cluster import Cluster, ClusterState
from embergrid.engine.entries import Columns, Row
from embergrid.engine.errors import EngineError
from embergrid.engine.expiry import after_access, after_create, after_update, expired
from embergrid.engine.store import Store, is_missing_table
from embergrid.protocol.binary.java_text import java_text
from embergrid.protocol.binary.java_values import java_equals
from embergrid.protocol.codes import StatusCode, TypeCode
from embergrid.protocol.config import (
    DURATION_UNCHANGED,
    TRANSACTIONAL,
    ExpiryDurations,
)

__all__ = ["EntryOps", "KeyValue", "PeekMode", "same_value"]

P = ParamSpec("P")
R = TypeVar("R")
Policy = ExpiryDurations | None


class EntryOps(Protocol):
    """The primitives the ops work through: ``Entries`` itself, or a view of it
    (``tx.TxEntries`` inside a transaction, ``tx.GuardedEntries`` outside)."""

    def read(self, h: CacheHandle, key: bytes, now: int) -> Row | None: ...
    def peek(self, h: CacheHandle, key: bytes, now: int) -> Row | None: ...
    def peek_many(
        self, h: CacheHandle, keys: Sequence[bytes], now: int
    ) -> dict[bytes, Row]: ...
    def read_many(
        self, h: CacheHandle, keys: Sequence[bytes], now: int
    ) -> dict[bytes, Row]: ...
    def write(
        self, h: CacheHandle, key: bytes, value: bytes, expire_at: int | None
    ) -> None: ...
    def write_many(
        self,
        h: CacheHandle,
        rows: Iterable[tuple[bytes, bytes, int | None]],
        columns: Columns | None = None,
    ) -> None: ...
    def write_many_keeping(
        self,
        h: CacheHandle,
        items: Iterable[tuple[bytes, bytes]],
        now: int,
        create_at: int | None,
        columns: Columns | None = None,
    ) -> None: ...
    def delete(self, h: CacheHandle, key: bytes, now: int) -> bool: ...
    def delete_many(self, h: CacheHandle, keys: Iterable[bytes], now: int) -> None: ...
    def clear_keys(self, h: CacheHandle, keys: Iterable[bytes], now: int) -> None: ...
    def expect(
        self, h: CacheHandle, key: bytes, holds: Callable[[Row | None], bool]
    ) -> None: ...
    def touch(
        self, h: CacheHandle, key: bytes, value: bytes, expire_at: int | None
    ) -> None: ...
    def remove_all(self, h: CacheHandle, now: int) -> None: ...
    def clear(self, h: CacheHandle) -> None: ...
    def count(self, h: CacheHandle, now: int) -> int: ...


class PeekMode:
    ALL, NEAR, PRIMARY, BACKUP, ONHEAP, OFFHEAP = range(6)


_COMPLEX = frozenset({TypeCode.COMPLEX_OBJECT, TypeCode.BINARY_OBJECT})
_CONTAINERS = frozenset({TypeCode.COLLECTION, TypeCode.MAP})


def same_value(key: bytes, current: bytes, sample: bytes) -> bool:
    """Whether Ignite's compare-and-set finds ``current`` equal to ``sample``.

    Raises ``EngineError(FAILED)`` when exactly one of them is a complex object.
    """
    codes = (current[:1] or b"\0")[0], (sample[:1] or b"\0")[0]
    if (codes[0] in _COMPLEX) != (codes[1] in _COMPLEX):
        raise EngineError(
            StatusCode.FAILED, messages.failed_to_update_key(java_text(key))
        )
    if not _CONTAINERS.isdisjoint(codes):
        equal = java_equals(current, sample)
        if equal is not None:
            return equal
    return current == sample


def _present(row: Row | None) -> bool:
    return row is not None


def _absent(row: Row | None) -> bool:
    return row is None


def _equal_to(key: bytes, expected: bytes) -> Callable[[Row | None], bool]:
    return lambda row: row is not None and same_value(key, row[0], expected)


# Peek modes that count the (single, shared) copy of each entry.
_COUNTING_MODES = frozenset({PeekMode.ALL, PeekMode.PRIMARY, PeekMode.OFFHEAP})


def _op(
    *, write: bool
) -> Callable[
    [Callable[Concatenate[KeyValue, int, P], R]],
    Callable[Concatenate[KeyValue, int, P], R],
]:
    """Retry once after a stale handle; wrap shared-store writes in a transaction."""

    def deco(
        fn: Callable[Concatenate[KeyValue, int, P], R],
    ) -> Callable[Concatenate[KeyValue, int, P], R]:
        def wrapper(
            self: KeyValue, cache_id: int, /, *args: P.args, **kwargs: P.kwargs
        ) -> R:
            # No closure made per call: this is every key-value request's path.
            for retry in (False, True):
                try:
                    if write and self._atomic_ops:
                        with self._atomic():
                            return fn(self, cache_id, *args, **kwargs)
                    return fn(self, cache_id, *args, **kwargs)
                except sqlite3.OperationalError as exc:
                    if retry or not is_missing_table(exc):
                        raise
                self._caches.forget(cache_id)  # dropped by another node: once more
            raise AssertionError("unreachable")

        functools.update_wrapper(wrapper, fn)
        return wrapper

    return deco


class KeyValue:
    """The cache data ops of every cache in the engine."""

    def __init__(
        self,
        store: Store,
        caches: Caches,
        cluster: Cluster,
        entries: EntryOps,
        clock: Clock,
    ) -> None:
        self._store = store
        self._caches = caches
        self._cluster = cluster
        self._e: EntryOps = entries
        self._now = clock.now_ms
        # Each write op in one store transaction (see the module docstring).
        self._atomic_ops = store.shared
        self._atomic: Callable[[], AbstractContextManager[object]] = store.atomic
        self._in_tx = False

    def within(self, entries: EntryOps) -> KeyValue:
        """The same ops over ``entries`` (a transaction's view), which owns its
        atomicity: no op opens a store transaction of its own."""
        view = object.__new__(KeyValue)  # no copy.copy: once per transaction
        view.__dict__.update(self.__dict__)
        view._e = entries
        view._atomic_ops = False
        view._atomic = nullcontext
        view._in_tx = True
        return view

    def _not_in_tx(self, h: CacheHandle) -> None:
        """Clearing keys is not transactional: refused inside a transaction."""
        if self._in_tx:
            atomic = h.config.atomicity_mode != TRANSACTIONAL
            text = messages.TX_ATOMIC_CACHE if atomic else messages.TX_CLEAR
            raise EngineError(StatusCode.FAILED, text)

    # -- gates and shared steps -----------------------------------------------

    # An unknown cache is named before the cluster state, as on Ignite.

    def _reading(self, cache_id: int) -> CacheHandle:
        h = self._caches.handle(cache_id)
        self._cluster.check_read()
        return h

    def _writing(self, cache_id: int) -> CacheHandle:
        h = self._caches.handle(cache_id)
        if self._cluster.state() is not ClusterState.ACTIVE:
            self._cluster.check_write(h.name, group=h.config.group_name)
        return h

    def _put(
        self,
        h: CacheHandle,
        key: bytes,
        value: bytes,
        row: Row | None,
        pol: Policy,
        now: int,
    ) -> None:
        """Create (row is None) or update the entry, applying the expiry rule."""
        exp = after_create(pol, now) if row is None else after_update(pol, now, row[1])
        if expired(exp, now):
            if row is not None:
                self._e.delete(h, key, now)
        else:
            self._e.write(h, key, value, exp)

    def _access(
        self, h: CacheHandle, key: bytes, row: Row, pol: Policy, now: int
    ) -> None:
        """Apply the access duration to an entry just read."""
        if pol is None or pol.access == DURATION_UNCHANGED:
            return
        exp = after_access(pol, now, row[1])
        if exp == row[1] or not self._cluster.writable():
            return
        if expired(exp, now):
            self._e.delete(h, key, now)
        else:
            self._e.touch(h, key, row[0], exp)

    # -- reads ----------------------------------------------------------------

    @_op(write=False)
    def get(self, cache_id: int, key: bytes, expiry: Policy = None) -> bytes | None:
        """Op 1000: the value, or None if absent."""
        h = self._reading(cache_id)
        now = self._now()
        row = self._e.read(h, key, now)
        if row is None:
            return None
        pol = expiry if expiry is not None else h.config.expiry_policy
        if pol is not None:
            self._access(h, key, row, pol, now)
        return row[0]

    @_op(write=False)
    def get_all(
        self, cache_id: int, keys: Iterable[bytes], expiry: Policy = None
    ) -> list[tuple[bytes, bytes]]:
        """Op 1003: (key, value) of the keys that exist, once each, in request order."""
        h = self._reading(cache_id)
        now = self._now()
        pol = expiry if expiry is not None else h.config.expiry_policy
        wanted = list(dict.fromkeys(keys))
        rows = self._e.read_many(h, wanted, now)
        found = [(key, rows[key][0]) for key in wanted if key in rows]
        for key, _ in found:
            self._access(h, key, rows[key], pol, now)
        return found

    @_op(write=False)
    def contains_key(self, cache_id: int, key: bytes, expiry: Policy = None) -> bool:
        """Op 1011 (not an access, and no read a transaction locks)."""
        h = self._reading(cache_id)
        return self._e.peek(h, key, self._now()) is not None

    @_op(write=False)
    def contains_keys(
        self, cache_id: int, keys: Iterable[bytes], expiry: Policy = None
    ) -> bool:
        """Op 1012: True only if every key is present (True for no keys).

        As on Ignite 2.18, a key listed twice makes the answer False: the node
        compares the number of distinct keys found with the number requested.
        """
        h = self._reading(cache_id)
        now = self._now()
        wanted = list(keys)
        distinct = set(wanted)
        if len(distinct) != len(wanted):
            return False
        return all(self._e.peek(h, key, now) is not None for key in distinct)

    @_op(write=False)
    def local_peek(
        self, cache_id: int, key: bytes, expiry: Policy = None
    ) -> bytes | None:
        """Op 1021: the value without counting as an access."""
        h = self._reading(cache_id)
        row = self._e.read(h, key, self._now())
        return None if row is None else row[0]

    @_op(write=False)
    def get_size(
        self, cache_id: int, peek_modes: Sequence[int] = (), expiry: Policy = None
    ) -> int:
        """Op 1020: the number of visible entries.

        Every node shares one copy of each entry: modes ALL, PRIMARY and OFFHEAP
        (and no mode) count it once; NEAR, ONHEAP and BACKUP alone count 0.
        """
        h = self._reading(cache_id)
        if peek_modes and _COUNTING_MODES.isdisjoint(peek_modes):
            return 0
        return self._e.count(h, self._now())

    # -- single-key writes ----------------------------------------------------

    @_op(write=True)
    def put(
        self, cache_id: int, key: bytes, value: bytes, expiry: Policy = None
    ) -> None:
        """Op 1001."""
        h = self._writing(cache_id)
        now = self._now()
        pol = expiry if expiry is not None else h.config.expiry_policy
        self._put(h, key, value, self._e.peek(h, key, now), pol, now)

    @_op(write=True)
    def put_if_absent(
        self, cache_id: int, key: bytes, value: bytes, expiry: Policy = None
    ) -> bool:
        """Op 1002: store only if absent; True if stored."""
        return self._put_if_absent(cache_id, key, value, expiry) is None

    @_op(write=True)
    def get_and_put(
        self, cache_id: int, key: bytes, value: bytes, expiry: Policy = None
    ) -> bytes | None:
        """Op 1005: store and return the previous value."""
        h = self._writing(cache_id)
        now = self._now()
        pol = expiry if expiry is not None else h.config.expiry_policy
        row = self._e.read(h, key, now)
        self._put(h, key, value, row, pol, now)
        return None if row is None else row[0]

    @_op(write=True)
    def get_and_replace(
        self, cache_id: int, key: bytes, value: bytes, expiry: Policy = None
    ) -> bytes | None:
        """Op 1006: replace only if present; the previous value or None."""
        return self._replace(cache_id, key, value, expiry)

    def _replace(
        self, cache_id: int, key: bytes, value: bytes, expiry: Policy
    ) -> bytes | None:
        h = self._writing(cache_id)
        now = self._now()
        row = self._e.read(h, key, now)
        if row is None:
            return None
        pol = expiry if expiry is not None else h.config.expiry_policy
        self._put(h, key, value, row, pol, now)
        self._e.expect(h, key, _present)
        return row[0]

    @_op(write=True)
    def get_and_remove(
        self, cache_id: int, key: bytes, expiry: Policy = None
    ) -> bytes | None:
        """Op 1007: remove and return the previous value."""
        h = self._writing(cache_id)
        now = self._now()
        row = self._e.read(h, key, now)
        if row is None:
            return None
        self._e.delete(h, key, now)
        return row[0]

    @_op(write=True)
    def get_and_put_if_absent(
        self, cache_id: int, key: bytes, value: bytes, expiry: Policy = None
    ) -> bytes | None:
        """Op 1008: the existing value, or None after storing ``value``."""
        return self._put_if_absent(cache_id, key, value, expiry)

    def _put_if_absent(
        self, cache_id: int, key: bytes, value: bytes, expiry: Policy
    ) -> bytes | None:
        h = self._writing(cache_id)
        now = self._now()
        row = self._e.read(h, key, now)
        if row is not None:
            return row[0]
        pol = expiry if expiry is not None else h.config.expiry_policy
        self._put(h, key, value, None, pol, now)
        self._e.expect(h, key, _absent)
        return None

    @_op(write=True)
    def replace(
        self, cache_id: int, key: bytes, value: bytes, expiry: Policy = None
    ) -> bool:
        """Op 1009: replace only if present."""
        return self._replace(cache_id, key, value, expiry) is not None

    @_op(write=True)
    def replace_if_equals(
        self,
        cache_id: int,
        key: bytes,
        expected: bytes,
        value: bytes,
        expiry: Policy = None,
    ) -> bool:
        """Op 1010: replace only if the current value equals ``expected``."""
        h = self._writing(cache_id)
        now = self._now()
        row = self._e.read(h, key, now)
        if row is None:
            return False
        pol = expiry if expiry is not None else h.config.expiry_policy
        if not same_value(key, row[0], expected):
            self._access(h, key, row, pol, now)
            return False
        self._put(h, key, value, row, pol, now)
        self._e.expect(h, key, _equal_to(key, expected))
        return True

    @_op(write=True)
    def remove_key(self, cache_id: int, key: bytes, expiry: Policy = None) -> bool:
        """Op 1016: True if an entry was removed."""
        h = self._writing(cache_id)
        return self._e.delete(h, key, self._now())

    @_op(write=True)
    def remove_if_equals(
        self, cache_id: int, key: bytes, expected: bytes, expiry: Policy = None
    ) -> bool:
        """Op 1017: remove only if the current value equals ``expected``."""
        h = self._writing(cache_id)
        now = self._now()
        row = self._e.read(h, key, now)
        if row is None:
            return False
        if not same_value(key, row[0], expected):
            pol = expiry if expiry is not None else h.config.expiry_policy
            self._access(h, key, row, pol, now)
            return False
        removed = self._e.delete(h, key, now)
        self._e.expect(h, key, _equal_to(key, expected))
        return removed

    @_op(write=True)
    def clear_key(self, cache_id: int, key: bytes, expiry: Policy = None) -> None:
        """Op 1014 (unlike remove_key, continuous queries hear nothing)."""
        h = self._writing(cache_id)
        self._not_in_tx(h)
        self._e.clear_keys(h, (key,), self._now())

    # -- multi-key writes -----------------------------------------------------

    @_op(write=True)
    def put_all(
        self,
        cache_id: int,
        items: Iterable[tuple[bytes, bytes]],
        expiry: Policy = None,
        columns: Columns | None = None,
    ) -> None:
        """Op 1004: each pair is a put (create or update), all in one transaction
        (``columns``: more entry-table columns written with the pairs, SQL's)."""
        h = self._writing(cache_id)
        now = self._now()
        pol = expiry if expiry is not None else h.config.expiry_policy
        items = list(items)
        with self._atomic():
            if not self._put_all_unread(h, items, pol, now, columns):
                self._put_all_read_first(h, items, pol, now, columns)

    def _put_all_unread(
        self,
        h: CacheHandle,
        items: list[tuple[bytes, bytes]],
        pol: Policy,
        now: int,
        columns: Columns | None,
    ) -> bool:
        """``put_all`` without reading the old entries in Python, when the expiry
        each put sets is one the store's statements can set: "update: unchanged"
        (or no policy) keeps a visible entry's expiry (``write_many_keeping``);
        create and update setting the same one writes it (``write_many``). False
        (nothing written) for the rest: a duration that expires at once, or
        create and update setting different ones."""
        create = after_create(pol, now)
        if expired(create, now):
            return False
        if pol is None or pol.update == DURATION_UNCHANGED:
            self._e.write_many_keeping(h, items, now, create, columns)
            return True
        if after_update(pol, now, None) == create:
            self._e.write_many(h, [(k, v, create) for k, v in items], columns)
            return True
        return False

    def _put_all_read_first(
        self,
        h: CacheHandle,
        items: list[tuple[bytes, bytes]],
        pol: Policy,
        now: int,
        columns: Columns | None,
    ) -> None:
        current: dict[bytes, Row | None] = dict(
            self._e.peek_many(h, [k for k, _ in items], now)
        )
        for key, value in items:  # in order: a repeated key sees the earlier put
            row = current.get(key)
            exp = (
                after_create(pol, now)
                if row is None
                else after_update(pol, now, row[1])
            )
            current[key] = None if expired(exp, now) else (value, exp)
        writes = [(k, r[0], r[1]) for k, r in current.items() if r is not None]
        self._e.write_many(h, writes, columns)
        for key, row in current.items():
            if row is None:
                self._e.delete(h, key, now)

    @_op(write=True)
    def put_all_if_absent(
        self,
        cache_id: int,
        items: Iterable[tuple[bytes, bytes]],
        expiry: Policy = None,
        columns: Columns | None = None,
    ) -> list[bytes]:
        """Each pair is a put-if-absent, in order, all in one transaction (SQL
        INSERT of many rows, ``columns`` as in ``put_all``); the keys not stored
        because they were present."""
        h = self._writing(cache_id)
        now = self._now()
        pol = expiry if expiry is not None else h.config.expiry_policy
        items = list(items)
        with self._atomic():
            present = set(self._e.read_many(h, [k for k, _ in items], now))
            writes, refused = [], []
            for key, value in items:  # a key repeated in the batch is present then
                if key in present:
                    refused.append(key)
                    continue
                present.add(key)
                exp = after_create(pol, now)
                if not expired(exp, now):
                    writes.append((key, value, exp))
            self._e.write_many(h, writes, columns)
        return refused

    @_op(write=True)
    def remove_keys(
        self, cache_id: int, keys: Iterable[bytes], expiry: Policy = None
    ) -> None:
        """Op 1018."""
        self._remove_keys(cache_id, keys)

    def _remove_keys(self, cache_id: int, keys: Iterable[bytes]) -> None:
        h = self._writing(cache_id)
        now = self._now()
        with self._atomic():
            self._e.delete_many(h, keys, now)

    @_op(write=True)
    def clear_keys(
        self, cache_id: int, keys: Iterable[bytes], expiry: Policy = None
    ) -> None:
        """Op 1015 (unlike 1018, continuous queries hear nothing)."""
        h = self._writing(cache_id)
        self._not_in_tx(h)
        self._e.clear_keys(h, keys, self._now())

    @_op(write=True)
    def remove_all(self, cache_id: int, expiry: Policy = None) -> None:
        """Op 1019 (unlike clear, continuous queries hear every removal)."""
        self._e.remove_all(self._writing(cache_id), self._now())

    @_op(write=True)
    def clear(self, cache_id: int, expiry: Policy = None) -> None:
        """Op 1013."""
        self._e.clear(self._writing(cache_id))

"""The synchronous storage engine: caches, key-value ops, expiry, scans, cluster, types.

Owns ``Engine``, the single object the server holds. Everything lives in SQLite
(``engine/store.py``); several ``Engine`` instances, in one process or many,
opened on the same ``data_dir`` form one cluster and see each other's caches,
entries, metadata and cluster state. A ``data_dir`` store also stands for Ignite's
native persistence where behaviour depends on it (the WAL switches, ``Wal``).
The engine is deterministic: time comes from the injected ``Clock``, nothing
sleeps, nothing is threaded.
Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

import os
import sqlite3

from embergrid.engine import messages, partition_map
from embergrid.engine.baseline import Baseline
from embergrid.engine.caches import CacheHandle, Caches
from embergrid.engine.changes import ChangeLog
from embergrid.engine.clock import Clock, FakeClock, SystemClock
from embergrid.engine.cluster import Cluster, ClusterState, stored_active
from embergrid.engine.entries import Entries
from embergrid.engine.errors import EngineError, OverBudget, WouldBlock
from embergrid.engine.kv import KeyValue, PeekMode
from embergrid.engine.membership import Member, Membership, TopologyVersion
from embergrid.engine.scan import ScanCursor, ScanSource
from embergrid.engine.store import BUSY_TIMEOUT_MS, Store, is_missing_table
from embergrid.engine.tx import GuardedEntries, LockWait, Transactions, Tx, TxEntries
from embergrid.engine.types import BinaryTypes
from embergrid.engine.wal import Wal
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import TRANSACTIONAL

__all__ = [
    "Baseline",
    "CacheHandle",
    "Clock",
    "ClusterState",
    "Engine",
    "EngineError",
    "FakeClock",
    "LockWait",
    "Member",
    "OverBudget",
    "PeekMode",
    "ScanCursor",
    "ScanSource",
    "Store",
    "SystemClock",
    "TopologyVersion",
    "Tx",
    "Wal",
    "WouldBlock",
    "open_membership",
]


def open_membership(store: Store, persistent: bool) -> tuple[Membership, Baseline]:
    """The membership of the cluster on ``store`` and its baseline, the
    topology versions following the baseline where there is one. Nothing
    moves in an inactive cluster (observed on Ignite 2.18: three nodes join a
    new persistent cluster, (3, 0); its activation, (3, 1))."""
    membership = Membership(store)
    baseline = Baseline(store, membership, persistent=persistent)

    def moves(joining: Member | None) -> bool | None:
        if not stored_active(store):
            return False
        return baseline.moves_affinity(joining)

    membership.moves = moves
    return membership, baseline


class Engine:
    """One node's view of the shared store.

    :param clock: the time source (``FakeClock`` in tests),
    :param data_dir: directory of the shared SQLite file; None = private memory,
    :param start_inactive: initial cluster state of a brand-new store is
     INACTIVE (what Ignite does with persistence) instead of ACTIVE,
    :param store: the store to run on (instead of one opened on ``data_dir``),
     e.g. ``Store.private()``,
    :param busy_timeout_ms: how long a statement waits for another
     connection's write lock before it fails (``store.is_busy``),
    :param join: join the cluster as this member before anything else is
     read (``Membership.join``; the store is reset first when no member is
     alive and ``persistent`` is false),
    :param lease_ms: the member's lease (see ``Membership``),
    :param persistent: the cluster keeps its data across full restarts (native
     persistence: the WAL switches, ops 5002/5003); None = whether the store
     outlives the process.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        start_inactive: bool = False,
        store: Store | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        join: Member | None = None,
        lease_ms: int = 2000,
        persistent: bool | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.data_dir = data_dir
        # The schema and the join wait for other nodes as long as it takes; the
        # ops afterwards wait ``busy_timeout_ms`` (set at the end).
        self.store = store if store is not None else Store(data_dir)
        self.persistent = self.store.persistent if persistent is None else persistent
        self.membership, self.baseline = open_membership(self.store, self.persistent)
        self.new_cluster = False
        # Imported here: the SQL layer imports sqlglot, which key-value-only users
        # of the engine never need to load at module import time (and which is
        # slow to load: before the join, so a new member beats soon after it).
        from embergrid.engine.sql import SqlEngine

        if join is not None:
            try:
                self.new_cluster = self.membership.join(
                    join, lease_ms, self.clock.now_ms(), persistent=self.persistent
                )
            except BaseException:
                self.store.close()
                raise
        self.cluster = Cluster(
            self.store,
            start_inactive=start_inactive,
            baseline=self.baseline,
            on_change=self.membership.bump_minor,
        )
        if join is not None:
            self.cluster.joined(self.new_cluster)
        self.caches = Caches(self.store, self.cluster)
        self.entries = Entries(self.store)
        self.changes = ChangeLog(self.store)
        self.txs = Transactions(self.store, self.entries, self.clock.now_ms)
        self.kv = KeyValue(
            self.store,
            self.caches,
            self.cluster,
            GuardedEntries(self.txs, self.entries),
            self.clock,
        )
        self.types = BinaryTypes(self.store)
        self.wal = Wal(self.store, self.caches, self.persistent)
        self.sql = SqlEngine(
            self.store,
            self.caches,
            self.kv,
            self.types,
            now=self.clock.now_ms,
            cluster=self.cluster,
        )
        self.store.set_busy_timeout(busy_timeout_ms)

    def sibling(self) -> Engine | None:
        """Another engine over the same store (its own SQLite connection, for
        another thread), or None if the store is private to this connection."""
        store = self.store.sibling()
        if store is None:
            return None
        return Engine(
            self.clock,
            self.data_dir,
            persistent=self.persistent,
            store=store,
        )

    def kv_in(self, tx: Tx) -> KeyValue:
        """The key-value ops as transaction ``tx`` sees and makes them (made
        once per transaction)."""
        self.txs.check_alive(tx)
        if not isinstance(tx.view, KeyValue):
            tx.view = self.kv.within(TxEntries(self.txs, tx, self.entries))
        return tx.view

    def open_scan(
        self,
        cache_id: int,
        page_size: int,
        partition: int | None = None,
        *,
        in_tx: bool = False,
    ) -> ScanCursor:
        """A scan cursor over the cache; ``partition`` None or negative = all.

        Raises ``EngineError`` now if the cache is unknown or the cluster
        inactive, or (``in_tx``: inside a transaction) not TRANSACTIONAL. A scan
        reads committed entries, in a transaction or not.
        """
        h = self.caches.handle(cache_id)  # an unknown cache first, as on Ignite
        self.cluster.check_read()
        if in_tx and h.config.atomicity_mode != TRANSACTIONAL:
            raise EngineError(StatusCode.FAILED, messages.TX_ATOMIC_CACHE)

        return ScanCursor(
            cache_id,
            self.scan_source(cache_id),
            self.clock.now_ms,
            page_size,
            partition=None if partition is None or partition < 0 else partition,
        )

    def scan_source(self, cache_id: int) -> ScanSource:
        """Where a scan of the cache reads through this engine (its connection)."""

        def resolve() -> CacheHandle:
            h = self.caches.handle(cache_id)
            self.cluster.check_read()
            return h

        return ScanSource(self.entries, resolve, lambda: self.caches.forget(cache_id))

    def partition_maps_due(self) -> tuple[bool, bool]:
        """Whether a chunk of a partition map is due now, and whether any map
        is still to be filled (one read of a small table)."""
        now = self.clock.now_ms()
        pause = partition_map.PAUSE_MS
        tbl, unfinished = partition_map.unfinished(self.store.conn, now, pause)
        return tbl is not None, unfinished

    def fill_partition_maps(self) -> bool:
        """Fill the next chunk of a partition map, if one is due now (one
        short write transaction; ``engine/partition_map.py``); whether any
        map is still to be filled (by this call's caller, or any node's)."""
        now = self.clock.now_ms()
        conn = self.store.conn
        chunk, pause = partition_map.CHUNK, partition_map.PAUSE_MS
        tbl, unfinished = partition_map.unfinished(conn, now, pause)
        if tbl is None:
            return unfinished
        try:
            with self.store.atomic():
                partition_map.fill(conn, tbl, chunk, now, pause)
        except sqlite3.OperationalError as exc:
            if not is_missing_table(exc):
                raise
            with self.store.atomic():  # dropped by a version that kept no maps
                partition_map.drop(conn, tbl)
        return True

    def expire_due(self, now: int | None = None) -> int:
        """Delete every entry whose expiry time has passed; the number deleted."""
        at = self.clock.now_ms() if now is None else now
        removed = 0
        for h in self.caches.all_handles():
            try:
                with self.store.atomic():
                    removed += self.entries.purge(h, at)
            except sqlite3.OperationalError as exc:
                if not is_missing_table(exc):
                    raise
        return removed

    def close(self) -> None:
        """Close the connection; data in a data_dir stays for the next Engine
        (locks this engine still holds become stale)."""
        self.txs.close()
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

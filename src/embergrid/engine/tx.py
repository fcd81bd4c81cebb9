"""Transactions: key locks in the store, private write sets, atomic commit.

Owns ``Transactions`` (start, commit, rollback, the lock table), ``Tx`` (one
transaction's state), ``TxEntries`` (the ``Entries`` primitives as a transaction
sees them) and ``LockWait`` (what a blocked op waits for). Must not import
asyncio or ``embergrid.protocol.messages``; it never sleeps.

Theory of operation
-------------------
A transaction's writes live only in its ``Tx.writes`` (key -> new row, or None
for a removal) until commit, so nobody else sees them. ``KeyValue.within``
runs the ordinary key-value ops over ``TxEntries``: reads see the write set
first, then committed data; writes go to the write set. Commit applies the whole
write set to the entry tables in one SQLite transaction (``BEGIN IMMEDIATE``):
after ``kill -9`` a transaction is there whole or not at all.

Locks are rows of ``tx_locks(cache_id, key, xid, owner, deadline)``, shared by
every process on the store, so every node of a cluster sees them. A lock is
taken by one autocommitted ``INSERT ... ON CONFLICT DO NOTHING`` and then owned
by whoever's row is there. A lock whose owner is finished cannot exist (commit
and rollback delete them in the store transaction that ends it, by key and
``xid``; the table has no index on ``xid``, which would cost every lock taken
and freed a second B-tree write: only clearing a stale holder, rare, scans the
live locks for its ``xid``); one whose owner engine is gone (``owner``, see
``owner_alive``: the process died, or its pid now names a newer process, or
the engine closed) or whose owner's timeout passed (``deadline``) is stale: the
next taker deletes every lock of that transaction first. A key held by a live
owner makes the op raise ``WouldBlock(LockWait)``; the server waits
(``LockWait.deadline`` bounds it) and runs the op again from the start.
Ops are safe to run again: nothing of a blocked op reached the store, and what
it put in the write set it puts there again.

Who locks what, as Ignite 2.18 does it:

* PESSIMISTIC: a write locks its key at once; a read locks under
  REPEATABLE_READ and SERIALIZABLE (so it stays repeatable), not under
  READ_COMMITTED.
* OPTIMISTIC: nothing is locked before commit; reads under REPEATABLE_READ and
  SERIALIZABLE remember what they saw (and see it again). Commit takes every
  lock of the write set without waiting (a held key fails the commit) and,
  under SERIALIZABLE, fails if a key read has changed since.
* Writes of keys of TRANSACTIONAL caches outside any transaction also respect
  the locks (Ignite runs them as implicit transactions): ``KeyValue`` asks
  ``check_unlocked`` before such writes.

The timeout counts from the start; past it every op and the commit fail with
Ignite's timeout text and the transaction is rolled back.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from embergrid.engine import messages
from embergrid.engine.caches import CacheHandle
from embergrid.engine.clock import Clock
from embergrid.engine.entries import Columns, Entries, Row
from embergrid.engine.errors import EngineError, WouldBlock
from embergrid.engine.store import Store, pid_alive
from embergrid.protocol.binary.java_text import java_text
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import TRANSACTIONAL

__all__ = [
    "OPTIMISTIC",
    "PESSIMISTIC",
    "READ_COMMITTED",
    "REPEATABLE_READ",
    "SERIALIZABLE",
    "LockWait",
    "Transactions",
    "Tx",
    "TxEntries",
    "store_busy",
]

OPTIMISTIC, PESSIMISTIC = 0, 1
READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE = 0, 1, 2

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tx_locks (cache_id INTEGER NOT NULL, key BLOB NOT NULL,"
    " xid TEXT NOT NULL, owner TEXT NOT NULL, deadline INTEGER,"
    " PRIMARY KEY (cache_id, key)) WITHOUT ROWID",
    "DROP INDEX IF EXISTS tx_locks_xid",  # made by earlier versions (see above)
)

_HOLDER = "SELECT xid, owner, deadline FROM tx_locks WHERE cache_id = ? AND key = ?"

Key = tuple[int, bytes]  # (cache id, key bytes)


@dataclass(frozen=True, slots=True)
class LockWait:
    """An op waits for ``key`` of ``cache_id``, held by transaction ``holder``.

    ``deadline`` (engine clock ms, None = none) is when the waiting
    transaction times out: the server runs the op again then at the latest.
    """

    cache_id: int
    key: bytes
    holder: str
    deadline: int | None


STORE_RETRY_MS = 5
"""How soon an op that found the store's write lock taken runs again."""


def store_busy(clock: Clock) -> LockWait:
    """The wait of an op that found another node holding the store's write
    lock (nothing was written): run it again within ``STORE_RETRY_MS``."""
    return LockWait(0, b"", "store", clock.now_ms() + STORE_RETRY_MS)


@dataclass(eq=False, slots=True)
class Tx:
    """One transaction's state; private to the connection that started it."""

    xid: str
    order: int
    node_id: str
    concurrency: int
    isolation: int
    timeout_ms: int
    label: str | None
    started_ms: int
    writes: dict[Key, tuple[CacheHandle, Row | None]] = field(default_factory=dict)
    seen: dict[Key, Row | None] = field(default_factory=dict)  # reads remembered
    locks: set[Key] = field(default_factory=set)
    # Committed rows of keys it locked and read: nobody else writes them until it
    # ends, so they are read once (``TxEntries.read``/``peek``).
    held: dict[Key, Row | None] = field(default_factory=dict)
    handles: dict[int, CacheHandle] = field(default_factory=dict)  # caches read
    # Conditions of conditional writes, checked again at an OPTIMISTIC commit.
    guards: dict[Key, Callable[[Row | None], bool]] = field(default_factory=dict)
    view: object = None  # the key-value ops as it sees them (Engine.kv_in)
    waiting: bool = False  # its last op is blocked on a lock
    timed_out: bool = False  # rolled back by its timeout; the id stays till its end
    done: bool = False

    @property
    def deadline(self) -> int | None:
        return self.started_ms + self.timeout_ms if self.timeout_ms > 0 else None

    def text(self, state: str, now_ms: int) -> str:
        """How Ignite's error texts print this transaction in ``state``."""
        return messages.tx_text(
            self.xid,
            self.order,
            self.concurrency,
            self.isolation,
            state,
            self.node_id,
            self.timeout_ms,
            self.started_ms,
            now_ms - self.started_ms,
            self.label,
        )

    @property
    def pessimistic(self) -> bool:
        return self.concurrency == PESSIMISTIC

    @property
    def remembers_reads(self) -> bool:
        return self.isolation != READ_COMMITTED


def _java_text(obj: bytes) -> str:
    text = java_text(obj)
    return "?" if text is None else text


def _java_class(obj: bytes) -> str:
    return messages.JAVA_CLASSES.get(obj[0] if obj else 0, "?")


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, Linux), or None if
    there is no such process; "" where the system does not say."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    return stat.rsplit(b")", 1)[-1].split()[19].decode()  # field 22, starttime


def _process_token() -> str:
    pid = os.getpid()
    return f"{pid}:{_start_time(pid) or ''}"


_LIVE_ENGINES: set[str] = set()  # owner ids of this process's open engines


def owner_alive(owner: str) -> bool:
    """Whether the engine that wrote ``owner`` (``pid:start:instance``) still
    runs: its process is the same process (a pid reused after a restart, as
    PID 1 in a container, starts at another time) and, in this process, that
    engine is not closed."""
    pid_text, start, instance = [*owner.split(":"), "", ""][:3]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid() and start == (_start_time(pid) or ""):
        return instance in _LIVE_ENGINES
    now_start = _start_time(pid)
    if now_start is None:
        return False
    if now_start == "" or start == "":
        return pid_alive(pid)
    return now_start == start


class Transactions:
    """Every transaction of this engine, and the lock table all engines share."""

    def __init__(
        self,
        store: Store,
        entries: Entries,
        now_ms: Callable[[], int],
        owner_alive: Callable[[str], bool] = owner_alive,
    ) -> None:
        self._store = store
        self._conn = store.conn
        self._entries = entries
        self._now = now_ms
        self._owner_alive = owner_alive
        self._node = uuid.uuid4()  # this engine instance: xids, owner of its locks
        self._node_hex, self._node_text = self._node.hex, str(self._node)
        self._owner = f"{_process_token()}:{self._node_hex}"
        _LIVE_ENGINES.add(self._node_hex)
        self._counter = itertools.count(1)
        self.active: dict[str, Tx] = {}
        with store.atomic() as conn:
            for stmt in _SCHEMA:
                conn.execute(stmt)

    def now(self) -> int:
        return self._now()

    def close(self) -> None:
        """This engine is closing: the locks it still holds become stale."""
        _LIVE_ENGINES.discard(self._node_hex)

    # -- life cycle -------------------------------------------------------------

    def start(
        self, concurrency: int, isolation: int, timeout_ms: int, label: str | None
    ) -> Tx:
        # Ignite accepts codes past its enums (it keeps them as null): an unknown
        # concurrency locks nothing before commit (as OPTIMISTIC), an unknown
        # isolation locks and repeats what it reads (as REPEATABLE_READ).
        if concurrency not in (OPTIMISTIC, PESSIMISTIC):
            concurrency = OPTIMISTIC
        if isolation not in (READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE):
            isolation = REPEATABLE_READ
        order = next(self._counter)
        tx = Tx(
            f"{self._node_hex}-{order:x}",
            order,
            self._node_text,
            concurrency,
            isolation,
            max(timeout_ms, 0),
            label,
            self._now(),
        )
        self.active[tx.xid] = tx
        return tx

    def commit(self, tx: Tx) -> None:
        """Apply the write set atomically; ``EngineError`` (and rolled back) if
        the transaction timed out or an OPTIMISTIC SERIALIZABLE one meets a
        changed read. An OPTIMISTIC commit first takes its locks, waiting
        (``WouldBlock``) for those another transaction holds."""
        self.check_alive(tx)
        try:
            if not tx.pessimistic:
                self._lock_for_commit(tx)
            with self._store.atomic():
                freed = self._release(tx)
                if tx.pessimistic:
                    self._check_locks_held(tx, freed)
                elif tx.isolation == SERIALIZABLE:
                    self._validate_reads(tx)
                self._apply(tx)
        except EngineError:
            self.rollback(tx)
            raise
        self._finish(tx)

    def rollback(self, tx: Tx) -> None:
        """Discard the write set and free the locks (idempotent)."""
        if tx.done:
            return
        if tx.locks:
            with self._store.atomic():
                self._release(tx)
        self._finish(tx)

    def _finish(self, tx: Tx) -> None:
        tx.done = True
        tx.writes.clear()
        tx.seen.clear()
        tx.locks.clear()
        tx.held.clear()
        tx.handles.clear()
        tx.guards.clear()
        self.active.pop(tx.xid, None)

    def check_alive(self, tx: Tx) -> None:
        """Raise Ignite's timeout error (rolling back) once ``tx`` timed out: a
        lock timeout if it was waiting for a lock, else "timed out"."""
        deadline, now = tx.deadline, self._now()
        if not tx.timed_out and (deadline is None or now < deadline):
            return
        waiting = tx.waiting and not tx.timed_out
        tx.timed_out = True
        self.rollback(tx)
        if waiting:
            text = messages.tx_lock_timeout(tx.timeout_ms, tx.text("ROLLED_BACK", now))
        else:
            text = messages.tx_timed_out(tx.text("ROLLED_BACK", now))
        raise EngineError(StatusCode.FAILED, text)

    # -- locks --------------------------------------------------------------------

    def lock(self, tx: Tx, h: CacheHandle, key: bytes) -> None:
        """Own ``key`` for ``tx`` or raise ``WouldBlock``."""
        k = (h.cache_id, key)
        if k in tx.locks:
            return
        holder = self._take(tx, k)
        if holder is not None:
            tx.waiting = True
            raise WouldBlock(LockWait(h.cache_id, key, holder, tx.deadline))
        tx.waiting = False
        tx.locks.add(k)

    def check_unlocked(self, h: CacheHandle, keys: Iterable[bytes]) -> None:
        """For a write outside a transaction: ``WouldBlock`` while a live
        transaction holds one of ``keys`` (TRANSACTIONAL caches only)."""
        if h.config.atomicity_mode != TRANSACTIONAL:
            return
        for key in keys:
            row = self._conn.execute(_HOLDER, (h.cache_id, key)).fetchone()
            if row is not None and not self._clear_if_stale(row):
                raise WouldBlock(LockWait(h.cache_id, key, row[0], None))

    def check_cache_unlocked(self, h: CacheHandle) -> None:
        """``check_unlocked`` for every key of the cache (a clear)."""
        if h.config.atomicity_mode != TRANSACTIONAL:
            return
        while row := self._conn.execute(
            "SELECT xid, owner, deadline, key FROM tx_locks WHERE cache_id = ? LIMIT 1",
            (h.cache_id,),
        ).fetchone():
            if not self._clear_if_stale(row[:3]):
                raise WouldBlock(LockWait(h.cache_id, row[3], row[0], None))

    def _take(self, tx: Tx, k: Key) -> str | None:
        """Insert the lock row; the holder's xid if another live one owns it."""
        while True:
            inserted = self._conn.execute(
                "INSERT INTO tx_locks (cache_id, key, xid, owner, deadline)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (k[0], k[1], tx.xid, self._owner, tx.deadline),
            ).rowcount
            if inserted:
                return None
            row = self._conn.execute(_HOLDER, k).fetchone()
            if row is not None and row[0] == tx.xid:
                return None
            if row is not None and not self._clear_if_stale(row):
                return str(row[0])
            # gone meanwhile (its owner ended) or stale and cleared: insert again

    def _clear_if_stale(self, row: tuple[str, str, int | None]) -> bool:
        """Delete every lock of the holder in ``row`` if it is stale; whether it was."""
        xid, owner, deadline = row
        if xid in self.active:  # a transaction of this engine: it knows best
            mine = self.active[xid]
            if mine.deadline is None or self._now() < mine.deadline:
                return False
        elif self._owner_alive(owner) and (deadline is None or self._now() < deadline):
            return False
        self._conn.execute("DELETE FROM tx_locks WHERE xid = ?", (xid,))
        return True

    def _lock_for_commit(self, tx: Tx) -> None:
        """OPTIMISTIC commit: every written key locked, in key order (two commits
        never wait for each other in a circle), each autocommitted."""
        for k in sorted(tx.writes):
            if k not in tx.locks:
                self.lock(tx, tx.writes[k][0], k[1])

    def _check_locks_held(self, tx: Tx, freed: int) -> None:
        """``freed`` of its locks were still its own when it let them go (in the
        commit's store transaction, undone if this raises). Locks are only ever
        taken from a live owner past its deadline: a transaction without a
        timeout still held all of its own."""
        if not tx.locks or tx.deadline is None:
            return
        if freed != len(tx.locks):  # taken from us after our timeout
            text = tx.text("ROLLED_BACK", self._now())
            raise EngineError(StatusCode.FAILED, messages.tx_timed_out(text))

    def _validate_reads(self, tx: Tx) -> None:
        now = self._now()
        for (cache_id, key), row in tx.seen.items():
            h = tx.handles[cache_id]
            current = self._entries.read(h, key, now)
            if current != row:
                value = None if current is None else current[0]
                raise EngineError(
                    StatusCode.FAILED,
                    messages.tx_serializable_conflict(
                        _java_text(key),
                        _java_class(key),
                        None if value is None else _java_text(value),
                        None if value is None else _java_class(value),
                        h.name,
                    ),
                )

    def _apply(self, tx: Tx) -> None:
        """Write the write set. A conditional write of an OPTIMISTIC transaction
        whose condition no longer holds is left out, silently, as Ignite does
        (it checks the condition again when it commits)."""
        now = self._now()
        try:
            for k, (h, row) in tx.writes.items():
                key = k[1]
                guard = tx.guards.get(k)
                if guard is not None and not guard(self._entries.read(h, key, now)):
                    continue
                if row is None:
                    self._entries.delete(h, key, now)
                else:
                    self._entries.write(h, key, row[0], row[1])
        except sqlite3.OperationalError as exc:
            raise EngineError(StatusCode.FAILED, str(exc)) from exc

    def _release(self, tx: Tx) -> int:
        """Delete the lock rows of ``tx`` (by key: those still its own); how many."""
        if not tx.locks:
            return 0
        xid = tx.xid
        return self._conn.executemany(
            "DELETE FROM tx_locks WHERE cache_id = ? AND key = ? AND xid = ?",
            [(cache_id, key, xid) for cache_id, key in tx.locks],
        ).rowcount


def _alive(row: Row | None, now: int) -> Row | None:
    """``row`` unless it has expired by ``now`` (as ``Entries.read`` sees it)."""
    if row is None or (row[1] is not None and row[1] <= now):
        return None
    return row


class TxEntries:
    """The ``Entries`` primitives as transaction ``tx`` sees them.

    An op on a cache that is not TRANSACTIONAL fails, as on Ignite 2.16+
    (atomic operations inside transactions are forbidden).
    """

    def __init__(self, txs: Transactions, tx: Tx, base: Entries) -> None:
        self._txs = txs
        self._tx = tx
        self._base = base

    def _check(self, h: CacheHandle) -> None:
        if h.config.atomicity_mode != TRANSACTIONAL:
            raise EngineError(StatusCode.FAILED, messages.TX_ATOMIC_CACHE)

    # -- reads ------------------------------------------------------------------

    def read(self, h: CacheHandle, key: bytes, now: int) -> Row | None:
        self._check(h)
        tx, k = self._tx, (h.cache_id, key)
        if k in tx.writes:
            return tx.writes[k][1]
        if k in tx.held:
            return _alive(tx.held[k], now)
        if tx.remembers_reads:
            if tx.pessimistic:
                self._txs.lock(tx, h, key)
            elif k in tx.seen:
                return tx.seen[k]
        row = self._base.read(h, key, now)
        if tx.remembers_reads:
            if tx.pessimistic:
                tx.held[k] = row
            else:
                tx.seen[k] = row
                tx.handles[h.cache_id] = h
        return row

    def peek(self, h: CacheHandle, key: bytes, now: int) -> Row | None:
        """What ``tx`` sees of ``key`` without reading it as Ignite counts reads:
        no lock, nothing remembered (a put's look at the old expiry, contains)."""
        self._check(h)
        k = (h.cache_id, key)
        if k in self._tx.writes:
            return self._tx.writes[k][1]
        if k in self._tx.seen:
            return self._tx.seen[k]
        if k in self._tx.held:
            return _alive(self._tx.held[k], now)
        return self._base.read(h, key, now)

    def peek_many(
        self, h: CacheHandle, keys: Sequence[bytes], now: int
    ) -> dict[bytes, Row]:
        return _visible(self.peek, h, keys, now)

    def read_many(
        self, h: CacheHandle, keys: Sequence[bytes], now: int
    ) -> dict[bytes, Row]:
        return _visible(self.read, h, keys, now)

    def count(self, h: CacheHandle, now: int) -> int:
        self._check(h)
        return self._base.count(h, now)

    def page(
        self, h: CacheHandle, after: bytes | None, limit: int, now: int
    ) -> list[tuple[bytes, bytes]]:
        return self._base.page(h, after, limit, now)

    # -- writes -----------------------------------------------------------------

    def write(
        self, h: CacheHandle, key: bytes, value: bytes, expire_at: int | None
    ) -> None:
        self._check(h)
        self._set(h, key, (value, expire_at))

    def write_many(
        self,
        h: CacheHandle,
        rows: Iterable[tuple[bytes, bytes, int | None]],
        columns: Columns | None = None,
    ) -> None:
        """Buffered; ``columns`` are left to the entry table's trigger at commit."""
        for key, value, exp in rows:
            self.write(h, key, value, exp)

    def write_many_keeping(
        self,
        h: CacheHandle,
        items: Iterable[tuple[bytes, bytes]],
        now: int,
        create_at: int | None,
        columns: Columns | None = None,
    ) -> None:
        """Buffered; ``columns`` are left to the entry table's trigger at commit."""
        for key, value in items:  # in order: a repeated key sees the earlier one
            row = self.peek(h, key, now)
            self.write(h, key, value, create_at if row is None else row[1])

    def delete(self, h: CacheHandle, key: bytes, now: int) -> bool:
        self._check(h)
        existed = self.peek(h, key, now) is not None  # a removal reads nothing
        self._set(h, key, None)
        return existed

    def delete_many(self, h: CacheHandle, keys: Iterable[bytes], now: int) -> None:
        for key in keys:
            self.delete(h, key, now)

    def clear_keys(self, h: CacheHandle, keys: Iterable[bytes], now: int) -> None:
        """Never inside a transaction (``KeyValue._not_in_tx``)."""
        self.delete_many(h, keys, now)

    def clear(self, h: CacheHandle) -> None:
        """Clear and remove-all are not transactional on Ignite: even inside a
        transaction they empty the cache at once (waiting for no lock)."""
        self._base.clear(h)

    def remove_all(self, h: CacheHandle, now: int) -> None:
        self._base.remove_all(h, now)

    def touch(
        self, h: CacheHandle, key: bytes, value: bytes, expire_at: int | None
    ) -> None:
        self.write(h, key, value, expire_at)

    def purge(self, h: CacheHandle, now: int) -> int:
        return self._base.purge(h, now)

    def expect(
        self, h: CacheHandle, key: bytes, holds: Callable[[Row | None], bool]
    ) -> None:
        """The write of ``key`` just made holds only while ``holds`` does of
        the committed row: an OPTIMISTIC commit checks it again (a PESSIMISTIC
        transaction holds the lock; a SERIALIZABLE one validates its reads)."""
        tx = self._tx
        if not tx.pessimistic and tx.isolation != SERIALIZABLE:
            tx.guards[(h.cache_id, key)] = holds

    def _set(self, h: CacheHandle, key: bytes, row: Row | None) -> None:
        tx = self._tx
        tx.guards.pop((h.cache_id, key), None)
        if tx.pessimistic:
            self._txs.lock(tx, h, key)
        tx.writes[(h.cache_id, key)] = (h, row)


def _visible(
    read: Callable[[CacheHandle, bytes, int], Row | None],
    h: CacheHandle,
    keys: Sequence[bytes],
    now: int,
) -> dict[bytes, Row]:
    """``read`` of each key, as ``Entries.read_many`` answers: the present ones."""
    found: dict[bytes, Row] = {}
    for key in keys:
        row = read(h, key, now)
        if row is not None:
            found[key] = row
    return found


class GuardedEntries:
    """The ``Entries`` primitives outside any transaction: a write to a key of
    a TRANSACTIONAL cache waits while a transaction holds its lock (Ignite runs
    such a write as an implicit transaction); reads never wait."""

    def __init__(self, txs: Transactions, base: Entries) -> None:
        self._txs = txs
        self._base = base
        self.read = self.peek = base.read
        self.read_many = self.peek_many = base.read_many
        self.expect = base.expect
        self.count = base.count

    def write(
        self, h: CacheHandle, key: bytes, value: bytes, expire_at: int | None
    ) -> None:
        self._txs.check_unlocked(h, (key,))
        self._base.write(h, key, value, expire_at)

    def write_many(
        self,
        h: CacheHandle,
        rows: Iterable[tuple[bytes, bytes, int | None]],
        columns: Columns | None = None,
    ) -> None:
        rows = list(rows)
        self._txs.check_unlocked(h, [r[0] for r in rows])
        self._base.write_many(h, rows, columns)

    def write_many_keeping(
        self,
        h: CacheHandle,
        items: Iterable[tuple[bytes, bytes]],
        now: int,
        create_at: int | None,
        columns: Columns | None = None,
    ) -> None:
        items = list(items)
        self._txs.check_unlocked(h, [k for k, _ in items])
        self._base.write_many_keeping(h, items, now, create_at, columns)

    def delete(self, h: CacheHandle, key: bytes, now: int) -> bool:
        self._txs.check_unlocked(h, (key,))
        return self._base.delete(h, key, now)

    def delete_many(self, h: CacheHandle, keys: Iterable[bytes], now: int) -> None:
        keys = list(keys)
        self._txs.check_unlocked(h, keys)
        self._base.delete_many(h, keys, now)

    def clear_keys(self, h: CacheHandle, keys: Iterable[bytes], now: int) -> None:
        keys = list(keys)
        self._txs.check_unlocked(h, keys)
        self._base.clear_keys(h, keys, now)

    def clear(self, h: CacheHandle) -> None:
        self._txs.check_cache_unlocked(h)
        self._base.clear(h)

    def remove_all(self, h: CacheHandle, now: int) -> None:
        self._txs.check_cache_unlocked(h)
        self._base.remove_all(h, now)

    def touch(
        self, h: CacheHandle, key: bytes, value: bytes, expire_at: int | None
    ) -> None:
        self._txs.check_unlocked(h, (key,))
        self._base.touch(h, key, value, expire_at)

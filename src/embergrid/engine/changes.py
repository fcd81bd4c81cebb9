"""The change log continuous queries read, kept in the store by SQLite triggers.

Owns ``ChangeLog``: subscribing a listener to a cache's entry table, reading the
changes committed after its position, moving that position and trimming what
every listener of the table has read; and ``Change`` (one row of the log). Must
not import asyncio or ``embergrid.protocol.messages``.

Theory of operation
-------------------
Tables (created here, beside the store's fixed ones)::

    cq_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl, key, old, new, type)
    cq_listeners(id INTEGER PRIMARY KEY AUTOINCREMENT, tbl, pid, after)
    cq_mode(only = 0, mode)        what a DELETE on an entry table means

A cache's entry table has triggers only while someone listens to it, anywhere
in the cluster: the first subscription creates them (DDL every process sharing
the store sees at once), the last unsubscription drops them and the table's
rows of the log. A write to a cache nobody listens to runs no trigger and pays
nothing. Triggers see every path that changes entries (key-value ops, SQL DML,
a transaction's commit, expiry, any node), inside the writer's own SQLite
transaction: a rolled-back transaction logs nothing, a committed one logs its
net change per key, and ``seq`` (AUTOINCREMENT: never reused, even after a trim)
orders the log as the writers committed, since SQLite has one writer at a time.

* ``BEFORE INSERT`` (every write is ``INSERT OR REPLACE``): CREATED, or UPDATED
  with the old value when a visible entry is replaced; an entry that had expired
  but was not purged yet is logged EXPIRED first. Visibility here uses the wall
  clock (``SystemClock``, which is what expiry times are stored in).
* ``AFTER UPDATE OF value`` (no path does so today; kept so a future one is seen).
* ``AFTER DELETE``: the row's ``cq_mode``: 2 REMOVED (the default), 3 EXPIRED
  (``Entries.purge`` sets it), 0 nothing (``Entries.clear`` and ``clear_keys``:
  Ignite's ``clear``, ``clear(key)`` and ``clearAll(keys)`` notify no listener,
  unlike its removes).

A listener row holds its position (``after``: everything of its table up to
that seq was given to it); rows at or below every listener's position are
trimmed. How far a listener lags is its table's rows past its position
(``backlog``); the server bounds it (``server/continuous.py``). Listeners whose
process is gone (a killed node) are dropped by ``sweep``: when a ``ChangeLog``
is built on the store, and by the server now and then.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from embergrid.engine.sqltext import ident, literal
from embergrid.engine.store import Store, pid_alive

__all__ = ["EXPIRED", "REMOVED", "SILENT", "Change", "ChangeLog", "delete_mode"]

CREATED, UPDATED, REMOVED, EXPIRED = 0, 1, 2, 3
SILENT = 0  # a cq_mode: deletes log nothing

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cq_log (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " tbl TEXT NOT NULL, key BLOB NOT NULL, old BLOB, new BLOB,"
    " type INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS cq_log_tbl ON cq_log (tbl, seq)",
    "CREATE TABLE IF NOT EXISTS cq_listeners (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " tbl TEXT NOT NULL, pid INTEGER NOT NULL, after INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cq_mode (only INTEGER PRIMARY KEY CHECK (only = 0),"
    " mode INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO cq_mode (only, mode) VALUES (0, 2)",
)
_NOW = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
_READ = (
    "SELECT seq, key, old, new, type FROM cq_log WHERE tbl = ? AND seq > ?"
    " ORDER BY seq LIMIT ?"
)
_COUNT = "SELECT count(*) FROM cq_log WHERE tbl = ? AND seq > ?"
_READ_NO_EXPIRED = (
    "SELECT seq, key, old, new, type FROM cq_log WHERE tbl = ? AND seq > ?"
    " AND type != 3 ORDER BY seq LIMIT ?"
)


def delete_mode(mode: int) -> str:
    """The statement (one parameter-free text) that sets what deletes log."""
    return f"UPDATE cq_mode SET mode = {int(mode)}"


@dataclass(frozen=True, slots=True)
class Change:
    """One logged change: objects as the store keeps them (None = absent)."""

    seq: int
    key: bytes
    old: bytes | None
    new: bytes | None
    type: int


def _trigger_sql(tbl: str) -> tuple[str, ...]:
    t, lit = ident(tbl), literal(tbl)
    live = f"(expire_at IS NULL OR expire_at > {_NOW})"
    log = "INSERT INTO cq_log (tbl, key, old, new, type)"
    return (
        f"CREATE TRIGGER IF NOT EXISTS {ident('cq_' + tbl + '_put')}"
        f" BEFORE INSERT ON {t} BEGIN"
        f" {log} SELECT {lit}, o.key, o.value, NULL, {EXPIRED} FROM {t} o"
        f" WHERE o.key = NEW.key AND o.expire_at IS NOT NULL"
        f" AND o.expire_at <= {_NOW};"
        f" {log} SELECT {lit}, NEW.key, v, NEW.value, v IS NOT NULL FROM"
        f" (SELECT (SELECT value FROM {t} WHERE key = NEW.key AND {live}) AS v);"
        " END",
        f"CREATE TRIGGER IF NOT EXISTS {ident('cq_' + tbl + '_upd')}"
        f" AFTER UPDATE OF value ON {t} BEGIN"
        f" {log} VALUES ({lit}, NEW.key, OLD.value, NEW.value, {UPDATED}); END",
        f"CREATE TRIGGER IF NOT EXISTS {ident('cq_' + tbl + '_del')}"
        f" AFTER DELETE ON {t} WHEN (SELECT mode FROM cq_mode) > 0 BEGIN"
        f" {log} VALUES ({lit}, OLD.key, OLD.value, NULL,"
        " (SELECT mode FROM cq_mode)); END",
    )


def _drop_sql(tbl: str) -> tuple[str, ...]:
    return tuple(
        f"DROP TRIGGER IF EXISTS {ident('cq_' + tbl + suffix)}"
        for suffix in ("_put", "_upd", "_del")
    )


class ChangeLog:
    """The store's change log (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._execute = store.conn.execute
        with store.atomic():
            for stmt in _SCHEMA:
                self._execute(stmt)
            self.sweep()

    def sweep(self) -> int:
        """Unsubscribe the listeners whose process is gone (a killed node: its
        position would hold its table's log forever); how many."""
        rows = self._execute("SELECT id, pid FROM cq_listeners").fetchall()
        dead = [lid for lid, pid in rows if pid != os.getpid() and not pid_alive(pid)]
        for lid in dead:
            self.unsubscribe(lid)
        return len(dead)

    def subscribe(self, tbl: str) -> tuple[int, int]:
        """Listen to entry table ``tbl`` from now on: (listener id, position)."""
        with self._store.atomic():
            for stmt in _trigger_sql(tbl):
                self._execute(stmt)
            row = self._execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'cq_log'"
            ).fetchone()
            after = 0 if row is None else int(row[0])
            cur = self._execute(
                "INSERT INTO cq_listeners (tbl, pid, after) VALUES (?, ?, ?)",
                (tbl, os.getpid(), after),
            )
            lid = cur.lastrowid
            assert lid is not None
        return lid, after

    def unsubscribe(self, listener: int) -> None:
        """Stop listening; the table's triggers and log go with its last listener."""
        with self._store.atomic():
            row = self._execute(
                "SELECT tbl FROM cq_listeners WHERE id = ?", (listener,)
            ).fetchone()
            if row is None:
                return
            self._execute("DELETE FROM cq_listeners WHERE id = ?", (listener,))
            tbl = row[0]
            left = self._execute(
                "SELECT 1 FROM cq_listeners WHERE tbl = ? LIMIT 1", (tbl,)
            ).fetchone()
            if left is None:
                for stmt in _drop_sql(tbl):
                    self._execute(stmt)
                self._execute("DELETE FROM cq_log WHERE tbl = ?", (tbl,))
            else:
                self._trim(tbl)

    def read(
        self, tbl: str, after: int, limit: int, include_expired: bool = True
    ) -> list[Change]:
        """Up to ``limit`` changes of ``tbl`` logged after position ``after``."""
        sql = _READ if include_expired else _READ_NO_EXPIRED
        return [Change(*row) for row in self._execute(sql, (tbl, after, limit))]

    def backlog(self, tbl: str, after: int) -> int:
        """How many changes of ``tbl`` are logged after position ``after``."""
        row = self._execute(_COUNT, (tbl, after)).fetchone()
        return int(row[0])

    def stamp(self) -> object:
        """A value that changes whenever another connection (thread or
        process) commits: SQLite's data version (one statement, no table
        read). Never the ``-shm`` file read directly: a process that opens
        and closes a file descriptor of it loses every POSIX lock SQLite holds
        on that file for its connections, its dead-man-switch lock among them,
        and the next process to open the store then takes itself for the first
        and truncates the wal-index under the others' mappings (SIGBUS)."""
        return self._execute("PRAGMA data_version").fetchone()[0]

    def last(self) -> int:
        """The highest position ever logged (0 if none)."""
        row = self._execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'cq_log'"
        ).fetchone()
        return 0 if row is None else int(row[0])

    def advance(self, listener: int, tbl: str, after: int) -> None:
        """Record that ``listener`` was given everything up to ``after``; drop
        the rows every listener of ``tbl`` has been given."""
        with self._store.atomic():
            self._execute(
                "UPDATE cq_listeners SET after = ? WHERE id = ?", (after, listener)
            )
            self._trim(tbl)

    def _trim(self, tbl: str) -> None:
        self._execute(
            "DELETE FROM cq_log WHERE tbl = ? AND seq <= (SELECT min(after)"
            " FROM cq_listeners WHERE tbl = ?)",
            (tbl, tbl),
        )

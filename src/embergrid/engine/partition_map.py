"""A cache's partition map: which keys of its entry table are in which partition.

Owns the ``partition_maps`` table (every map's progress), each map's side
table and triggers, and ``Mapped`` (how far one map reaches). The statements
that read a partition through a map are ``EntrySql``'s (``entries.py``).
Imports ``embergrid.engine.partitions`` and ``sqltext`` only; never asyncio.

Theory of operation
-------------------
Tables, beside the store's fixed ones and the entry table ``e_<n>``::

    partition_maps(tbl PRIMARY KEY, parts, filled BLOB, done, next_at)
    e_<n>_pmap(part INTEGER, key BLOB, PRIMARY KEY (part, key)) WITHOUT ROWID

A map's rows are the (partition, key) of the table's entries, so a page of
one partition is a range of its primary key (and a lookup of each entry).
A table gets its map the first time someone scans the cache by partition
(``create``); caches nobody scans that way have none and pay nothing for it.

From the moment the map is made, triggers keep it, inside the writer's own
transaction, whoever writes (any node, process or path: key-value and bulk
ops, SQL DML, a transaction's commit, expiry, clear):

* ``BEFORE INSERT``, when the table has no row of that key (a new entry): the
  key's map row (its partition from ``eg_partition``). Every write is ``INSERT
  OR REPLACE``; an overwrite keeps its key, so its map row stands, and it pays
  one primary-key probe. The REPLACE's delete of the old row fires no DELETE
  trigger, as ``recursive_triggers`` is off (``Store`` says so on each of its
  connections).
* ``AFTER DELETE``: the map row of the deleted key.
* ``AFTER UPDATE OF key`` (no path changes a key today): moved.

The rows the table held before are back-filled in key order, a chunk at a
time (``fill``): each chunk is one short write transaction that maps
``chunk`` keys from ``filled`` on (that one mapped already) and moves
``filled`` to the last of them, so
no fill holds the store's write lock for longer than one chunk, whoever runs
it. Invariant, from the map's birth: every key up to ``filled`` (the whole
table once ``done``) is in the map iff it is in the table (new keys get
their row from the trigger, back-filled ones from a chunk, and a deleted key
loses its row); above ``filled``, the map holds only keys of the table.
``filled`` starts below every key: nothing yet. Keys above ``filled`` that
the table held before the map are missing from it until their chunk; a new
key that lands there gets its row at once anyway (and its chunk ignores it).

The progress lives in the store, so any node (or process) continues a fill
another one began, or one whose node died: a chunk re-reads ``filled`` under
the write lock. ``next_at`` (the engine clock's milliseconds) spaces the
chunks of the whole cluster: a chunk is due ``pause_ms`` after the last one,
whoever ran it, so that writers waiting for the lock (another node's lease
renewal first of all) get it between two chunks. (A ``next_at`` more than a
pause ahead was set by a clock ahead of the reader's: the chunk is due.)

A table that an earlier version gave a partition index (``e_<n>_part ON
(eg_partition(key, P), key)``, kept by every write since) is read through
that index and gets no map (``Mapped.indexed``); a ``<table>_parts`` table of
partitions recorded by an older one still is dropped when the map is made.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from embergrid.engine.partitions import SQL_FUNCTION
from embergrid.engine.sqltext import ident

__all__ = [
    "CHUNK",
    "DONE",
    "PAUSE_MS",
    "SCHEMA",
    "Mapped",
    "create",
    "drop",
    "fill",
    "map_table",
    "mapped",
    "partition_expr",
    "unfinished",
]

CHUNK = 5_000
"""Keys a chunk of a fill maps (one write transaction; on a 1M-entry table of
int keys at most 49 ms inside it, 28 ms of CPU, at load 5-6; 10,000 doubled
what another node's puts waited at p99 during a fill, docs/benchmarks.md)."""
PAUSE_MS = 100
"""The least time between two chunks of one map, whoever runs them: more than
SQLite's longest sleep between two tries of a writer waiting for the lock
(100 ms), so every writer waiting when a chunk ends tries again before the next."""

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS partition_maps (tbl TEXT PRIMARY KEY,"
    " parts INTEGER NOT NULL, filled BLOB, done INTEGER NOT NULL,"
    " next_at INTEGER NOT NULL) WITHOUT ROWID",
)


@dataclass(frozen=True, slots=True)
class Mapped:
    """How far a table's partitions can be read through its map: every key
    up to ``filled`` (None: none yet), or all of them once ``done``;
    ``indexed``: through an earlier version's partition index instead."""

    done: bool
    filled: bytes | None = None
    indexed: bool = False

    def covers(self, after: bytes | None) -> bool:
        """Whether the keys just above ``after`` (None: the first) are mapped."""
        if self.done:
            return True
        return self.filled is not None and (after is None or after < self.filled)


DONE = Mapped(done=True)
INDEXED = Mapped(done=True, indexed=True)


def partition_expr(parts: int) -> str:
    """The partition of the row's key (``eg_partition``), as the map's rows
    and an earlier version's index hold it (a query must name it exactly so
    for SQLite to use that index)."""
    return _part_of("key", parts)


def map_table(tbl: str) -> str:
    """The name of entry table ``tbl``'s map."""
    return f"{tbl}_pmap"


def _index(tbl: str) -> str:  # an earlier version's partition index
    return f"{tbl}_part"


def _old_parts(tbl: str) -> str:  # an older version's recorded partitions
    return f"{tbl}_parts"


def _triggers(tbl: str, parts: int) -> dict[str, str]:
    """The map's triggers on ``tbl`` (by name suffix): see the docstring."""
    t, m = ident(tbl), ident(map_table(tbl))
    new, old = _part_of("NEW.key", parts), _part_of("OLD.key", parts)
    add = f"INSERT OR IGNORE INTO {m} (part, key) VALUES ({new}, NEW.key);"
    remove = f"DELETE FROM {m} WHERE part = {old} AND key = OLD.key;"
    return {
        "put": f"BEFORE INSERT ON {t} WHEN NOT EXISTS"
        f" (SELECT 1 FROM {t} WHERE key = NEW.key) BEGIN {add} END",
        "del": f"AFTER DELETE ON {t} BEGIN {remove} END",
        "key": f"AFTER UPDATE OF key ON {t} BEGIN {remove} {add} END",
    }


def _part_of(key: str, parts: int) -> str:
    return f"{SQL_FUNCTION}({key}, {int(parts)})"


def mapped(conn: sqlite3.Connection, tbl: str) -> Mapped | None:
    """How far ``tbl``'s map reaches, or None if it has none."""
    row = conn.execute(
        "SELECT filled, done FROM partition_maps WHERE tbl = ?", (tbl,)
    ).fetchone()
    if row is not None:
        return DONE if row[1] else Mapped(done=False, filled=row[0])
    index = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
        (_index(tbl),),
    ).fetchone()
    return None if index is None else INDEXED


def create(conn: sqlite3.Connection, tbl: str, parts: int, now: int) -> bool:
    """Give ``tbl`` its (empty) map and triggers unless it has one (inside
    the caller's write transaction); whether it made one."""
    if mapped(conn, tbl) is not None:
        return False
    m = ident(map_table(tbl))
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {m} (part INTEGER NOT NULL,"
        " key BLOB NOT NULL, PRIMARY KEY (part, key)) WITHOUT ROWID"
    )
    for name, body in _triggers(tbl, parts).items():
        trigger = ident(f"{map_table(tbl)}_{name}")
        conn.execute(f"CREATE TRIGGER IF NOT EXISTS {trigger} {body}")
    conn.execute(
        "INSERT INTO partition_maps (tbl, parts, filled, done, next_at)"
        " VALUES (?, ?, NULL, 0, ?)",
        (tbl, int(parts), now),
    )
    conn.execute(f"DROP TABLE IF EXISTS {ident(_old_parts(tbl))}")
    return True


def fill(
    conn: sqlite3.Connection, tbl: str, chunk: int, now: int, pause_ms: int
) -> bool:
    """Map the next ``chunk`` keys of ``tbl`` if its next chunk is due at
    ``now`` (inside the caller's write transaction); whether the map is done."""
    row = conn.execute(
        "SELECT parts, filled, done, next_at FROM partition_maps WHERE tbl = ?",
        (tbl,),
    ).fetchone()
    if row is None or row[2]:
        return True
    parts, filled, _, next_at = row
    if not _due(next_at, now, pause_ms):
        return False
    t, m = ident(tbl), ident(map_table(tbl))
    floor = b"" if filled is None else filled  # no key is below b""
    last = conn.execute(  # the chunk is floor (mapped already) and the next keys
        f"SELECT key FROM {t} WHERE key >= ? ORDER BY key LIMIT 1 OFFSET ?",
        (floor, max(chunk, 2) - 1),
    ).fetchone()
    insert = (
        f"INSERT OR IGNORE INTO {m} (part, key)"
        f" SELECT {partition_expr(parts)}, key FROM {t} WHERE key >= ?"
    )
    if last is None:  # the rest of the table is this chunk
        conn.execute(insert, (floor,))
        conn.execute(
            "UPDATE partition_maps SET filled = NULL, done = 1 WHERE tbl = ?", (tbl,)
        )
        return True
    conn.execute(insert + " AND key <= ?", (floor, last[0]))
    conn.execute(
        "UPDATE partition_maps SET filled = ?, next_at = ? WHERE tbl = ?",
        (last[0], now + pause_ms, tbl),
    )
    return False


def _due(next_at: int, now: int, pause_ms: int) -> bool:
    """Whether a chunk due at ``next_at`` is due at ``now``: also when
    ``next_at`` is more than a pause ahead (set by a clock ahead of this one)."""
    return now >= next_at or next_at - now > pause_ms


def unfinished(
    conn: sqlite3.Connection, now: int, pause_ms: int
) -> tuple[str | None, bool]:
    """A table whose map is not done and whose next chunk is due at ``now``
    (None if none is due), and whether any map is not done."""
    rows = conn.execute(
        "SELECT tbl, next_at FROM partition_maps WHERE done = 0"
    ).fetchall()
    due = [tbl for tbl, next_at in rows if _due(next_at, now, pause_ms)]
    return (due[0] if due else None), bool(rows)


def drop(conn: sqlite3.Connection, tbl: str) -> None:
    """Forget ``tbl``'s map (its table is dropped; inside the caller's write
    transaction): the triggers went with the table."""
    conn.execute(f"DROP TABLE IF EXISTS {ident(map_table(tbl))}")
    conn.execute("DELETE FROM partition_maps WHERE tbl = ?", (tbl,))
    conn.execute(f"DROP TABLE IF EXISTS {ident(_old_parts(tbl))}")

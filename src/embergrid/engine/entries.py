"""The one path every key-value access takes: read, write, delete (and bulk forms).

Owns ``EntrySql`` (the statements for one cache table) and ``Entries``, the
primitive operations that the op semantics in ``kv.py`` are layered on and that
a transaction layer will later wrap (buffer writes, take key locks):

* ``read(h, key, now)``         -> ``(value, expire_at)`` of a visible entry, or None
* ``read_many(h, keys, now)``   -> {key: (value, expire_at)} of the visible ones
* ``write(h, key, value, exp)`` insert or overwrite; ``exp`` None = eternal
* ``write_many(h, rows, columns)`` the same for many ``(key, value, exp)`` rows;
  ``columns`` (``Columns``) sets more columns of the entry table with them
* ``write_many_keeping(h, items, now, create_at, columns)`` many ``(key,
  value)`` puts that keep the expiry of a visible entry and give a new one
  ``create_at`` (a put whose policy leaves the expiry of an update unchanged),
  with no read of the old rows in Python
* ``delete(h, key, now)``       -> whether a visible entry was removed
* ``delete_many(h, keys, now)``  the same for many keys (one statement, run for each)
* ``touch(h, key, value, exp)``  a new expiry time alone
* ``remove_all(h, now)``         delete the visible entries (heard by listeners)
* ``clear(h)`` (heard by none), ``count(h, now)``, ``page(h, after, limit, now)``,
  ``purge(h, now)``
* ``page_keys(h, after, limit, now)`` the keys alone of such a page
* ``partition_page(h, part, after, limit, now, mapped)``: a page of one
  partition, among the keys its map covers (below); ``mapped(h)``,
  ``map_partitions(h, now, chunk, pause_ms)``

A partition is a range of the cache's partition map (``partition_map.py``: a
table of (partition, key) that triggers keep with every write of the entry
table, whoever writes it), so a page of one partition reads its own entries
and no others. The cache's first partition scan makes the map
(``map_partitions``); caches nobody scans by partition have none and pay
nothing for it.

An entry is visible iff ``expire_at IS NULL OR expire_at > now``. Expired rows
stay until ``purge`` (``Engine.expire_due``) removes them; every primitive
treats them as absent. Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from embergrid.engine import partition_map
from embergrid.engine.changes import EXPIRED, REMOVED, SILENT, delete_mode
from embergrid.engine.partition_map import Mapped, map_table, partition_expr
from embergrid.engine.sqltext import ident
from embergrid.engine.store import Store

__all__ = ["Columns", "Entries", "EntrySql", "HasSql", "Row"]


Row = tuple[bytes, int | None]  # (value, expire_at)


@dataclass(frozen=True, slots=True)
class Columns:
    """More columns of the entry table that a ``write_many`` sets beside key,
    value and expiry (SQL's typed columns, which the table's trigger otherwise
    fills from the blobs): ``values[(key, value)]`` are theirs for that pair; a
    pair without any gets NULLs, which leaves them to the trigger."""

    names: tuple[str, ...]
    values: dict[tuple[bytes, bytes], tuple[object, ...]]

    def row(self, key: bytes, value: bytes, *given: int | None) -> tuple[object, ...]:
        """The parameters of one write: key, value, the statement's ``given``
        ones (the expiry; or now and the expiry of a new entry), the columns."""
        extra = self.values.get((key, value))
        if extra is None:
            extra = (None,) * len(self.names)
        return (key, value, *given, *extra)


_CHUNK = 256  # keys per IN (...) list: well under SQLite's parameter limit
# What a DELETE means to the change log's triggers (engine/changes.py).
_SILENT, _EXPIRING, _REMOVING = (delete_mode(m) for m in (SILENT, EXPIRED, REMOVED))


@dataclass(frozen=True, slots=True)
class EntrySql:
    """Statement texts for one entry table (sqlite3 caches their prepared form)."""

    table: str
    parts: int  # the cache's partition count
    read: str
    read_in: str  # its one "?" stands for a list of placeholders
    write: str
    write_keeping: str
    delete: str
    delete_visible: str
    clear: str
    touch: str
    any_expired: str
    count: str
    page_first: str
    page_after: str
    keys_first: str
    keys_after: str
    purge: str
    part_first: str
    part_after: str
    index_first: str
    index_after: str

    @classmethod
    def for_table(cls, tbl: str, parts: int) -> EntrySql:
        """The statements of entry table ``tbl`` of a cache of ``parts``
        partitions."""
        t, m = ident(tbl), ident(map_table(tbl))
        live = "(expire_at IS NULL OR expire_at > ?)"
        part = f"{partition_expr(parts)} = ?"  # an earlier version's index
        # a partition's keys through the map: up to ?3, the map's last filled
        # key (NULL: the map is done)
        mapped = (
            f"SELECT e.key, e.value FROM {m} p JOIN {t} e ON e.key = p.key"
            " WHERE p.part = ?1 AND (?3 IS NULL OR p.key <= ?3)"
            " AND (e.expire_at IS NULL OR e.expire_at > ?4)"
        )
        return cls(
            table=tbl,
            parts=parts,
            read=f"SELECT value, expire_at FROM {t} WHERE key = ?",
            read_in=f"SELECT key, value, expire_at FROM {t} WHERE key IN (?)",
            write=f"INSERT OR REPLACE INTO {t} (key, value, expire_at)"
            " VALUES (?, ?, ?)",
            write_keeping=f"INSERT OR REPLACE INTO {t} (key, value, expire_at)"
            # -1 stands for a visible eternal entry (a visible expire_at is > now)
            f" VALUES (?1, ?2, nullif(coalesce((SELECT ifnull(expire_at, -1)"
            f" FROM {t} WHERE key = ?1 AND (expire_at IS NULL OR expire_at > ?3)),"
            " ?4), -1))",
            delete=f"DELETE FROM {t} WHERE key = ? AND {live}",
            delete_visible=f"DELETE FROM {t} WHERE {live}",
            clear=f"DELETE FROM {t}",
            touch=f"UPDATE {t} SET expire_at = ? WHERE key = ?",
            any_expired=f"SELECT 1 FROM {t} WHERE expire_at IS NOT NULL"
            " AND expire_at <= ? LIMIT 1",
            count=f"SELECT (SELECT count(*) FROM {t}) - (SELECT count(*) FROM {t}"
            " WHERE expire_at IS NOT NULL AND expire_at <= ?)",
            page_first=f"SELECT key, value FROM {t} WHERE {live} ORDER BY key LIMIT ?",
            page_after=f"SELECT key, value FROM {t} WHERE key > ? AND {live}"
            " ORDER BY key LIMIT ?",
            keys_first=f"SELECT key FROM {t} WHERE {live} ORDER BY key LIMIT ?",
            keys_after=f"SELECT key FROM {t} WHERE key > ? AND {live}"
            " ORDER BY key LIMIT ?",
            purge=f"DELETE FROM {t} WHERE expire_at IS NOT NULL AND expire_at <= ?",
            part_first=f"{mapped} ORDER BY p.key LIMIT ?5",
            part_after=f"{mapped} AND p.key > ?2 ORDER BY p.key LIMIT ?5",
            index_first=f"SELECT key, value FROM {t} WHERE {part} AND {live}"
            " ORDER BY key LIMIT ?",
            index_after=f"SELECT key, value FROM {t} WHERE {part} AND key > ?"
            f" AND {live} ORDER BY key LIMIT ?",
        )

    def write_keeping_with(self, names: tuple[str, ...]) -> str:
        """``write_keeping`` setting the columns ``names`` too (``Columns``),
        from parameter 5 on."""
        cols = "".join(", " + ident(n) for n in names)
        marks = "".join(f", ?{i}" for i in range(5, 5 + len(names)))
        head, _, values = self.write_keeping.partition(" VALUES (")
        return f"{head[:-1]}{cols}) VALUES ({values[:-1]}{marks})"

    def write_with(self, names: tuple[str, ...]) -> str:
        """``write`` setting the columns ``names`` too (``Columns``)."""
        cols = "".join(", " + ident(n) for n in names)
        marks = ", ?" * len(names)
        return (
            f"INSERT OR REPLACE INTO {ident(self.table)} (key, value, expire_at{cols})"
            f" VALUES (?, ?, ?{marks})"
        )


class HasSql(Protocol):
    @property
    def sql(self) -> EntrySql: ...


class Entries:
    """Primitive entry access on the store's connection."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._execute = store.conn.execute
        self._executemany = store.conn.executemany

    def read(self, h: HasSql, key: bytes, now: int) -> Row | None:
        row: Row | None = self._execute(h.sql.read, (key,)).fetchone()
        if row is None or (row[1] is not None and row[1] <= now):
            return None
        return row

    def read_many(self, h: HasSql, keys: Sequence[bytes], now: int) -> dict[bytes, Row]:
        """The visible entries among ``keys``, a few hundred per statement."""
        found: dict[bytes, Row] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            sql = h.sql.read_in.replace("?", ",".join("?" * len(chunk)), 1)
            for key, value, exp in self._execute(sql, chunk):
                if exp is None or exp > now:
                    found[key] = (value, exp)
        return found

    # Reads that are no reads of a transaction's (see tx.TxEntries.peek).
    peek = read
    peek_many = read_many

    def expect(
        self, h: HasSql, key: bytes, holds: Callable[[Row | None], bool]
    ) -> None:
        """A conditional write's condition (see tx.TxEntries.expect): it held,
        and it was written at once, so there is nothing left to check."""

    def write(self, h: HasSql, key: bytes, value: bytes, expire_at: int | None) -> None:
        self._execute(h.sql.write, (key, value, expire_at))

    def write_many(
        self,
        h: HasSql,
        rows: Iterable[tuple[bytes, bytes, int | None]],
        columns: Columns | None = None,
    ) -> None:
        if columns is None:
            self._executemany(h.sql.write, rows)
            return
        sql = h.sql.write_with(columns.names)
        self._executemany(sql, (columns.row(*r) for r in rows))

    def write_many_keeping(
        self,
        h: HasSql,
        items: Iterable[tuple[bytes, bytes]],
        now: int,
        create_at: int | None,
        columns: Columns | None = None,
    ) -> None:
        """Write each ``(key, value)``, in order; a visible entry's expiry stays,
        an absent or expired one gets ``create_at`` (the old row is read by the
        statement itself); ``columns`` as in ``write_many``."""
        if columns is None:
            rows = [(k, v, now, create_at) for k, v in items]
            self._executemany(h.sql.write_keeping, rows)
            return
        sql = h.sql.write_keeping_with(columns.names)
        self._executemany(sql, (columns.row(k, v, now, create_at) for k, v in items))

    def delete(self, h: HasSql, key: bytes, now: int) -> bool:
        return self._execute(h.sql.delete, (key, now)).rowcount > 0

    def delete_many(self, h: HasSql, keys: Iterable[bytes], now: int) -> None:
        self._executemany(h.sql.delete, [(k, now) for k in keys])

    def touch(self, h: HasSql, key: bytes, value: bytes, expire_at: int | None) -> None:
        """A new expiry time for an entry just read (an access policy's): no
        change of its value, so no continuous query hears of it."""
        self._execute(h.sql.touch, (expire_at, key))

    def remove_all(self, h: HasSql, now: int) -> None:
        """Delete every visible entry (continuous queries hear each one)."""
        self._execute(h.sql.delete_visible, (now,))

    def clear(self, h: HasSql) -> None:
        """Delete every entry, telling no continuous query (as Ignite's clear)."""
        with self._store.atomic():
            self._execute(_SILENT)
            self._execute(h.sql.clear)
            self._execute(_REMOVING)

    def clear_keys(self, h: HasSql, keys: Iterable[bytes], now: int) -> None:
        """Delete these entries, telling no continuous query (as Ignite's
        ``clear(key)`` and ``clearAll(keys)``)."""
        with self._store.atomic():
            self._execute(_SILENT)
            self._executemany(h.sql.delete, [(k, now) for k in keys])
            self._execute(_REMOVING)

    def count(self, h: HasSql, now: int) -> int:
        return int(self._execute(h.sql.count, (now,)).fetchone()[0])

    def page(
        self, h: HasSql, after: bytes | None, limit: int, now: int
    ) -> list[tuple[bytes, bytes]]:
        """Up to ``limit`` visible entries with keys above ``after``, in key order."""
        if after is None:
            return self._execute(h.sql.page_first, (now, limit)).fetchall()
        return self._execute(h.sql.page_after, (after, now, limit)).fetchall()

    def page_keys(
        self, h: HasSql, after: bytes | None, limit: int, now: int
    ) -> list[bytes]:
        """Up to ``limit`` keys of visible entries above ``after``, in key order
        (values are not read: a large one is never loaded)."""
        if after is None:
            rows = self._execute(h.sql.keys_first, (now, limit)).fetchall()
        else:
            rows = self._execute(h.sql.keys_after, (after, now, limit)).fetchall()
        return [key for (key,) in rows]

    # -- partition scans (see the module docstring) ---------------------------------

    def mapped(self, h: HasSql) -> Mapped | None:
        """How far the cache's partition map reaches (None: it has none)."""
        return partition_map.mapped(self._store.conn, h.sql.table)

    def map_partitions(self, h: HasSql, now: int, chunk: int, pause_ms: int) -> None:
        """Give the cache its partition map if it has none, and fill its first
        ``chunk`` keys: one write transaction."""
        with self._store.atomic() as conn:
            if partition_map.create(conn, h.sql.table, h.sql.parts, now):
                partition_map.fill(conn, h.sql.table, chunk, now, pause_ms)

    def partition_page(
        self,
        h: HasSql,
        part: int,
        after: bytes | None,
        limit: int,
        now: int,
        mapped: Mapped,
    ) -> list[tuple[bytes, bytes]]:
        """Up to ``limit`` visible entries of partition ``part`` with keys above
        ``after``, in key order, among the keys ``mapped`` covers."""
        sql = h.sql
        if mapped.indexed:
            if after is None:
                return self._execute(sql.index_first, (part, now, limit)).fetchall()
            return self._execute(sql.index_after, (part, after, now, limit)).fetchall()
        upto = None if mapped.done else mapped.filled
        if after is None:
            return self._execute(
                sql.part_first, (part, None, upto, now, limit)
            ).fetchall()
        return self._execute(sql.part_after, (part, after, upto, now, limit)).fetchall()

    def purge(self, h: HasSql, now: int) -> int:
        """Delete the expired entries (continuous queries hear EXPIRED)."""
        if self._execute(h.sql.any_expired, (now,)).fetchone() is None:
            return 0
        with self._store.atomic():
            self._execute(_EXPIRING)
            n: int = self._execute(h.sql.purge, (now,)).rowcount
            self._execute(_REMOVING)
        return n

"""SQLite connection management and the schema every node shares.

Owns the connection (``:memory:`` by default, ``data_dir/embergrid.sqlite3`` in
WAL mode otherwise, or a private file of this process: ``Store.private()``), the
fixed tables, the per-cache entry tables and the ``atomic()`` block. Must not
import asyncio or ``embergrid.protocol.messages``.

Theory of operation
-------------------
Fixed tables::

    meta(key TEXT PRIMARY KEY, value)              cluster state, table counter
    caches(cache_id INTEGER PRIMARY KEY, name UNIQUE, config TEXT JSON, tbl TEXT)
    binary_types(type_id INTEGER PRIMARY KEY, meta TEXT JSON)
    type_names(platform, type_id, name)            marshaller mappings (ops 3000/3001)

Entries live in **one table per cache**, named ``e_<n>`` with a fresh ``n`` per
creation (recorded in ``caches.tbl``)::

    e_<n>(key BLOB PRIMARY KEY, value BLOB NOT NULL, expire_at INTEGER) WITHOUT ROWID
    index e_<n>_exp ON (expire_at) WHERE expire_at IS NOT NULL
    e_<n>_pmap and its triggers, once scanned by partition (partition_map.py)

Why a table per cache rather than one ``entries(cache_id, key, ...)`` table:

* a get is one B-tree descent on the key alone (``WITHOUT ROWID`` stores the row
  in the primary-key tree, so there is no second rowid lookup);
* a scan pages by ``key > ? ORDER BY key LIMIT ?`` inside its own tree;
  ``count(*)``, clear and destroy (``DROP TABLE``) touch only that cache;
* SQL-enabled caches will later add typed columns with ``ALTER TABLE ... ADD``
  without widening every other cache's rows;
* a fresh table name per creation means a handle cached by one process can never
  point at another incarnation of the same cache: once the cache is destroyed
  elsewhere its table is gone and the next statement fails with "no such table",
  which the caller turns into "refresh, then 1000 if really gone".

The expiry index is partial, so eternal entries (the common case) never touch it.
A cache scanned by partition gets a partition map beside its table
(``engine/partition_map.py``, whose table of progress is a fixed one too); the
table goes with its map (``drop_entry_table``). Every connection has
``recursive_triggers`` off, which the map's triggers rely on (SQLite's
default, said once more in case a build changed it).

Several processes share one file in WAL mode. ``atomic()`` opens ``BEGIN
IMMEDIATE`` (the write lock up front, so two read-then-write transactions can
never deadlock on lock upgrade); SQLite's ``busy_timeout`` waits for a writer in
another process. That wait is the only blocking in the engine; the server gives
the connection its event loop uses a wait of a few milliseconds
(``set_busy_timeout``), past which the statement fails (``is_busy``) and the
server runs the op again later instead of holding the loop.
``synchronous=NORMAL`` keeps every commit durable against a killed process (not
against power loss).

Other connections' commits are detected by ``data_version()``: ``PRAGMA
data_version`` on a data dir (other processes), read once per request
(``next_request``: a request sees one state of the others' changes); an
in-memory store has no other connection and skips it. A private store's other
connections are usually all in this process, so it counts their row changes
(``total_changes``) instead of asking SQLite: no statement, no file lock (once
other processes open it too, ``open_to_processes``, it asks SQLite); that count
is also taken once per request.

A private store (``Store.private()``, what a node without a data dir runs on) is a
file in a directory of its own under ``/dev/shm`` (the system's temporary
directory where there is none): memory-backed like ``:memory:``, but other
connections of the same process can open it (``sibling()``), so long reads run
on other threads while the owner's connection goes on serving. It is not
durable (``synchronous = OFF``), is not ``persistent``, and its directory is
removed when the owner closes it; a directory left by a killed process is
removed by the next private store made on the machine.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from embergrid.engine import partition_map, partitions
from embergrid.engine.sqltext import ident

__all__ = [
    "DB_FILE_NAME",
    "Store",
    "is_busy",
    "is_missing_table",
    "pid_alive",
]

DB_FILE_NAME = "embergrid.sqlite3"
BUSY_TIMEOUT_MS = 10_000
_PRIVATE_PREFIX = "embergrid-private-"  # + "<pid>-<random>"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS caches (cache_id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE, config TEXT NOT NULL, tbl TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS binary_types (type_id INTEGER PRIMARY KEY,"
    " meta TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS type_names (platform INTEGER NOT NULL,"
    " type_id INTEGER NOT NULL, name TEXT NOT NULL,"
    " PRIMARY KEY (platform, type_id)) WITHOUT ROWID",
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('next_table', 1)",
    *partition_map.SCHEMA,
)


class Store:
    """One SQLite connection plus the schema; every engine part shares it."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        *,
        _private: bool = False,
        _owner: bool = True,
    ) -> None:
        # shared: other connections may write the file (check data_version, take
        # the write lock up front); persistent: it outlives the process.
        self.shared = data_dir is not None
        self.persistent = self.shared and not _private
        self._busy_timeout_ms = busy_timeout_ms
        self._dir = None if data_dir is None else Path(data_dir)
        self._private = _private
        self._removes_dir = _private and _owner
        # data_version of a data dir, read once per request (see next_request)
        self._version_memo: int | None = None
        self._memo_on = False
        if self._dir is None:
            target = ":memory:"
        else:
            self._dir.mkdir(parents=True, exist_ok=True)
            target = str(self._dir / DB_FILE_NAME)
        self.path = target
        # Autocommit (isolation_level=None): single-statement ops commit at once,
        # multi-statement ops use atomic(). One thread at a time (the event loop),
        # but not necessarily the thread that built the engine.
        self.conn = sqlite3.connect(
            target,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=2048,
        )
        partitions.register(self.conn)  # before any write of an entry table
        self.conn.execute("PRAGMA recursive_triggers = OFF")  # partition_map.py
        if self.shared:
            self.set_busy_timeout(busy_timeout_ms)
            self.conn.execute("PRAGMA journal_mode = WAL")
            sync = "OFF" if _private else "NORMAL"
            self.conn.execute(f"PRAGMA synchronous = {sync}")
        # A private store's connections, for its data_version (one registry per
        # file: the owner makes it, siblings join it).
        self._family: _Family | None = None
        if _private and _owner:
            self._family = _Family()
            self._family.join(self.conn)
        with self.atomic():
            self._create_schema()

    def set_busy_timeout(self, ms: int) -> None:
        """How long a statement waits for another connection's write lock
        before it fails (``is_busy``); a private store never waits."""
        self._busy_timeout_ms = ms
        if self.shared:
            self.conn.execute(f"PRAGMA busy_timeout = {int(ms)}")

    @contextmanager
    def patient(self) -> Iterator[None]:
        """Statements inside wait up to ``BUSY_TIMEOUT_MS`` for the write lock:
        for a write that must follow one already made (another node's write
        transactions are short, so the wait is too)."""
        before = self._busy_timeout_ms
        self.set_busy_timeout(max(before, BUSY_TIMEOUT_MS))
        try:
            yield
        finally:
            self.set_busy_timeout(before)

    def _create_schema(self) -> None:
        for stmt in _SCHEMA:
            self.conn.execute(stmt)

    def reset(self, keep: tuple[str, ...] = ()) -> None:
        """Drop every table but ``keep`` and start the fixed schema afresh
        (inside the caller's atomic block): a new in-memory cluster. The other
        parts of the engine create their tables when they are built."""
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for (name,) in rows:
            if name not in keep:
                self.conn.execute(f"DROP TABLE IF EXISTS {ident(name)}")
        self._create_schema()

    @classmethod
    def private(cls) -> Store:
        """A store of this process alone, that other threads can open too."""
        return cls(_private_directory(), _private=True)

    @classmethod
    def private_at(cls, directory: str | os.PathLike[str]) -> Store:
        """Another connection to the private store in ``directory`` (made by
        ``private()`` in another process of the same node); it never removes it."""
        return cls(directory, _private=True, _owner=False)

    def sibling(self) -> Store | None:
        """Another connection to this store's file (for another thread), or None
        for ``:memory:``. A sibling never removes a private store's directory."""
        if self._dir is None:
            return None
        other = Store(self._dir, _private=self._private, _owner=False)
        if self._family is not None:
            other._family = self._family
            self._family.join(other.conn)
        return other

    def atomic(self) -> _Atomic:
        """A write transaction; nested blocks join the outer one."""
        return _Atomic(self.conn)

    def data_version(self) -> int:
        """Changes whenever another connection commits (or, for a private
        store, changes rows); constant in memory."""
        if not self.shared:
            return 0
        if self._version_memo is not None:
            return self._version_memo
        family = self._family
        if family is not None and not family.open_wide:
            version = family.changes_besides(self.conn)
        else:
            version = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        if self._memo_on:
            self._version_memo = version
        return version

    @property
    def only_this_process(self) -> bool:
        """Whether no other process can write the file: ``:memory:``, or a
        private store not opened to other processes."""
        family = self._family
        return not self.shared or (family is not None and not family.open_wide)

    def open_to_processes(self) -> None:
        """Other processes open this private store too (``private_at``, the
        workers of ``embergrid serve --workers``): from now on its connections
        ask SQLite for their data version, as on a data dir."""
        if self._family is not None:
            self._family.open_wide = True

    def next_request(self) -> None:
        """A new request starts: its first ``data_version()`` asks SQLite again,
        the others in the same request reuse that answer (a connection that never
        calls this asks every time)."""
        self._memo_on = True
        self._version_memo = None

    def meta_get(self, key: str) -> object:
        row = self.conn.execute(
            "SELECT value FROM meta WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else row[0]

    def meta_set(self, key: str, value: object) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def create_entry_table(self) -> str:
        """Create a fresh entry table (inside the caller's atomic block)."""
        n = self.meta_get("next_table")
        assert isinstance(n, int)
        self.meta_set("next_table", n + 1)
        tbl = f"e_{n}"
        self.conn.execute(
            f"CREATE TABLE {ident(tbl)} (key BLOB PRIMARY KEY NOT NULL,"
            " value BLOB NOT NULL, expire_at INTEGER) WITHOUT ROWID"
        )
        self.conn.execute(
            f"CREATE INDEX {ident(tbl + '_exp')} ON {ident(tbl)} (expire_at)"
            " WHERE expire_at IS NOT NULL"
        )
        return tbl

    def drop_entry_table(self, tbl: str) -> None:
        """Drop entry table ``tbl`` and its partition map, if any (inside the
        caller's atomic block)."""
        self.conn.execute(f"DROP TABLE IF EXISTS {ident(tbl)}")
        partition_map.drop(self.conn, tbl)

    def close(self) -> None:
        if self._family is not None:
            self._family.leave(self.conn)
        self.conn.close()
        if self._removes_dir and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


class _Atomic:
    """``Store.atomic()``'s block: ``BEGIN IMMEDIATE``, then ``COMMIT`` or, on
    an exception, ``ROLLBACK``; inside another block, nothing (it joins that
    one). A class rather than a generator: every write op opens one, and a
    generator's context manager costs it a few microseconds more."""

    __slots__ = ("_conn", "_joined")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._joined = False

    def __enter__(self) -> sqlite3.Connection:
        conn = self._conn
        self._joined = conn.in_transaction
        if not self._joined:
            conn.execute("BEGIN IMMEDIATE")
        return conn

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._joined:
            self._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


class _Family:
    """The open connections of one private store file, all in this process, and
    the row changes of those already closed: their sum only grows, so it serves
    as the file's data version without a statement."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._members: tuple[sqlite3.Connection, ...] = ()
        self._retired = 0
        self.open_wide = False  # other processes open the file too

    def join(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            self._members += (conn,)

    def leave(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if conn in self._members:
                self._members = tuple(c for c in self._members if c is not conn)
                self._retired += conn.total_changes

    def changes_besides(self, mine: sqlite3.Connection) -> int:
        """Rows changed by every connection of the file but ``mine``."""
        with self._lock:
            return self._retired + sum(
                c.total_changes for c in self._members if c is not mine
            )


def _private_directory() -> Path:
    """A fresh directory for a private store, in memory where the system has
    ``/dev/shm``; directories of private stores whose process is gone go first."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    parent = Path(base or tempfile.gettempdir())
    for stale in parent.glob(_PRIVATE_PREFIX + "*"):
        pid = stale.name[len(_PRIVATE_PREFIX) :].partition("-")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{_PRIVATE_PREFIX}{os.getpid()}-", dir=parent))


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine (maybe another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_busy(exc: BaseException) -> bool:
    """True when a statement failed because another connection held the
    store's write lock past this connection's busy timeout."""
    return isinstance(exc, sqlite3.OperationalError) and (
        "database is locked" in str(exc) or "database is busy" in str(exc)
    )


def is_missing_table(exc: sqlite3.OperationalError) -> bool:
    """True when a statement failed because its cache table was dropped elsewhere."""
    return "no such table" in str(exc)

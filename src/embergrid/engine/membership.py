"""Cluster membership and the affinity topology version, kept in the shared store.

Owns ``Member`` (one node as the cluster knows it), ``TopologyVersion`` and
``Membership``: joining, renewing a lease, leaving, reaping nodes whose lease
ran out, the list of live nodes and the version every node reports. Nodes on
one ``data_dir`` find each other through the ``members`` table; nothing else
(no multicast, no extra port). Must not import asyncio or
``embergrid.protocol.messages``.

Theory of operation
-------------------
Tables::

    members(node_id TEXT PRIMARY KEY, consistent_id UNIQUE, host, port,
            joined INTEGER, beat_ms INTEGER, lease_ms INTEGER)
    member_history(node_id TEXT PRIMARY KEY, consistent_id, host, port,
                   joined INTEGER, left_at INTEGER NULL)
    member_process(node_id TEXT PRIMARY KEY, boot TEXT, pid INTEGER,
                   started INTEGER)
    meta: 'topology_major', 'topology_minor'

A node **joins** by inserting its row (``joined`` = the major version its join
makes, Ignite's node order) and **leaves** by deleting it; each of both bumps
the major version, as Ignite's discovery does. ``member_history`` keeps every
node of the last ``HISTORY`` major versions with the versions it joined and
left at, so ``topology(v)`` lists the nodes of an earlier version (op 5102
asks which nodes joined and left between two versions). The minor version restarts at 0,
except after a join into a live cluster: there it is 1, where a real cluster
lands once its late affinity assignment moved to the new node (observed on
Ignite 2.18: three nodes (3, 1); a leave (4, 0); a join again (5, 1)), and
after a leave that left a PARTITIONED cache short of backup copies another
live node must take over (Ignite rebalances them, then moves its affinity: a
leave from three nodes with a 1-backup cache ends at (4, 1)). A live
node renews its lease (``beat``) well within ``lease_ms``; every beat also
**reaps** the rows whose ``beat_ms + lease_ms`` lies in the past, one leave each,
so a node killed with ``kill -9`` leaves at the next beat of any survivor after
its lease ends. All nodes of a data dir run on one machine, so a member also
records its process (``ProcessRef``: boot id, pid, start time) and the reaper
can ask whether that process still runs (``running``, the server's answer from
the OS): a member whose process runs is never reaped, even past its lease (it
could not renew it because another node held the store's write lock, e.g. a
frozen one), so only dead and stopped processes leave. Creating or destroying
a cache bumps the minor version (``bump_minor``). Every change runs in one
``BEGIN IMMEDIATE`` transaction, so every node reads the same (version,
members) pair: the store is the only truth.

A join that finds no live member starts a new cluster: the version restarts at
(1, 0), and, unless the cluster is persistent, everything else the store held
is dropped first (Ignite's in-memory cluster lives as long as one of its nodes;
``Store.reset``); the first node records whether the cluster is persistent,
and a node that differs is refused (``PersistenceMismatch``): a node without
persistence never wipes a persistent cluster's data. Two live nodes never
share a consistent id: such a join fails with ``IdTaken`` naming when the
holder's lease ends.

Time comes from the caller (``now`` in engine clock ms): the engine answers
"who is alive at time t" and never waits; the server runs the timer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from embergrid.engine._codec import decode_config
from embergrid.engine.store import Store
from embergrid.protocol.config import PARTITIONED

__all__ = [
    "Evicted",
    "IdTaken",
    "Member",
    "Membership",
    "PersistenceMismatch",
    "ProcessRef",
    "TopologyVersion",
]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS members (node_id TEXT PRIMARY KEY,"
    " consistent_id TEXT NOT NULL UNIQUE, host TEXT NOT NULL, port INTEGER NOT NULL,"
    " joined INTEGER NOT NULL, beat_ms INTEGER NOT NULL, lease_ms INTEGER NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS member_history (node_id TEXT PRIMARY KEY,"
    " consistent_id TEXT NOT NULL, host TEXT NOT NULL, port INTEGER NOT NULL,"
    " joined INTEGER NOT NULL, left_at INTEGER) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS member_process (node_id TEXT PRIMARY KEY,"
    " boot TEXT NOT NULL, pid INTEGER NOT NULL, started INTEGER NOT NULL)"
    " WITHOUT ROWID",
)
TABLES = ("members", "member_history", "member_process", "baseline")
"""What a new in-memory cluster keeps: the tables of membership, and the
baseline's (engine/baseline.py: made before the join, empty in a cluster that
ran in memory)."""
_MAJOR, _MINOR = "topology_major", "topology_minor"
_PERSISTENT = "persistent"
_COLUMNS = "node_id, consistent_id, host, port, joined, beat_ms, lease_ms"
HISTORY = 1000
"""Topology versions a node can still list (Ignite's default topology history)."""


class ProcessRef(NamedTuple):
    """The process a node runs in, as the OS of the machine names it: the
    boot it runs in (a pid means nothing after a reboot), its pid and its
    start time (clock ticks after boot; a reused pid has another)."""

    boot: str
    pid: int
    started: int


class TopologyVersion(NamedTuple):
    """Ignite's affinity topology version: (major, minor), ordered."""

    major: int
    minor: int


@dataclass(frozen=True, slots=True)
class Member:
    """One node of the cluster: its UUID (new at every start), its consistent
    id (stable across restarts; the affinity function hashes it), the address
    clients reach it at (port 0 until it listens), its join order and the
    process it runs in (None where the OS does not say)."""

    node_id: uuid.UUID
    consistent_id: str
    host: str = ""
    port: int = 0
    joined: int = 0
    process: ProcessRef | None = None


MovesAffinity = Callable[[Member | None], bool | None]
"""Whether a join (of this member) or a leave (None) makes a live node take
over partitions, which Ignite follows with one more affinity change (the
minor version then lands at 1); None: decide over the live nodes."""


def _over_live_nodes(joining: Member | None) -> bool | None:
    return None


Running = Callable[[ProcessRef], bool]
"""Whether a member's process still runs (neither gone nor stopped)."""


def _unknown(process: ProcessRef) -> bool:
    """Nothing is known of processes: only the lease counts."""
    return False


class IdTaken(Exception):
    """A live node already holds this consistent id (``until_ms``: its lease end)."""

    def __init__(self, consistent_id: str, until_ms: int) -> None:
        super().__init__(
            f"consistent id {consistent_id!r} is held by a live node"
            f" (its lease ends at {until_ms} ms unless it renews it)"
        )
        self.consistent_id = consistent_id
        self.until_ms = until_ms


class PersistenceMismatch(Exception):
    """The store belongs to a cluster whose persistence differs from the
    joining node's (a node without persistence never wipes persisted data)."""

    def __init__(self, store_persistent: bool) -> None:
        if store_persistent:
            text = "the data dir holds a persistent cluster: start with persistence"
        else:
            text = "the live cluster on this data dir runs without persistence"
        super().__init__(text)
        self.store_persistent = store_persistent


class Evicted(Exception):
    """A node's own row is gone: its lease ran out before it renewed it."""


class Membership:
    """The members of the cluster sharing ``store`` and its topology version."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.moves: MovesAffinity = _over_live_nodes
        """Whether a join or a leave moves partitions (None: over the live
        nodes, the rule above); ``engine.open_membership`` sets the baseline's."""
        with store.atomic() as conn:
            for stmt in _SCHEMA:
                conn.execute(stmt)
        self._seen = store.data_version()
        self._version = self._read_version()

    # -- reading ------------------------------------------------------------

    def version(self) -> TopologyVersion:
        """The topology version every node reports (re-read when another
        connection committed since the last read)."""
        if self._store.shared:  # an in-memory store changes only through this object
            seen = self._store.data_version()
            if seen != self._seen:
                self._version = self._read_version()
                self._seen = seen
        return self._version

    def members(self) -> list[Member]:
        """The nodes of the current topology, in join order."""
        rows = self._store.conn.execute(
            f"SELECT {_COLUMNS} FROM members ORDER BY joined"
        ).fetchall()
        return [_member(r) for r in rows]

    def view(self) -> tuple[TopologyVersion, list[Member]]:
        """The version and the members, read in one snapshot."""
        conn = self._store.conn
        if conn.in_transaction:
            return self._read_version(), self.members()
        conn.execute("BEGIN")
        try:
            return self._read_version(), self.members()
        finally:
            conn.execute("COMMIT")

    def topology(self, major: int) -> tuple[TopologyVersion, list[Member] | None]:
        """The current version and the nodes of major version ``major`` in
        join order (None when it is not known: in the future, or older than
        the history keeps), read in one snapshot."""
        conn = self._store.conn
        if conn.in_transaction:
            return self._read_version(), self._topology(major)
        conn.execute("BEGIN")
        try:
            return self._read_version(), self._topology(major)
        finally:
            conn.execute("COMMIT")

    def _topology(self, major: int) -> list[Member] | None:
        current = self._read_version().major
        if not max(1, current - HISTORY + 1) <= major <= current:
            return None
        rows = self._store.conn.execute(
            "SELECT node_id, consistent_id, host, port, joined FROM member_history"
            " WHERE joined <= ? AND (left_at IS NULL OR left_at > ?) ORDER BY joined",
            (major, major),
        ).fetchall()
        return [Member(uuid.UUID(r[0]), r[1], r[2], r[3], r[4]) for r in rows]

    def _read_version(self) -> TopologyVersion:
        major = self._store.meta_get(_MAJOR)
        minor = self._store.meta_get(_MINOR)
        return TopologyVersion(
            major if isinstance(major, int) else 0,
            minor if isinstance(minor, int) else 0,
        )

    # -- changing -------------------------------------------------------------

    def join(
        self,
        member: Member,
        lease_ms: int,
        now: int,
        *,
        persistent: bool = True,
    ) -> bool:
        """Add ``member``; True when it started a new cluster (no live node
        before it; the store was reset unless ``persistent``). Raises
        ``IdTaken`` if a live node holds its consistent id,
        ``PersistenceMismatch`` if the cluster's persistence differs. (A
        running node the others reaped never joins again: it is segmented and
        stops, server/heartbeat.py.)"""
        store = self._store
        with store.atomic() as conn:
            self._reap(now)
            row = conn.execute(
                "SELECT beat_ms + lease_ms FROM members WHERE consistent_id = ?",
                (member.consistent_id,),
            ).fetchone()
            if row is not None:
                raise IdTaken(member.consistent_id, int(row[0]))
            first = conn.execute("SELECT 1 FROM members LIMIT 1").fetchone() is None
            recorded = store.meta_get(_PERSISTENT)
            if (
                recorded is not None
                and bool(recorded) != persistent
                and (not first or recorded)
            ):
                raise PersistenceMismatch(bool(recorded))
            if first:
                if not persistent or recorded == 0:  # an in-memory cluster ended
                    store.reset(keep=TABLES)
                store.meta_set(_PERSISTENT, int(persistent))
                store.meta_set(_MAJOR, 0)
                store.meta_set(_MINOR, 0)
                conn.execute("DELETE FROM member_history")  # versions start again
            order = self._read_version().major + 1
            conn.execute(
                f"INSERT INTO members ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    str(member.node_id),
                    member.consistent_id,
                    member.host,
                    member.port,
                    order,
                    now,
                    lease_ms,
                ),
            )
            conn.execute(
                "INSERT OR REPLACE INTO member_history"
                " (node_id, consistent_id, host, port, joined, left_at)"
                " VALUES (?, ?, ?, ?, ?, NULL)",
                (
                    str(member.node_id),
                    member.consistent_id,
                    member.host,
                    member.port,
                    order,
                ),
            )
            if member.process is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO member_process"
                    " (node_id, boot, pid, started) VALUES (?, ?, ?, ?)",
                    (str(member.node_id), *member.process),
                )
            self._bump_major(0 if first else self._minor_after(member))
        return first

    def set_address(self, node_id: uuid.UUID, host: str, port: int) -> None:
        """Record where clients reach ``node_id`` (once it listens)."""
        with self._store.patient():
            for table in ("members", "member_history"):
                self._store.conn.execute(
                    f"UPDATE {table} SET host = ?, port = ? WHERE node_id = ?",
                    (host, port, str(node_id)),
                )

    def beat(
        self, node_id: uuid.UUID, now: int, running: Running = _unknown
    ) -> list[uuid.UUID]:
        """Renew ``node_id``'s lease and reap every expired node whose process
        does not run (``running``); the ids of the nodes reaped. Raises
        ``Evicted`` if ``node_id`` is no member (nothing changes then but the
        reaping)."""
        with self._store.atomic() as conn:
            reaped = self._reap(now, node_id, running)
            cur = conn.execute(
                "UPDATE members SET beat_ms = ? WHERE node_id = ?", (now, str(node_id))
            )
            renewed = cur.rowcount > 0
        if not renewed:
            raise Evicted(str(node_id))
        return reaped

    def leave(self, node_id: uuid.UUID) -> bool:
        """Remove ``node_id`` (a clean stop); False if it was no member. Waits
        for the store's write lock (another connection's writes are short: a
        stop must not fail for one in flight)."""
        with self._store.patient(), self._store.atomic():
            return self._remove(str(node_id))

    def bump_minor(self) -> TopologyVersion:
        """A cache was created or destroyed: the minor version grows (waiting
        for the store's write lock: the change it follows is already made)."""
        with self._store.patient(), self._store.atomic():
            major, minor = self._read_version()
            self._store.meta_set(_MINOR, minor + 1)
            self._version = TopologyVersion(major, minor + 1)
        return self._version

    def expired(self, now: int, spare: uuid.UUID | None = None) -> list[Member]:
        """The members whose lease ended before ``now`` but ``spare`` (read
        only: this works while another node holds the store's write lock)."""
        rows = self._store.conn.execute(
            f"SELECT {_COLUMNS}, boot, pid, started FROM members"
            " LEFT JOIN member_process USING (node_id)"
            " WHERE beat_ms + lease_ms < ? AND node_id IS NOT ? ORDER BY joined",
            (now, None if spare is None else str(spare)),
        ).fetchall()
        return [
            Member(
                uuid.UUID(r[0]),
                r[1],
                r[2],
                r[3],
                r[4],
                None if r[7] is None else ProcessRef(r[7], r[8], r[9]),
            )
            for r in rows
        ]

    def _reap(
        self, now: int, spare: uuid.UUID | None = None, running: Running = _unknown
    ) -> list[uuid.UUID]:
        """Delete expired rows but ``spare``'s (a node beating now is alive)
        and those whose process runs, inside the caller's transaction, one
        major bump each; their ids."""
        reaped = [
            m.node_id
            for m in self.expired(now, spare)
            if m.process is None or not running(m.process)
        ]
        for node_id in reaped:
            self._remove(str(node_id))
        return reaped

    def _remove(self, node_id: str) -> bool:
        """One leave inside the caller's transaction: the row goes, the major
        version grows, the history records the version the node left at."""
        conn = self._store.conn
        cur = conn.execute("DELETE FROM members WHERE node_id = ?", (node_id,))
        if cur.rowcount == 0:
            return False
        conn.execute("DELETE FROM member_process WHERE node_id = ?", (node_id,))
        self._bump_major(self._minor_after(None))
        major = self._version.major
        conn.execute(
            "UPDATE member_history SET left_at = ? WHERE node_id = ?", (major, node_id)
        )
        conn.execute(
            "DELETE FROM member_history WHERE left_at <= ?", (major - HISTORY,)
        )
        return True

    def _minor_after(self, joining: Member | None) -> int:
        """The minor version a join (of ``joining``) or a leave (None) lands
        at: 1 when a live node takes over partitions (``moves`` decides for a
        cluster with a baseline), else 0."""
        decided = self.moves(joining)
        if decided is None:  # over the live nodes: a join always moves some
            return 1 if joining is not None else self._minor_after_leave()
        return int(decided)

    def _minor_after_leave(self) -> int:
        """1 when a PARTITIONED cache has backups another live node must now
        take over (Ignite rebalances them and moves its affinity once more),
        else 0."""
        conn = self._store.conn
        (remaining,) = conn.execute("SELECT count(*) FROM members").fetchone()
        for (text,) in conn.execute("SELECT config FROM caches"):
            config = decode_config(text)
            if config.cache_mode == PARTITIONED and 1 <= config.backups < remaining:
                return 1
        return 0

    def _bump_major(self, minor: int = 0) -> None:
        major, _ = self._read_version()
        self._store.meta_set(_MAJOR, major + 1)
        self._store.meta_set(_MINOR, minor)
        self._version = TopologyVersion(major + 1, minor)


def _member(row: tuple[str, str, str, int, int, int, int]) -> Member:
    return Member(uuid.UUID(row[0]), row[1], row[2], row[3], row[4])

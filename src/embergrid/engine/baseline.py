"""The baseline topology of a persistent cluster, kept in the shared store.

Owns ``Baseline``: the consistent ids of the nodes that hold a persistent
cluster's data (Ignite's BaselineTopology). It is recorded when a persistent
cluster is first activated (the live nodes then) and kept afterwards: through
deactivation and activation again, leaves, joins and full restarts. Ignite 2.18
turns baseline auto-adjust off for persistent clusters, so a node that leaves
stays in the baseline (its partitions have no live owner of their own: affinity
skips it) and a node that joins later is no part of it (it owns nothing). A
cluster without persistence has no baseline here: Ignite computes the affinity
of in-memory caches over the live nodes. Affinity over the baseline is
``server/topology.py``'s. Must not import asyncio or
``embergrid.protocol.messages``.
"""

from __future__ import annotations

from embergrid.engine.membership import Member, Membership
from embergrid.engine.store import Store

__all__ = ["Baseline", "free_consistent_id"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS baseline (consistent_id TEXT PRIMARY KEY) WITHOUT ROWID"
)


class Baseline:
    """The baseline of the cluster sharing ``store`` (only when ``persistent``)."""

    def __init__(
        self, store: Store, membership: Membership, *, persistent: bool
    ) -> None:
        self._store = store
        self._membership = membership
        self.persistent = persistent
        if persistent:
            with store.atomic() as conn:
                conn.execute(_SCHEMA)

    def consistent_ids(self) -> tuple[str, ...] | None:
        """The baseline's consistent ids in Ignite's baseline order (the ids
        compared as strings), or None when there is none (a cluster without
        persistence, or one never activated)."""
        if not self.persistent:
            return None
        rows = self._store.conn.execute("SELECT consistent_id FROM baseline")
        ids = sorted((r[0] for r in rows), key=_java_order)
        return tuple(ids) or None

    def complete(self) -> bool:
        """Whether every baseline node is live (True without a baseline)."""
        live = {m.consistent_id for m in self._membership.members()}
        return set(self.consistent_ids() or ()) <= live

    def moves_affinity(self, joining: Member | None) -> bool | None:
        """Whether a join (``joining``) or a leave (None) of an active
        cluster moves partitions to a live node: over a baseline only a
        baseline node's join does (it takes its partitions back; a leave hands
        nothing on, a node outside the baseline owns nothing). None without a
        baseline (the live nodes decide). Observed on Ignite 2.18, persistent
        3-node cluster: a baseline node leaves (4, 0), a node outside it joins
        (5, 0) and leaves (6, 0), the baseline node is back (7, 1)."""
        ids = self.consistent_ids()
        if ids is None:
            return None
        return joining is not None and joining.consistent_id in ids

    def settle(self) -> None:
        """The cluster is being activated: record the live nodes as the
        baseline unless one is recorded already (inside the caller's
        transaction; nothing without persistence)."""
        if not self.persistent:
            return
        conn = self._store.conn
        if conn.execute("SELECT 1 FROM baseline LIMIT 1").fetchone() is not None:
            return
        conn.executemany(
            "INSERT INTO baseline (consistent_id) VALUES (?)",
            [(m.consistent_id,) for m in self._membership.members()],
        )


def free_consistent_id(store: Store, now: int) -> str | None:
    """The first baseline node (in baseline order) no live member holds at
    ``now``, or None: what a node of a persistent cluster started without a
    consistent id takes, as an Ignite node without one takes the first node
    folder of its persistence directory it can lock (so a restarted node is
    the baseline node it was)."""
    conn = store.conn
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    if not {"baseline", "members"} <= tables:
        return None
    held = {
        r[0]
        for r in conn.execute(
            "SELECT consistent_id FROM members WHERE beat_ms + lease_ms >= ?", (now,)
        )
    }
    rows = conn.execute("SELECT consistent_id FROM baseline")
    ids = sorted((r[0] for r in rows), key=_java_order)
    return next((c for c in ids if c not in held), None)


def _java_order(text: str) -> bytes:
    """Java's String.compareTo order: by UTF-16 code units."""
    return text.encode("utf-16-be", "surrogatepass")

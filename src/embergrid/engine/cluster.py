"""Cluster state (op 5000/5001) kept in the shared store.

Owns ``ClusterState`` and ``Cluster``: the state row in ``meta``, a per-process
copy re-validated with ``PRAGMA data_version`` (so every node sharing the
data_dir sees a change at its next op), and the gate every cache op passes:
INACTIVE refuses all cache ops, ACTIVE_READ_ONLY refuses writes.
Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from enum import IntEnum

from embergrid.engine import messages
from embergrid.engine.errors import ClusterInactive, EngineError
from embergrid.engine.store import Store
from embergrid.protocol.codes import StatusCode

__all__ = ["Cluster", "ClusterState"]

_KEY = "cluster_state"


class ClusterState(IntEnum):
    INACTIVE = 0
    ACTIVE = 1
    ACTIVE_READ_ONLY = 2


class Cluster:
    """The cluster state of every node sharing one store.

    ``start_inactive`` is the initial state of a brand-new store (Ignite starts a
    persistent cluster INACTIVE); an existing store keeps its recorded state.
    """

    def __init__(self, store: Store, *, start_inactive: bool = False) -> None:
        self._store = store
        initial = ClusterState.INACTIVE if start_inactive else ClusterState.ACTIVE
        store.conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
            (_KEY, int(initial)),
        )
        self._seen_version = -1
        self._state = initial
        self._refresh()

    def _refresh(self) -> None:
        value = self._store.meta_get(_KEY)
        assert isinstance(value, int)
        self._state = ClusterState(value)
        self._seen_version = self._store.data_version()

    def state(self) -> ClusterState:
        """The current state, re-read when another connection committed."""
        if self._store.shared and self._store.data_version() != self._seen_version:
            self._refresh()
        return self._state

    def set_state(self, state: ClusterState | int) -> None:
        """Change the state for every node sharing the store."""
        new = ClusterState(state)
        self._store.meta_set(_KEY, int(new))
        self._state = new

    def check_read(self) -> None:
        """Raise unless cache reads are allowed."""
        if self.state() is ClusterState.INACTIVE:
            raise ClusterInactive(StatusCode.FAILED, messages.CLUSTER_INACTIVE)

    def check_write(
        self, cache_name: str, operation: str = "cache", group: str | None = None
    ) -> None:
        """Raise unless cache writes are allowed."""
        state = self.state()
        if state is ClusterState.ACTIVE:
            return
        if state is ClusterState.INACTIVE:
            raise ClusterInactive(StatusCode.FAILED, messages.CLUSTER_INACTIVE)
        raise EngineError(
            StatusCode.FAILED, messages.cluster_read_only(operation, cache_name, group)
        )

    def writable(self) -> bool:
        return self.state() is ClusterState.ACTIVE

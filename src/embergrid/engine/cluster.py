"""Cluster state (op 5000/5001) kept in the shared store.

Owns ``ClusterState`` and ``Cluster``: the state row in ``meta``, a per-process
copy re-validated with ``PRAGMA data_version`` (so every node sharing the
data_dir sees a change at its next op), and the gate every cache op passes:
INACTIVE refuses all cache ops, ACTIVE_READ_ONLY refuses writes. Activating a
persistent cluster records its baseline, in the same transaction, when it has
none yet (``engine/baseline.py``). Every change of state moves the topology's
minor version (``on_change``: Ignite changes state through an exchange;
observed on Ignite 2.18: an activation (3, 0) -> (3, 1), a deactivation and an
activation again +1 each). A persistent cluster that starts again after all its
nodes stopped is INACTIVE until every node of its baseline is back, then takes
up the state it had (Ignite activates such a cluster by itself; observed: one
and two of three nodes back, INACTIVE; the third, ACTIVE at (3, 1)); the state
the cluster returns to stays recorded meanwhile, a mark says it waits.
Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from embergrid.engine import messages
from embergrid.engine.baseline import Baseline
from embergrid.engine.errors import ClusterInactive, EngineError
from embergrid.engine.store import Store
from embergrid.protocol.codes import StatusCode

__all__ = ["Cluster", "ClusterState", "stored_active"]

_KEY = "cluster_state"
_WAITING = "cluster_waits_for_baseline"


class ClusterState(IntEnum):
    INACTIVE = 0
    ACTIVE = 1
    ACTIVE_READ_ONLY = 2


def stored_active(store: Store) -> bool:
    """Whether the state ``store`` records lets caches work (neither
    INACTIVE nor waiting for its baseline)."""
    return not store.meta_get(_WAITING) and bool(store.meta_get(_KEY))


class Cluster:
    """The cluster state of every node sharing one store.

    ``start_inactive`` is the initial state of a brand-new store (Ignite starts a
    persistent cluster INACTIVE); an existing store keeps its recorded state.
    ``baseline``: recorded at the first activation; ``on_change``: called, in
    the changing transaction, when the state changes.
    """

    def __init__(
        self,
        store: Store,
        *,
        start_inactive: bool = False,
        baseline: Baseline | None = None,
        on_change: Callable[[], object] = lambda: None,
    ) -> None:
        self._store = store
        self._baseline = baseline
        self._on_change = on_change
        initial = ClusterState.INACTIVE if start_inactive else ClusterState.ACTIVE
        store.conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
            (_KEY, int(initial)),
        )
        self._seen_version = -1
        self._state = initial
        self._refresh()

    def _refresh(self) -> None:
        self._state = self._read()
        self._seen_version = self._store.data_version()

    def _read(self) -> ClusterState:
        if self._store.meta_get(_WAITING):
            return ClusterState.INACTIVE
        value = self._store.meta_get(_KEY)
        assert isinstance(value, int)
        return ClusterState(value)

    def state(self) -> ClusterState:
        """The current state, re-read when another connection committed."""
        if self._store.shared and self._store.data_version() != self._seen_version:
            self._refresh()
        return self._state

    def set_state(self, state: ClusterState | int) -> None:
        """Change the state for every node sharing the store."""
        new = ClusterState(state)
        with self._store.atomic():
            old = self._read()
            self._store.meta_set(_KEY, int(new))
            self._store.meta_set(_WAITING, 0)
            if new is not ClusterState.INACTIVE and self._baseline is not None:
                self._baseline.settle()
            if new is not old:
                self._on_change()
        self._state = new

    def joined(self, restarted: bool) -> None:
        """A node joined; ``restarted``: the first of a persistent cluster
        starting again. Such a cluster waits, INACTIVE, until its baseline is
        complete, then takes up the state it had (see the module docstring)."""
        if self._baseline is None:
            return
        with self._store.atomic():
            if self._baseline.consistent_ids() is None:
                return
            recorded = self._store.meta_get(_KEY)
            assert isinstance(recorded, int)
            was = ClusterState(recorded)
            waiting = bool(self._store.meta_get(_WAITING))
            if not (restarted or waiting) or was is ClusterState.INACTIVE:
                return
            complete = self._baseline.complete()
            self._store.meta_set(_WAITING, int(not complete))
            if complete:
                self._on_change()  # activated
        self._refresh()

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

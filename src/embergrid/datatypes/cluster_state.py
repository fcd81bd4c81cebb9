"""Cluster states (pyignite's ``ClusterState``). Imports nothing from embergrid."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ClusterState"]


class ClusterState(IntEnum):
    """Cluster states."""

    #: Cluster deactivated. Cache operations aren't allowed.
    INACTIVE = 0
    #: Cluster activated. All cache operations are allowed.
    ACTIVE = 1
    #: Cluster activated. Cache reads are allowed, data changes aren't.
    ACTIVE_READ_ONLY = 2

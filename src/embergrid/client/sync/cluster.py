# GENERATED from client/aio/cluster.py: edit that file
"""``Cluster``: cluster state, pyignite's cluster facade (the SOURCE shell).

``client/sync/cluster.py`` is generated from this file by ``tools/unasync.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from embergrid.client.flows import admin
from embergrid.datatypes.cluster_state import ClusterState

if TYPE_CHECKING:
    from embergrid.client.sync.client import Client

__all__ = ["Cluster"]


class Cluster:
    """Ignite cluster abstraction. Users should never use this class directly,
    but construct its instances with
    :py:meth:`~embergrid.Client.get_cluster` method instead."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get_state(self) -> ClusterState:
        """Gets current cluster state.

        :return: Current cluster state. This is one of ClusterState.INACTIVE,
         ClusterState.ACTIVE or ClusterState.ACTIVE_READ_ONLY.
        """
        return ClusterState(
            self._client._run(admin.cluster_get_state(self._client._state))
        )

    def set_state(self, state: ClusterState) -> None:
        """Changes current cluster state to the given.

        Note: Deactivation clears in-memory caches (without persistence)
         including the system caches.

        :param state: New cluster state. This is one of ClusterState.INACTIVE,
         ClusterState.ACTIVE or ClusterState.ACTIVE_READ_ONLY.
        """
        self._client._run(admin.cluster_set_state(self._client._state, state))

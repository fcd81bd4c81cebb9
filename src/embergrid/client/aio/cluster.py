"""``AioCluster``: cluster state, pyignite's cluster facade (the SOURCE shell).

``client/sync/cluster.py`` is generated from this file by ``tools/unasync.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from embergrid.client.flows import admin
from embergrid.datatypes.cluster_state import ClusterState

if TYPE_CHECKING:
    from embergrid.client.aio.client import AioClient

__all__ = ["AioCluster"]


class AioCluster:
    """Ignite cluster abstraction. Users should never use this class directly,
    but construct its instances with
    :py:meth:`~embergrid.AioClient.get_cluster` method instead."""

    def __init__(self, client: AioClient) -> None:
        self._client = client

    async def get_state(self) -> ClusterState:
        """Gets current cluster state.

        :return: Current cluster state. This is one of ClusterState.INACTIVE,
         ClusterState.ACTIVE or ClusterState.ACTIVE_READ_ONLY.
        """
        return ClusterState(
            await self._client._run(admin.cluster_get_state(self._client._state))
        )

    async def set_state(self, state: ClusterState) -> None:
        """Changes current cluster state to the given.

        Note: Deactivation clears in-memory caches (without persistence)
         including the system caches.

        :param state: New cluster state. This is one of ClusterState.INACTIVE,
         ClusterState.ACTIVE or ClusterState.ACTIVE_READ_ONLY.
        """
        await self._client._run(admin.cluster_set_state(self._client._state, state))

"""Cluster state with pyignite's ``client.get_cluster()`` (ops 5000-5003).

Each test runs its own node so a deactivated cluster never leaks into others.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyignite import AioClient, Client
from pyignite.datatypes.cluster_state import ClusterState
from pyignite.exceptions import CacheError

from embergrid.engine import FakeClock, messages
from embergrid.server import Node, ServerThread


@pytest.fixture
def own_server() -> Iterator[ServerThread]:
    with ServerThread(Node(clock=FakeClock())) as st:
        yield st


@pytest.fixture
def own_client(own_server: ServerThread) -> Iterator[Client]:
    c = Client()
    with c.connect(*own_server.address):
        yield c


def test_state_round_trip(own_client: Client) -> None:
    cluster = own_client.get_cluster()
    assert cluster.get_state() == ClusterState.ACTIVE
    for state in (
        ClusterState.ACTIVE_READ_ONLY,
        ClusterState.INACTIVE,
        ClusterState.ACTIVE,
    ):
        cluster.set_state(state)
        assert cluster.get_state() == state


def test_inactive_refuses_cache_ops(own_client: Client) -> None:
    cache = own_client.create_cache("c")
    cache.put(1, 1)
    own_client.get_cluster().set_state(ClusterState.INACTIVE)
    for call in (
        lambda: cache.get(1),
        lambda: cache.put(1, 2),
        lambda: own_client.create_cache("d"),
    ):
        with pytest.raises(CacheError) as info:
            call()
        assert str(info.value) == messages.CLUSTER_INACTIVE
    own_client.get_cluster().set_state(ClusterState.ACTIVE)
    assert cache.get(1) == 1


def test_read_only_refuses_writes(own_client: Client) -> None:
    cache = own_client.create_cache("ro")
    cache.put(1, 1)
    own_client.get_cluster().set_state(ClusterState.ACTIVE_READ_ONLY)
    assert cache.get(1) == 1
    with pytest.raises(CacheError) as info:
        cache.put(1, 2)
    assert str(info.value) == messages.cluster_read_only("cache", "ro")
    own_client.get_cluster().set_state(ClusterState.ACTIVE)
    cache.put(1, 2)
    assert cache.get(1) == 2


async def test_async_cluster(own_server: ServerThread) -> None:
    c = AioClient()
    async with c.connect(*own_server.address):
        cluster = c.get_cluster()
        assert await cluster.get_state() == ClusterState.ACTIVE
        await cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
        assert await cluster.get_state() == ClusterState.ACTIVE_READ_ONLY
        await cluster.set_state(ClusterState.ACTIVE)

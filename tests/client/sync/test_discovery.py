# GENERATED from tests/client/aio/test_discovery.py: edit that file
"""Endpoint discovery (``cluster_discovery=True``, not in pyignite), both shells from
one source, against three embergrid nodes on one data dir and the 3-node reference
Ignite 2.18 cluster.

Given node 0 alone, a partition-aware client with discovery holds a live
connection to every node as soon as ``connect`` returns (it asks op 5102 right
after the first handshake and dials what it learns); without partition
awareness the discovered nodes are only failover candidates. Without the
keyword nothing changes: one connection, and the handshake asks for no
endpoint feature (pyignite's bytes). A node that joins later is found at the
first response that reports the new topology; a discovered node that leaves is
forgotten at the first response that reports its leave (never dialled again), a
node the user gave is kept.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from _reference import ReferenceCluster
from embergrid import Client
from embergrid.protocol.codes import ProtocolFeature
from server._nodes import cluster, start_node

pytestmark = pytest.mark.timeout(300)

ENDPOINTS = ProtocolFeature.CLUSTER_GROUP_GET_NODES_ENDPOINTS
Ports = list[int]
HOST = "127.0.0.1"


@pytest.fixture(
    params=["embergrid", pytest.param("ignite", marks=pytest.mark.reference)]
)
def three_nodes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ports]:
    """The client ports of a 3-node cluster, node 0 first."""
    if request.param == "ignite":
        ref: ReferenceCluster = request.getfixturevalue("reference_cluster")
        yield list(ref.ports)
        return
    with cluster(tmp_path, [f"discovery-{i}" for i in range(3)]) as nodes:
        yield [n.port for n in nodes]


def _live_ports(client: Client) -> set[int]:
    return {c.port for c in client._transport.conns if c.alive}


def test_a_partition_aware_client_connects_to_every_node(
    three_nodes: Ports,
) -> None:
    client = Client(partition_aware=True, cluster_discovery=True)
    with client.connect(HOST, three_nodes[0]):
        assert _live_ports(client) == set(three_nodes)
        cache = client.get_or_create_cache("discovery")
        cache.put_all({k: k for k in range(50)})
        assert cache.get_all(list(range(50))) == {k: k for k in range(50)}
        ctx = client._transport.conns[0].protocol_context
        assert ctx is not None
        assert ctx.has(ENDPOINTS)


def test_without_partition_awareness_they_are_failover_candidates(
    three_nodes: Ports,
) -> None:
    client = Client(partition_aware=False, cluster_discovery=True)
    with client.connect(HOST, three_nodes[0]):
        assert sorted(c.port for c in client._transport.conns) == sorted(three_nodes)
        assert _live_ports(client) == {three_nodes[0]}


def test_off_by_default(three_nodes: Ports) -> None:
    client = Client(partition_aware=True)
    with client.connect(HOST, three_nodes[0]):
        assert [c.port for c in client._transport.conns] == [three_nodes[0]]
        ctx = client._transport.conns[0].protocol_context
        assert ctx is not None
        assert not ctx.has(ENDPOINTS)


def test_a_node_that_joins_later_is_found(tmp_path: Path) -> None:
    with cluster(tmp_path, ["late-0", "late-1"]) as nodes:
        client = Client(partition_aware=True, cluster_discovery=True)
        with client.connect(HOST, nodes[0].port):
            assert _live_ports(client) == {nodes[0].port, nodes[1].port}
            late = start_node(tmp_path, "late-2")
            nodes.append(late)  # stopped with the others
            cache = client.get_or_create_cache("discovery-late")
            for key in range(20):  # the first answer after the join reports it
                cache.put(key, key)
                if late.port in _live_ports(client):
                    break
            assert _live_ports(client) == {n.port for n in nodes}


Leaving = tuple[Ports, Callable[[int], None]]


@pytest.fixture(
    params=["embergrid", pytest.param("ignite", marks=pytest.mark.reference)]
)
def leaving(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Leaving]:
    """The client ports of a 3-node cluster of the test's own and how to stop
    node ``i`` (a clean leave)."""
    if request.param == "ignite":
        ref: ReferenceCluster = request.getfixturevalue("fresh_reference_cluster")
        yield list(ref.ports), ref.stop
        return
    with cluster(tmp_path, [f"leaving-{i}" for i in range(3)]) as nodes:
        yield [n.port for n in nodes], lambda i: nodes[i].stop() and None


def _dialled_ports(client: Client) -> set[int]:
    """The ports of the nodes the client may still dial (not forgotten)."""
    pool = client._transport.pool
    retired = pool.policy.retired
    return {c.port for i, c in enumerate(pool.conns) if i not in retired}


def test_a_discovered_node_that_leaves_is_forgotten(leaving: Leaving) -> None:
    ports, stop = leaving
    discovering = Client(partition_aware=True, cluster_discovery=True)
    given = Client(partition_aware=True, cluster_discovery=True)
    clients = (discovering, given)
    with (
        discovering.connect(HOST, ports[0]),
        given.connect([(HOST, ports[0]), (HOST, ports[2])]),
    ):
        assert _dialled_ports(discovering) == set(ports)
        assert _dialled_ports(given) == set(ports)
        caches = [c.get_or_create_cache("discovery-leave") for c in clients]
        stop(2)
        for client, cache in zip(clients, caches, strict=True):
            discovery = client._transport.pool.discovery
            before = discovery.version
            deadline = time.monotonic() + 60  # the others may see the leave late
            key = 0
            while discovery.version <= before:  # the first answer after it tells
                assert time.monotonic() < deadline, "no answer reported the leave"
                with contextlib.suppress(OSError):  # a call on node 2's connection
                    cache.put(key, key)  # keys on every node
                key += 1
            cache.put(99, 99)
            assert cache.get(99) == 99
        assert _dialled_ports(discovering) == {ports[0], ports[1]}
        assert _dialled_ports(given) == set(ports)  # the user's node stays

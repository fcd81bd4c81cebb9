"""Handlers of ops 1101 CACHE_PARTITIONS and 1100 CACHE_NODE_PARTITIONS over the
live nodes of the cluster (reference §7.4, §12.5).

Partitions go to nodes by Ignite's RendezvousAffinityFunction over the
consistent ids of the live nodes (``server/topology.py``), so a partition-aware
client sends each key to the node a real Ignite cluster of the same consistent
ids would own it on (pinned against a 3-node Ignite 2.18 cluster,
tests/compat/test_diff_cluster.py), or over the baseline of a persistent
cluster. PARTITIONED caches with the same partition -> primary map share one
applicable group (over the live nodes, primaries do not depend on the backup
count; over a baseline with an offline node they do: a partition whose
primary is offline moves to its first live backup, or has no owner), with
key configurations from the cache configuration (type id and affinity field
id as in §9.4); nodes owning no primary partition are left out. REPLICATED and LOCAL
caches share one non-applicable group. Every cache is listed, not only the
requested ones, as Ignite lists compatible caches to warm the client's map;
requested ids of missing caches are skipped, and a request naming no cache
gets no group (Ignite 2.18 answers it with the version alone).

1100 (deprecated; as the Ignite 2.18 nodes answer it) lists every live node
once: the address and port it listens on and the partitions it is primary for
(of 1024 for a PARTITIONED cache, of 512 for a REPLICATED one); an unknown
cache id is status 1000.
Imports ``embergrid.protocol``, the engine and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import CacheHandle, ClusterState, EngineError
from embergrid.protocol.binary.hashing import field_id, type_id
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import PARTITIONED
from embergrid.protocol.messages import partitions as m
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session
from embergrid.server.topology import Topology

__all__: list[str] = []  # handlers are reached through the registry


def _key_configs(h: CacheHandle) -> tuple[tuple[int, int], ...]:
    return tuple(
        (type_id(k.type_name), field_id(k.affinity_key_field_name))
        for k in h.config.key_configuration
        if k.affinity_key_field_name is not None
    )


def _applicable_groups(
    topology: Topology, handles: list[CacheHandle]
) -> list[m.PartitionGroup]:
    """One applicable group per distinct partition -> primary map, its caches
    in ``handles``' order (over the live nodes every map is the same; over a
    baseline with offline nodes, a map depends on the backup count)."""
    maps: dict[int, tuple[m.NodePartitions, ...]] = {}  # backups -> map
    grouped: dict[tuple[m.NodePartitions, ...], list[CacheHandle]] = {}
    for h in handles:
        nodes = maps.get(h.config.backups)
        if nodes is None:
            owned = topology.primaries(h.config)
            nodes = tuple(
                m.NodePartitions(node_id, tuple(parts))
                for node_id, parts in owned.items()
                if parts
            )
            maps[h.config.backups] = nodes
        grouped.setdefault(nodes, []).append(h)
    return [
        m.PartitionGroup(
            True,
            tuple(m.CacheKeyAffinity(h.cache_id, _key_configs(h)) for h in group),
            nodes,
        )
        for nodes, group in grouped.items()
    ]


@handler(Op.CACHE_PARTITIONS)
def cache_partitions(s: Session, r: m.CachePartitions) -> m.CachePartitionsResponse:
    if s.engine.cluster.state() is ClusterState.INACTIVE:
        raise EngineError(StatusCode.FAILED, msgs.PARTITIONS_INACTIVE)
    topo = s.node.topology  # read before the owners: a client never sees newer owners
    if not r.cache_ids:  # as Ignite: the version alone
        return m.CachePartitionsResponse(topo.major, topo.minor, ())
    handles = sorted(s.engine.caches.all_handles(), key=lambda h: h.name)
    partitioned = [h for h in handles if h.config.cache_mode == PARTITIONED]
    others = [h for h in handles if h.config.cache_mode != PARTITIONED]
    groups = _applicable_groups(Topology(s.engine), partitioned)
    if others:
        caches = tuple(m.CacheKeyAffinity(h.cache_id) for h in others)
        groups.append(m.PartitionGroup(False, caches))
    return m.CachePartitionsResponse(topo.major, topo.minor, tuple(groups))


@handler(Op.CACHE_NODE_PARTITIONS)
def cache_node_partitions(
    s: Session, r: m.CacheNodePartitions
) -> m.CacheNodePartitionsResponse:
    s.engine.cluster.check_read()
    h = s.engine.caches.handle(r.prefix.cache_id)
    topology = Topology(s.engine)
    owned = topology.primaries(h.config)
    nodes = []
    for member in topology.members():
        host, port = member.host, member.port
        if member.node_id == s.node.node_id and s.node.client_address is not None:
            host, port = s.node.client_address
        addresses = (host,) if host else ()
        parts = tuple(owned.get(member.node_id, ()))
        nodes.append(m.ConnectableNode(port, addresses, parts))
    return m.CacheNodePartitionsResponse(tuple(nodes))

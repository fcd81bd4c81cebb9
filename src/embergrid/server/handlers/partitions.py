"""Handlers of ops 1101 CACHE_PARTITIONS and 1100 CACHE_NODE_PARTITIONS for a
single node (reference §7.4, §12.5).

Every PARTITIONED cache shares one applicable group (they all have the same
assignment: this node is primary for partitions 0..1023), with key
configurations from the cache configuration (type id and affinity field id as
in §9.4). REPLICATED and LOCAL caches share one non-applicable group. Every
cache is listed, not only the requested ones, as Ignite lists compatible
caches to warm the client's map; requested ids of missing caches are skipped.

1100 (deprecated; as the Ignite 2.18 node answers it) lists this node once: the
address and port its listener is bound to and every partition of the cache,
1024 for PARTITIONED and 512 for REPLICATED caches (the node's default affinity
for each mode); an unknown cache id is status 1000.
Imports ``embergrid.protocol``, the engine and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import CacheHandle
from embergrid.protocol.binary.hashing import field_id, type_id
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.config import PARTITIONED, REPLICATED
from embergrid.protocol.messages import partitions as m
from embergrid.server.dispatch import handler
from embergrid.server.node import PARTITIONS
from embergrid.server.session import Session

__all__: list[str] = []  # handlers are reached through the registry

_ALL_PARTITIONS = tuple(range(PARTITIONS))
_REPLICATED_PARTITIONS = tuple(range(512))


def _key_configs(h: CacheHandle) -> tuple[tuple[int, int], ...]:
    return tuple(
        (type_id(k.type_name), field_id(k.affinity_key_field_name))
        for k in h.config.key_configuration
        if k.affinity_key_field_name is not None
    )


@handler(Op.CACHE_PARTITIONS)
def cache_partitions(s: Session, r: m.CachePartitions) -> m.CachePartitionsResponse:
    s.engine.cluster.check_read()
    handles = sorted(s.engine.caches.all_handles(), key=lambda h: h.name)
    partitioned = [h for h in handles if h.config.cache_mode == PARTITIONED]
    others = [h for h in handles if h.config.cache_mode != PARTITIONED]
    groups: list[m.PartitionGroup] = []
    if partitioned:
        node = m.NodePartitions(s.node.node_id, _ALL_PARTITIONS)
        caches = tuple(
            m.CacheKeyAffinity(h.cache_id, _key_configs(h)) for h in partitioned
        )
        groups.append(m.PartitionGroup(True, caches, (node,)))
    if others:
        caches = tuple(m.CacheKeyAffinity(h.cache_id) for h in others)
        groups.append(m.PartitionGroup(False, caches))
    topo = s.node.topology
    return m.CachePartitionsResponse(topo.major, topo.minor, tuple(groups))


@handler(Op.CACHE_NODE_PARTITIONS)
def cache_node_partitions(
    s: Session, r: m.CacheNodePartitions
) -> m.CacheNodePartitionsResponse:
    s.engine.cluster.check_read()
    h = s.engine.caches.handle(r.prefix.cache_id)
    parts = (
        _REPLICATED_PARTITIONS if h.config.cache_mode == REPLICATED else _ALL_PARTITIONS
    )
    host, port = s.node.client_address or ("", 0)
    addresses = (host,) if host else ()
    return m.CacheNodePartitionsResponse((m.ConnectableNode(port, addresses, parts),))

"""Partition awareness: which node holds the primary copy of a key.

Owns ``key_node`` (a flow: fetch the cache's partition map with op 1101 the first
time a cache is used and whenever the topology version grew since, then map the
key's hash to its partition's primary node) and ``partition_table`` (the 1101
response reduced to one cache's owners by partition, as a table so that a key costs
one lookup). The partition count and the key -> partition step are
``protocol.affinity``'s, shared with the server. Imports ``embergrid.protocol``
only; no I/O.
"""

from __future__ import annotations

import uuid

from embergrid.client.flows._call import Call, Flow
from embergrid.client.flows._state import ClientState, PartitionTable
from embergrid.protocol.affinity import partition_count, partition_for_hash
from embergrid.protocol.binary.hashing import hash_key_bytes
from embergrid.protocol.codes import OpCode
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.messages import partitions as pm

__all__ = ["key_node", "partition_table"]


def partition_table(resp: pm.CachePartitionsResponse, cache_id: int) -> PartitionTable:
    """The primaries of ``cache_id``'s partitions (empty when it cannot be routed)."""
    version = AffinityVersion(resp.version_major, resp.version_minor)
    for group in resp.groups:
        if not any(c.cache_id == cache_id for c in group.caches):
            continue
        if not group.applicable or not group.nodes:
            return PartitionTable(version)
        count = partition_count(group)
        owners: list[uuid.UUID | None] = [None] * count
        for node in group.nodes:
            for part in node.partitions:
                if 0 <= part < count:
                    owners[part] = node.node_id
        if any(o is None for o in owners):
            return PartitionTable(version)
        return PartitionTable(version, tuple(o for o in owners if o is not None))
    return PartitionTable(version)


def key_node(state: ClientState, cache_id: int, key: bytes) -> Flow[uuid.UUID | None]:
    """The primary node for encoded ``key`` in ``cache_id``, or ``None``."""
    if not state.routing:
        return None
    table = state.partitions.get(cache_id)
    if table is None or table.version < state.topology:
        reply = yield Call(OpCode.CACHE_PARTITIONS, pm.CachePartitions((cache_id,)))
        table = partition_table(reply.message, cache_id)
        state.saw_topology(table.version)
        state.partitions[cache_id] = table
    if not table.owners:
        return None
    return table.owners[partition_for_hash(hash_key_bytes(key), len(table.owners))]

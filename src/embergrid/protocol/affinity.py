"""Key hash -> partition -> node, for the client and the server (reference §12).

Re-exports ``partition_for_hash`` (RendezvousAffinityFunction.partition, §12.2,
written once as ``binary.hashing.partition``). Owns the rendezvous assignment of
partitions to nodes (``wang_mix``, ``java_uuid_order``, ``assign_partition``,
``assign_partitions``, §12.4) and the lookups over a 1101 partition map that both
sides need (``partition_count``, ``primary_node``, ``primary_partitions``, §12.5).
The 1101 message bodies themselves (``PartitionGroup``, ``NodePartitions``, §7.4)
live in ``protocol.messages.partitions``. Affinity-key resolution for binary objects
(§12.3) needs the binary codec and lives with it. Standard library only; imports
``embergrid.protocol.{binary.hashing,messages.partitions}``; never the client, the
server or the engine.

Theory of operation: the server computes, for every partition, an ordered owner list
(primary first) from the nodes' consistent-id hashes; it sends only the primaries,
grouped by identical assignment. A client derives P as the total number of listed
partitions, maps a key's hash to a partition and looks up its primary's UUID.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from embergrid.protocol.binary.hashing import partition as partition_for_hash
from embergrid.protocol.messages.partitions import NodePartitions, PartitionGroup

__all__ = [
    "DEFAULT_PARTITIONS",
    "AffinityNode",
    "assign_partition",
    "assign_partitions",
    "java_uuid_order",
    "partition_count",
    "partition_for_hash",
    "primary_node",
    "primary_partitions",
    "wang_mix",
]

DEFAULT_PARTITIONS = 1024
_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


# -- partition -> nodes (§12.4) ------------------------------------------------


def _signed64(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n


def wang_mix(node_hash: int, partition: int) -> int:
    """Rendezvous weight: Wang/Jenkins 64-bit mix of (node hash, partition), signed."""
    key = (node_hash & _M32) | ((partition & _M32) << 32)
    key = (~key + (key << 21)) & _M64
    key ^= key >> 24
    key = (key + (key << 3) + (key << 8)) & _M64
    key ^= key >> 14
    key = (key + (key << 2) + (key << 4)) & _M64
    key ^= key >> 28
    key = (key + (key << 31)) & _M64
    return _signed64(key)


def java_uuid_order(value: uuid.UUID) -> tuple[int, int]:
    """Sort key equal to Java ``UUID.compareTo``: signed msb, then signed lsb."""
    n = value.int
    return _signed64(n >> 64), _signed64(n & _M64)


@dataclass(frozen=True, slots=True)
class AffinityNode:
    """A node as the affinity function sees it: its UUID and the Java hashCode of
    its consistent id."""

    node_id: uuid.UUID
    consistent_id_hash: int


def assign_partition(
    partition: int,
    nodes: Sequence[AffinityNode],
    backups: int = 0,
    *,
    replicated: bool = False,
) -> list[AffinityNode]:
    """Owners of one partition, primary first; ``nodes`` in topology order."""
    if len(nodes) <= 1:
        return list(nodes)
    ranked = sorted(
        nodes,
        key=lambda n: (
            wang_mix(n.consistent_id_hash, partition),
            java_uuid_order(n.node_id),
        ),
    )
    primary = ranked[0]
    if replicated:
        return [primary, *(n for n in nodes if n is not primary)]
    return ranked[: min(backups, len(nodes) - 1) + 1]


def assign_partitions(
    nodes: Sequence[AffinityNode],
    partitions: int = DEFAULT_PARTITIONS,
    backups: int = 0,
    *,
    replicated: bool = False,
) -> list[list[AffinityNode]]:
    """``assign_partition`` for every partition ``0..partitions-1``."""
    return [
        assign_partition(p, nodes, backups, replicated=replicated)
        for p in range(partitions)
    ]


# -- lookups over a 1101 map, for both sides (§12.5) ---------------------------


def partition_count(group: PartitionGroup) -> int:
    """P as clients derive it: the total number of partitions the group lists."""
    return sum(len(n.partitions) for n in group.nodes)


def primary_node(group: PartitionGroup, key_hash: int) -> uuid.UUID | None:
    """The primary node of the partition of ``key_hash``, or ``None`` when the group
    is not applicable or lists no partitions."""
    partitions = partition_count(group)
    if not group.applicable or partitions == 0:
        return None
    part = partition_for_hash(key_hash, partitions)
    for node in group.nodes:
        if part in node.partitions:
            return node.node_id
    return None


def primary_partitions(
    nodes: Iterable[AffinityNode], assignment: Sequence[Sequence[AffinityNode]]
) -> tuple[NodePartitions, ...]:
    """Server side: the node list of a 1101 group from an assignment (partition ->
    owners, primary first); nodes owning no primary are omitted, topology order kept."""
    owned: dict[uuid.UUID, list[int]] = {}
    for part, owners in enumerate(assignment):
        if owners:
            owned.setdefault(owners[0].node_id, []).append(part)
    return tuple(
        NodePartitions(n.node_id, tuple(owned[n.node_id]))
        for n in nodes
        if n.node_id in owned
    )

"""Key hash -> partition -> node, for the client and the server (reference §7.4, §12).

Re-exports ``partition_for_hash`` (RendezvousAffinityFunction.partition, §12.2,
written once as ``binary.hashing.partition``). Owns the rendezvous assignment of
partitions to nodes (``wang_mix``, ``assign_partition``, ``assign_partitions``,
§12.4), the OP_CACHE_PARTITIONS (1101) request and response body
(``PartitionsRequest``, ``PartitionMap``, §7.4) and the client-side lookup
``primary_node`` (§12.5). Affinity-key resolution for binary objects (§12.3) needs the
binary codec and lives with it. Standard library only; imports ``embergrid.errors``
and ``embergrid.protocol.{codes,wire,headers,binary.hashing}``.

Theory of operation: the server computes, for every partition, an ordered owner list
(primary first) from the nodes' consistent-id hashes; it sends only the primaries,
grouped by identical assignment. A client derives P as the total number of listed
partitions, maps a key's hash to a partition and looks up its primary's UUID.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from embergrid.errors import ParseError
from embergrid.protocol.binary.hashing import partition as partition_for_hash
from embergrid.protocol.codes import TypeCode
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "DEFAULT_PARTITIONS",
    "AffinityNode",
    "CacheMapping",
    "KeyAffinityConfig",
    "NodePartitions",
    "PartitionGroup",
    "PartitionMap",
    "PartitionsRequest",
    "assign_partition",
    "assign_partitions",
    "decode_partition_map",
    "decode_partitions_request",
    "encode_partition_map",
    "encode_partitions_request",
    "java_uuid_order",
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


# -- the 1101 structures (§7.4) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyAffinityConfig:
    """A ``CacheKeyConfiguration``: hash this field of keys of this type."""

    key_type_id: int
    affinity_key_field_id: int


@dataclass(frozen=True, slots=True)
class CacheMapping:
    """One cache of a group; key configs are on the wire only in applicable groups."""

    cache_id: int
    key_configs: tuple[KeyAffinityConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class NodePartitions:
    """The primary partitions of one node."""

    node_id: uuid.UUID
    partitions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PartitionGroup:
    """Caches sharing one assignment. ``default_affinity`` is on the wire only when
    ALL_AFFINITY_MAPPINGS was negotiated."""

    applicable: bool
    caches: tuple[CacheMapping, ...]
    nodes: tuple[NodePartitions, ...] = ()
    default_affinity: bool = True

    def partition_count(self) -> int:
        """P as clients derive it: the total number of listed partitions."""
        return sum(len(n.partitions) for n in self.nodes)


@dataclass(frozen=True, slots=True)
class PartitionMap:
    """Body of the OP_CACHE_PARTITIONS response."""

    topology_version: AffinityVersion
    groups: tuple[PartitionGroup, ...]

    def group_for(self, cache_id: int) -> PartitionGroup | None:
        for group in self.groups:
            if any(c.cache_id == cache_id for c in group.caches):
                return group
        return None


@dataclass(frozen=True, slots=True)
class PartitionsRequest:
    """Body of OP_CACHE_PARTITIONS; ``custom_mappings`` needs ALL_AFFINITY_MAPPINGS."""

    cache_ids: tuple[int, ...]
    custom_mappings: bool = False


def encode_partitions_request(
    req: PartitionsRequest, all_mappings: bool = False
) -> bytes:
    w = Writer()
    if all_mappings:
        w.bool(req.custom_mappings)
    w.i32(len(req.cache_ids))
    for cache_id in req.cache_ids:
        w.i32(cache_id)
    return w.getvalue()


def decode_partitions_request(
    body: Buffer, all_mappings: bool = False
) -> PartitionsRequest:
    r = Reader(body)
    custom = r.bool() if all_mappings else False
    return PartitionsRequest(tuple(r.i32() for _ in range(_count(r, 4))), custom)


def _count(r: Reader, min_item_size: int) -> int:
    """An i32 element count, checked against the bytes that remain."""
    n = r.i32()
    if n < 0 or n * min_item_size > r.remaining():
        raise ParseError(f"bad element count {n} with {r.remaining()} bytes left")
    return n


def _write_group(w: Writer, group: PartitionGroup, all_mappings: bool) -> None:
    w.bool(group.applicable)
    w.i32(len(group.caches))
    for cache in group.caches:
        w.i32(cache.cache_id)
        if group.applicable:
            w.i32(len(cache.key_configs))
            for cfg in cache.key_configs:
                w.i32(cfg.key_type_id)
                w.i32(cfg.affinity_key_field_id)
    if group.applicable:
        w.i32(len(group.nodes))
        for node in group.nodes:
            w.u8(TypeCode.UUID)
            w.raw_uuid(node.node_id)
            w.i32(len(node.partitions))
            for part in node.partitions:
                w.i32(part)
    if all_mappings:
        w.bool(group.default_affinity)


def _read_cache(r: Reader, applicable: bool) -> CacheMapping:
    cache_id = r.i32()
    if not applicable:
        return CacheMapping(cache_id)
    configs = tuple(KeyAffinityConfig(r.i32(), r.i32()) for _ in range(_count(r, 8)))
    return CacheMapping(cache_id, configs)


def _read_node(r: Reader) -> NodePartitions:
    code = r.u8()
    if code != TypeCode.UUID:
        raise ParseError(
            f"expected a typed UUID (10) for a node id, got type code {code}"
        )
    node_id = r.raw_uuid()
    return NodePartitions(node_id, tuple(r.i32() for _ in range(_count(r, 4))))


def _read_group(r: Reader, all_mappings: bool) -> PartitionGroup:
    applicable = r.bool()
    caches = tuple(_read_cache(r, applicable) for _ in range(_count(r, 4)))
    nodes = tuple(_read_node(r) for _ in range(_count(r, 21))) if applicable else ()
    default = r.bool() if all_mappings else True
    return PartitionGroup(applicable, caches, nodes, default)


def encode_partition_map(pm: PartitionMap, all_mappings: bool = False) -> bytes:
    """The 1101 response body; ``all_mappings`` = ALL_AFFINITY_MAPPINGS negotiated."""
    w = Writer()
    w.i64(pm.topology_version.major)
    w.i32(pm.topology_version.minor)
    w.i32(len(pm.groups))
    for group in pm.groups:
        _write_group(w, group, all_mappings)
    return w.getvalue()


def decode_partition_map(body: Buffer, all_mappings: bool = False) -> PartitionMap:
    r = Reader(body)
    version = AffinityVersion(r.i64(), r.i32())
    groups = tuple(_read_group(r, all_mappings) for _ in range(_count(r, 5)))
    if r.remaining():
        raise ParseError(f"{r.remaining()} trailing bytes after the partition map")
    return PartitionMap(version, groups)


# -- helpers for both sides (§12.5) --------------------------------------------


def primary_node(group: PartitionGroup, key_hash: int) -> uuid.UUID | None:
    """The primary node of the partition of ``key_hash``, or ``None`` when the group
    is not applicable or lists no partitions."""
    partitions = group.partition_count()
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

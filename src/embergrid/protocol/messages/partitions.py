"""Partition maps: 1101 CACHE_PARTITIONS and the deprecated 1100 CACHE_NODE_PARTITIONS.

Owns ``CachePartitions`` and ``CachePartitionsResponse`` with its groups. With the
ALL_AFFINITY_MAPPINGS feature (bit 13) the request starts with a bool and every
applicable group ends with a bool (a non-applicable one does not: read off a
3-node Ignite 2.18 cluster, tests/compat/test_diff_cluster.py).

1100 (layout read off the Ignite 2.18 node, tests/compat/test_diff_rare_ops.py):
the request is a cache prefix (``i32 cacheId``, ``u8 flags``; the node reads nothing
after it, so trailing bytes are ignored); the response is ``i32 n`` nodes, each
``i32 clientPort``, ``i32 a``, a x ``Str address``, ``i32 p``, p x ``i32 partition``
(the node's primary partitions of that cache).

Standard library only; must not import the client, the server or the engine.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from embergrid.errors import ParseError
from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.messages._fields import (
    expect_end,
    read_count,
    read_str,
    read_uuid,
    write_str,
    write_uuid,
)
from embergrid.protocol.messages.cache import CachePrefix, read_prefix, write_prefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "CacheKeyAffinity",
    "CacheNodePartitions",
    "CacheNodePartitionsResponse",
    "CachePartitions",
    "CachePartitionsResponse",
    "ConnectableNode",
    "NodePartitions",
    "PartitionGroup",
    "decode_cache_node_partitions",
    "decode_cache_node_partitions_response",
    "decode_cache_partitions",
    "decode_cache_partitions_response",
    "encode_cache_node_partitions",
    "encode_cache_node_partitions_response",
    "encode_cache_partitions",
    "encode_cache_partitions_response",
]

_ALL_MAPPINGS = ProtocolFeature.ALL_AFFINITY_MAPPINGS


@dataclass(frozen=True, slots=True)
class CachePartitions:
    """1101: ask for the partition maps of ``cache_ids``.

    ``custom_mappings`` (also map caches with custom affinity) travels only when
    ALL_AFFINITY_MAPPINGS was negotiated.
    """

    cache_ids: tuple[int, ...]
    custom_mappings: bool = False


def decode_cache_partitions(body: Buffer, ctx: ProtocolContext) -> CachePartitions:
    r = Reader(body)
    custom = r.bool() if ctx.has(_ALL_MAPPINGS) else False
    cache_ids = tuple(r.i32() for _ in range(read_count(r, 4)))
    expect_end(r)
    return CachePartitions(cache_ids, custom)


def encode_cache_partitions(msg: CachePartitions, ctx: ProtocolContext) -> bytes:
    w = Writer()
    if ctx.has(_ALL_MAPPINGS):
        w.bool(msg.custom_mappings)
    w.i32(len(msg.cache_ids))
    for cache_id in msg.cache_ids:
        w.i32(cache_id)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class CacheKeyAffinity:
    """One cache of a group; ``key_configs`` = (key type id, affinity key field id)
    pairs, sent only in applicable groups."""

    cache_id: int
    key_configs: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class NodePartitions:
    """Primary partitions owned by one node."""

    node_id: uuid.UUID
    partitions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PartitionGroup:
    """Caches sharing one partition → node assignment.

    Non-applicable groups carry only cache ids (no key configs, no nodes).
    ``default_affinity`` travels only in applicable groups, with
    ALL_AFFINITY_MAPPINGS.
    """

    applicable: bool
    caches: tuple[CacheKeyAffinity, ...]
    nodes: tuple[NodePartitions, ...] = ()
    default_affinity: bool = True


@dataclass(frozen=True, slots=True)
class CachePartitionsResponse:
    version_major: int
    version_minor: int
    groups: tuple[PartitionGroup, ...]


def _read_ints(r: Reader) -> tuple[int, ...]:
    return tuple(r.i32() for _ in range(read_count(r, 4)))


def _read_cache(r: Reader, applicable: bool) -> CacheKeyAffinity:
    cache_id = r.i32()
    if not applicable:
        return CacheKeyAffinity(cache_id)
    pairs = tuple((r.i32(), r.i32()) for _ in range(read_count(r, 8)))
    return CacheKeyAffinity(cache_id, pairs)


def _read_node(r: Reader) -> NodePartitions:
    pos = r.pos
    node_id = read_uuid(r)
    if node_id is None:
        raise ParseError(f"NULL node id in partition map at offset {pos}")
    return NodePartitions(node_id, _read_ints(r))


def _read_group(r: Reader, ctx: ProtocolContext) -> PartitionGroup:
    applicable = r.bool()
    caches = tuple(_read_cache(r, applicable) for _ in range(read_count(r, 4)))
    nodes = tuple(_read_node(r) for _ in range(read_count(r))) if applicable else ()
    default = r.bool() if applicable and ctx.has(_ALL_MAPPINGS) else True
    return PartitionGroup(applicable, caches, nodes, default)


def _write_group(w: Writer, g: PartitionGroup, ctx: ProtocolContext) -> None:
    w.bool(g.applicable)
    w.i32(len(g.caches))
    for cache in g.caches:
        w.i32(cache.cache_id)
        if g.applicable:
            w.i32(len(cache.key_configs))
            for type_id, field_id in cache.key_configs:
                w.i32(type_id)
                w.i32(field_id)
    if g.applicable:
        w.i32(len(g.nodes))
        for node in g.nodes:
            write_uuid(w, node.node_id)
            w.i32(len(node.partitions))
            for p in node.partitions:
                w.i32(p)
    if g.applicable and ctx.has(_ALL_MAPPINGS):
        w.bool(g.default_affinity)


def decode_cache_partitions_response(
    body: Buffer, ctx: ProtocolContext
) -> CachePartitionsResponse:
    r = Reader(body)
    major, minor = r.i64(), r.i32()
    groups = tuple(_read_group(r, ctx) for _ in range(read_count(r)))
    expect_end(r)
    return CachePartitionsResponse(major, minor, groups)


def encode_cache_partitions_response(
    msg: CachePartitionsResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.i64(msg.version_major)
    w.i32(msg.version_minor)
    w.i32(len(msg.groups))
    for group in msg.groups:
        _write_group(w, group, ctx)
    return w.getvalue()


# -- 1100 CACHE_NODE_PARTITIONS (deprecated) -------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheNodePartitions:
    """1100 → ``CacheNodePartitionsResponse``."""

    prefix: CachePrefix


def decode_cache_node_partitions(
    body: Buffer, ctx: ProtocolContext
) -> CacheNodePartitions:
    return CacheNodePartitions(read_prefix(Reader(body)))


def encode_cache_node_partitions(
    msg: CacheNodePartitions, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    write_prefix(w, msg.prefix)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class ConnectableNode:
    """One server node of a 1100 answer: where a client reaches it, and the
    primary partitions it owns."""

    port: int
    addresses: tuple[str | None, ...]
    partitions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CacheNodePartitionsResponse:
    nodes: tuple[ConnectableNode, ...]


def _read_connectable(r: Reader) -> ConnectableNode:
    port = r.i32()
    addresses = tuple(read_str(r) for _ in range(read_count(r)))
    return ConnectableNode(port, addresses, _read_ints(r))


def decode_cache_node_partitions_response(
    body: Buffer, ctx: ProtocolContext
) -> CacheNodePartitionsResponse:
    r = Reader(body)
    nodes = tuple(_read_connectable(r) for _ in range(read_count(r)))
    expect_end(r)
    return CacheNodePartitionsResponse(nodes)


def encode_cache_node_partitions_response(
    msg: CacheNodePartitionsResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.i32(len(msg.nodes))
    for node in msg.nodes:
        w.i32(node.port)
        w.i32(len(node.addresses))
        for address in node.addresses:
            write_str(w, address)
        w.i32(len(node.partitions))
        for p in node.partitions:
            w.i32(p)
    return w.getvalue()

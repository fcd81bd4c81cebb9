"""Cluster groups and nodes, 5100-5102 (reference §7.9).

Owns the node-ids (5100, feature bit 4 CLUSTER_GROUPS), node-info (5101, bit 4)
and node-endpoints (5102, bit 3 CLUSTER_GROUP_GET_NODES_ENDPOINTS) messages, as
Ignite 2.18 reads and writes them (its ``ClientClusterGroup*`` request and
response classes; checked byte for byte against a 3-node reference cluster by
tests/compat/test_diff_cluster_group.py). Node ids in these bodies are raw
UUIDs (two bare i64) except 5101's node id, which is typed. A topology version
here is Ignite's discovery version, the major part of the affinity version.

5100's projection is a list of filters, applied in order: ``1`` an attribute
equal to a value (two ``Str``), ``2`` servers (``true``) or clients
(``false``); any other code is unreadable (Ignite then closes the connection).

Standard library only; must not import the client, the server or the engine.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from embergrid.errors import ParseError
from embergrid.protocol.messages._fields import (
    expect_end,
    read_byte_array,
    read_count,
    read_obj,
    read_str,
    read_uuid,
    write_byte_array,
    write_obj,
    write_str,
    write_uuid,
)
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "AttributeFilter",
    "GetNodeEndpoints",
    "GetNodeEndpointsResponse",
    "GetNodeIds",
    "GetNodeIdsResponse",
    "GetNodeInfo",
    "GetNodeInfoResponse",
    "NodeEndpoint",
    "NodeInfo",
    "ProductVersion",
    "RoleFilter",
    "decode_get_node_endpoints",
    "decode_get_node_endpoints_response",
    "decode_get_node_ids",
    "decode_get_node_ids_response",
    "decode_get_node_info",
    "decode_get_node_info_response",
    "encode_get_node_endpoints",
    "encode_get_node_endpoints_response",
    "encode_get_node_ids",
    "encode_get_node_ids_response",
    "encode_get_node_info",
    "encode_get_node_info_response",
]

_ATTRIBUTE, _ROLE = 1, 2
_UUID_SIZE = 16


@dataclass(frozen=True, slots=True)
class AttributeFilter:
    """Nodes whose attribute ``name`` equals ``value`` (Ignite's forAttribute)."""

    name: str | None
    value: str | None


@dataclass(frozen=True, slots=True)
class RoleFilter:
    """Server nodes (``servers``) or client nodes (Ignite's forServers/forClients)."""

    servers: bool


Filter = AttributeFilter | RoleFilter


@dataclass(frozen=True, slots=True)
class GetNodeIds:
    """5100 → ``GetNodeIdsResponse``: the ids of the nodes that pass every
    filter, unless the topology is no newer than ``known_version``."""

    known_version: int
    filters: tuple[Filter, ...] = ()


def decode_get_node_ids(body: Buffer, ctx: ProtocolContext) -> GetNodeIds:
    r = Reader(body)
    known = r.i64()
    filters: list[Filter] = []
    for _ in range(read_count(r, 3)):
        pos = r.pos
        code = r.i16()
        if code == _ATTRIBUTE:
            filters.append(AttributeFilter(read_str(r), read_str(r)))
        elif code == _ROLE:
            filters.append(RoleFilter(r.bool()))
        else:
            raise ParseError(f"unknown cluster group filter {code} at offset {pos}")
    return GetNodeIds(known, tuple(filters))


def encode_get_node_ids(msg: GetNodeIds, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i64(msg.known_version)
    w.i32(len(msg.filters))
    for f in msg.filters:
        if isinstance(f, AttributeFilter):
            w.i16(_ATTRIBUTE)
            write_str(w, f.name)
            write_str(w, f.value)
        else:
            w.i16(_ROLE)
            w.bool(f.servers)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class GetNodeIdsResponse:
    """``version`` None: the topology is not newer than the one the client
    knows (only ``false`` travels); else the current version and the ids."""

    version: int | None
    node_ids: tuple[uuid.UUID, ...] = ()


def decode_get_node_ids_response(
    body: Buffer, ctx: ProtocolContext
) -> GetNodeIdsResponse:
    r = Reader(body)
    if not r.bool():
        expect_end(r)
        return GetNodeIdsResponse(None)
    version = r.i64()
    ids = tuple(r.raw_uuid() for _ in range(read_count(r, _UUID_SIZE)))
    expect_end(r)
    return GetNodeIdsResponse(version, ids)


def encode_get_node_ids_response(
    msg: GetNodeIdsResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.bool(msg.version is not None)
    if msg.version is not None:
        w.i64(msg.version)
        w.i32(len(msg.node_ids))
        for node_id in msg.node_ids:
            w.raw_uuid(node_id)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class GetNodeInfo:
    """5101 → ``GetNodeInfoResponse``: the nodes of ``node_ids`` that are in the
    topology now (unknown ids are left out)."""

    node_ids: tuple[uuid.UUID, ...]


def decode_get_node_info(body: Buffer, ctx: ProtocolContext) -> GetNodeInfo:
    r = Reader(body)
    ids = tuple(r.raw_uuid() for _ in range(read_count(r, _UUID_SIZE)))
    return GetNodeInfo(ids)


def encode_get_node_info(msg: GetNodeInfo, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i32(len(msg.node_ids))
    for node_id in msg.node_ids:
        w.raw_uuid(node_id)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class ProductVersion:
    """Ignite's IgniteProductVersion as a node reports it."""

    major: int
    minor: int
    maintenance: int
    stage: str | None
    revision_timestamp: int
    revision_hash: bytes | None


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """One node of 5101. ``attributes``: (name, encoded value) pairs;
    ``addresses``, ``host_names`` and ``consistent_id``: encoded data objects
    (collections of strings, and usually a String)."""

    node_id: uuid.UUID | None
    attributes: tuple[tuple[str | None, bytes], ...]
    addresses: bytes
    host_names: bytes
    order: int
    is_local: bool
    is_daemon: bool
    is_client: bool
    consistent_id: bytes
    version: ProductVersion


@dataclass(frozen=True, slots=True)
class GetNodeInfoResponse:
    nodes: tuple[NodeInfo, ...]


def _read_node(r: Reader) -> NodeInfo:
    node_id = read_uuid(r)
    attributes = tuple((read_str(r), read_obj(r)) for _ in range(read_count(r, 2)))
    addresses, host_names = read_obj(r), read_obj(r)
    order = r.i64()
    is_local, is_daemon, is_client = r.bool(), r.bool(), r.bool()
    consistent_id = read_obj(r)
    version = ProductVersion(
        r.u8(), r.u8(), r.u8(), read_str(r), r.i64(), read_byte_array(r)
    )
    return NodeInfo(
        node_id,
        attributes,
        addresses,
        host_names,
        order,
        is_local,
        is_daemon,
        is_client,
        consistent_id,
        version,
    )


def _write_node(w: Writer, node: NodeInfo) -> None:
    write_uuid(w, node.node_id)
    w.i32(len(node.attributes))
    for name, value in node.attributes:
        write_str(w, name)
        write_obj(w, value)
    write_obj(w, node.addresses)
    write_obj(w, node.host_names)
    w.i64(node.order)
    w.bool(node.is_local)
    w.bool(node.is_daemon)
    w.bool(node.is_client)
    write_obj(w, node.consistent_id)
    v = node.version
    w.u8(v.major)
    w.u8(v.minor)
    w.u8(v.maintenance)
    write_str(w, v.stage)
    w.i64(v.revision_timestamp)
    write_byte_array(w, v.revision_hash)


def decode_get_node_info_response(
    body: Buffer, ctx: ProtocolContext
) -> GetNodeInfoResponse:
    r = Reader(body)
    nodes = tuple(_read_node(r) for _ in range(read_count(r, 1)))
    expect_end(r)
    return GetNodeInfoResponse(nodes)


def encode_get_node_info_response(
    msg: GetNodeInfoResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.i32(len(msg.nodes))
    for node in msg.nodes:
        _write_node(w, node)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class GetNodeEndpoints:
    """5102 → ``GetNodeEndpointsResponse``: the server nodes that joined and
    left between topology versions ``start`` and ``end``; ``start`` -1: every
    node of ``end`` counts as joined; ``end`` -1: the current version."""

    start: int
    end: int


def decode_get_node_endpoints(body: Buffer, ctx: ProtocolContext) -> GetNodeEndpoints:
    r = Reader(body)
    return GetNodeEndpoints(r.i64(), r.i64())


def encode_get_node_endpoints(msg: GetNodeEndpoints, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i64(msg.start)
    w.i64(msg.end)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class NodeEndpoint:
    """Where a client reaches a node: its thin-client port and its addresses
    (IP addresses first, then host names)."""

    node_id: uuid.UUID
    port: int
    addresses: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class GetNodeEndpointsResponse:
    version: int
    joined: tuple[NodeEndpoint, ...]
    left: tuple[uuid.UUID, ...]


def decode_get_node_endpoints_response(
    body: Buffer, ctx: ProtocolContext
) -> GetNodeEndpointsResponse:
    r = Reader(body)
    version = r.i64()
    joined = []
    for _ in range(read_count(r, 24)):
        node_id, port = r.raw_uuid(), r.i32()
        addresses = tuple(read_str(r) for _ in range(read_count(r, 1)))
        joined.append(NodeEndpoint(node_id, port, addresses))
    left = tuple(r.raw_uuid() for _ in range(read_count(r, _UUID_SIZE)))
    expect_end(r)
    return GetNodeEndpointsResponse(version, tuple(joined), left)


def encode_get_node_endpoints_response(
    msg: GetNodeEndpointsResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.i64(msg.version)
    w.i32(len(msg.joined))
    for node in msg.joined:
        w.raw_uuid(node.node_id)
        w.i32(node.port)
        w.i32(len(node.addresses))
        for address in node.addresses:
            write_str(w, address)
    w.i32(len(msg.left))
    for node_id in msg.left:
        w.raw_uuid(node_id)
    return w.getvalue()

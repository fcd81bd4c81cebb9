"""Partitions, rendezvous assignment and lookups over the 1101 map (reference §12).

The 1101 codec itself is ``protocol.messages.partitions``; its round trips, garbage
and truncation contracts and pyignite's parse of it are in ``test_messages_*.py``.
Only what those do not check is here: the exact byte layout, pyignite consuming every
byte of our map, and generated round trips of whole maps."""

from __future__ import annotations

import struct
import types
import uuid
from typing import Any

import pyignite.api.affinity as py_affinity
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyignite.client import BaseClient
from pyignite.connection.protocol_context import ProtocolContext as PyContext
from pyignite.datatypes import Int, Long
from pyignite.queries.response import Response as PyResponse
from pyignite.stream import BinaryStream
from pyignite.utils import hashcode as py_hashcode

from embergrid.errors import ParseError
from embergrid.protocol.affinity import (
    AffinityNode,
    assign_partition,
    assign_partitions,
    java_uuid_order,
    partition_count,
    partition_for_hash,
    primary_node,
    primary_partitions,
    wang_mix,
)
from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.handshake import ProtocolVersion
from embergrid.protocol.headers import response_frame
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.partitions import (
    CacheKeyAffinity,
    CachePartitionsResponse,
    NodePartitions,
    PartitionGroup,
    decode_cache_partitions_response,
    encode_cache_partitions_response,
)

SETTINGS = settings(max_examples=200, deadline=None)
i32 = st.integers(-(1 << 31), (1 << 31) - 1)


def java_string_hash(s: str) -> int:
    data = s.encode("utf-16-le")
    h = 0
    for unit in struct.unpack(f"<{len(data) // 2}H", data):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


# -- reference §15.1 vectors ---------------------------------------------------


@pytest.mark.parametrize(
    ("key_hash", "partitions", "expected"),
    [
        (1912276436, 1024, 47),  # long 1234567890123
        (3, 1024, 3),  # UUID 00000000-0000-0001-0000-000000000002
        (3288498, 1024, 384),  # "key1"
        (3288498, 1000, 498),
        (42, 1024, 42),
        (-7, 1024, 6),
        (-7, 1000, 7),
        (-(1 << 31), 1000, 648),  # Java: abs(MIN_INT % 1000) = 648
    ],
)
def test_partition_vectors(key_hash: int, partitions: int, expected: int) -> None:
    assert partition_for_hash(key_hash, partitions) == expected


def test_string_hash_helper_matches_pyignite() -> None:
    assert java_string_hash("key1") == py_hashcode("key1") == 3288498
    assert java_string_hash("node-a") == py_hashcode("node-a")


def test_wang_mix_vector() -> None:
    assert wang_mix(0x12345678, 5) == 2608710774463937236


@pytest.mark.parametrize(
    ("partition", "weight_a", "weight_b", "primary"),
    [
        (0, 2735935638374601795, -7729867515342728460, "b"),
        (1, 6422840012272082158, -1890733109051842734, "b"),
        (2, 315893088177351448, 9106417831113415298, "a"),
    ],
)
def test_rendezvous_example(
    partition: int, weight_a: int, weight_b: int, primary: str
) -> None:
    a = AffinityNode(uuid.UUID(int=1), java_string_hash("node-a"))
    b = AffinityNode(uuid.UUID(int=2), java_string_hash("node-b"))
    assert wang_mix(a.consistent_id_hash, partition) == weight_a
    assert wang_mix(b.consistent_id_hash, partition) == weight_b
    owners = assign_partition(partition, [a, b], backups=1)
    assert owners == ([a, b] if primary == "a" else [b, a])
    assert assign_partition(partition, [a, b])[0] is owners[0]


# -- pyignite's partition computation ------------------------------------------

PARTS = 1024
_PY_NODES = [
    types.SimpleNamespace(uuid=uuid.UUID(int=p + 1), alive=True) for p in range(PARTS)
]
_PY_MAPPING = {"node_mapping": {n.uuid: {p} for p, n in enumerate(_PY_NODES)}}
_PY_CLIENT = types.SimpleNamespace(
    _nodes=_PY_NODES, _cache_partition_mapping=lambda _cid: _PY_MAPPING
)


def pyignite_partition(key_hash: int) -> int:
    """pyignite's BaseClient._get_node_by_hashcode with one node per partition."""
    node = BaseClient._get_node_by_hashcode(_PY_CLIENT, 1, key_hash, PARTS)
    return int(node.uuid.int) - 1


@SETTINGS
@given(i32)
def test_partition_agrees_with_pyignite(key_hash: int) -> None:
    assert partition_for_hash(key_hash, PARTS) == pyignite_partition(key_hash)


@SETTINGS
@given(i32, st.integers(1, 5000))
def test_partition_in_range_and_java_remainder(key_hash: int, partitions: int) -> None:
    part = partition_for_hash(key_hash, partitions)
    assert 0 <= part < partitions
    if partitions & (partitions - 1):
        java_rem = abs(key_hash) % partitions * (1 if key_hash >= 0 else -1)
        assert part == abs(java_rem)


# -- rendezvous assignment -----------------------------------------------------

nodes_strategy = st.lists(
    st.builds(AffinityNode, st.uuids(), i32),
    min_size=1,
    max_size=6,
    unique_by=lambda n: n.node_id,
)


@SETTINGS
@given(nodes_strategy, st.integers(0, 4), st.integers(0, 4095))
def test_partitioned_owners(nodes: list[AffinityNode], backups: int, part: int) -> None:
    owners = assign_partition(part, nodes, backups)
    assert len(owners) == (1 if len(nodes) == 1 else min(backups + 1, len(nodes)))
    assert len({o.node_id for o in owners}) == len(owners)
    ranked = sorted(
        nodes,
        key=lambda n: (
            wang_mix(n.consistent_id_hash, part),
            java_uuid_order(n.node_id),
        ),
    )
    assert owners == ranked[: len(owners)]


@SETTINGS
@given(nodes_strategy, st.integers(0, 4095))
def test_replicated_owners(nodes: list[AffinityNode], part: int) -> None:
    owners = assign_partition(part, nodes, replicated=True)
    primary = assign_partition(part, nodes)[0]
    assert owners[0] is primary
    assert owners[1:] == [n for n in nodes if n is not primary]


def test_equal_weights_tie_break_by_java_uuid_order() -> None:
    # Java compares the most significant half as a *signed* long: 0x8... < 0x0...
    high = AffinityNode(uuid.UUID("80000000-0000-0000-0000-000000000000"), 7)
    low = AffinityNode(uuid.UUID("00000000-0000-0000-0000-000000000001"), 7)
    for part in range(4):
        assert assign_partition(part, [low, high])[0] is high
    assert java_uuid_order(high.node_id) < java_uuid_order(low.node_id)
    lsb_neg = uuid.UUID("00000000-0000-0000-8000-000000000000")
    assert java_uuid_order(lsb_neg) < java_uuid_order(low.node_id)


def test_assign_partitions_and_primary_map() -> None:
    nodes = [
        AffinityNode(uuid.UUID(int=i + 1), java_string_hash(f"node-{i}"))
        for i in range(3)
    ]
    assignment = assign_partitions(nodes, 64, backups=1)
    listed = primary_partitions(nodes, assignment)
    assert sorted(p for n in listed for p in n.partitions) == list(range(64))
    assert [n.node_id for n in listed] == [
        n.node_id for n in nodes if any(a[0] is n for a in assignment)
    ]
    group = PartitionGroup(True, (CacheKeyAffinity(1),), listed)
    assert partition_count(group) == 64
    for key_hash in range(-300, 300, 7):
        expected = assignment[partition_for_hash(key_hash, 64)][0].node_id
        assert primary_node(group, key_hash) == expected


def test_single_node_owns_everything() -> None:
    node = AffinityNode(uuid.UUID(int=9), 0)
    assignment = assign_partitions([node])
    assert all(owners == [node] for owners in assignment)
    group = PartitionGroup(
        True, (CacheKeyAffinity(5),), primary_partitions([node], assignment)
    )
    assert partition_count(group) == 1024
    assert primary_node(group, 123456) == node.node_id


def test_primary_node_none_when_not_applicable_or_empty() -> None:
    assert primary_node(PartitionGroup(False, (CacheKeyAffinity(1),)), 5) is None
    assert primary_node(PartitionGroup(True, (CacheKeyAffinity(1),)), 5) is None


# -- the 1101 map of messages/partitions.py: what test_messages_* does not check --

V17 = ProtocolContext((1, 7, 0))
V17_ALL_MAPPINGS = ProtocolContext((1, 7, 0), ProtocolFeature.ALL_AFFINITY_MAPPINGS)
A = uuid.UUID("00000000-0000-0001-0000-000000000002")
B = uuid.UUID("ffffffff-0000-0000-0000-0000000000ff")
SAMPLE = CachePartitionsResponse(
    3,
    1,
    (
        PartitionGroup(
            True,
            (CacheKeyAffinity(10, ((5, 6),)), CacheKeyAffinity(11)),
            (NodePartitions(A, (0, 2)), NodePartitions(B, (1, 3))),
        ),
        PartitionGroup(False, (CacheKeyAffinity(12),)),
    ),
)


def test_partition_map_layout() -> None:
    wire = encode_cache_partitions_response(SAMPLE, V17)
    expected = bytes.fromhex(
        "0300000000000000 01000000 02000000"
        " 01 02000000 0a000000 01000000 05000000 06000000 0b000000 00000000"
        " 02000000 0a 0100000000000000 0200000000000000 02000000 00000000 02000000"
        " 0a 00000000ffffffff ff00000000000000 02000000 01000000 03000000"
        " 00 01000000 0c000000"
    )
    assert wire == expected
    assert decode_cache_partitions_response(wire, V17) == SAMPLE
    for cut in range(len(wire)):  # no prefix of this map is itself a valid map
        with pytest.raises(ParseError):
            decode_cache_partitions_response(wire[:cut], V17)


def test_all_affinity_mappings_adds_default_affinity_to_applicable_groups() -> None:
    # A 3-node Ignite 2.18 cluster's answer for one REPLICATED cache, with
    # ALL_AFFINITY_MAPPINGS negotiated: no bool after a non-applicable group.
    observed = bytes.fromhex("0300000000000000 05000000 01000000 00 01000000 5b9426c4")
    replicated = CachePartitionsResponse(
        3, 5, (PartitionGroup(False, (CacheKeyAffinity(-1004104613),)),)
    )
    assert decode_cache_partitions_response(observed, V17_ALL_MAPPINGS) == replicated
    assert encode_cache_partitions_response(replicated, V17_ALL_MAPPINGS) == observed
    applicable = CachePartitionsResponse(
        1,
        0,
        (
            PartitionGroup(
                True,
                (CacheKeyAffinity(1),),
                (NodePartitions(uuid.UUID(int=1), (0,)),),
                False,
            ),
        ),
    )
    wire = encode_cache_partitions_response(applicable, V17_ALL_MAPPINGS)
    assert wire.endswith(bytes.fromhex("00"))
    assert decode_cache_partitions_response(wire, V17_ALL_MAPPINGS) == applicable
    assert encode_cache_partitions_response(applicable, V17) == wire[:-1]


def test_pyignite_reads_every_byte_of_our_partition_map() -> None:
    wire = response_frame(
        ProtocolVersion(1, 7, 0),
        1,
        body=encode_cache_partitions_response(SAMPLE, V17),
    )
    stream = BinaryStream(None, wire)
    resp = PyResponse(
        following=[
            ("version_major", Long),
            ("version_minor", Int),
            ("partition_mapping", py_affinity.partition_mapping),
        ],
        protocol_context=PyContext((1, 7, 0)),
    )
    obj = stream.read_ctype(resp.parse(stream), position=0)
    assert stream.tell() == len(wire)
    post_process = vars(py_affinity)["__post_process_partitions"]
    value: dict[str, Any] = post_process(
        types.SimpleNamespace(status=0, value=resp.to_python(obj))
    ).value
    assert value["version"] == (3, 1)
    nodes = {A: {0, 2}, B: {1, 3}}
    assert value["partition_mapping"] == {
        10: {
            "is_applicable": True,
            "cache_config": {5: 6},
            "node_mapping": nodes,
            "number_of_partitions": 4,
        },
        11: {
            "is_applicable": True,
            "cache_config": {},
            "node_mapping": nodes,
            "number_of_partitions": 4,
        },
        12: {"is_applicable": False, "number_of_partitions": 0},
    }


@st.composite
def groups(draw: st.DrawFn, all_mappings: bool) -> PartitionGroup:
    applicable = draw(st.booleans())
    configs = st.lists(st.tuples(i32, i32), max_size=2).map(tuple)
    caches = draw(
        st.lists(
            st.builds(CacheKeyAffinity, i32, configs if applicable else st.just(())),
            max_size=3,
        )
    )
    nodes: tuple[NodePartitions, ...] = ()
    if applicable:
        nodes = tuple(
            draw(
                st.lists(
                    st.builds(
                        NodePartitions,
                        st.uuids(),
                        st.lists(st.integers(0, 1023), max_size=4).map(tuple),
                    ),
                    max_size=3,
                )
            )
        )
    default = draw(st.booleans()) if all_mappings and applicable else True
    return PartitionGroup(applicable, tuple(caches), nodes, default)


@SETTINGS
@given(st.data(), st.booleans())
def test_generated_partition_map_round_trip(
    data: st.DataObject, all_mappings: bool
) -> None:
    ctx = V17_ALL_MAPPINGS if all_mappings else V17
    pm = CachePartitionsResponse(
        data.draw(st.integers(0, 1 << 40)),
        data.draw(i32),
        tuple(data.draw(st.lists(groups(all_mappings), max_size=3))),
    )
    body = encode_cache_partitions_response(pm, ctx)
    assert decode_cache_partitions_response(body, ctx) == pm


def test_partition_count_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        partition_for_hash(1, 0)

"""The client's partition table (``client.flows.routing``) names, for every key, the
node that ``protocol.affinity.primary_node`` (the server's lookup over the same 1101
map) names: the table is only a precomputed form of that lookup."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from embergrid.client.flows._state import ClientState
from embergrid.client.flows.routing import key_node, partition_table
from embergrid.protocol.affinity import (
    AffinityNode,
    assign_partitions,
    primary_node,
    primary_partitions,
)
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import hash_key_bytes
from embergrid.protocol.messages import partitions as pm

CACHE_ID = 42
NODES = [AffinityNode(uuid.UUID(int=i * 7919 + 1), i * 31 + 5) for i in range(3)]


def _response(partitions: int) -> pm.CachePartitionsResponse:
    assignment = assign_partitions(NODES, partitions)
    group = pm.PartitionGroup(
        applicable=True,
        caches=(pm.CacheKeyAffinity(CACHE_ID),),
        nodes=primary_partitions(NODES, assignment),
    )
    return pm.CachePartitionsResponse(3, 0, (group,))


def _route(state: ClientState, resp: pm.CachePartitionsResponse, key: bytes) -> object:
    flow = key_node(state, CACHE_ID, key)
    try:
        next(flow)  # the 1101 request: answered with ``resp``
        flow.send(type("R", (), {"message": resp})())
    except StopIteration as stop:
        return stop.value
    raise AssertionError("key_node asked twice")


@settings(max_examples=200, deadline=None)
@given(
    key=st.one_of(st.integers(-(2**31), 2**31 - 1), st.text(max_size=20)),
    partitions=st.sampled_from([1, 7, 64, 1024]),
)
def test_the_table_agrees_with_the_shared_lookup(key: object, partitions: int) -> None:
    resp = _response(partitions)
    state = ClientState(routing=True)
    encoded = encode(key)
    expected = primary_node(resp.groups[0], hash_key_bytes(encoded))
    assert _route(state, resp, encoded) == expected
    assert len(partition_table(resp, CACHE_ID).owners) == partitions


def test_a_group_that_cannot_be_routed_gives_no_node() -> None:
    group = pm.PartitionGroup(applicable=False, caches=(pm.CacheKeyAffinity(CACHE_ID),))
    resp = pm.CachePartitionsResponse(3, 0, (group,))
    assert _route(ClientState(routing=True), resp, encode(1)) is None
    assert primary_node(group, hash_key_bytes(encode(1))) is None

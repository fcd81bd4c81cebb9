"""How continuous-query events are grouped into notifications (op 2007), on our
server and on Ignite 2.18, read off the wire (the clients hide it).

On one node every key's primary is the node the listener is connected to, and
Ignite hands such an event to the query's listener at once, alone: the page size
and the time interval (the buffer a remote primary keeps for the listener's
node) change nothing. A put_all of three keys gives three notifications of one
event each, whatever the page size and interval.

In a cluster (three embergrid nodes on one data dir, a 3-node Ignite cluster with
the same consistent ids), the change of a key whose primary is another node is
held for a page (``page_size`` events of that node) or until the time interval
elapses, and then comes as one notification, after later changes of the
listener's own node's keys.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from _reference import ReferenceCluster
from _targets import Target
from embergrid import Client
from embergrid.protocol.affinity import AffinityNode, assign_partitions
from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.binary.hashing import (
    cache_id,
    hash_key_bytes,
    java_string_hash,
    partition,
)
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.continuous import (
    ContinuousQuery,
    decode_events,
    encode_continuous_query,
)
from server._nodes import start_node
from server._wire import RawSocket

WAIT_S = 60.0  # a bound on waiting for what must come (never a timing claim)
SENTINEL, END = "ready", "end"


def _subscribe(raw: RawSocket, name: str, page_size: int, interval_ms: int) -> int:
    query = ContinuousQuery(CachePrefix(cache_id(name)), page_size, interval_ms)
    body = encode_continuous_query(query, ProtocolContext())
    resp = raw.call(OpCode.QUERY_CONTINUOUS, body)
    assert resp.header.status == 0, resp
    return int.from_bytes(bytes(resp.body[:8]), "little", signed=True)


def _notification(raw: RawSocket, resource_id: int) -> list[Any]:
    """The keys of the next notification's events."""
    event = raw.response()
    assert event.op_code is None, event  # a notification, not an answer
    assert event.header.request_id == resource_id
    return [decode(e.key) for e in decode_events(event.body)]


def _prime(raw: RawSocket, rid: int, cache: Any, sentinel: Any = SENTINEL) -> None:
    """Write the sentinel until its event comes: Ignite starts delivering only
    once its answer to 2006 is sent (see tests/client/test_listen.py)."""
    heard = threading.Event()

    def write() -> None:
        i = 0
        while not heard.is_set():
            cache.put(sentinel, i)
            i += 1
            heard.wait(0.05)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert sentinel in _notification(raw, rid)
    finally:
        heard.set()
        writer.join()


@pytest.mark.parametrize(("page_size", "interval_ms"), [(4, 0), (4, 600_000)])
def test_on_one_node_each_event_comes_alone_whatever_the_page_size(
    target: Target, cache_name: str, page_size: int, interval_ms: int
) -> None:
    client = Client()
    with client.connect(target.host, target.port):
        cache = client.create_cache(cache_name)
        raw = RawSocket((target.host, target.port), timeout=WAIT_S)
        raw.handshake()
        rid = _subscribe(raw, cache_name, page_size, interval_ms)
        _prime(raw, rid, cache)
        cache.put_all({1: "a", 2: "b", 3: "c"})
        cache.put(END, 0)
        heard = []
        while END not in (keys := _notification(raw, rid)):
            if keys != [SENTINEL]:
                heard.append(keys)
        assert keys == [END]
        assert sorted(heard) == [[1], [2], [3]]
        raw.close()
        cache.destroy()


# -- a cluster: keys whose primary is another node ---------------------------------

NAMES = [f"reference-node-{i}" for i in range(3)]


def _primaries(node_ids: list[uuid.UUID]) -> Callable[[Any], int]:
    """Key -> the index of its primary node, by Ignite's affinity (both clusters
    have the same consistent ids, so the same owners, as test_diff_cluster.py
    shows)."""
    nodes = [
        AffinityNode(n, java_string_hash(name))
        for n, name in zip(node_ids, NAMES, strict=True)
    ]
    owners = assign_partitions(nodes, 1024)

    def primary(key: Any) -> int:
        part = partition(hash_key_bytes(encode(key)), 1024)
        return nodes.index(owners[part][0])

    return primary


def _keys(primary: Callable[[Any], int], node: int, n: int) -> list[int]:
    return [k for k in range(10_000) if primary(k) == node][:n]


def _cluster_scenario(ports: list[int], node_ids: list[uuid.UUID]) -> list[Any]:
    """A listener on node 0 with page size 2 (no interval), then page size 10
    and a 0.5 s interval: the notifications it gets for changes of keys of node
    0 and of node 1 (every write goes through node 0)."""
    primary = _primaries(node_ids)
    mine = _keys(primary, 0, 4)
    theirs = _keys(primary, 1, 3)
    sentinel = mine.pop()
    heard: list[Any] = []
    client = Client()
    with client.connect("127.0.0.1", ports[0]):
        for page_size, interval_ms, writes, notes in (
            (2, 0, [theirs[0], mine[0], theirs[1]], 2),
            (10, 500, [theirs[2], mine[1]], 2),
        ):
            name = f"cq-cluster-{page_size}-{uuid.uuid4().hex[:8]}"
            cache = client.create_cache(name)
            raw = RawSocket(("127.0.0.1", ports[0]), timeout=WAIT_S)
            raw.handshake()
            rid = _subscribe(raw, name, page_size, interval_ms)
            _prime(raw, rid, cache, sentinel)
            for key in writes:
                cache.put(key, "v")
            got = []
            while len(got) < notes:
                keys = _notification(raw, rid)
                if keys != [sentinel]:
                    got.append(keys)
            got = [[writes.index(k) for k in keys] for keys in got]
            # The interval's flush may come at any moment: no order claimed then.
            heard.append(got if interval_ms == 0 else sorted(got))
            raw.close()
            cache.destroy()
    return heard


# The change of node 0's key comes at once; node 1's are held until a page is
# full (first query: after the later change of node 0's key) or the interval
# elapses (second: a page of one), by index into the writes.
CLUSTER_EXPECTED = [[[1], [0, 2]], [[0], [1]]]


@pytest.mark.timeout(600)
def test_a_cluster_holds_other_primaries_events_for_a_page_or_the_interval(
    tmp_path: Path,
) -> None:
    nodes = [start_node(tmp_path, name) for name in NAMES]
    try:
        ids = [n.node_id() for n in nodes]
        assert _cluster_scenario([n.port for n in nodes], ids) == CLUSTER_EXPECTED
    finally:
        for node in nodes:
            node.stop()


@pytest.mark.timeout(600)
def test_a_reference_cluster_holds_other_primaries_events_likewise(
    reference_cluster: ReferenceCluster,
) -> None:
    ids = [uuid.UUID(n) for n in reference_cluster.node_ids]
    assert _cluster_scenario(reference_cluster.ports, ids) == CLUSTER_EXPECTED

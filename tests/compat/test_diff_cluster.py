"""Three embergrid nodes on one data dir against a real 3-node Ignite 2.18 cluster.

Both clusters have the consistent ids ``reference-node-0..2``, so Ignite's
RendezvousAffinityFunction must give both the same partition owners. One
scenario runs on each and records what a client can observe, by consistent id
(node UUIDs differ between runs): the topology version at every node, op 1101's
map (which caches are applicable, partition -> primary), op 1100's primaries
per node, the peek-mode sizes (1020) and local peeks (1021) of caches with 0, 1
and 2 backups and a REPLICATED one; then node 2 leaves (a clean stop) and
joins again, and the version and map are recorded after each. At the start,
after the leave and after the join, the cluster-group ops are recorded too:
5100 (node ids, with each filter), 5101 (what each node says of every node:
the attributes embergrid serves, addresses, order, local, client, consistent
id, version) and 5102 (endpoints joined and left since each earlier version,
and the errors for a version no node knows).

Ignite loses the entries of a backup-less cache whose primary left (in-memory
partitions) and rebalances backups afterwards; embergrid's nodes share one
store, so sizes are compared only while all three nodes live.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from pyignite import Client
from pyignite.datatypes.key_value import PeekModes
from pyignite.datatypes.prop_codes import (
    PROP_NAME,
)

from _reference import ReferenceCluster, on_fresh_cluster
from compat._cluster import (
    CACHES,
    Cluster,
    call,
    node_partitions,
    partitions,
    settled,
    version,
)
from compat._wire import Wire
from embergrid.datatypes import IntObject
from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import cache as cm
from embergrid.protocol.messages import cluster_group as cg
from embergrid.server.topology import requested_order
from server._nodes import ServeNode, start_node

pytestmark = pytest.mark.timeout(600)

NAMES = [f"reference-node-{i}" for i in range(3)]
PEEKS = {
    "none": [],
    "ALL": [PeekModes.ALL],
    "NEAR": [PeekModes.NEAR],
    "PRIMARY": [PeekModes.PRIMARY],
    "BACKUP": [PeekModes.BACKUP],
    "ONHEAP": [PeekModes.ONHEAP],
    "OFFHEAP": [PeekModes.OFFHEAP],
    "PRIMARY+BACKUP": [PeekModes.PRIMARY, PeekModes.BACKUP],
    "BACKUP+OFFHEAP": [PeekModes.BACKUP, PeekModes.OFFHEAP],
    "NEAR+ONHEAP": [PeekModes.NEAR, PeekModes.ONHEAP],
}
KEYS = 200
# What both kinds of node carry, under the same names (a real node adds its JVM's
# properties and environment).
ATTRIBUTES = (
    "clientListenerPort",
    "org.apache.ignite.build.ver",
    "org.apache.ignite.cache.client",
    "org.apache.ignite.consistent.id",
)
FILTERS: dict[str, tuple[cg.AttributeFilter | cg.RoleFilter, ...]] = {
    "all": (),
    "servers": (cg.RoleFilter(True),),
    "clients": (cg.RoleFilter(False),),
    "node 1": (cg.AttributeFilter("org.apache.ignite.consistent.id", NAMES[1]),),
    "version": (cg.AttributeFilter("org.apache.ignite.build.ver", "2.18.0"),),
    "servers, not node 9": (
        cg.RoleFilter(True),
        cg.AttributeFilter("org.apache.ignite.consistent.id", "reference-node-9"),
    ),
    "no such attribute": (cg.AttributeFilter("no.such.attribute", None),),
}


def _local_peeks(c: Cluster, i: int, name: str) -> int:
    found = 0
    with Wire(c.address(i)) as w:
        for key in range(KEYS):
            peek = cm.CacheLocalPeek(
                cm.CachePrefix(cache_id(name)), encode(key, IntObject)
            )
            result = w.call(OpCode.CACHE_LOCAL_PEEK, peek)
            found += result[0] == "ok" and result[1].value is not None
    return found


def _node_ids(c: Cluster, names: dict[uuid.UUID, str]) -> Any:
    """5100 at node 0 with each filter; node ids as consistent ids."""
    seen = {}
    for label, filters in FILTERS.items():
        result = call(
            c, 0, OpCode.CLUSTER_GROUP_GET_NODE_IDS, cg.GetNodeIds(-1, filters)
        )
        assert result[0] == "ok", result
        resp = result[1]
        seen[label] = (resp.version, [names[n] for n in resp.node_ids])
    version = seen["all"][0]
    for known in (version - 1, version, version + 1):
        result = call(c, 0, OpCode.CLUSTER_GROUP_GET_NODE_IDS, cg.GetNodeIds(known))
        seen[f"known {known - version:+d}"] = (
            result[1].version,
            len(result[1].node_ids),
        )
    return seen


def _node_info(c: Cluster, i: int, names: dict[uuid.UUID, str]) -> Any:
    """5101 at node ``i`` for every node (asked in reverse order, plus an id no
    node has and one twice): each node by consistent id, its client port as a
    node index, and whether the nodes came in the order of a Java HashSet of
    the ids asked for (node UUIDs differ between the two clusters, so the order
    itself does not compare)."""
    ids = [*sorted(names, key=str, reverse=True), uuid.UUID(int=7)]
    ids.append(ids[0])
    result = call(c, i, OpCode.CLUSTER_GROUP_GET_NODE_INFO, cg.GetNodeInfo(tuple(ids)))
    assert result[0] == "ok", result
    nodes = []
    for n in result[1].nodes:
        attributes = dict(n.attributes)
        assert set(ATTRIBUTES) <= set(attributes), n.node_id
        shown = {name: decode(attributes[name]) for name in ATTRIBUTES}
        shown["clientListenerPort"] = c.ports.index(shown["clientListenerPort"])
        v = n.version
        nodes.append(
            (
                names[n.node_id] if n.node_id is not None else None,
                shown,
                decode(n.addresses),
                decode(n.host_names),
                n.order,
                (n.is_local, n.is_daemon, n.is_client),
                decode(n.consistent_id),
                (v.major, v.minor, v.maintenance, v.stage),
                v.revision_hash is not None and len(v.revision_hash),
            )
        )
    got = [n.node_id for n in result[1].nodes]
    hashed = got == requested_order(ids, set(got))
    return hashed, sorted(nodes, key=repr)


def _endpoints(c: Cluster, names: dict[uuid.UUID, str], since: list[int]) -> Any:
    """5102 at node 1 from every version of ``since`` (and -1) to now, and
    from 1 to 2, with a version no node knows at either end."""
    seen = []
    asks = [(v, -1) for v in (-1, *since)] + [(1, 2), (99, -1), (-1, 99), (1, 99)]
    for start, end in asks:
        msg = cg.GetNodeEndpoints(start, end)
        result = call(c, 1, OpCode.CLUSTER_GROUP_GET_NODE_ENDPOINTS, msg)
        if result[0] != "ok":
            seen.append(((start, end), result))
            continue
        resp = result[1]
        joined = sorted(
            (names[e.node_id], c.ports.index(e.port), e.addresses) for e in resp.joined
        )
        left = sorted(names[n] for n in resp.left)
        seen.append(((start, end), resp.version, joined, left))
    return seen


def _cluster_group(c: Cluster, names: dict[uuid.UUID, str], since: list[int]) -> Any:
    names.update(c.ids())  # every node id seen so far, those that left too
    return [
        ("5100", _node_ids(c, names)),
        ("5101", [_node_info(c, i, names) for i in (0, 1)]),
        ("5102", _endpoints(c, names, since)),
    ]


def scenario(c: Cluster) -> list[Any]:
    names: dict[uuid.UUID, str] = {}
    seen: list[Any] = [("start", [version(c, i) for i in range(3)])]
    seen.append(("cluster group at the start", _cluster_group(c, names, [1, 2])))
    client = Client(partition_aware=False)
    with client.connect(*c.address(0)):
        for name, props in CACHES.items():
            cache = client.get_or_create_cache({PROP_NAME: name, **props})
            cache.put_all({k: k for k in range(KEYS)})
        seen.append(("versions", [version(c, i) for i in range(3)]))
        seen.append(("1101", [partitions(c, i, CACHES) for i in range(3)]))
        for name in CACHES:
            cache = client.get_cache(name)
            sizes = {label: cache.get_size(modes) for label, modes in PEEKS.items()}
            seen.append((name, "sizes", sizes))
            seen.append((name, "1100", node_partitions(c, 1, name)))
            seen.append(
                (name, "local peeks", [_local_peeks(c, i, name) for i in (0, 2)])
            )
    c.stop(2)
    seen.append(("after a leave", settled(c, (4, 1), CACHES)))
    seen.append(("cluster group after a leave", _cluster_group(c, names, [2, 3])))
    c.start(2)
    seen.append(("after a join", settled(c, (5, 1), CACHES)))
    seen.append(("cluster group after a join", _cluster_group(c, names, [3, 4])))
    return seen


def _reference(cluster: ReferenceCluster) -> Cluster:
    return Cluster(
        cluster.ports,
        lambda: {uuid.UUID(n): NAMES[i] for i, n in enumerate(cluster.node_ids)},
        cluster.stop,
        lambda i: cluster.start(i) and None,
    )


def _ours(tmp_path: Path, nodes: list[ServeNode]) -> Cluster:
    def ids() -> dict[uuid.UUID, str]:
        return {n.node_id(): n.consistent_id for n in nodes if n.process.poll() is None}

    def stop(i: int) -> None:
        nodes[i].stop()

    def start(i: int) -> None:
        nodes[i] = start_node(tmp_path, NAMES[i], port=nodes[i].port)

    return Cluster([n.port for n in nodes], ids, stop, start)


def test_three_nodes_as_a_three_node_ignite_cluster(
    fresh_reference_cluster: ReferenceCluster, tmp_path: Path
) -> None:
    nodes = [start_node(tmp_path, name) for name in NAMES]
    try:
        ours = scenario(_ours(tmp_path, nodes))
    finally:
        for node in nodes:
            node.stop()
    (maps,) = [step[1] for step in ours if step[0] == "1101"]
    for _, groups in maps:  # not vacuous: every node maps over all three nodes
        owners = [g[2] for g in groups if g[0]]
        assert len(owners) == 1
        assert len(owners[0]) == 1024
        assert set(owners[0]) == {"0", "1", "2"}
    theirs = on_fresh_cluster(
        fresh_reference_cluster, lambda c: scenario(_reference(c))
    )
    diffs = [
        f"step {i}:\n  embergrid: {a!r}\n  ignite:    {b!r}"
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
        if a != b
    ]
    assert not diffs, "\n".join(diffs)

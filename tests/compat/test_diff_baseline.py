"""Three persistent embergrid nodes on one data dir against a persistent 3-node
Ignite 2.18 cluster: the baseline topology.

Both clusters start new and INACTIVE with the consistent ids
``reference-node-0..2``; a client activates them (op 5001), which sets the
baseline to those three nodes (Ignite 2.18 turns baseline auto-adjust off for
persistent clusters, so nothing changes it afterwards). One scenario runs on
each and records, by consistent id and node index, what a client can observe:
the cluster state (5000) and topology versions at every node, op 1101's map
of caches with 0, 1 and 2 backups and a REPLICATED one, and op 1100's
primaries per node, while all three run; after node 2 leaves (its partitions
stay with it: a partition whose primary it was moves to its first live
backup, one it alone held has no owner); after ``reference-node-3``, no part
of the baseline, joins (it owns nothing); after a deactivation and an
activation with node 3 present (the baseline stays), and a round through
ACTIVE_READ_ONLY; after node 3 leaves and node 2 comes back (the map of the
start again); and through a full restart: INACTIVE while one and two of the
three baseline nodes are back, ACTIVE again, by itself, once all are.

Not compared: reads of a partition no live node owns (a cache without backups
after node 2 left). Ignite fails them ("all partition owners have left the
grid"); embergrid's nodes share one store and answer them.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from pyignite import Client
from pyignite.datatypes.prop_codes import (
    PROP_NAME,
)

from _reference import ReferenceCluster
from compat._cluster import (
    CACHES,
    SETTLE_DEADLINE,
    Cluster,
    call,
    node_partitions,
    partitions,
    settled,
    version,
)
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import cluster as cl
from server._nodes import ServeNode, start_node

pytestmark = pytest.mark.timeout(600)

NAMES = [f"reference-node-{i}" for i in range(4)]
KEYS = 100
# The versions each step settles at (observed on Ignite 2.18).
VERSIONS = {
    "activated": (3, 1),  # an activation is an exchange: +1 minor
    "leave": (4, 0),  # nothing moves: the partitions stay with the baseline
    "outsider joins": (5, 0),  # it owns nothing
    "reactivated": (5, 2),  # a deactivation and an activation
    "outsider leaves": (6, 0),
    "back": (7, 1),  # it takes its partitions back once rebalanced
    "restarted": (3, 1),  # three joins, then the activation
}


def _state(c: Cluster, i: int) -> Any:
    result = call(c, i, OpCode.CLUSTER_GET_STATE, cl.ClusterGetState())
    return result[1].state if result[0] == "ok" else result


def _set_state(c: Cluster, i: int, state: int) -> Any:
    result = call(c, i, OpCode.CLUSTER_CHANGE_STATE, cl.ClusterChangeState(state))
    return result[0] if result[0] == "ok" else result


def _maps(c: Cluster, live: list[int]) -> Any:
    """1101 at every live node, and 1100 of every cache at the first."""
    return (
        [partitions(c, i, CACHES) for i in live],
        {name: node_partitions(c, live[0], name) for name in CACHES},
    )


def _moved(c: Cluster, before: Any) -> Any:
    """Node 0's version once it is no longer ``before``."""
    deadline = time.monotonic() + SETTLE_DEADLINE
    while True:
        now = version(c, 0)
        if now != before or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


def _state_round(c: Cluster, state: int) -> Any:
    """Node 0 goes to ``state``: what 5001 answers, the state and version."""
    before = version(c, 0)
    return _set_state(c, 0, state), _state(c, 0), _moved(c, before)


def scenario(c: Cluster) -> list[Any]:
    seen: list[Any] = [
        ("new", [(_state(c, i), version(c, i)) for i in range(3)]),
        ("activate", _set_state(c, 0, 1)),
        ("activated", settled(c, VERSIONS["activated"], CACHES)),
    ]
    client = Client(partition_aware=False)
    with client.connect(*c.address(0)):
        for name, props in CACHES.items():
            cache = client.get_or_create_cache({PROP_NAME: name, **props})
            cache.put_all({k: k for k in range(KEYS)})
    seen.append(("all three", [_state(c, i) for i in range(3)], _maps(c, [0, 1, 2])))
    c.stop(2)
    seen.append(("node 2 left", settled(c, VERSIONS["leave"], CACHES)))
    seen.append(("node 2 left", _maps(c, [0, 1])))
    c.start(3)
    seen.append(("node 3 joined", settled(c, VERSIONS["outsider joins"], CACHES)))
    seen.append(("node 3 joined", _maps(c, [0, 1, 3])))
    seen.append(("deactivate", _set_state(c, 3, 0), _state(c, 0)))
    seen.append(("activate", _set_state(c, 3, 1), _state(c, 0)))
    seen.append(("reactivated", settled(c, VERSIONS["reactivated"], CACHES)))
    seen.append(("reactivated", _maps(c, [0, 1, 3])))
    seen.append(("read-only", _state_round(c, 2)))
    seen.append(("active", _state_round(c, 1)))
    c.stop(3)
    seen.append(("node 3 left", settled(c, VERSIONS["outsider leaves"], CACHES)))
    c.start(2)
    seen.append(("node 2 is back", settled(c, VERSIONS["back"], CACHES)))
    seen.append(("node 2 is back", _maps(c, [0, 1, 2])))
    for i in (2, 1, 0):
        c.stop(i)
    for i in (0, 1):  # INACTIVE until every baseline node is back
        c.start(i)
        seen.append((f"restarted 0..{i}", _state(c, 0), version(c, 0)))
    c.start(2)
    seen.append(("restarted", settled(c, VERSIONS["restarted"], CACHES)))
    seen.append(("restarted", _state(c, 0), _maps(c, [0, 1, 2])))
    return seen


def _reference(cluster: ReferenceCluster) -> Cluster:
    ports = [*cluster.ports, cluster.ports[0] + 3]  # node i listens on port 0 + i

    def names() -> dict[uuid.UUID, str]:
        return {uuid.UUID(n): NAMES[i] for i, n in enumerate(cluster.node_ids)}

    return Cluster(ports, names, cluster.stop, lambda i: cluster.start(i) and None)


def _ours(tmp_path: Path, nodes: list[ServeNode]) -> Cluster:
    ports = [n.port for n in nodes] + [0]

    def ids() -> dict[uuid.UUID, str]:
        return {n.node_id(): n.consistent_id for n in nodes if n.process.poll() is None}

    def stop(i: int) -> None:
        nodes[i].stop()

    def start(i: int) -> None:
        node = start_node(tmp_path, NAMES[i], "--persistence", port=ports[i])
        nodes[i:] = nodes[i:] or [node]
        nodes[i] = node
        ports[i] = node.port

    return Cluster(ports, ids, stop, start)


def test_three_persistent_nodes_as_a_persistent_ignite_cluster(
    persistent_reference_cluster: ReferenceCluster, tmp_path: Path
) -> None:
    nodes = [start_node(tmp_path, name, "--persistence") for name in NAMES[:3]]
    try:
        ours = scenario(_ours(tmp_path, nodes))
    finally:
        for node in nodes:
            node.stop()
    (maps,) = [step[2][0] for step in ours if step[0] == "all three"]
    for _, groups in maps:  # not vacuous: every node maps over all three nodes
        (owners,) = [g[2] for g in groups if g[0]]
        assert set(owners) == {"0", "1", "2"}
    theirs = scenario(_reference(persistent_reference_cluster))
    diffs = [
        f"step {i}:\n  embergrid: {a!r}\n  ignite:    {b!r}"
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
        if a != b
    ]
    assert not diffs, "\n".join(diffs)

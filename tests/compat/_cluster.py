"""What the cluster differentials observe of a cluster, embergrid's or Ignite's.

Owns ``Cluster`` (client ports by node index, node UUID -> consistent id, how
to stop and start node ``i``), the cache configurations the scenarios compare
maps of (``CACHES``), and the observations made through a raw
connection to node ``i``: the topology version, op 1101's map and op 1100's
primaries, each in terms that compare across the two clusters (consistent ids
and node indexes, never node UUIDs, which differ between runs).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from pyignite.datatypes.cache_config import CacheMode
from pyignite.datatypes.prop_codes import PROP_BACKUPS_NUMBER, PROP_CACHE_MODE

from compat._wire import Wire
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import cache as cm
from embergrid.protocol.messages import partitions as pm

SETTLE_DEADLINE = 120.0
# Cache name -> the pyignite properties it is created with (besides its name).
CACHES: dict[str, dict[int, Any]] = {
    "backups-0": {},
    "backups-1": {PROP_BACKUPS_NUMBER: 1},
    "backups-2": {PROP_BACKUPS_NUMBER: 2},
    "replicated": {PROP_CACHE_MODE: CacheMode.REPLICATED},
}


class Cluster:
    """What a scenario needs of either cluster: addresses by node index,
    node UUID -> consistent id, and a way to stop and start node ``i``."""

    def __init__(
        self,
        ports: list[int],
        ids: Callable[[], dict[uuid.UUID, str]],
        stop: Callable[[int], None],
        start: Callable[[int], None],
    ) -> None:
        self.ports, self.ids, self.stop, self.start = ports, ids, stop, start

    def address(self, i: int) -> tuple[str, int]:
        return "127.0.0.1", self.ports[i]


def call(c: Cluster, i: int, op: OpCode, msg: Any) -> Any:
    with Wire(c.address(i)) as w:
        return w.call(op, msg)


def partitions(c: Cluster, i: int, caches: Iterable[str]) -> Any:
    """Node ``i``'s 1101 answer for ``caches``: the version and each group as
    (applicable, cache ids, owners), the owners one character per partition:
    the last character of its primary's consistent id, "-" for none."""
    result = call(
        c, i, OpCode.CACHE_PARTITIONS, pm.CachePartitions(tuple(map(cache_id, caches)))
    )
    if result[0] != "ok":
        return result
    resp = result[1]
    names = c.ids()
    groups = []
    for g in resp.groups:
        owner = {
            p: names.get(n.node_id, "?")[-1] for n in g.nodes for p in n.partitions
        }
        width = max(owner, default=-1) + 1
        owners = "".join(owner.get(p, "-") for p in range(width))
        groups.append((g.applicable, sorted(x.cache_id for x in g.caches), owners))
    return (resp.version_major, resp.version_minor), sorted(groups, key=repr)


def version(c: Cluster, i: int) -> Any:
    """The topology version node ``i`` answers 1101 with (no cache asked)."""
    result = call(c, i, OpCode.CACHE_PARTITIONS, pm.CachePartitions(()))
    if result[0] != "ok":
        return result
    return result[1].version_major, result[1].version_minor


def node_partitions(c: Cluster, i: int, name: str) -> Any:
    """Node ``i``'s 1100 answer for cache ``name``: (node index, its primary
    partitions) per node."""
    prefix = cm.CachePrefix(cache_id(name))
    result = call(c, i, OpCode.CACHE_NODE_PARTITIONS, pm.CacheNodePartitions(prefix))
    assert result[0] == "ok", result
    return sorted(
        (c.ports.index(n.port), sorted(n.partitions)) for n in result[1].nodes
    )


def settled(c: Cluster, want: tuple[int, int], caches: Iterable[str]) -> Any:
    """The 1101 view of node 0 once it reports ``want`` (Ignite moves to a
    joined node's final assignment a moment after the join)."""
    deadline = time.monotonic() + SETTLE_DEADLINE
    while True:
        view = partitions(c, 0, caches)
        if view[0] == want or time.monotonic() > deadline:
            return view
        time.sleep(0.2)

"""This node's view of the cluster's topology: live nodes and partition owners.

Owns ``Topology``: the live members (read from the store through the engine's
``Membership``), their affinity identities (node UUID plus the Java hashCode of
the consistent id, what Ignite's RendezvousAffinityFunction hashes) and the
partition assignment of a cache configuration over them (``owners``),
remembered for the last few node lists. Ops 1100/1101 and the peek-mode
sizes (1020) read it. Imports the engine and ``embergrid.protocol``; never
asyncio.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from embergrid.engine import Engine, Member
from embergrid.protocol.affinity import AffinityNode, assign_partitions
from embergrid.protocol.binary.hashing import java_string_hash
from embergrid.protocol.config import PARTITIONED, REPLICATED, CacheConfiguration

__all__ = ["PARTITIONED_PARTITIONS", "REPLICATED_PARTITIONS", "Topology"]

PARTITIONED_PARTITIONS = 1024
"""RendezvousAffinityFunction's default partition count."""
REPLICATED_PARTITIONS = 512
"""The partition count Ignite gives a REPLICATED cache's default affinity."""


class Topology:
    """The live nodes and who owns which partition, as of one version."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def members(self) -> list[Member]:
        """The live nodes in join order."""
        return self._engine.membership.members()

    def affinity_nodes(self) -> tuple[AffinityNode, ...]:
        return tuple(
            AffinityNode(m.node_id, java_string_hash(m.consistent_id))
            for m in self.members()
        )

    def owners(self, config: CacheConfiguration) -> list[list[AffinityNode]]:
        """Partition -> owners (primary first) of a cache with ``config``."""
        return _assignment(self.affinity_nodes(), *_shape(config))

    def backups(self, config: CacheConfiguration) -> int:
        """Backup copies each entry of a cache with ``config`` has now."""
        others = max(len(self.members()) - 1, 0)
        if config.cache_mode == REPLICATED:
            return others
        if config.cache_mode == PARTITIONED:
            return min(config.backups, others)
        return 0

    def primaries(self, config: CacheConfiguration) -> dict[uuid.UUID, list[int]]:
        """Node UUID -> the partitions it is primary for (every live node,
        maybe with none)."""
        owned: dict[uuid.UUID, list[int]] = {m.node_id: [] for m in self.members()}
        for part, owners in enumerate(self.owners(config)):
            if owners:
                owned.setdefault(owners[0].node_id, []).append(part)
        return owned


def _shape(config: CacheConfiguration) -> tuple[int, int, bool]:
    if config.cache_mode == REPLICATED:
        return REPLICATED_PARTITIONS, 0, True
    return PARTITIONED_PARTITIONS, config.backups, False


@lru_cache(maxsize=16)
def _assignment(
    nodes: tuple[AffinityNode, ...], partitions: int, backups: int, replicated: bool
) -> list[list[AffinityNode]]:
    return assign_partitions(nodes, partitions, backups, replicated=replicated)

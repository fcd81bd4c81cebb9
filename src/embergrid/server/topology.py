"""This node's view of the cluster's topology: live nodes and partition owners.

Owns ``Topology``: the live members (read from the store through the engine's
``Membership``), their affinity identities (node UUID plus the Java hashCode of
the consistent id, what Ignite's RendezvousAffinityFunction hashes) and the
partition assignment of a cache configuration over them, or over the
baseline of a persistent cluster (``owners``), remembered for the last few
node lists. Ops 1100/1101 and the peek-mode
sizes (1020) read it. Also how ops 5100-5102 describe a node: its attributes
(a few of Ignite's, under Ignite's names and types), the addresses clients
reach it at and the Ignite version it reports. Imports the engine and
``embergrid.protocol``; never asyncio.
"""

from __future__ import annotations

import dataclasses
import socket
import uuid
from collections.abc import Sequence
from functools import lru_cache

from embergrid.engine import Engine, Member
from embergrid.engine.partitions import partition_count
from embergrid.protocol.affinity import AffinityNode, assign_partitions
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import java_string_hash
from embergrid.protocol.codes import TypeCode
from embergrid.protocol.config import PARTITIONED, REPLICATED, CacheConfiguration
from embergrid.protocol.messages.cluster_group import (
    AttributeFilter,
    NodeEndpoint,
    NodeInfo,
    ProductVersion,
    RoleFilter,
)

__all__ = [
    "PRODUCT_VERSION",
    "Topology",
    "addresses",
    "attributes",
    "endpoint",
    "matches",
    "node_info",
    "requested_order",
]


class Topology:
    """The live nodes and who owns which partition, as of one version.

    Theory of operation: a cluster without a baseline (no persistence)
    assigns partitions over its live nodes. A persistent cluster assigns them
    over its baseline (``engine/baseline.py``), as Ignite does for persistent
    caches: the rendezvous function ranks every baseline node, live or not
    (in baseline order: consistent ids compared as strings), and each
    partition's owners are then that ranking's live nodes, so a partition
    whose primary is offline moves to its first live backup, one with no live
    owner has none, and a live node outside the baseline owns nothing."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def members(self) -> list[Member]:
        """The live nodes in join order."""
        return self._engine.membership.members()

    def affinity_nodes(self) -> tuple[AffinityNode, ...]:
        """The nodes the affinity function ranks: the live ones, or the
        baseline's (an offline one under a stand-in UUID of its own)."""
        live = {m.consistent_id: m.node_id for m in self.members()}
        baseline = self._engine.baseline.consistent_ids()
        if baseline is None:
            return tuple(AffinityNode(i, java_string_hash(c)) for c, i in live.items())
        return tuple(
            AffinityNode(live.get(c) or _offline_id(c), java_string_hash(c))
            for c in baseline
        )

    def owners(self, config: CacheConfiguration) -> list[list[AffinityNode]]:
        """Partition -> live owners (primary first) of a cache with ``config``."""
        live = frozenset(m.node_id for m in self.members())
        return _assignment(self.affinity_nodes(), live, *_shape(config))

    def backups(self, config: CacheConfiguration) -> int:
        """Backup copies each entry of a cache with ``config`` has now (at
        most: with baseline nodes offline, some partitions have fewer)."""
        live = {m.node_id for m in self.members()}
        owners = sum(n.node_id in live for n in self.affinity_nodes())
        others = max(owners - 1, 0)
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
        return partition_count(config), 0, True
    return partition_count(config), config.backups, False


def _offline_id(consistent_id: str) -> uuid.UUID:
    """A stand-in UUID for an offline baseline node (it owns nothing, so no
    client ever sees it; it only orders ties as a node id would)."""
    return uuid.uuid5(uuid.NAMESPACE_OID, consistent_id)


@lru_cache(maxsize=16)
def _assignment(
    nodes: tuple[AffinityNode, ...],
    live: frozenset[uuid.UUID],
    partitions: int,
    backups: int,
    replicated: bool,
) -> list[list[AffinityNode]]:
    ranked = assign_partitions(nodes, partitions, backups, replicated=replicated)
    if all(n.node_id in live for n in nodes):
        return ranked
    return [[n for n in owners if n.node_id in live] for owners in ranked]


# -- nodes as ops 5100-5102 describe them ------------------------------------------

PRODUCT_VERSION = ProductVersion(2, 18, 0, "", 0, bytes(20))
"""The Ignite version every node reports (the protocol it serves: Ignite
2.18.0); no Ignite build, so no revision timestamp or hash."""

_COLLECTION = 1  # ArrayList, the collection type Ignite writes node addresses as
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def addresses(host: str) -> tuple[str, ...]:
    """The IP addresses a node listening on ``host`` is reached at (IP
    addresses as Ignite lists them; a wildcard host: every address of this
    machine, loopback included)."""
    if host not in _WILDCARDS:
        return (host,)
    return _local_addresses()


@lru_cache(maxsize=1)
def _local_addresses() -> tuple[str, ...]:
    found = {"127.0.0.1"}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(str(info[4][0]))
    except OSError:
        pass
    return tuple(sorted(found))


def attributes(member: Member) -> tuple[tuple[str, bytes], ...]:
    """The node attributes a node reports, each under Ignite's name and with
    Ignite's value type: its thin-client port, the version it serves, that it
    is a server and its consistent id (a real Ignite node adds the JVM's
    properties and environment, which an embergrid node has no counterpart of)."""
    return (
        ("clientListenerPort", encode(member.port, TypeCode.INT)),
        ("org.apache.ignite.build.ver", encode(_version_text())),
        ("org.apache.ignite.cache.client", encode(False, TypeCode.BOOL)),
        ("org.apache.ignite.consistent.id", encode(member.consistent_id)),
    )


def _version_text() -> str:
    v = PRODUCT_VERSION
    return f"{v.major}.{v.minor}.{v.maintenance}"


def matches(member: Member, filters: tuple[AttributeFilter | RoleFilter, ...]) -> bool:
    """Whether ``member`` (a server node) passes every 5100 filter."""
    for f in filters:
        if isinstance(f, RoleFilter):
            if not f.servers:
                return False
        elif not _has_attribute(member, f.name, f.value):
            return False
    return True


def _has_attribute(member: Member, name: str | None, value: str | None) -> bool:
    """Ignite's forAttribute: the attribute equals ``value``, or with ``value``
    None, the node has the attribute at all."""
    found = dict(attributes(member)).get(name or "")
    return found is not None and (value is None or found == encode(value))


def node_info(member: Member, local: Member) -> NodeInfo:
    """What 5101 says of ``member`` to a client of node ``local``. A node
    that joined before ``local`` has no version stage (None where the others
    have ""): Ignite 2.18 learns those nodes' versions at its join, in a form
    that loses the empty stage."""
    version = PRODUCT_VERSION
    if member.joined < local.joined:
        version = dataclasses.replace(version, stage=None)
    return NodeInfo(
        node_id=member.node_id,
        attributes=attributes(member),
        addresses=encode(
            (_COLLECTION, list(addresses(member.host))), TypeCode.COLLECTION
        ),
        host_names=encode((_COLLECTION, []), TypeCode.COLLECTION),
        order=member.joined,
        is_local=member.node_id == local.node_id,
        is_daemon=False,
        is_client=False,
        consistent_id=encode(member.consistent_id),
        version=version,
    )


def requested_order(
    requested: Sequence[uuid.UUID], live: set[uuid.UUID]
) -> list[uuid.UUID]:
    """The live ids among ``requested`` in the order Ignite 2.18 lists them
    in 5101: it collects them in a java.util.HashSet sized for every id asked
    for and iterates that, so the order is the set's bucket order (Java's
    hash of a UUID, spread), ties in the order asked."""
    kept: list[uuid.UUID] = []
    for node_id in requested:
        if node_id in live and node_id not in kept:
            kept.append(node_id)
    if len(kept) < 2:
        return kept
    n = len(requested)
    table = _table_size(n + 1 if n < 3 else n + n // 3)
    for size in range(1, len(kept) + 1):  # HashMap grows past 3/4 full
        if size > int(table * 0.75):
            table *= 2
    index = {node_id: i for i, node_id in enumerate(kept)}
    return sorted(kept, key=lambda u: (_java_hash(u) & (table - 1), index[u]))


def _table_size(capacity: int) -> int:
    """java.util.HashMap's table size for an initial capacity."""
    size = 1
    while size < capacity:
        size *= 2
    return size


def _java_hash(node_id: uuid.UUID) -> int:
    """java.util.UUID.hashCode() spread as java.util.HashMap spreads it."""
    hilo = (node_id.int >> 64) ^ (node_id.int & 0xFFFFFFFFFFFFFFFF)
    h = ((hilo >> 32) ^ hilo) & 0xFFFFFFFF
    return h ^ (h >> 16)


def endpoint(member: Member) -> NodeEndpoint:
    """Where 5102 says clients reach ``member``."""
    return NodeEndpoint(member.node_id, member.port, addresses(member.host))

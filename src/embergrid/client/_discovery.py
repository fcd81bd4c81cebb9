"""Endpoint discovery, opt-in (``cluster_discovery=True``): a client given some of a
cluster's nodes learns the others from the server (op 5102), as the Java thin client
does with ``setClusterDiscoveryEnabled``.

Owns ``EndpointDiscovery``: when a discovery is due (the first live connection, and
every newer topology version a response reports), the call that asks for it,
and ``Listing``: what the answer lists (the nodes new to the client, and
whether a node the client knows is still there). Only a server that offered
feature bit 3 (CLUSTER_GROUP_GET_NODES_ENDPOINTS) in the handshake is asked; the
handshake asks for the bit only when discovery is on, so a client without it sends
pyignite's handshake, byte for byte. A discovered node the cluster no longer
lists is forgotten (``client._policy``'s pool stops dialling it; a node the
user gave is never forgotten: it stays a dead node the policy dials again). No
I/O: the transports run the call, dial the new nodes and close forgotten ones.
Imports ``embergrid.protocol``, ``client._driver`` (the feature bit) and
``client.flows`` only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from embergrid.client._driver import DISCOVERY_FEATURE as FEATURE
from embergrid.client.flows._call import Call
from embergrid.protocol.codes import OpCode
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.messages import cluster_group as cg
from embergrid.protocol.messages.context import ProtocolContext

__all__ = ["FEATURE", "EndpointDiscovery", "Listing"]

_ALL = -1


class EndpointDiscovery:
    """When to ask a cluster for its nodes' endpoints, and what the answer adds."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._known = _ALL  # the topology version of the last discovery
        self._asking = False

    @property
    def version(self) -> int:
        """The topology version of the last answer (-1 before any)."""
        return self._known

    def behind(self, topology: AffinityVersion) -> bool:
        """Whether the last answer is older than ``topology``, a version a
        response already reported: the node asked had not yet seen the
        change (nodes learn of it one by one), so asking again is due."""
        return self.enabled and self._known != _ALL and self._known < topology.major

    def due(
        self, ctx: ProtocolContext | None, version: AffinityVersion | None
    ) -> Call | None:
        """The 5102 call to make now (on any live connection), or None."""
        if not self.enabled or self._asking or ctx is None or not ctx.has(FEATURE):
            return None
        if self._known != _ALL and (version is None or version.major <= self._known):
            return None
        self._asking = True
        return Call(
            OpCode.CLUSTER_GROUP_GET_NODE_ENDPOINTS, cg.GetNodeEndpoints(_ALL, _ALL)
        )

    def learned(self, answer: object | None) -> Listing | None:
        """What ``answer`` (a 5102 response; None if the call failed) lists:
        every node of the cluster now, or None."""
        self._asking = False
        if not isinstance(answer, cg.GetNodeEndpointsResponse):
            return None
        self._known = answer.version
        return Listing(
            tuple(
                (n.node_id, tuple((a, n.port) for a in n.addresses if a))
                for n in answer.joined
            )
        )


@dataclass(frozen=True, slots=True)
class Listing:
    """The nodes of a cluster as a 5102 answer from the first version lists
    them: each node's id and the endpoints clients reach it at."""

    nodes: tuple[tuple[uuid.UUID, tuple[tuple[str, int], ...]], ...]

    def names(self, host: str, port: int, node_id: uuid.UUID | None) -> bool:
        """Whether a node the client knows at ``host:port`` (``node_id`` once
        it answered a handshake) is listed."""
        return any(
            node_id == listed or (host, port) in endpoints
            for listed, endpoints in self.nodes
        )

    def new(
        self, known: Iterable[tuple[str, int, uuid.UUID | None]]
    ) -> list[tuple[str, int]]:
        """The endpoints of the listed nodes none of ``known`` (host, port,
        node id) is: one per node, its first endpoint."""
        have: set[tuple[str, int]] = set()
        ids: set[uuid.UUID | None] = set()
        for host, port, node_id in known:
            have.add((host, port))
            ids.add(node_id)
        return [
            endpoints[0]
            for node_id, endpoints in self.nodes
            if endpoints and node_id not in ids and not have.intersection(endpoints)
        ]

"""Endpoint discovery, opt-in (``cluster_discovery=True``): a client given some of a
cluster's nodes learns the others from the server (op 5102), as the Java thin client
does with ``setClusterDiscoveryEnabled``.

Owns ``EndpointDiscovery``: when a discovery is due (the first live connection, and
every newer topology version a response reports), the call that asks for it, and
which addresses the answer adds to the client's nodes. Only a server that offered
feature bit 3 (CLUSTER_GROUP_GET_NODES_ENDPOINTS) in the handshake is asked; the
handshake asks for the bit only when discovery is on, so a client without it sends
pyignite's handshake, byte for byte. Nodes are only added (a node that left stays a
dead node the policy may dial again, as a configured one does). No I/O: the
transports run the call and dial the new nodes. Imports ``embergrid.protocol``,
``client._driver`` (the feature bit) and ``client.flows`` only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from embergrid.client._driver import DISCOVERY_FEATURE as FEATURE
from embergrid.client.flows._call import Call
from embergrid.protocol.codes import OpCode
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.messages import cluster_group as cg
from embergrid.protocol.messages.context import ProtocolContext

__all__ = ["FEATURE", "EndpointDiscovery"]

_ALL = -1


class EndpointDiscovery:
    """When to ask a cluster for its nodes' endpoints, and what the answer adds."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._known = _ALL  # the topology version of the last discovery
        self._asking = False

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

    def learned(
        self,
        answer: object | None,
        known: Iterable[tuple[str, int]],
        ids: Iterable[uuid.UUID | None],
    ) -> list[tuple[str, int]]:
        """The addresses ``answer`` (a 5102 response; None if the call failed)
        names for nodes not ``known`` yet (by address or node id ``ids``): one
        per node, its first address."""
        self._asking = False
        if not isinstance(answer, cg.GetNodeEndpointsResponse):
            return []
        self._known = answer.version
        have, seen = set(known), set(ids)
        new = []
        for node in answer.joined:
            addresses = [a for a in node.addresses if a]
            if not addresses or node.node_id in seen:
                continue
            if any((a, node.port) in have for a in addresses):
                continue
            new.append((addresses[0], node.port))
            have.add(new[-1])
        return new

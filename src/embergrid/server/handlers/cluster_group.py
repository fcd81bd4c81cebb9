"""Handlers of the cluster-group ops 5100-5102 (reference §7.9).

5100 lists the ids of the live nodes that pass the request's filters (every
embergrid node is a server, so a client-only group is empty), unless the
client already knows the current topology version; 5101 describes the live
nodes among the ids asked for, in the order Ignite lists them; 5102 lists the nodes that
joined and left between two topology versions with the addresses and port
clients reach them at (the Java thin client's endpoint discovery). Versions
are the major part of the affinity version, Ignite's discovery version; the
nodes of an earlier version come from the store's membership history. What a
node says of itself lives in ``server/topology.py``.
Imports ``embergrid.protocol``, the engine and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import EngineError, Member
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.messages import cluster_group as m
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session
from embergrid.server.topology import endpoint, matches, node_info, requested_order

__all__: list[str] = []  # handlers are reached through the registry

_CURRENT = -1


@handler(Op.CLUSTER_GROUP_GET_NODE_IDS)
def get_node_ids(s: Session, r: m.GetNodeIds) -> m.GetNodeIdsResponse:
    version, members = s.engine.membership.view()
    if version.major <= r.known_version:
        return m.GetNodeIdsResponse(None)
    for f in r.filters:
        if isinstance(f, m.AttributeFilter) and f.name is None:
            raise EngineError(StatusCode.FAILED, msgs.argument_null("n"))
    ids = tuple(n.node_id for n in members if matches(n, r.filters))
    return m.GetNodeIdsResponse(version.major, ids)


@handler(Op.CLUSTER_GROUP_GET_NODE_INFO)
def get_node_info(s: Session, r: m.GetNodeInfo) -> m.GetNodeInfoResponse:
    if not r.node_ids:
        raise EngineError(StatusCode.FAILED, msgs.node_ids_empty())
    members = {n.node_id: n for n in s.engine.membership.members()}
    local = members.get(s.node.node_id, s.node.member)
    order = requested_order(r.node_ids, set(members))
    return m.GetNodeInfoResponse(tuple(node_info(members[i], local) for i in order))


@handler(Op.CLUSTER_GROUP_GET_NODE_ENDPOINTS)
def get_node_endpoints(s: Session, r: m.GetNodeEndpoints) -> m.GetNodeEndpointsResponse:
    membership = s.engine.membership
    version, _ = membership.topology(0)
    end = version.major if r.end == _CURRENT else r.end
    _, after = membership.topology(end)
    if r.start == _CURRENT:
        if after is None:
            raise EngineError(StatusCode.FAILED, msgs.unknown_topology_version("top"))
        return m.GetNodeEndpointsResponse(end, tuple(map(endpoint, after)), ())
    _, before = membership.topology(r.start)
    if before is None or after is None:
        raise EngineError(StatusCode.FAILED, msgs.unknown_topology_version("nodes"))
    return m.GetNodeEndpointsResponse(
        end,
        tuple(endpoint(n) for n in _without(after, before)),
        tuple(n.node_id for n in _without(before, after)),
    )


def _without(nodes: list[Member], others: list[Member]) -> list[Member]:
    ids = {n.node_id for n in others}
    return [n for n in nodes if n.node_id not in ids]

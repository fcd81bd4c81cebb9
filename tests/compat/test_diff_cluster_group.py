"""The cluster-group ops 5100-5102 on one node: embergrid against Ignite 2.18.

The topology side (several nodes, joins and leaves) is in test_diff_cluster.py;
these cases pin what one node does with any request: the ops need no feature
bit (Ignite serves them whatever the handshake negotiated), 5101 of no id is an
argument error, an unknown filter code or a count past the body closes the
connection, bytes after the fields are ignored. Each body is sent raw, each
on a connection of its own; every answer must decode and encode back to the
same bytes, and is compared with this node's id and port replaced by what
they stand for.
"""

from __future__ import annotations

import struct
import uuid

import pytest

from compat._wire import Wire
from embergrid.protocol.codes import OpCode
from embergrid.protocol.codes import ProtocolFeature as F
from embergrid.protocol.messages import cluster_group as cg
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.registry import RESPONSES

Address = tuple[str, int]

IDS, INFO, ENDPOINTS = (
    OpCode.CLUSTER_GROUP_GET_NODE_IDS,
    OpCode.CLUSTER_GROUP_GET_NODE_INFO,
    OpCode.CLUSTER_GROUP_GET_NODE_ENDPOINTS,
)
_CTX = ProtocolContext()


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<bi", 9, len(data)) + data


def _self(node_id: uuid.UUID) -> bytes:
    """``node_id`` as a raw UUID (two bare i64)."""
    return struct.pack("<qq", *struct.unpack(">qq", node_id.bytes))


# name -> (op, body builder given the node's own id); -1 = "no version known".
CASES = {
    "ids": (IDS, lambda me: struct.pack("<qi", -1, 0)),
    "ids, trailing byte": (IDS, lambda me: struct.pack("<qi", -1, 0) + b"\x00"),
    "ids, version known": (IDS, lambda me: struct.pack("<qi", 1, 0)),
    "ids, attribute": (
        IDS,
        lambda me: (
            struct.pack("<qih", -1, 1, 1)
            + _string("org.apache.ignite.build.ver")
            + _string("2.18.0")
        ),
    ),
    "ids, null attribute value": (
        IDS,
        lambda me: (
            struct.pack("<qih", -1, 1, 1)
            + _string("org.apache.ignite.build.ver")
            + b"\x65"
        ),
    ),
    "ids, no such attribute": (
        IDS,
        lambda me: struct.pack("<qih", -1, 1, 1) + _string("no.such") + b"\x65",
    ),
    "ids, null attribute name": (
        IDS,
        lambda me: struct.pack("<qih", -1, 1, 1) + b"\x65" + _string("x"),
    ),
    "ids, unknown filter": (IDS, lambda me: struct.pack("<qih", -1, 1, 3)),
    "ids, count past the body": (IDS, lambda me: struct.pack("<qi", -1, 5)),
    "info, none": (INFO, lambda me: struct.pack("<i", 0)),
    "info, unknown id": (INFO, lambda me: struct.pack("<i", 1) + bytes(16)),
    "info, negative count": (INFO, lambda me: struct.pack("<i", -1)),
    "info, self": (INFO, lambda me: struct.pack("<i", 1) + _self(me)),
    "endpoints": (ENDPOINTS, lambda me: struct.pack("<qq", -1, -1)),
    "endpoints, trailing byte": (
        ENDPOINTS,
        lambda me: struct.pack("<qq", -1, -1) + b"\x01",
    ),
    "endpoints, no change": (ENDPOINTS, lambda me: struct.pack("<qq", 1, -1)),
    "endpoints, version 0": (ENDPOINTS, lambda me: struct.pack("<qq", 0, -1)),
    "endpoints, short body": (ENDPOINTS, lambda me: struct.pack("<q", -1)),
}
FEATURES = {
    "none": F(0),
    "groups": F.CLUSTER_GROUPS,
    "endpoints": F.CLUSTER_GROUP_GET_NODES_ENDPOINTS,
    "both": F.CLUSTER_GROUPS | F.CLUSTER_GROUP_GET_NODES_ENDPOINTS,
}


def _outcome(address: Address, case: str, features: F) -> object:
    op, body = CASES[case]
    with Wire(address, features=features) as w:
        me = w.conn.node_id
        assert me is not None
        try:
            result = w.call_raw(op, body(me))
        except (ConnectionError, OSError):
            return "connection closed"
    if result[0] != "ok":
        return result
    decode, encode = RESPONSES[op]
    decoded = decode(memoryview(result[1]), _CTX)
    assert encode(decoded, _CTX) == result[1]  # every byte read and written back
    return _comparable(decoded, me, address[1])


def _comparable(resp: object, me: uuid.UUID, port: int) -> object:
    """The answer with this node's id and port as "self" and "port"."""
    if isinstance(resp, cg.GetNodeIdsResponse):
        return resp.version, ["self" if n == me else n for n in resp.node_ids]
    if isinstance(resp, cg.GetNodeInfoResponse):
        return [(n.node_id == me, n.order, n.is_local) for n in resp.nodes]
    assert isinstance(resp, cg.GetNodeEndpointsResponse)
    return (
        resp.version,
        [
            ("self" if e.node_id == me else e.node_id, e.port == port, e.addresses)
            for e in resp.joined
        ],
        list(resp.left),
    )


@pytest.mark.parametrize("features", list(FEATURES))
@pytest.mark.parametrize("case", list(CASES))
def test_cluster_group_request(
    case: str, features: str, server_address: Address, reference: Address
) -> None:
    ours = _outcome(server_address, case, FEATURES[features])
    theirs = _outcome(reference, case, FEATURES[features])
    assert ours == theirs

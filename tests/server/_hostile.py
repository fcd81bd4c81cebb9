"""Requests of every op family, sent where no request may be served: before any
handshake, after a refused one, or right behind a refused one in the same write.

Owns ``HOSTILE``: one request per op family (and an unknown op) that would read
or change data if it were served, and ``untouched``: what an authenticated
pyignite client must still see afterwards (the guarded cache and value, no new
cache, the cluster active, no new user). The same bytes go to embergrid and to
the reference node (``tests/compat/test_diff_auth.py``).
"""

from __future__ import annotations

from pyignite import Client

from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.handshake import V1_7_0
from embergrid.protocol.messages import binary_type as bt
from embergrid.protocol.messages import cache as kv
from embergrid.protocol.messages import cache_config as cc
from embergrid.protocol.messages import cluster as cl
from embergrid.protocol.messages import general as g
from embergrid.protocol.messages import partitions as pa
from embergrid.protocol.messages import query as q
from embergrid.protocol.messages import tx
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.registry import REQUESTS

__all__ = ["GUARDED", "HOSTILE", "ORIGINAL", "untouched"]

GUARDED = "guarded-cache"
ORIGINAL = "original"
EVIL_CACHE = "evil-cache"
_CTX = ProtocolContext(V1_7_0, ProtocolFeature.CLUSTER_API)
_PREFIX = CachePrefix(cache_id(GUARDED))


def _payload(op: OpCode, msg: object, request_id: int = 1) -> bytes:
    body = REQUESTS[op][1](msg, _CTX)
    return (
        int(op).to_bytes(2, "little", signed=True)
        + request_id.to_bytes(8, "little")
        + body
    )


HOSTILE: dict[str, bytes] = {
    "general-resource-close": _payload(OpCode.RESOURCE_CLOSE, g.ResourceClose(1)),
    "general-heartbeat": _payload(OpCode.HEARTBEAT, g.Heartbeat()),
    "general-idle-timeout": _payload(OpCode.GET_IDLE_TIMEOUT, g.GetIdleTimeout()),
    "kv-put": _payload(
        OpCode.CACHE_PUT, kv.CachePut(_PREFIX, encode(1), encode("stolen"))
    ),
    "kv-get": _payload(OpCode.CACHE_GET, kv.CacheGet(_PREFIX, encode(1))),
    "cache-create": _payload(
        OpCode.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName(EVIL_CACHE)
    ),
    "cache-destroy": _payload(OpCode.CACHE_DESTROY, cc.CacheDestroy(cache_id(GUARDED))),
    "cache-names": _payload(OpCode.CACHE_GET_NAMES, cc.CacheGetNames()),
    "partitions": _payload(
        OpCode.CACHE_PARTITIONS, pa.CachePartitions((cache_id(GUARDED),))
    ),
    "query-scan": _payload(OpCode.QUERY_SCAN, q.ScanQuery(_PREFIX, 100)),
    "query-sql": _payload(
        OpCode.QUERY_SQL_FIELDS,
        q.SqlFieldsQuery(
            CachePrefix(0), "PUBLIC", "CREATE USER evil WITH PASSWORD 'evil'"
        ),
    ),
    "binary-type": _payload(
        OpCode.REGISTER_BINARY_TYPE_NAME, bt.RegisterBinaryTypeName(0, 4242, "Evil")
    ),
    "tx-start": _payload(OpCode.TX_START, tx.TxStart(1, 2, 0, None)),
    "cluster-state": _payload(OpCode.CLUSTER_CHANGE_STATE, cl.ClusterChangeState(0)),
    "unknown-op": (9999).to_bytes(2, "little") + (1).to_bytes(8, "little"),
}


def untouched(client: Client) -> None:
    """Assert nothing a hostile request would have done happened."""
    assert client.get_cache(GUARDED).get(1) == ORIGINAL
    assert EVIL_CACHE not in client.get_cache_names()
    assert client.get_cluster().get_state() == 1  # ACTIVE

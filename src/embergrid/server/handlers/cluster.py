"""Handlers of cluster state and WAL, ops 5000-5003 (reference §7.8).

The state lives in the engine (shared by every node on one data dir); the
engine's gate makes INACTIVE refuse cache ops and ACTIVE_READ_ONLY refuse
writes. The WAL ops go to the engine's ``Wal``: per cache group, switchable
only on a ``data_dir`` store (embergrid's counterpart of native persistence),
with the reference node's error texts. Imports
``embergrid.protocol``, the engine and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import ClusterState, EngineError
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.messages import cluster as m
from embergrid.protocol.messages.general import BoolResponse, EmptyResponse
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session

__all__: list[str] = []  # handlers are reached through the registry

_STATES = frozenset(int(state) for state in ClusterState)


@handler(Op.CLUSTER_GET_STATE)
def get_state(s: Session, r: m.ClusterGetState) -> m.ClusterGetStateResponse:
    return m.ClusterGetStateResponse(int(s.engine.cluster.state()))


@handler(Op.CLUSTER_CHANGE_STATE)
def change_state(s: Session, r: m.ClusterChangeState) -> EmptyResponse:
    if r.state not in _STATES:
        raise EngineError(StatusCode.FAILED, msgs.unknown_cluster_state(r.state))
    s.engine.cluster.set_state(r.state)
    return EmptyResponse()


@handler(Op.CLUSTER_CHANGE_WAL_STATE)
def change_wal_state(s: Session, r: m.ClusterChangeWalState) -> BoolResponse:
    return BoolResponse(s.engine.wal.change(r.cache_name, r.enable))


@handler(Op.CLUSTER_GET_WAL_STATE)
def get_wal_state(s: Session, r: m.ClusterGetWalState) -> BoolResponse:
    return BoolResponse(s.engine.wal.is_enabled(r.cache_name))

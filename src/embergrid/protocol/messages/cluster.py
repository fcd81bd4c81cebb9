"""Cluster state and WAL, 5000-5003 (reference §7.8).

Owns the get/change state and get/change WAL state messages. The 5000 response is a
state byte (0 INACTIVE, 1 ACTIVE, 2 ACTIVE_READ_ONLY) when CLUSTER_API (bit 2) was
negotiated and a bool ``active`` otherwise. Standard library only; must not import
the client, the server or the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.messages._fields import expect_end, read_str, write_str
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "ClusterChangeState",
    "ClusterChangeWalState",
    "ClusterGetState",
    "ClusterGetStateResponse",
    "ClusterGetWalState",
    "decode_cluster_change_state",
    "decode_cluster_change_wal_state",
    "decode_cluster_get_state",
    "decode_cluster_get_state_response",
    "decode_cluster_get_wal_state",
    "encode_cluster_change_state",
    "encode_cluster_change_wal_state",
    "encode_cluster_get_state",
    "encode_cluster_get_state_response",
    "encode_cluster_get_wal_state",
]

INACTIVE, ACTIVE, ACTIVE_READ_ONLY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class ClusterGetState:
    """5000 → ``ClusterGetStateResponse``."""


def decode_cluster_get_state(body: Buffer, ctx: ProtocolContext) -> ClusterGetState:
    expect_end(Reader(body))
    return ClusterGetState()


def encode_cluster_get_state(msg: ClusterGetState, ctx: ProtocolContext) -> bytes:
    return b""


@dataclass(frozen=True, slots=True)
class ClusterGetStateResponse:
    """Without CLUSTER_API only active/inactive travels: any non-zero state is sent
    as ``true`` and decodes to ACTIVE."""

    state: int


def decode_cluster_get_state_response(
    body: Buffer, ctx: ProtocolContext
) -> ClusterGetStateResponse:
    r = Reader(body)
    state = r.u8() if ctx.has(ProtocolFeature.CLUSTER_API) else int(r.bool())
    expect_end(r)
    return ClusterGetStateResponse(state)


def encode_cluster_get_state_response(
    msg: ClusterGetStateResponse, ctx: ProtocolContext
) -> bytes:
    if ctx.has(ProtocolFeature.CLUSTER_API):
        return bytes([msg.state])
    return b"\x01" if msg.state != INACTIVE else b"\x00"


@dataclass(frozen=True, slots=True)
class ClusterChangeState:
    """5001 → ``EmptyResponse``; older clients send a bool, the same byte for 0/1."""

    state: int


def decode_cluster_change_state(
    body: Buffer, ctx: ProtocolContext
) -> ClusterChangeState:
    r = Reader(body)
    state = r.u8()
    expect_end(r)
    return ClusterChangeState(state)


def encode_cluster_change_state(msg: ClusterChangeState, ctx: ProtocolContext) -> bytes:
    return bytes([msg.state])


@dataclass(frozen=True, slots=True)
class ClusterChangeWalState:
    """5002 → ``BoolResponse`` (whether the state actually changed)."""

    cache_name: str | None
    enable: bool


def decode_cluster_change_wal_state(
    body: Buffer, ctx: ProtocolContext
) -> ClusterChangeWalState:
    r = Reader(body)
    name, enable = read_str(r), r.bool()
    expect_end(r)
    return ClusterChangeWalState(name, enable)


def encode_cluster_change_wal_state(
    msg: ClusterChangeWalState, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    write_str(w, msg.cache_name)
    w.bool(msg.enable)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class ClusterGetWalState:
    """5003 → ``BoolResponse`` (WAL enabled)."""

    cache_name: str | None


def decode_cluster_get_wal_state(
    body: Buffer, ctx: ProtocolContext
) -> ClusterGetWalState:
    r = Reader(body)
    name = read_str(r)
    expect_end(r)
    return ClusterGetWalState(name)


def encode_cluster_get_wal_state(
    msg: ClusterGetWalState, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    write_str(w, msg.cache_name)
    return w.getvalue()

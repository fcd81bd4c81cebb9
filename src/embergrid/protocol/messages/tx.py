"""Transactions: 4000 TX_START and 4001 TX_END (reference §7.7).

Owns ``TxStart``/``TxStartResponse`` and ``TxEnd`` (answered by ``EmptyResponse``).
Operations join a transaction through the cache prefix (``cache.CachePrefix.tx_id``).
Standard library only; must not import the client, the server or the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from embergrid.protocol.messages._fields import expect_end, read_str, write_str
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "TxEnd",
    "TxStart",
    "TxStartResponse",
    "decode_tx_end",
    "decode_tx_start",
    "decode_tx_start_response",
    "encode_tx_end",
    "encode_tx_start",
    "encode_tx_start_response",
]


@dataclass(frozen=True, slots=True)
class TxStart:
    """4000 → ``TxStartResponse``.

    ``concurrency``: 0 OPTIMISTIC, 1 PESSIMISTIC; ``isolation``: 0 READ_COMMITTED,
    1 REPEATABLE_READ, 2 SERIALIZABLE; ``timeout_ms`` 0 = none/default.
    """

    concurrency: int
    isolation: int
    timeout_ms: int = 0
    label: str | None = None


def decode_tx_start(body: Buffer, ctx: ProtocolContext) -> TxStart:
    r = Reader(body)
    concurrency, isolation, timeout_ms, label = r.u8(), r.u8(), r.i64(), read_str(r)
    expect_end(r)
    return TxStart(concurrency, isolation, timeout_ms, label)


def encode_tx_start(msg: TxStart, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.u8(msg.concurrency)
    w.u8(msg.isolation)
    w.i64(msg.timeout_ms)
    write_str(w, msg.label)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class TxStartResponse:
    tx_id: int


def decode_tx_start_response(body: Buffer, ctx: ProtocolContext) -> TxStartResponse:
    r = Reader(body)
    tx_id = r.i32()
    expect_end(r)
    return TxStartResponse(tx_id)


def encode_tx_start_response(msg: TxStartResponse, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i32(msg.tx_id)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class TxEnd:
    """4001 → ``EmptyResponse``; ``committed`` false rolls back."""

    tx_id: int
    committed: bool


def decode_tx_end(body: Buffer, ctx: ProtocolContext) -> TxEnd:
    r = Reader(body)
    tx_id, committed = r.i32(), r.bool()
    expect_end(r)
    return TxEnd(tx_id, committed)


def encode_tx_end(msg: TxEnd, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i32(msg.tx_id)
    w.bool(msg.committed)
    return w.getvalue()

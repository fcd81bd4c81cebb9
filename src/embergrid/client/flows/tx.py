"""Transactions (ops 4000/4001) as flows.

Owns ``tx_start`` (validates pyignite's arguments, starts the transaction and makes
it current in this thread or task, pinned to the connection that started it) and
``tx_end`` (commit or roll back; only from the context that started it, as pyignite
requires). Cache flows read the current transaction (``_state.current_tx``) and put
its id in the cache prefix. Imports ``embergrid.protocol`` and ``embergrid.errors``.
"""

from __future__ import annotations

from embergrid.client.flows._call import Call, Flow
from embergrid.client.flows._state import CURRENT_TX, ClientState, TxContext
from embergrid.datatypes.transactions import (
    TransactionConcurrency,
    TransactionIsolation,
)
from embergrid.errors import CacheError
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.messages import tx as txm

__all__ = ["tx_end", "tx_start", "validate_tx_args"]


def validate_tx_args(
    concurrency: int, isolation: int, timeout: int, label: str | None
) -> None:
    """pyignite's checks, raising ``ValueError`` before anything is sent."""
    if concurrency not in {int(v) for v in TransactionConcurrency}:
        raise ValueError(f"{concurrency} not in {TransactionConcurrency}")
    if isolation not in {int(v) for v in TransactionIsolation}:
        raise ValueError(f"{isolation} not in {TransactionIsolation}")
    if not isinstance(timeout, int) or timeout < 0:
        raise ValueError(
            f"Timeout value should be a positive integer, {timeout} passed instead"
        )
    if label and not isinstance(label, str):
        raise ValueError(f"Label should be str, {type(label)} passed instead")


def tx_start(
    state: ClientState,
    concurrency: int,
    isolation: int,
    timeout: int = 0,
    label: str | None = None,
) -> Flow[int]:
    """Start a transaction and make it the current one; returns its id."""
    validate_tx_args(concurrency, isolation, timeout, label)
    msg = txm.TxStart(int(concurrency), int(isolation), timeout, label)
    reply = yield Call(Op.TX_START, msg, error=CacheError)
    tx_id = int(reply.message.tx_id)
    CURRENT_TX.set(TxContext(id(state), tx_id, reply.conn))
    return tx_id


def tx_end(state: ClientState, tx_id: int, committed: bool) -> Flow[None]:
    """Commit (``committed``) or roll back the current transaction ``tx_id``."""
    ctx = CURRENT_TX.get()
    if ctx is None or ctx.tx_id != tx_id or ctx.owner != id(state):
        raise CacheError("Cannot commit transaction from different thread or coroutine")
    try:
        yield Call(
            Op.TX_END, txm.TxEnd(tx_id, committed), conn=ctx.conn, error=CacheError
        )
    finally:
        CURRENT_TX.set(None)

"""Handlers of the transaction ops 4000 TX_START and 4001 TX_END (reference §7.7).

A transaction belongs to the connection that started it: the session maps the
wire ids it hands out (from 1, per connection) to the engine's ``Tx``. Commit
of an id the connection does not hold answers status 1021, a rollback of one
succeeds silently, more than ``Limits.max_tx`` open transactions answer 1020,
as Ignite does. Imports ``embergrid.protocol.messages``, the engine and
``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import EngineError
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.messages import tx as m
from embergrid.protocol.messages.general import EmptyResponse
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session

__all__: list[str] = []  # handlers are reached through the registry

_EMPTY = EmptyResponse()


@handler(Op.TX_START)
def tx_start(s: Session, r: m.TxStart) -> m.TxStartResponse:
    tx_id = s.next_tx_id()
    limit = s.node.limits.max_tx
    if len(s.txs) >= limit:
        raise EngineError(StatusCode.TX_LIMIT_EXCEEDED, msgs.tx_limit_exceeded(limit))
    s.txs[tx_id] = s.engine.txs.start(r.concurrency, r.isolation, r.timeout_ms, r.label)
    return m.TxStartResponse(tx_id)


@handler(Op.TX_END)
def tx_end(s: Session, r: m.TxEnd) -> EmptyResponse:
    """Commit or roll back. An OPTIMISTIC commit may wait for locks
    (``WouldBlock``): the transaction stays the connection's until it ends."""
    tx = s.txs.get(r.tx_id)
    if tx is None:
        if r.committed:
            raise EngineError(StatusCode.TX_NOT_FOUND, msgs.tx_not_found(r.tx_id))
        return _EMPTY
    try:
        if r.committed:
            s.engine.txs.commit(tx)
        else:
            s.engine.txs.rollback(tx)
    finally:
        if tx.done:
            del s.txs[r.tx_id]
            s.node.locks_changed()
    return _EMPTY

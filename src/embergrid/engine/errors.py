"""Errors the engine raises; only the server turns them into response frames.

Owns ``EngineError`` (a status code plus Ignite's message text, built from
``engine/messages.py``; ``ClusterInactive`` is the one the cluster gate raises)
and ``WouldBlock`` (raised by the transaction layer
when a key lock is held; the session awaits ``waiter`` and retries the op)
and ``OverBudget`` (a statement stopped at its real-time budget).
Imports only ``embergrid.protocol.codes``; never asyncio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from embergrid.protocol.codes import StatusCode

if TYPE_CHECKING:
    from embergrid.engine.tx import LockWait

__all__ = ["ClusterInactive", "EngineError", "OverBudget", "WouldBlock"]


class EngineError(Exception):
    """An operation failed with a status a client will see."""

    def __init__(self, status: StatusCode, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __repr__(self) -> str:
        return f"EngineError({self.status.name}, {self.message!r})"


class ClusterInactive(EngineError):
    """The cluster is INACTIVE: nothing but a handshake and the cluster ops
    may run (SQL words it with its SQLSTATE, the key-value ops without)."""


class WouldBlock(Exception):
    """The op must wait for ``waiter`` (``tx.LockWait``: a key lock another
    transaction holds); the server waits, then runs the op again."""

    def __init__(self, waiter: LockWait) -> None:
        super().__init__(waiter)
        self.waiter = waiter


class OverBudget(Exception):
    """A statement ran past the real-time budget its caller gave it and stopped
    with nothing written: run it again without one, off the event loop."""

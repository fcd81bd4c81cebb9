# GENERATED from client/aio/transaction.py: edit that file
"""``Transaction``: pyignite's thin-client transaction object (the SOURCE shell).

Owns the transaction handle; starting and ending are flows in ``client.flows.tx``
(they bind the transaction to this thread or task and to one connection).
``client/sync/transaction.py`` is generated from this file by ``tools/unasync.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from embergrid.client.flows import tx
from embergrid.datatypes.transactions import (
    TransactionConcurrency,
    TransactionIsolation,
)

if TYPE_CHECKING:
    from embergrid.client.sync.client import Client

__all__ = ["Transaction"]


class Transaction:
    """Thin client transaction."""

    def __init__(
        self,
        client: Client,
        concurrency: TransactionConcurrency = TransactionConcurrency.PESSIMISTIC,
        isolation: TransactionIsolation = TransactionIsolation.REPEATABLE_READ,
        timeout: int = 0,
        label: str | None = None,
    ) -> None:
        tx.validate_tx_args(concurrency, isolation, timeout, label)
        self.client = client
        self.concurrency, self.isolation = concurrency, isolation
        self.timeout, self.label = timeout, label
        self.tx_id: int | None = None
        self.closed = False
        self._start()

    def _start(self) -> None:
        self.tx_id = self.client._run(
            tx.tx_start(
                self.client._state,
                self.concurrency,
                self.isolation,
                self.timeout,
                self.label,
            )
        )


    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def commit(self) -> None:
        """Commit transaction."""
        if not self.closed and self.tx_id is not None:
            self.closed = True
            self.client._run(tx.tx_end(self.client._state, self.tx_id, True))

    def rollback(self) -> None:
        """Rollback transaction."""
        self.close()

    def close(self) -> None:
        """Close transaction."""
        if not self.closed and self.tx_id is not None:
            self.closed = True
            self.client._run(tx.tx_end(self.client._state, self.tx_id, False))

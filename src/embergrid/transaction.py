"""pyignite-compatible module path ``embergrid.transaction``: re-exports
``Transaction`` and ``AioTransaction``. Owns nothing."""

from __future__ import annotations

from embergrid.client.aio.transaction import AioTransaction
from embergrid.client.sync.transaction import Transaction

__all__ = ["AioTransaction", "Transaction"]

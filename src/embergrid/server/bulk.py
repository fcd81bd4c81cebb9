"""Bulk writes to ATOMIC caches in bounded store transactions, so that other
nodes sharing the store write in between.

Owns ``CHUNK`` and ``put_all_in_chunks``. Ignite's ``putAll`` on an ATOMIC
cache is not atomic across keys (each key is its own update), so a large one
may commit in pieces: ``CHUNK`` entries per SQLite transaction, with a pause of
``GAP`` seconds after each, on a worker thread, during which a writer of
another node (retrying every few milliseconds, see ``Session``) takes the
store's write lock. TRANSACTIONAL caches keep one transaction per ``putAll``.
Runs only on worker threads (``Session.off_loop``); imports the engine.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from embergrid.engine import Engine, OverBudget
from embergrid.protocol.config import ExpiryDurations

__all__ = ["CHUNK", "GAP", "put_all_in_chunks"]

CHUNK = 1000
"""Entries per store transaction of a bulk write (a few milliseconds)."""
GAP = 0.001
"""Seconds the store's write lock stays free after each chunk."""


def put_all_in_chunks(
    engine: Engine,
    cache_id: int,
    entries: Sequence[tuple[bytes, bytes]],
    expiry: ExpiryDurations | None,
    budget: float,
) -> None:
    """``put_all`` in chunks of ``CHUNK``; refuses a loop budget (``OverBudget``
    before writing anything): the pauses belong on a worker thread."""
    if budget > 0:
        raise OverBudget
    for start in range(0, len(entries), CHUNK):
        if start:
            time.sleep(GAP)
        engine.kv.put_all(cache_id, entries[start : start + CHUNK], expiry)

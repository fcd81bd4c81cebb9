"""Which requests went past the event loop's budget last time.

Owns ``GoesLong``: a bounded record, per process, of the work keys (a
statement's text with what shapes its cost) whose last try on the event loop
stopped at ``Limits.loop_budget`` and ran again on a worker thread. Such work
goes straight to a worker the next time instead of spending the budget on the
loop first (a 15 ms GROUP BY spent its first 2 ms on the loop for nothing; a
query of several pages read its first page there twice). Every
``RETRY_EVERY``-th time a known key is asked about, the loop is tried again, so
work that became short (its table shrank) comes back to the loop.

A hint about cost, not state that nodes must agree on: it lives in this
process only. Standard library only; must not import the engine or asyncio.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["RETRY_EVERY", "GoesLong"]

RETRY_EVERY = 16
"""One ask in this many about a known key answers "try the loop again"."""


class GoesLong:
    """Keys of work that went past the loop's budget, the ``limit`` most recent."""

    def __init__(self, limit: int = 1024) -> None:
        self._limit = limit
        self._asks: OrderedDict[Hashable, int] = OrderedDict()

    def __len__(self) -> int:
        return len(self._asks)

    def skip_loop(self, key: Hashable) -> bool:
        """Whether work ``key`` should go straight to a worker: it went long
        last time, and this is not the ask that tries the loop again."""
        asks = self._asks.get(key)
        if asks is None:
            return False
        asks += 1
        self._asks[key] = asks
        self._asks.move_to_end(key)
        return asks % RETRY_EVERY != 0

    def went_long(self, key: Hashable) -> None:
        """Work ``key`` stopped at the loop's budget."""
        if key not in self._asks:
            self._asks[key] = 0
            if len(self._asks) > self._limit:
                self._asks.popitem(last=False)
        self._asks.move_to_end(key)

    def fit(self, key: Hashable) -> None:
        """Work ``key`` ended within the loop's budget."""
        self._asks.pop(key, None)

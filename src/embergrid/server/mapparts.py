"""Running a long query's map parts on two cores at once, and its reduce.

Owns ``MapParts``: a query the engine says splits (``SplitQuery``, a long
aggregate: ``engine/sql/aggsplit.py``) runs its first part on the worker
thread that asked, with that thread's engine, and its second at the same time
on a thread of its own with an engine of its own (SQLite releases the GIL while
it steps, and an aggregate does nearly all its work inside a step); then the
reduce. Both parts read one committed state of the store
(``SqlEngine.begin_split``); where they could not, or a part failed, or the
reduce declined, ``run`` answers None and the caller runs the query whole.
This is how Ignite runs such a query too: map queries, then a reduce query.
A query is split only while another core is free (``wanted``, ``SpareCores``):
on a busy machine the two parts would share one core and only add overhead.

The counters say which way statements went (tests assert on them, not on
time). Imports the engine; never asyncio.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from embergrid.engine import Engine
from embergrid.engine.sql import SplitQuery
from embergrid.server.cores import SpareCores

__all__ = ["MapParts"]

log = logging.getLogger(__name__)


class MapParts:
    """The second core of long aggregate queries: one thread, idle engines."""

    def __init__(
        self, sibling: Callable[[], Engine | None], cores: SpareCores | None = None
    ) -> None:
        self._sibling = sibling  # a new engine over the node's store
        self.cores = cores if cores is not None else SpareCores()
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._idle: list[Engine] = []  # helpers' engines between two queries
        self._all: list[Engine] = []
        self.split = 0
        """Queries answered by their map parts and reduce."""
        self.whole = 0
        """Queries that split but were run whole (the snapshots differed, a
        part failed or answered too many rows, the reduce declined)."""
        self.no_core = 0
        """Long statements not offered the split: no second core was free."""

    def wanted(self) -> bool:
        """Whether a long statement starting now may split (a core is free
        for its second part)."""
        if self.cores.spare_second():
            return True
        with self._lock:
            self.no_core += 1
        return False

    def run(self, engine: Engine, query: SplitQuery) -> list[Any] | None:
        """``query``'s rows from its map parts (``engine``: the asking worker
        thread's), or None: run it whole on ``engine``."""
        helper = self._borrow()
        if helper is None:
            return None
        try:
            rows = self._parts(engine, helper, query)
        finally:
            with self._lock:
                self._idle.append(helper)
        with self._lock:
            if rows is None:
                self.whole += 1
            else:
                self.split += 1
        return rows

    def _parts(
        self, engine: Engine, helper: Engine, query: SplitQuery
    ) -> list[Any] | None:
        mine, theirs = engine.sql, helper.sql
        theirs.stop_when = mine.stop_when  # the asker's cancellation stops both
        try:
            if not mine.begin_split(query, theirs):
                return None
            other = self._threads().submit(theirs.run_part, query, 1)
            try:
                first = mine.run_part(query, 0)
            finally:
                wait([other])  # its transaction ends only once it has read
            second = other.result()
            if first is None or second is None:
                return None
            return query.reduce([first, second])
        except Exception:
            return None  # run whole, it answers the error as Ignite does
        finally:
            mine.end_split(theirs)
            theirs.stop_when = None

    def _borrow(self) -> Engine | None:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        engine = self._sibling()
        if engine is not None:
            with self._lock:
                self._all.append(engine)
        return engine

    def _threads(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="embergrid-map")
            return self._pool

    def close(self) -> None:
        """Stop the thread (after the part it runs) and close the engines."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            engines, self._all, self._idle = self._all, [], []
        for engine in engines:
            engine.close()

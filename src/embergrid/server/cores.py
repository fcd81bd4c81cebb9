"""Whether this machine has a core to spare for a long query's second map part.

Owns ``SpareCores``: how many cores other processes left free over the last
quarter second or so, from the machine's CPU time (``/proc/stat``: busy ticks
of all cores) less this process's own (``time.process_time``). Splitting a
query pays only where its second part gets a core of its own: on a 2-core
machine where another process keeps one core busy, the two parts share the
other and the split costs its overhead (8-13% more CPU) for no gain (measured
in ``docs/benchmarks.md``, session 9). Where ``/proc/stat`` cannot be read,
every core counts as free. Standard library only; must not import the engine.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

__all__ = ["SpareCores", "proc_stat_busy"]

WINDOW = 0.25
"""Seconds of history one answer is computed over (and then reused for)."""
SPARE = 1.25
"""Cores free for a split: the parts take about 10% more CPU than the query
whole and finish in about 60% of its time with two cores, so they pay while
others leave the second core free more than about a fifth of the time."""

_TICK = 1 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


def proc_stat_busy() -> float | None:
    """CPU seconds all cores have spent busy since boot (``/proc/stat``'s
    first line less idle and iowait), None where it cannot be read."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(v) for v in fields[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) * _TICK


class SpareCores:
    """Cores that other processes left free, as last measured."""

    def __init__(
        self,
        busy: Callable[[], float | None] = proc_stat_busy,
        own: Callable[[], float] = time.process_time,
        clock: Callable[[], float] = time.monotonic,
        cores: int | None = None,
    ) -> None:
        self._busy, self._own, self._clock = busy, own, clock
        self._cores = cores if cores is not None else os.cpu_count() or 1
        self._lock = threading.Lock()
        self._last: tuple[float, float, float] | None = None  # wall, busy, own
        self._free = float(self._cores)

    def free(self) -> float:
        """Cores not used by other processes over the last window (this
        process's own use counts as free); measured again once a window old."""
        with self._lock:
            now = self._clock()
            if self._last is not None and now - self._last[0] < WINDOW:
                return self._free
            busy = self._busy()
            if busy is None:
                return self._free
            own = self._own()
            if self._last is not None:
                wall, busy0, own0 = self._last
                others = max(0.0, (busy - busy0) - (own - own0)) / (now - wall)
                self._free = max(0.0, self._cores - others)
            self._last = (now, busy, own)
            return self._free

    def spare_second(self) -> bool:
        """Whether a query's second part would mostly get a core of its own
        (``SPARE``: this process's thread runs on one)."""
        return self.free() >= SPARE

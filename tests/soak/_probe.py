"""Another client's view of a node under load: does it still answer, and how fast.

Owns ``check_answers`` (a new connection puts and gets a key within a generous
deadline: the liveness check every soak scenario ends with) and
``LatencyProbe`` (a thread of single-key gets on a connection of its own, paced
every millisecond, recording each get's latency for ``benchmarks/hostile.py``).
Both use embergrid's ``Client``; imports nothing from the server.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from embergrid import Client
from embergrid.errors import IgniteError

__all__ = ["PROBE_CACHE", "Latencies", "LatencyProbe", "check_answers"]

PROBE_CACHE = "soak-probe"
ANSWER_WITHIN = 10.0  # seconds: a liveness bound, not a benchmark


def check_answers(address: tuple[str, int], within: float = ANSWER_WITHIN) -> None:
    """Connect, put and get a fresh key; every socket operation within ``within``
    seconds (an ``OSError`` otherwise)."""
    client = Client(timeout=within)
    with client.connect(*address):
        cache = client.get_or_create_cache(PROBE_CACHE)
        key = uuid.uuid4().hex
        cache.put(key, "alive")
        assert cache.get(key) == "alive"


@dataclass(frozen=True, slots=True)
class Latencies:
    """Latencies of the probe's gets, in seconds, and the gets that failed."""

    samples: tuple[float, ...]
    failures: int

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (nearest rank); nan without samples."""
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary_ms(self) -> str:
        p50, p99 = self.quantile(0.5) * 1e3, self.quantile(0.99) * 1e3
        top = max(self.samples, default=float("nan")) * 1e3
        return (
            f"{len(self.samples)} gets p50 {p50:.2f} p99 {p99:.2f} max {top:.1f} ms"
            f" ({self.failures} failed)"
        )


class LatencyProbe:
    """Single-key gets every ``pace`` seconds on one connection, in a thread,
    from ``start()`` to ``stop()`` (which returns their ``Latencies``)."""

    def __init__(self, address: tuple[str, int], pace: float = 0.001) -> None:
        self._address = address
        self._pace = pace
        self._stopping = threading.Event()
        self._samples: list[float] = []
        self._failures = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> LatencyProbe:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("the latency probe could not connect")
        return self

    def stop(self) -> Latencies:
        self._stopping.set()
        self._thread.join(120)
        return Latencies(tuple(self._samples), self._failures)

    def _run(self) -> None:
        client = Client(timeout=60)
        with client.connect(*self._address):
            cache = client.get_or_create_cache(PROBE_CACHE)
            cache.put("probe", "x" * 100)
            self._ready.set()
            tick = time.monotonic()
            while not self._stopping.is_set():
                start = time.monotonic()
                try:
                    cache.get("probe")
                except (IgniteError, OSError):  # the node went away
                    self._failures += 1
                    return
                self._samples.append(time.monotonic() - start)
                tick = max(tick + self._pace, time.monotonic())
                time.sleep(max(0.0, tick - time.monotonic()))

"""Hostile load: the node's peak memory and another client's get latency.

For each hostile scenario of issue 11, on a fresh ``embergrid serve`` (default
limits, in memory, its own process): the node's resident memory before the load
and its peak during it (``VmHWM`` of ``/proc/<pid>/status``; target < 300 MB),
and the latency of another client's single-key gets, sent every millisecond on
a connection of its own, from a process of its own, while the load runs (p50,
p99, max; target p99 <= 20 ms).
The fuzz profile also reports its cases per second.

Scenarios (the loads are the soak suite's, tests/soak/_hostile.py and
_heavy.py):

* ``none``: no load, the probe's gets alone (what the machine gives today);
* ``no-read``: 20,000 pipelined gets of a 100 KB value, answers never read;
* ``cursors``: 40 open cursors of a 200k-row select, page size 1, one connection;
* ``partial 5 MB``: 20 connections each send 5 MB of a declared 64 MB frame;
* ``partial 64 MB``: the same, each sending all of its frame but the last byte;
* ``get_all 1M``: one ``get_all`` of 1,000,000 keys (all present);
* ``partition scan``: a scan of one partition of 50,000 values of 2 KB;
* ``cross join``: a cross join of 10^9 rows without a timeout, for ``--hold`` s;
* ``idle 1000``: 1,000 handshaken idle connections;
* ``fuzz``: the quick profile's fuzz cases (tests/soak/_fuzz.py, seed 11).

A load runs until it is done (the request answered, every byte sent or the
node no longer reading) and at least ``--hold`` seconds. Everything listens on
127.0.0.1; every node started here is stopped at the end.

Usage: ``python benchmarks/hostile.py [--only NAME,...] [--hold S]``.
Imports the soak suite's modules from ``tests/soak``.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from soak._heavy import (  # noqa: E402 (tests/, put on the path above)
    big_get_all,
    endless_join,
    fill,
    open_cursors,
    partition_scan,
)
from soak._hostile import (  # noqa: E402
    fuzz,
    idle_connections,
    no_reader,
    partial_frames,
)
from soak._node import MIB, ServedNode  # noqa: E402
from soak._probe import Latencies, LatencyProbe  # noqa: E402
from soak._profile import QUICK  # noqa: E402

RSS_TARGET_MB = 300
P99_TARGET_MS = 20.0
Address = tuple[str, int]


@dataclass(frozen=True)
class Scenario:
    """``prepare`` stores what the load needs; ``run`` loads the node until
    the load is done and ``hold`` seconds have passed; it returns a note."""

    name: str
    run: Callable[[ServedNode, float], str]
    prepare: Callable[[Address], None] = lambda address: None


def _until(done: Callable[[], bool], hold: float, limit: float = 600.0) -> float:
    """Wait until ``done()`` and ``hold`` seconds; the seconds waited."""
    start = time.monotonic()
    while not (done() and time.monotonic() - start >= hold):
        if time.monotonic() - start > limit:
            break
        time.sleep(0.05)
    return time.monotonic() - start


def _nothing(node: ServedNode, hold: float) -> str:
    return f"held {_until(lambda: True, hold):.0f} s"


def _no_read(node: ServedNode, hold: float) -> str:
    with no_reader(node.address, 20_000) as sender:
        took = _until(sender.settled, hold)
    return f"{sender.sent / MIB:.1f} MB of requests sent in {took:.0f} s"


def _cursors(node: ServedNode, hold: float) -> str:
    with open_cursors(node.address, 40, 200_000) as running:
        took = _until(running.done.is_set, hold)
    statuses = running.result if isinstance(running.result, list) else []
    return f"{statuses.count(0)} cursors opened, {took:.0f} s"


def _partial(sent: int) -> Callable[[ServedNode, float], str]:
    def run(node: ServedNode, hold: float) -> str:
        with partial_frames(node.address, 20, sent, 64 * MIB) as senders:
            took = _until(lambda: all(s.settled() for s in senders), hold)
        total = sum(s.sent for s in senders) / MIB
        return f"{total:.0f} MB sent in {took:.0f} s"

    return run


def _get_all(node: ServedNode, hold: float) -> str:
    start = time.monotonic()
    with big_get_all(node.address, "hostile-big", 1_000_000) as running:
        running.done.wait()
        took = time.monotonic() - start
        _until(lambda: True, hold - took)
    return f"{running.result} entries in {took:.1f} s"


def _scan(node: ServedNode, hold: float) -> str:
    start = time.monotonic()
    with partition_scan(node.address, "hostile-wide", 7) as running:
        running.done.wait()
        took = time.monotonic() - start
        _until(lambda: True, hold - took)
    return f"{running.result} entries in {took:.2f} s"


def _cross_join(node: ServedNode, hold: float) -> str:
    with endless_join(node.address):
        _until(lambda: True, hold)
    return f"held {hold:.0f} s"


def _idle(node: ServedNode, hold: float) -> str:
    start = time.monotonic()
    with idle_connections(node.address, 1_000):
        opened = time.monotonic() - start
        _until(lambda: True, hold)
    return f"opened in {opened:.1f} s"


def _fuzz(node: ServedNode, hold: float) -> str:
    tally = fuzz(node.address, QUICK.fuzz_seed, QUICK.fuzz_cases)
    return (
        f"{tally.rate():,.0f} cases/s; {tally.ok} ok, {tally.errors} error "
        f"answers, {tally.closed} closed, {len(tally.internal)} internal errors"
    )


SCENARIOS = [
    Scenario("none", _nothing),
    Scenario("no-read", _no_read),
    Scenario("cursors", _cursors),
    Scenario("partial 5 MB", _partial(5 * MIB)),
    Scenario("partial 64 MB", _partial(64 * MIB - 1)),
    Scenario(
        "get_all 1M",
        _get_all,
        lambda address: fill(address, "hostile-big", 1_000_000, 1),
    ),
    Scenario(
        "partition scan",
        _scan,
        lambda address: fill(address, "hostile-wide", 50_000, "v" * 2000),
    ),
    Scenario("cross join", _cross_join),
    Scenario("idle 1000", _idle),
    Scenario("fuzz", _fuzz),
]


def _probe_process(address: Address, started: Any, stop: Any, out: Any) -> None:
    """The latency probe in a process of its own (see ``ProbeProcess``)."""
    probe = LatencyProbe(address).start()
    started.set()
    stop.wait()
    out.put(probe.stop())


class ProbeProcess:
    """``LatencyProbe`` in a child process: a load whose client runs in this
    process (the get_all's own decoding of 1M entries, the fuzzer) holds this
    process's interpreter lock, which would otherwise count in the probe's
    latencies as if the node were slow."""

    def __init__(self, address: Address) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._started, self._stop, self._out = ctx.Event(), ctx.Event(), ctx.Queue()
        self._proc = ctx.Process(
            target=_probe_process,
            args=(address, self._started, self._stop, self._out),
            daemon=True,
        )

    def start(self) -> ProbeProcess:
        self._proc.start()
        self._started.wait(120)
        return self

    def stop(self) -> Latencies:
        self._stop.set()
        lat: Latencies = self._out.get(timeout=120)
        self._proc.join(30)
        return lat


def measure(scenario: Scenario, hold: float, log: Path) -> str:
    """One table row: a fresh node, the load, the probe's gets during it."""
    node = ServedNode(log_file=log)
    try:
        scenario.prepare(node.address)
        before = node.rss() / MIB
        probe = ProbeProcess(node.address).start()
        note = scenario.run(node, hold)
        lat = probe.stop()
        peak = node.peak_rss() / MIB if node.alive() else float("nan")
    finally:
        node.stop()
    p99 = lat.quantile(0.99) * 1e3
    met = "yes" if peak < RSS_TARGET_MB and p99 <= P99_TARGET_MS else "no"
    return (
        f"| {scenario.name} | {before:.0f} | {peak:.0f} | {len(lat.samples)} "
        f"| {lat.quantile(0.5) * 1e3:.2f} | {p99:.2f} "
        f"| {max(lat.samples, default=float('nan')) * 1e3:.1f} | {lat.failures} "
        f"| {met} | {note} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--hold", type=float, default=5.0)
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else [s.name for s in SCENARIOS]
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{now}, load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    print(
        "| scenario | RSS before MB | peak RSS MB | gets | p50 ms | p99 ms | max ms "
        "| failed | met | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        for scenario in SCENARIOS:
            if scenario.name in chosen:
                print(measure(scenario, args.hold, Path(tmp) / "node.log"), flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

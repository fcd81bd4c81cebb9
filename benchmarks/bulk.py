"""Bulk key-value benchmark: embergrid vs Apache Ignite 2.18 run as users run it.

Rows (our client, ``embergrid.Client``, one process; int keys, short string
values, an ATOMIC cache): ``put_all`` of 1,000 new keys, ``put_all`` of 1,000
existing keys (overwrites), ``get_all`` of 1,000 keys, ``remove_keys`` of 1,000
keys (op 1018; the keys are put back, untimed, before each batch), a scan of
100,000 entries (pages of 1,024) and a scan of one partition of those entries
(partition 7 of 1,024: about 98 of them). Each row is entries per second, and
the CPU time the server process used per entry (utime + stime from /proc).
``--scan-entries N`` scans a cache of N entries instead of 100,000;
``--before-src DIR`` adds a third server, ``embergrid serve`` run from the
sources in DIR (e.g. ``git archive <commit> src`` unpacked), named ``before``.

Servers, both up for the whole run: ``embergrid serve`` (in memory, default
flags) and the reference node with bin/ignite.sh's JVM options (default JIT;
``tx.reference_server``). Ignite first runs ``--warmup`` seconds of every op
(its optimising JIT compiles the hot paths meanwhile); then ``--rounds`` rounds
alternate the servers for every row, each row keeps its best round.

Usage: ``python benchmarks/bulk.py [--rounds R] [--seconds S] [--warmup W]
[--no-reference] [--hog N] [--scan-entries N] [--only WORD] [--before-src DIR]``
(``--only``: the rows whose name holds WORD). Imports tx.py's server launchers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from _load import hogs  # benchmarks/
from _serve import serve_process
from tx import Server, cpu_seconds, embergrid_server, reference_server

import embergrid
from embergrid.protocol.binary.hashing import hash_key, partition

CACHE = "bench-bulk"
SCAN_CACHE = "bench-bulk-scan"
BATCH = 1_000
PAGE = 1_024
PARTITION = 7


def value(i: int) -> str:
    return f"value-{i:08d}"


class Bench:
    """The ops of one server, through one connected client."""

    def __init__(self, server: Server, scan_entries: int) -> None:
        self.server = server
        self.scan_entries = scan_entries
        self.client = embergrid.Client()
        self.client.connect(*server.address)
        self.cache = self.client.get_or_create_cache(CACHE)
        self.cache.clear()
        self.scan_cache = self.client.get_or_create_cache(SCAN_CACHE)
        self.scan_cache.clear()
        for start in range(0, scan_entries, BATCH):
            end = min(start + BATCH, scan_entries)
            self.scan_cache.put_all({i: value(i) for i in range(start, end)})
        self._next = 0

    def close(self) -> None:
        self.client.close()

    def _fresh_batch(self) -> dict[int, str]:
        start, self._next = self._next, self._next + BATCH
        return {i: value(i) for i in range(start, start + BATCH)}

    def put_new(self) -> Callable[[], int]:
        batch = self._fresh_batch()  # made before the clock starts

        def op() -> int:
            self.cache.put_all(batch)
            return BATCH

        return op

    def put_existing(self) -> Callable[[], int]:
        batch = {i: value(i + 1) for i in range(BATCH)}
        self.cache.put_all(batch)

        def op() -> int:
            self.cache.put_all(batch)
            return BATCH

        return op

    def get(self) -> Callable[[], int]:
        keys = list(range(BATCH))
        self.cache.put_all({i: value(i) for i in keys})

        def op() -> int:
            found = self.cache.get_all(keys)
            assert len(found) == BATCH
            return BATCH

        return op

    def remove(self) -> Callable[[], int]:
        batch = self._fresh_batch()
        keys = list(batch)
        self.cache.put_all(batch)

        def op() -> int:
            self.cache.remove_keys(keys)
            return BATCH

        return op

    def scan(self) -> Callable[[], int]:
        def op() -> int:
            n = 0
            with self.scan_cache.scan(page_size=PAGE) as cursor:
                for _ in cursor:
                    n += 1
            assert n == self.scan_entries, n
            return n

        return op

    def scan_partition(self) -> Callable[[], int]:
        keys = range(self.scan_entries)  # ints, hashed as the client sends them
        want = sum(partition(hash_key(i), 1024) == PARTITION for i in keys)

        def op() -> int:
            n = 0
            with self.scan_cache.scan(page_size=PAGE, partitions=PARTITION) as cursor:
                for _ in cursor:
                    n += 1
            assert n == want, (n, want)
            return n

        return op


ROWS: dict[str, Callable[[Bench], Callable[[], int]]] = {
    "put_all 1,000 new keys": Bench.put_new,
    "put_all 1,000 existing keys": Bench.put_existing,
    "get_all 1,000 keys": Bench.get,
    "remove_keys 1,000 keys": Bench.remove,
    "scan all entries": Bench.scan,
    "scan one partition": Bench.scan_partition,
}


@contextlib.contextmanager
def before_server(src: str) -> Iterator[Server]:
    """``embergrid serve`` run from the sources in ``src``."""
    env = {**os.environ, "PYTHONPATH": src}
    with serve_process(env=env) as (address, pid):
        yield Server("before", address, pid)


def measure(bench: Bench, make: Callable[[Bench], Callable[[], int]], seconds: float):
    """Entries per second and server CPU µs per entry over about ``seconds``."""
    entries = 0
    busy = 0.0
    cpu = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        op = make(bench)  # untimed set-up of one batch
        c0 = cpu_seconds(bench.server.pid)
        t0 = time.perf_counter()
        entries += op()
        busy += time.perf_counter() - t0
        cpu += cpu_seconds(bench.server.pid) - c0
    return entries / busy, 1e6 * cpu / entries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=float, default=60.0)
    ap.add_argument("--hog", type=int, default=0)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--scan-entries", type=int, default=100_000)
    ap.add_argument("--only", default="", help="the rows whose name holds this")
    ap.add_argument("--before-src", help="also serve from these sources ('before')")
    args = ap.parse_args()
    rows = {name: make for name, make in ROWS.items() if args.only in name}
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    best: dict[tuple[str, str], tuple[float, float]] = {}
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(embergrid_server())]
        if args.before_src:
            servers.append(stack.enter_context(before_server(args.before_src)))
        if not args.no_reference:
            servers.append(stack.enter_context(reference_server()))
        benches = [Bench(s, args.scan_entries) for s in servers]
        for b in benches:
            stack.callback(b.close)
        stack.enter_context(hogs(args.hog))
        for b in benches:
            if b.server.name == "ignite":
                for make in rows.values():
                    measure(b, make, args.warmup / len(rows))
        for _ in range(args.rounds):
            for row, make in rows.items():
                for b in benches:
                    rate, cpu = measure(b, make, args.seconds)
                    print(
                        f"  {b.server.name:9} {row:28} {rate:10,.0f} entries/s"
                        f" {cpu:6.2f} us CPU/entry",
                        flush=True,
                    )
                    key = (row, b.server.name)
                    if rate > best.get(key, (0.0, 0.0))[0]:
                        best[key] = (rate, cpu)
    table(args, rows, best)


def table(
    args: Any, rows: dict[str, Any], best: dict[tuple[str, str], tuple[float, float]]
) -> None:
    print(
        f"\nrounds={args.rounds} seconds={args.seconds} warmup={args.warmup}"
        f" hog={args.hog} scan-entries={args.scan_entries} (best round; load"
        f" average {os.getloadavg()[0]:.2f} at the end)"
    )
    print(
        "| op | embergrid entries/s | ignite entries/s | ratio |"
        " CPU µs/entry ours | CPU µs/entry ignite | before entries/s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        ours = best.get((row, "embergrid"))
        ref = best.get((row, "ignite"))
        before = best.get((row, "before"))
        if ours is None:
            continue
        ratio = f"{ours[0] / ref[0]:.2f}" if ref else "n/a"
        ref_rate = f"{ref[0]:,.0f}" if ref else "n/a"
        ref_cpu = f"{ref[1]:.2f}" if ref else "n/a"
        was = f"{before[0]:,.0f} ({before[1]:.2f} µs)" if before else "n/a"
        print(
            f"| {row} | {ours[0]:,.0f} | {ref_rate} | {ratio} | {ours[1]:.2f} |"
            f" {ref_cpu} | {was} |"
        )


if __name__ == "__main__":
    main()

"""Partition scans of a large cache on two ``embergrid serve`` nodes sharing a data dir.

For each source tree (this one, and ``--before-src DIR``: e.g. ``git archive
<commit> src`` unpacked), two nodes are started on a fresh data dir (each a
process of its own, as users run them), node A is given a cache of
``--entries`` entries (int keys, 14-character string values, ``put_all`` of
10,000), then, while a client of node B puts a key of another cache every
millisecond (its latency recorded: what the other node's writers wait):

* the cache's first scan of partition 7 through node A (pages of 1,024): wall
  time and node A's CPU;
* this tree only: the time until the cache's partition map is complete (read
  from the store's ``partition_maps`` table, as any node does), the nodes
  filling it in the background;
* ``--rounds`` scans of partition 7 through node B: the best wall time and
  node B's CPU per scan.

Printed with the load average: those, the prober's latency p50 / p99 / max
(ms) over the whole time, and whether both nodes are still running (a node
that could not renew its lease would have been segmented and stopped).

Usage: ``python benchmarks/partition_cluster.py [--before-src DIR]
[--entries N] [--rounds R] [--dir DIR]``. Imports tx.py's ``cpu_seconds``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path

from _serve import serve_process
from tx import cpu_seconds

import embergrid

HERE = Path(__file__).resolve().parent.parent / "src"
PART = 7


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def scan(client: embergrid.Client, name: str) -> int:
    with client.get_cache(name).scan(page_size=1024, partitions=PART) as cur:
        return sum(1 for _ in cur)


def map_done(data_dir: str) -> bool:
    conn = sqlite3.connect(Path(data_dir) / "embergrid.sqlite3", timeout=10)
    try:
        rows = conn.execute("SELECT done FROM partition_maps").fetchall()
    except sqlite3.OperationalError:  # no such table: a tree without maps
        return True
    finally:
        conn.close()
    return bool(rows) and all(done for (done,) in rows)


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (exists and is no zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Prober(threading.Thread):
    """Puts a key every millisecond through ``address``; the latencies."""

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(daemon=True)
        self.address = address
        self.stop = threading.Event()
        self.latencies: list[float] = []

    def run(self) -> None:
        client = embergrid.Client(partition_aware=False, timeout=120)
        with client.connect(*self.address):
            cache = client.get_or_create_cache("probe")
            i = 0
            while not self.stop.is_set():
                t0 = time.perf_counter()
                cache.put(i, i)
                self.latencies.append((time.perf_counter() - t0) * 1e3)
                i += 1
                time.sleep(0.001)


def run_tree(name: str, src: Path, opts: argparse.Namespace) -> None:
    env = dict(os.environ, PYTHONPATH=str(src))
    with tempfile.TemporaryDirectory(dir=opts.dir) as d:
        flags = ("--data-dir", d)
        with (
            serve_process(*flags, env=env) as (addr_a, pid_a),
            serve_process(*flags, env=env) as (addr_b, pid_b),
        ):
            a = embergrid.Client(partition_aware=False, timeout=600)
            b = embergrid.Client(partition_aware=False, timeout=600)
            with a.connect(*addr_a), b.connect(*addr_b):
                cache = a.create_cache("big")
                for start in range(0, opts.entries, 10_000):
                    stop = min(opts.entries, start + 10_000)
                    cache.put_all({i: f"value-{i:08d}" for i in range(start, stop)})
                print(f"[load {load()}] {name}: {opts.entries} entries loaded")
                prober = Prober(addr_b)
                prober.start()
                cpu0, t0 = cpu_seconds(pid_a), time.monotonic()
                n = scan(a, "big")
                print(
                    f"  first scan of partition {PART} ({n} entries) through A:"
                    f" {time.monotonic() - t0:.2f} s wall,"
                    f" {cpu_seconds(pid_a) - cpu0:.2f} s CPU of A"
                )
                t0 = time.monotonic()
                while not map_done(d):
                    time.sleep(0.1)
                print(f"  map complete {time.monotonic() - t0:.1f} s after that scan")
                best = None
                for _ in range(opts.rounds):
                    cpu0, t0 = cpu_seconds(pid_b), time.monotonic()
                    scan(b, "big")
                    took = (time.monotonic() - t0, cpu_seconds(pid_b) - cpu0)
                    best = took if best is None or took < best else best
                assert best is not None
                print(
                    f"  scan of partition {PART} through B, best of {opts.rounds}:"
                    f" {best[0] * 1e3:.1f} ms wall, {best[1] * 1e3:.1f} ms CPU of B"
                )
                prober.stop.set()
                prober.join(60)
                lat = sorted(prober.latencies)
                p99 = lat[int(len(lat) * 0.99)]
                print(
                    f"  B's puts meanwhile ({len(lat)}): p50"
                    f" {statistics.median(lat):.2f} / p99 {p99:.2f} /"
                    f" max {lat[-1]:.1f} ms"
                )
                alive = all(running(p) for p in (pid_a, pid_b))
                print(f"  both nodes running: {alive} [load {load()}]")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before-src", type=Path)
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--dir", default=tempfile.gettempdir())
    opts = p.parse_args()
    run_tree("this", HERE, opts)
    if opts.before_src is not None:
        run_tree("before", opts.before_src, opts)


if __name__ == "__main__":
    main()

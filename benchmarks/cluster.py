"""Cluster benchmark: several ``embergrid serve`` nodes on one data dir.

Three measurements, printed as tables (ratios go to docs/benchmarks.md):

1. **Gets, 1 vs 2 nodes.** ``--clients`` client processes, each a
   partition-aware ``embergrid.Client`` connected to every node, read random
   keys of a 10,000-key cache for ``--seconds``; the rate is the sum. Run
   against embergrid (1 and 2 nodes on one data dir, in memory) and, as the
   baseline, the reference Ignite 2.18 (1 and 2 nodes in one JVM, started with
   bin/ignite.sh's JVM options, ``tests/_reference.py`` ``users_jvm_options``).
2. **What sharing the store costs a write.** One client puts random keys for
   ``--seconds`` into a node alone on its data dir, then into the same kind of
   node while a second node shares the data dir (idle), then while the second
   node takes the same writes from a second client (the sum); a lone node in
   memory (no data dir) for reference.
3. **How soon the others know.** Two nodes; one is killed with SIGKILL and the
   survivor's topology version (op 1101) is polled every 10 ms until it moved;
   then a new node is started and timed from ``Popen`` until the survivor
   reports it. ``--failure-detection-timeout`` is the default (2 s). Ignite's
   own failure detection is not measured here (its default timeout is 10 s).

Usage: ``python benchmarks/cluster.py [--seconds S] [--clients C] [--rounds R]
[--no-reference] [--only gets|puts|membership]``. Imports the test helpers
``tests/_reference.py`` and ``tests/server/_nodes.py``.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import embergrid
from _reference import (  # type: ignore[import-not-found, unused-ignore]
    marker_field,
    users_node,
)
from server._nodes import (  # type: ignore[import-not-found, unused-ignore]
    ServeNode,
    partition_map,
    start_node,
)

CACHE = "bench-cluster"
KEYS = 10_000
Address = tuple[str, int]


# -- clients (in pool processes) -------------------------------------------------------


def gets(
    addresses: Sequence[Address], start_at: float, seconds: float, seed: int
) -> int:
    """Random gets from ``start_at`` (wall clock) for ``seconds``; how many."""
    rng = random.Random(seed)
    client = embergrid.Client(partition_aware=True)
    with client.connect(list(addresses)):
        cache = client.get_cache(CACHE)
        for _ in range(200):  # warm: connections to every node, the partition map
            cache.get(rng.randrange(KEYS))
        time.sleep(max(0.0, start_at - time.time()))
        end, count = start_at + seconds, 0
        while time.time() < end:
            cache.get(rng.randrange(KEYS))
            count += 1
    return count


def puts(address: Address, start_at: float, seconds: float, seed: int) -> int:
    """Random puts from ``start_at`` for ``seconds``; how many."""
    rng = random.Random(seed)
    client = embergrid.Client(partition_aware=False)
    with client.connect(*address):
        cache = client.get_cache(CACHE)
        time.sleep(max(0.0, start_at - time.time()))
        end, count = start_at + seconds, 0
        while time.time() < end:
            cache.put(rng.randrange(KEYS), count)
            count += 1
    return count


def _fill(address: Address) -> None:
    client = embergrid.Client()
    with client.connect(*address):
        client.get_or_create_cache(CACHE).put_all({k: k for k in range(KEYS)})


def _rate(
    pool: ProcessPoolExecutor,
    jobs: list[tuple[object, ...]],
    fn: object,
    seconds: float,
) -> float:
    start_at = time.time() + 2.0
    futures = [
        pool.submit(fn, *job, start_at, seconds, i) for i, job in enumerate(jobs)
    ]  # type: ignore[arg-type]
    return sum(f.result() for f in futures) / seconds


# -- servers ---------------------------------------------------------------------------


@contextmanager
def embergrid_nodes(count: int, *flags: str) -> Iterator[list[ServeNode]]:
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as data_dir:
        nodes = [start_node(Path(data_dir), f"bench-{i}", *flags) for i in range(count)]
        try:
            yield nodes
        finally:
            for node in nodes:
                node.stop()


@contextmanager
def reference_nodes(count: int) -> Iterator[list[Address]]:
    with users_node(["--nodes", str(count)]) as node:
        ports = marker_field(node.marker, "ports").split(",")
        yield [(node.host, int(p)) for p in ports]


# -- the three measurements ------------------------------------------------------------


def measure_gets(pool: ProcessPoolExecutor, args: argparse.Namespace) -> None:
    print(f"\n1. gets/s, {args.clients} partition-aware clients, best of {args.rounds}")
    rows: dict[str, dict[int, float]] = {"embergrid": {}, "ignite": {}}
    for count in (1, 2):
        with embergrid_nodes(count) as nodes:
            addresses = [n.address for n in nodes]
            _fill(addresses[0])
            jobs = [(addresses,)] * args.clients
            rows["embergrid"][count] = max(
                _rate(pool, jobs, gets, args.seconds) for _ in range(args.rounds)
            )
        if args.no_reference:
            continue
        with reference_nodes(count) as addresses:
            _fill(addresses[0])
            jobs = [(addresses,)] * args.clients
            rows["ignite"][count] = max(
                _rate(pool, jobs, gets, args.seconds) for _ in range(args.rounds)
            )
    for name, row in rows.items():
        if row:
            ratio = row[2] / row[1]
            print(
                f"  {name:10} 1 node {row[1]:9.0f}  2 nodes {row[2]:9.0f}  x{ratio:.2f}"
            )


def measure_puts(pool: ProcessPoolExecutor, args: argparse.Namespace) -> None:
    print(f"\n2. puts/s, one client each, best of {args.rounds}")

    def best(jobs: list[tuple[object, ...]]) -> float:
        return max(_rate(pool, jobs, puts, args.seconds) for _ in range(args.rounds))

    with embergrid_nodes(1) as (alone,):
        _fill(alone.address)
        lone = best([(alone.address,)])
    with embergrid_nodes(2) as (a, b):
        _fill(a.address)
        shared_idle = best([(a.address,)])
        shared_both = best([(a.address,), (b.address,)])
    from embergrid.server import Node, ServerThread

    with ServerThread(Node()) as st:
        _fill(st.address)
        memory = best([(st.address,)])
    rows = [
        ("lone node, in memory (in-process)", memory),
        ("lone node on a data dir", lone),
        ("+ a second node sharing it (idle)", shared_idle),
        ("both nodes writing (sum)", shared_both),
    ]
    for label, rate in rows:
        print(f"  {label:36} {rate:8.0f}  x{rate / lone:.2f} of the lone node")


def measure_membership(args: argparse.Namespace) -> None:
    print(f"\n3. membership, {args.rounds} rounds (seconds)")
    leaves, joins = [], []
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as data_dir:
        survivor = start_node(Path(data_dir), "stays")
        try:
            for r in range(args.rounds):
                victim = start_node(Path(data_dir), f"victim-{r}")
                time.sleep(1.0)  # past its first beats: a node in its stride
                before = partition_map(survivor.address)[0]
                killed = time.monotonic()
                victim.kill()
                while partition_map(survivor.address)[0] == before:
                    time.sleep(0.01)
                leaves.append(time.monotonic() - killed)
                before = partition_map(survivor.address)[0]
                started = time.monotonic()
                proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "embergrid",
                        "serve",
                        "--port",
                        "0",
                        "--data-dir",
                        data_dir,
                        "--node-id",
                        f"joiner-{r}",
                        "--log-level",
                        "WARNING",
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                while partition_map(survivor.address)[0] == before:
                    time.sleep(0.01)
                joins.append(time.monotonic() - started)
                assert proc.stdout is not None
                proc.stdout.readline()  # it listens: SIGTERM is a clean leave now
                proc.terminate()
                proc.wait(30)
                proc.stdout.close()
        finally:
            survivor.stop()
    print(
        f"  kill -9 seen by the survivor   min {min(leaves):.2f}  max {max(leaves):.2f}"
    )
    print(
        f"  new node seen (from Popen)     min {min(joins):.2f}  max {max(joins):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument(
        "--only", choices=["gets", "puts", "membership"], help="one measurement"
    )
    args = parser.parse_args()
    with ProcessPoolExecutor(max(args.clients, 2)) as pool:
        if args.only in (None, "gets"):
            measure_gets(pool, args)
        if args.only in (None, "puts"):
            measure_puts(pool, args)
    if args.only in (None, "membership"):
        measure_membership(args)


if __name__ == "__main__":
    main()

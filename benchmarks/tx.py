"""Transactions benchmark: embergrid vs Apache Ignite 2.18 run as users run it.

One transaction = tx_start (PESSIMISTIC, REPEATABLE_READ: pyignite's default),
get two keys, put both, commit: six round trips. The keys are drawn at random
from ``KEYS`` in a TRANSACTIONAL cache and read (so locked) in key order: the
clients seldom wait for each other and never deadlock, so this measures what a
transaction costs the server, not contention.

Servers, each in its own process and both up for the whole run:

* ``embergrid serve`` (in memory, default flags: uvloop, 100 us busy poll);
* the reference node (``tools/reference-ignite/ReferenceNode.java``, Ignite
  2.18, in memory) started with the JVM options of Ignite's ``bin/ignite.sh``
  (``-Xms1g -Xmx1g -server -XX:MaxMetaspaceSize=256m``) plus Ignite's
  ``--add-opens`` list: default JIT and GC (G1 on Java 17), not the test
  suite's fast-start flags (C1 only, serial GC, 512 MiB heap). The node itself
  keeps ReferenceNode's small thread pools (4 client-connector threads).

Clients: 1 and 16 at once, each its own process with its own client (a pool of
16 spawned processes made once: processes, not threads, so that a Python
client's GIL limits neither server). Every client of a measurement starts at
the same wall-clock time and runs for ``--seconds``; the rate is the sum of
their transactions over that time. One table row per client library:
``embergrid.Client`` and pyignite 0.6.1. Beside the rates: the CPU time each
server process used per transaction (utime + stime from /proc).

Order: a warm-up with 16 clients against each server (``--warmup`` seconds,
default 180: after 15 s Ignite's CPU per transaction still fell 4x over the
next rounds while C2 compiled its hot paths on this 2-core machine, and after
60 s under load still 2-3x: 1,039 -> 339 us at 16 clients), then
``--rounds`` rounds that alternate the servers for every cell, so drifting
load from other processes hits both alike; each cell keeps its best round.
``--hog N`` runs N busy-loop processes during the whole run (a loaded machine).

Usage: ``python benchmarks/tx.py [--seconds S] [--rounds R] [--warmup W]
[--client embergrid|pyignite|both] [--hog N] [--busy-poll US] [--workers N]
[--no-reference] [--base TREE]`` (``--busy-poll`` and ``--workers`` are passed
to ``embergrid serve``; its CPU column counts the polling and the worker
processes too; ``--base`` adds a third server, ``embergrid serve`` run from
another tree's ``src/``, for before/after in one run).
``IGNITE_REFERENCE=host:port`` uses a node already running instead (with
whatever JVM flags it was started with; no CPU column for it). Imports the test
helper ``tests/_reference.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyignite  # type: ignore[import-untyped]
from pyignite.datatypes import (  # type: ignore[import-untyped]
    TransactionConcurrency as PyConcurrency,
)
from pyignite.datatypes import (
    TransactionIsolation as PyIsolation,
)

import embergrid
from embergrid.datatypes.prop_codes import PROP_CACHE_ATOMICITY_MODE, PROP_NAME
from embergrid.datatypes.transactions import (
    TransactionConcurrency,
    TransactionIsolation,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _load import hogs  # benchmarks/, the script's own directory
from _serve import serve_process

from _reference import (  # type: ignore[import-not-found, unused-ignore]
    parse_address,
    users_node,
)

CACHE = "bench-tx"
KEYS = 10_000
TRANSACTIONAL = 0  # CacheAtomicityMode.TRANSACTIONAL
CLIENT_COUNTS = (1, 16)
START_MARGIN = 2.0  # seconds from submitting a measurement to its common start
# bin/ignite.sh: JVM_OPTS="-Xms1g -Xmx1g -server -XX:MaxMetaspaceSize=256m"
_TICKS = os.sysconf("SC_CLK_TCK")


# -- the clients (run in the pool's processes) ----------------------------------------


@dataclass(frozen=True, slots=True)
class Library:
    """A client library: its ``Client`` class and PESSIMISTIC, REPEATABLE_READ."""

    client: Callable[[], Any]
    concurrency: Any
    isolation: Any


LIBRARIES = {
    "embergrid": Library(
        embergrid.Client,
        TransactionConcurrency.PESSIMISTIC,
        TransactionIsolation.REPEATABLE_READ,
    ),
    "pyignite": Library(
        pyignite.Client, PyConcurrency.PESSIMISTIC, PyIsolation.REPEATABLE_READ
    ),
}


def transactions(
    address: tuple[str, int], library: str, start_at: float, seconds: float, seed: int
) -> tuple[int, float]:
    """Connect, wait for ``start_at`` (wall clock), then run transactions for
    ``seconds``: how many committed, and how late this client started."""
    lib = LIBRARIES[library]
    rng = random.Random(seed)
    client = lib.client()
    with client.connect(*address):
        cache = client.get_cache(CACHE)

        def one() -> None:
            low, high = sorted(rng.sample(range(KEYS), 2))
            with client.tx_start(lib.concurrency, lib.isolation) as tx:
                a = cache.get(low)
                b = cache.get(high)
                cache.put(low, a - 1)
                cache.put(high, b + 1)
                tx.commit()

        for _ in range(5):
            one()
        late = time.time() - start_at
        if late < 0:
            time.sleep(-late)
        end = start_at + seconds
        count = 0
        while time.time() < end:
            one()
            count += 1
    return count, max(late, 0.0)


# -- the servers ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    address: tuple[str, int]
    pid: int | None  # for the CPU column; None for an external node


def cpu_seconds(pid: int | None) -> float:
    """utime + stime of process ``pid`` (all its threads) and of its live child
    processes (``embergrid serve --workers``), in seconds."""
    if pid is None:
        return 0.0
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


@contextmanager
def embergrid_server(*flags: str) -> Iterator[Server]:
    """``embergrid serve`` (in memory, default flags + ``flags``) in its own process."""
    with serve_process(*flags) as (address, pid):
        yield Server("embergrid", address, pid)


@contextmanager
def reference_server() -> Iterator[Server]:
    """The reference Ignite 2.18 node as users run it (see the module docstring)."""
    external = os.environ.get("IGNITE_REFERENCE", "").strip()
    if external:
        yield Server("ignite", parse_address(external), None)
        return
    with users_node() as node:
        yield Server("ignite", (node.host, node.port), node.process.pid)


def prepare(server: Server) -> None:
    """The TRANSACTIONAL cache with ``KEYS`` integer values."""
    client = embergrid.Client()
    with client.connect(*server.address):
        cache = client.get_or_create_cache(
            {PROP_NAME: CACHE, PROP_CACHE_ATOMICITY_MODE: TRANSACTIONAL}
        )
        for start in range(0, KEYS, 1000):
            cache.put_all({k: 1_000 for k in range(start, start + 1000)})


# -- measuring ------------------------------------------------------------------------


@dataclass
class Cell:
    """The best round of one (library, clients, server)."""

    rate: float = 0.0
    cpu_us: float = 0.0  # server CPU per transaction in that round


def measure(
    pool: ProcessPoolExecutor,
    server: Server,
    library: str,
    clients: int,
    seconds: float,
) -> tuple[float, float]:
    """Transactions per second of ``clients`` clients, and server CPU µs each."""
    start_at = time.time() + START_MARGIN
    futures = [
        pool.submit(
            transactions,
            server.address,
            library,
            start_at,
            seconds,
            random.randrange(2**32),
        )
        for _ in range(clients)
    ]
    time.sleep(max(0.0, start_at - time.time()))
    cpu0 = cpu_seconds(server.pid)
    results = [f.result() for f in futures]
    cpu1 = cpu_seconds(server.pid)
    done = sum(n for n, _ in results)
    late = max(late for _, late in results)
    if late > 0.05 * seconds:
        print(
            f"  ({server.name} {library} x{clients}: a client started {late:.2f}s late)"
        )
    return done / seconds, 1e6 * (cpu1 - cpu0) / max(done, 1)


def run(
    args: argparse.Namespace, servers: list[Server]
) -> dict[tuple[str, int, str], Cell]:
    libraries = ["embergrid", "pyignite"] if args.client == "both" else [args.client]
    ctx = multiprocessing.get_context("spawn")
    cells: dict[tuple[str, int, str], Cell] = {}
    with ProcessPoolExecutor(max(CLIENT_COUNTS), mp_context=ctx) as pool:
        # every worker process up (and its imports done) before anything is measured
        list(pool.map(time.sleep, [0.5] * max(CLIENT_COUNTS)))
        for server in servers:
            if args.warmup > 0:
                measure(pool, server, libraries[0], max(CLIENT_COUNTS), args.warmup)
        for _ in range(args.rounds):
            for library in libraries:
                for clients in CLIENT_COUNTS:
                    for server in servers:
                        rate, cpu = measure(
                            pool, server, library, clients, args.seconds
                        )
                        print(
                            f"  {server.name:9} {library:9} x{clients:<2}"
                            f" {rate:8.0f} tx/s  {cpu:6.0f} us CPU/tx",
                            flush=True,
                        )
                        cell = cells.setdefault((library, clients, server.name), Cell())
                        if rate > cell.rate:
                            cell.rate, cell.cpu_us = rate, cpu
    return cells


def table(
    args: argparse.Namespace,
    names: list[str],
    cells: dict[tuple[str, int, str], Cell],
) -> None:
    """One row per (client library, clients): each server's rate, each
    embergrid server's ratio to the reference, each server's CPU per tx."""
    print(
        f"\nseconds={args.seconds} rounds={args.rounds} warmup={args.warmup}"
        f" hog={args.hog} busy-poll={args.busy_poll or 'default'}"
        f" workers={args.workers or 1}"
        " (best round; clients are processes;"
        f" load average {os.getloadavg()[0]:.2f} at the end)"
    )
    ours = [n for n in names if n != "ignite"]
    heads = [f"{n} tx/s" for n in names]
    heads += [f"ratio {n}" for n in ours if "ignite" in names]
    heads += [f"CPU us/tx {n}" for n in names]
    print(f"| client    | clients | {' | '.join(heads)} |")
    print(f"|{'-' * 11}|{'-' * 9}|" + "|".join("-" * (len(h) + 2) for h in heads) + "|")
    for library in ("embergrid", "pyignite"):
        for clients in CLIENT_COUNTS:
            row = {n: cells.get((library, clients, n)) for n in names}
            if all(c is None for c in row.values()):
                continue
            ref = row.get("ignite")
            values = [_num(c.rate if c else None, 0) for c in row.values()]
            if ref is not None:
                values += [_num(_ratio(row[n], ref), 2) for n in ours]
            values += [_num(c.cpu_us if c else None, 0) for c in row.values()]
            cols = " | ".join(
                v.rjust(len(h)) for v, h in zip(values, heads, strict=True)
            )
            print(f"| {library:<9} | {clients:>7} | {cols} |")


def _ratio(ours: Cell | None, ref: Cell) -> float | None:
    return ours.rate / ref.rate if ours and ref.rate else None


def _num(value: float | None, digits: int) -> str:
    return "n/a" if not value else f"{value:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=float, default=180.0)
    ap.add_argument(
        "--client", choices=["embergrid", "pyignite", "both"], default="both"
    )
    ap.add_argument("--hog", type=int, default=0)
    ap.add_argument("--busy-poll", help="embergrid serve's --busy-poll (µs)")
    ap.add_argument("--workers", help="embergrid serve's --workers (processes)")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--base", help="a tree whose src/ serves as 'embergrid base'")
    args = ap.parse_args()
    print(f"load average at the start: {os.getloadavg()}")
    with contextlib.ExitStack() as stack:
        flags: tuple[str, ...] = ()
        if args.busy_poll is not None:
            flags += ("--busy-poll", args.busy_poll)
        if args.workers is not None:
            flags += ("--workers", args.workers)
        servers = [stack.enter_context(embergrid_server(*flags))]
        if args.base:  # the same serve from another tree's sources: before/after
            env = {**os.environ, "PYTHONPATH": str(Path(args.base) / "src")}
            address, pid = stack.enter_context(serve_process(*flags, env=env))
            servers.append(Server("embergrid base", address, pid))
        if not args.no_reference:
            servers.append(stack.enter_context(reference_server()))
        for server in servers:
            prepare(server)
        stack.enter_context(hogs(args.hog))
        cells = run(args, servers)
    table(args, [s.name for s in servers], cells)


if __name__ == "__main__":
    main()

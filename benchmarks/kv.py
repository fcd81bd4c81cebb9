"""Key-value benchmark: embergrid vs Apache Ignite 2.18 run as users run it.

Servers, each in its own process and both up for the whole run:

* ``embergrid serve`` (in memory, default flags plus ``--serve-flag`` ones, e.g.
  ``--serve-flag=--workers=2``);
* the reference node (``tools/reference-ignite/ReferenceNode.java``, Ignite 2.18,
  in memory) with the JVM options of Ignite's ``bin/ignite.sh`` (default JIT and
  GC, 1 GiB heap: ``tests/_reference.py users_jvm_options``), not the test
  suite's fast-start flags; started by ``tx.reference_server``.

Measured, per client library (``embergrid.Client`` and pyignite 0.6.1):

* sequential from this process: put and get of a small value, ``put_all`` and
  ``get_all`` of 10 / 1,000 / 10,000 entries, a scan of ``--scan`` entries, put
  and get of a 5-field complex object;
* 16 client processes doing gets at once (aggregate gets/s);
* pipelined capacity: ``--pipes`` processes, each an ``AioClient`` keeping
  ``--depth`` gets in flight (embergrid's client only: pyignite's asyncio client
  is too slow to load a server).

Every row runs on both servers in alternating rounds (``--rounds``, best round of
each kept) after a warm-up of both (``--warmup`` seconds of 16-process gets and
puts: Ignite's C2 JIT compiles its hot paths meanwhile), so that drifting load hits
both alike. The server process's CPU time per operation (utime + stime from
/proc) is printed beside the rates. ``--hog N`` runs N busy-loop processes for
the whole run.

Usage: ``python benchmarks/kv.py [--rounds R] [--seconds S] [--warmup W]
[--hog N] [--serve-flag=FLAG ...] [--only NAME ...] [--no-reference]``.
Imports ``benchmarks/tx.py`` (servers, CPU, hogs) and through it the test helper
``tests/_reference.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pyignite  # type: ignore[import-untyped]
from _load import hogs  # benchmarks/
from pyignite import GenericObjectMeta as PyMeta
from pyignite.datatypes import IntObject as PyInt
from pyignite.datatypes import String as PyString
from tx import Server, cpu_seconds, embergrid_server, reference_server

import embergrid
from embergrid import GenericObjectMeta
from embergrid.datatypes import IntObject, String

CACHE = "bench-kv"
SCAN_CACHE = "bench-kv-scan"
GET_KEYS = 1000
START_MARGIN = 2.0
LIBRARIES: dict[str, Callable[[], Any]] = {
    "embergrid": embergrid.Client,
    "pyignite": lambda: pyignite.Client(partition_aware=False),
}
_FIELDS = {"id": 0, "name": "", "city": "", "age": 0, "score": 0}


class Person(
    metaclass=GenericObjectMeta,
    schema={
        "id": IntObject,
        "name": String,
        "city": String,
        "age": IntObject,
        "score": IntObject,
    },
):
    pass


class PyPerson(
    metaclass=PyMeta,
    type_name="Person",
    schema={
        "id": PyInt,
        "name": PyString,
        "city": PyString,
        "age": PyInt,
        "score": PyInt,
    },
):
    pass


# -- cases run in this process -------------------------------------------------------


def _timed(fn: Callable[[], int], min_s: float) -> float:
    """Operations per second of ``fn`` (which returns how many it did), repeated
    for at least ``min_s`` seconds."""
    fn()
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_s or done == 0:
        done += fn()
    return done / elapsed


def sequential_cases(
    client: Any, library: str, scan: int
) -> dict[str, Callable[[], int]]:
    cache = client.get_or_create_cache(CACHE)
    scanned = client.get_cache(SCAN_CACHE)
    person = (Person if library == "embergrid" else PyPerson)(
        id=1, name="Ada Lovelace", city="London", age=36, score=99
    )
    batches = {n: {i: i for i in range(n)} for n in (10, 1000, 10_000)}

    def repeat(op: Callable[[int], object], n: int) -> Callable[[], int]:
        def run() -> int:
            for i in range(n):
                op(i)
            return n

        return run

    def bulk(op: Callable[[], object], n: int) -> Callable[[], int]:
        def run() -> int:
            op()
            return n

        return run

    def scan_all() -> int:
        with scanned.scan(page_size=1024) as cursor:
            count = sum(1 for _ in cursor)
        assert count == scan, count
        return count

    cases: dict[str, Callable[[], int]] = {
        "put": repeat(lambda i: cache.put(i, 42), 200),
        "get": repeat(lambda i: cache.get(i), 200),
        "put object": repeat(lambda i: cache.put(i, person), 200),
        "get object": repeat(lambda i: cache.get(1_000_000 + i % 1), 200),
    }
    cache.put(1_000_000, person)
    for n, batch in batches.items():
        keys = list(batch)
        cases[f"put_all {n:,}"] = bulk(lambda b=batch: cache.put_all(b), n)
        cases[f"get_all {n:,}"] = bulk(lambda k=keys: cache.get_all(k), n)
    cases[f"scan {scan:,}"] = scan_all
    return cases


# -- cases run in the pool's processes ------------------------------------------


def gets(
    address: tuple[str, int], library: str, start_at: float, seconds: float
) -> int:
    client = LIBRARIES[library]()
    with client.connect(*address):
        cache = client.get_cache(CACHE)
        for i in range(100):
            cache.get(i)
        time.sleep(max(0.0, start_at - time.time()))
        end, count = start_at + seconds, 0
        while time.time() < end:
            for i in range(50):
                cache.get(i % GET_KEYS)
            count += 50
    return count


def puts(
    address: tuple[str, int], library: str, start_at: float, seconds: float
) -> int:
    client = LIBRARIES[library]()
    with client.connect(*address):
        cache = client.get_cache(CACHE)
        time.sleep(max(0.0, start_at - time.time()))
        end, count = start_at + seconds, 0
        while time.time() < end:
            for i in range(50):
                cache.put(i % GET_KEYS, count)
            count += 50
    return count


def pipelined(
    address: tuple[str, int], depth: int, start_at: float, seconds: float
) -> int:
    async def run() -> int:
        client = embergrid.AioClient()
        async with client.connect(*address):
            cache = await client.get_cache(CACHE)
            await asyncio.gather(*(cache.get(i) for i in range(depth)))
            await asyncio.sleep(max(0.0, start_at - time.time()))
            end, count = start_at + seconds, 0

            async def one_lane(lane: int) -> int:
                n = 0
                while time.time() < end:
                    await cache.get((lane * 7 + n) % GET_KEYS)
                    n += 1
                return n

            count = sum(await asyncio.gather(*(one_lane(i) for i in range(depth))))
            return count

    return asyncio.run(run())


def _together(
    pool: ProcessPoolExecutor,
    server: Server,
    seconds: float,
    jobs: list[tuple[Any, ...]],
) -> tuple[float, float]:
    """Run ``jobs`` (function, args...) in the pool, all starting at one moment;
    their summed operations per second, and server CPU µs per operation."""
    start_at = time.time() + START_MARGIN
    futures = [
        pool.submit(fn, server.address, *a, start_at, seconds) for fn, *a in jobs
    ]
    time.sleep(max(0.0, start_at - time.time()))
    cpu0 = cpu_seconds(server.pid)
    done = sum(f.result() for f in futures)
    cpu1 = cpu_seconds(server.pid)
    return done / seconds, 1e6 * (cpu1 - cpu0) / max(done, 1)


# -- the run ---------------------------------------------------------------------------


def prepare(server: Server, scan: int) -> None:
    client = embergrid.Client()
    with client.connect(*server.address):
        cache = client.get_or_create_cache(CACHE)
        cache.put_all({i: i for i in range(GET_KEYS)})
        scanned = client.get_or_create_cache(SCAN_CACHE)
        for start in range(0, scan, 5000):
            scanned.put_all({i: i for i in range(start, min(start + 5000, scan))})


Cells = dict[tuple[str, str, str], tuple[float, float]]  # (row, library, server)


def keep_best(cells: Cells, key: tuple[str, str, str], rate: float, cpu: float) -> None:
    print(
        f"  {key[2]:9} {key[1]:9} {key[0]:22} {rate:12,.0f}/s {cpu:8.1f} us CPU/op",
        flush=True,
    )
    if rate > cells.get(key, (0.0, 0.0))[0]:
        cells[key] = (rate, cpu)


def run(args: argparse.Namespace, servers: list[Server]) -> Cells:
    cells: Cells = {}
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(16, mp_context=ctx) as pool:
        list(pool.map(time.sleep, [0.5] * 16))
        for server in servers:
            if args.warmup > 0:
                half = args.warmup / 2
                _together(pool, server, half, [(gets, "embergrid")] * 16)
                _together(pool, server, half, [(puts, "embergrid")] * 16)
        clients: dict[tuple[str, str], Any] = {}
        with contextlib.ExitStack() as stack:
            cases: dict[tuple[str, str], dict[str, Callable[[], int]]] = {}
            for server in servers:
                for library, make in LIBRARIES.items():
                    client = make()
                    stack.enter_context(client.connect(*server.address))
                    clients[server.name, library] = client
                    cases[server.name, library] = sequential_cases(
                        client, library, args.scan
                    )
            for _ in range(args.rounds):
                for library in LIBRARIES:
                    for row in cases[servers[0].name, library]:
                        if args.only and not any(o in row for o in args.only):
                            continue
                        for server in servers:
                            cpu0 = cpu_seconds(server.pid)
                            t0 = time.perf_counter()
                            rate = _timed(cases[server.name, library][row], args.min_s)
                            ops = rate * (time.perf_counter() - t0)
                            cpu = 1e6 * (cpu_seconds(server.pid) - cpu0) / max(ops, 1)
                            keep_best(cells, (row, library, server.name), rate, cpu)
                    if not args.only or any("16" in o for o in args.only):
                        for server in servers:
                            rate, cpu = _together(
                                pool, server, args.seconds, [(gets, library)] * 16
                            )
                            keep_best(
                                cells,
                                ("16 processes get", library, server.name),
                                rate,
                                cpu,
                            )
                if not args.only or any("pipe" in o for o in args.only):
                    for server in servers:
                        rate, cpu = _together(
                            pool,
                            server,
                            args.seconds,
                            [(pipelined, args.depth)] * args.pipes,
                        )
                        keep_best(
                            cells,
                            (f"pipelined x{args.pipes}", "embergrid", server.name),
                            rate,
                            cpu,
                        )
    return cells


def table(args: argparse.Namespace, cells: Cells) -> None:
    print(
        f"\nrounds={args.rounds} seconds={args.seconds} warmup={args.warmup}"
        f" hog={args.hog} serve flags={args.serve_flag or 'default'}"
        f" (best round; load average {os.getloadavg()[0]:.2f} at the end)"
    )
    print(
        "| row | client | embergrid op/s | ignite op/s | ratio"
        " | CPU us/op ours | CPU us/op ignite |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    rows = dict.fromkeys((row, lib) for row, lib, _ in cells)
    for row, library in rows:
        ours = cells.get((row, library, "embergrid"))
        ref = cells.get((row, library, "ignite"))
        if ours is None:
            continue
        ratio = f"{ours[0] / ref[0]:.2f}" if ref else "n/a"
        ref_rate = f"{ref[0]:,.0f}" if ref else "n/a"
        ref_cpu = f"{ref[1]:.1f}" if ref else "n/a"
        print(
            f"| {row} | {library} | {ours[0]:,.0f} | {ref_rate} | {ratio}"
            f" | {ours[1]:.1f} | {ref_cpu} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--min-s", type=float, default=0.3)
    ap.add_argument("--warmup", type=float, default=30.0)
    ap.add_argument("--scan", type=int, default=100_000)
    ap.add_argument("--pipes", type=int, default=2)
    ap.add_argument("--depth", type=int, default=64)
    ap.add_argument("--hog", type=int, default=0)
    ap.add_argument("--serve-flag", action="append", default=[])
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    with contextlib.ExitStack() as stack:
        flags = [f for flag in args.serve_flag for f in flag.split("=", 1)]
        servers = [stack.enter_context(embergrid_server(*flags))]
        if not args.no_reference:
            servers.append(stack.enter_context(reference_server()))
        for server in servers:
            prepare(server, args.scan)
        stack.enter_context(hogs(args.hog))
        cells = run(args, servers)
    table(args, cells)


if __name__ == "__main__":
    main()

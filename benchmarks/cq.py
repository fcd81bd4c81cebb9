"""Continuous queries benchmark: embergrid vs Apache Ignite 2.18 run as users run it.

Three measurements per server, the same listener (embergrid's ``AioClient``
``listen()``, page size 1 as Ignite's default) in this process and writers in
processes of their own (embergrid's blocking ``Client``, small int keys and values):

* **events/s**: ``--writers`` processes put ``--events`` values each as fast as
  they can; the rate is the events the listener received over the time from the
  first to the last (so it is bounded by the writers' rate too: that rate, with no
  listener, is printed beside it);
* **put-to-event latency**: one writer puts ``--samples`` values, one every 5 ms,
  each carrying ``time.monotonic_ns()`` at the put (one clock for every process of
  the machine); the listener subtracts it from its own clock on arrival: p50, p99;
* **the cost of a listener to a put**: one writer's sequential puts, ``--puts``
  of them, with no listener and with one, alternating, best of ``--rounds``;
  the difference in microseconds per put;
* **an idle node's CPU** (``--idle S``, instead of the above): the server
  process's CPU time over ``S`` seconds in which nothing happens, with no listener
  and with one registered, in percent of a core; embergrid in memory and on a
  ``--data-dir`` (a node that may have peers, so it watches the store for their
  changes), beside the reference node.

Servers, each in its own process: ``embergrid serve`` (in memory, default flags)
and the reference node with the JVM options of Ignite's ``bin/ignite.sh`` (see
benchmarks/tx.py, whose server helpers this uses), after a warm-up of
``--warmup`` seconds of puts with a listener. Ignite delivers a query's events only
once its subscribe answer has been sent, so the listener first waits to hear a
sentinel key it writes until it does.

Usage: ``python benchmarks/cq.py [--writers N] [--events N] [--samples N]
[--puts N] [--rounds R] [--warmup S] [--no-reference] [--idle S]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from tx import (  # benchmarks/
    Server,
    cpu_seconds,
    embergrid_server,
    reference_server,
)

import embergrid

CACHE = "bench-cq"
SENTINEL = -1


def put_many(address: tuple[str, int], base: int, n: int) -> float:
    """Put ``n`` values as fast as possible; the seconds it took."""
    client = embergrid.Client()
    with client.connect(*address):
        cache = client.get_cache(CACHE)
        start = time.perf_counter()
        for i in range(n):
            cache.put(base + i % 1000, i)
        return time.perf_counter() - start


def put_stamped(address: tuple[str, int], n: int, gap: float) -> None:
    """Put ``n`` values, each the monotonic time of its put, ``gap`` s apart."""
    client = embergrid.Client()
    with client.connect(*address):
        cache = client.get_cache(CACHE)
        for i in range(n):
            cache.put(i % 100, time.monotonic_ns())
            time.sleep(gap)


async def ready(cache: Any, events: Any) -> None:
    """Until the query surely hears every change (Ignite: see the docstring)."""
    heard = asyncio.Event()

    async def prime() -> None:
        while not heard.is_set():
            await cache.put(SENTINEL, 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(heard.wait(), 0.05)

    writer = asyncio.ensure_future(prime())
    async for event in events:
        if event.key == SENTINEL:
            break
    heard.set()
    await writer


async def listen_while(
    address: tuple[str, int], want: int, start_writers: Any
) -> tuple[list[Any], list[int]]:
    """Listen, start the writers, collect ``want`` events: their values and the
    monotonic arrival times."""
    client = embergrid.AioClient()
    async with client.connect(*address):
        cache = await client.get_or_create_cache(CACHE)
        async with cache.listen() as events:
            await ready(cache, events)
            writers = start_writers()
            values, arrived = [], []
            async for event in events:
                if event.key == SENTINEL:
                    continue
                values.append(event.value)
                arrived.append(time.monotonic_ns())
                if len(values) == want:
                    break
            for w in writers:
                w.result()
    return values, arrived


def events_per_second(
    server: Server, pool: ProcessPoolExecutor, writers: int, n: int
) -> tuple[float, float]:
    """(events/s heard, puts/s the writers made with nobody listening)."""
    address = server.address
    quiet = [pool.submit(put_many, address, 1000 * w, n) for w in range(writers)]
    lone = writers * n / max(f.result() for f in quiet)

    def start() -> list[Any]:
        return [pool.submit(put_many, address, 1000 * w, n) for w in range(writers)]

    _, arrived = asyncio.run(listen_while(address, writers * n, start))
    return (len(arrived) - 1) / ((arrived[-1] - arrived[0]) / 1e9), lone


def latency(server: Server, pool: ProcessPoolExecutor, n: int) -> tuple[float, float]:
    """(p50, p99) put-to-event milliseconds."""

    def start() -> list[Any]:
        return [pool.submit(put_stamped, server.address, n, 0.005)]

    values, arrived = asyncio.run(listen_while(server.address, n, start))
    ms = sorted((a - v) / 1e6 for v, a in zip(values, arrived, strict=True))
    return statistics.median(ms), ms[int(len(ms) * 0.99) - 1]


def put_cost(
    server: Server, pool: ProcessPoolExecutor, n: int, rounds: int
) -> tuple[float, float]:
    """(µs per put without a listener, with one): best of ``rounds`` each."""
    alone, heard = [], []
    for _ in range(rounds):
        alone.append(pool.submit(put_many, server.address, 0, n).result())

        def start() -> list[Any]:
            fut = pool.submit(put_many, server.address, 0, n)
            heard.append(fut)
            return [fut]

        asyncio.run(listen_while(server.address, n, start))
    return min(alone) / n * 1e6, min(f.result() for f in heard) / n * 1e6


def warm_up(server: Server, pool: ProcessPoolExecutor, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        events_per_second(server, pool, 1, 2000)


async def idle_cpu(server: Server, seconds: float) -> dict[str, float]:
    """Percent of a core the server spends over ``seconds`` of nothing, with no
    listener and with one."""
    client = embergrid.AioClient()
    async with client.connect(*server.address):
        cache = await client.get_or_create_cache(CACHE)
        out = {}
        for label in ("no listener", "one listener"):
            query = cache.listen() if label == "one listener" else None
            if query is not None:
                await query.start()
                await ready(cache, query)
            await asyncio.sleep(1.0)  # let the subscription settle
            before = cpu_seconds(server.pid)
            await asyncio.sleep(seconds)
            out[f"idle CPU %, {label}"] = (
                (cpu_seconds(server.pid) - before) / seconds * 100
            )
            if query is not None:
                await query.close()
    return out


def measure(server: Server, args: argparse.Namespace) -> dict[str, float]:
    with ProcessPoolExecutor(max(2, args.writers)) as pool:
        client = embergrid.Client()
        with client.connect(*server.address):
            client.get_or_create_cache(CACHE)
        warm_up(server, pool, args.warmup)
        rate, lone = events_per_second(server, pool, args.writers, args.events)
        p50, p99 = latency(server, pool, args.samples)
        alone, heard = put_cost(server, pool, args.puts, args.rounds)
    return {
        "events/s": rate,
        "puts/s, nobody listening": lone,
        "latency p50 ms": p50,
        "latency p99 ms": p99,
        "us/put, no listener": alone,
        "us/put, one listener": heard,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--puts", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=30.0)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--idle", type=float, default=0.0, metavar="S")
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()}")
    results: dict[str, dict[str, float]] = {}
    if args.idle:
        with embergrid_server() as server:
            results["embergrid"] = asyncio.run(idle_cpu(server, args.idle))
        with (
            tempfile.TemporaryDirectory() as data_dir,
            embergrid_server("--data-dir", data_dir) as server,
        ):
            results["data dir"] = asyncio.run(idle_cpu(server, args.idle))
        if not args.no_reference:
            with reference_server() as server:
                results["ignite"] = asyncio.run(idle_cpu(server, args.idle))
    else:
        with embergrid_server() as server:
            results["embergrid"] = measure(server, args)
        if not args.no_reference:
            with reference_server() as server:
                results["ignite"] = measure(server, args)
    print(f"load average at the end: {os.getloadavg()}")
    names = list(results)
    print(f"{'':28}" + "".join(f"{n:>12}" for n in names))
    for row in results[names[0]]:
        print(f"{row:28}" + "".join(f"{results[n][row]:12.1f}" for n in names))


if __name__ == "__main__":
    main()

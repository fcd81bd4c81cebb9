"""Loading many entries over one connection: ``put_all`` batches, one at a time or
pipelined, vs the data streamer ops (8000/8001) where the server has them.

Servers, each in its own process: ``embergrid serve`` (in memory, default flags)
and the reference Ignite 2.18 node as users run it (``tx.reference_server``:
bin/ignite.sh's JVM options). ``--entries`` integer keys with 100-byte string
values go into a fresh cache per measurement, then the cache's size is checked.

Ways (each over one connection of its own):

* ``put_all xB``: ``Client.put_all`` of B entries at a time, each batch waiting
  for its answer (what a pyignite user writes);
* ``pipelined xB/K``: ``AioClient.put_all`` of B entries at a time with K batches
  in flight on the one connection (``asyncio.gather`` over a window);
* ``streamer xB``: op 8000 opens a data streamer (no entries, allow-overwrite),
  op 8001 adds B entries at a time, the last one with the CLOSE flag (flushes
  and waits for everything) -- the layout Ignite's
  ``ClientDataStreamerStartRequest``/``AddDataRequest`` read: cache id, flags,
  per-node and per-thread buffer sizes (-1 = default), receiver (null), entry
  count, then key and value objects. Only Ignite serves these ops to thin
  clients (its Java thin client has no streamer; the .NET one uses them).

Rounds alternate the servers (``--rounds``; best kept); load average printed.
Usage: ``python benchmarks/bulk_load.py [--entries N] [--rounds R]
[--no-reference]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import struct
import time
import uuid
from collections.abc import Callable

from tx import Server, embergrid_server, reference_server

import embergrid
from compat._wire import Wire  # tests/ is on the path (tx.py puts it there)
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id

STREAMER_START, STREAMER_ADD = 8000, 8001
ALLOW_OVERWRITE, CLOSE = 0x01, 0x10
NULL = b"\x65"


def entries(n: int) -> dict[int, str]:
    return {i: f"{i:>10}" + "v" * 90 for i in range(n)}


def fresh_cache(address: tuple[str, int]) -> str:
    name = f"load-{uuid.uuid4().hex[:8]}"
    client = embergrid.Client()
    with client.connect(*address):
        client.create_cache(name)
    return name


def size_and_drop(address: tuple[str, int], name: str) -> int:
    client = embergrid.Client()
    with client.connect(*address):
        cache = client.get_cache(name)
        size: int = cache.get_size()
        cache.destroy()
    return size


def put_all_batches(
    address: tuple[str, int], name: str, data: dict[int, str], batch: int
) -> None:
    items = list(data.items())
    client = embergrid.Client()
    with client.connect(*address):
        cache = client.get_cache(name)
        for i in range(0, len(items), batch):
            cache.put_all(dict(items[i : i + batch]))


def pipelined(
    address: tuple[str, int], name: str, data: dict[int, str], batch: int, window: int
) -> None:
    items = list(data.items())
    batches = [dict(items[i : i + batch]) for i in range(0, len(items), batch)]

    async def run() -> None:
        client = embergrid.AioClient()
        async with client.connect(*address):
            cache = await client.get_cache(name)
            for i in range(0, len(batches), window):
                await asyncio.gather(
                    *(cache.put_all(b) for b in batches[i : i + window])
                )

    asyncio.run(run())


def streamer(
    address: tuple[str, int], name: str, data: dict[int, str], batch: int
) -> None:
    items = list(data.items())
    with Wire(address) as w:
        start = struct.pack("<ibii", cache_id(name), ALLOW_OVERWRITE, -1, -1)
        result = w.call_raw(STREAMER_START, start + NULL + struct.pack("<i", 0))
        if result[0] != "ok":
            raise RuntimeError(f"op 8000: {result}")
        (handle,) = struct.unpack("<q", result[1])
        for i in range(0, len(items), batch):
            chunk = items[i : i + batch]
            flags = ALLOW_OVERWRITE | (CLOSE if i + batch >= len(items) else 0)
            body = [struct.pack("<qbi", handle, flags, len(chunk))]
            body += [encode(k) + encode(v) for k, v in chunk]
            result = w.call_raw(STREAMER_ADD, b"".join(body))
            if result[0] != "ok":
                raise RuntimeError(f"op 8001: {result}")


def ways(
    batch: int,
) -> dict[str, Callable[[tuple[str, int], str, dict[int, str]], None]]:
    return {
        f"put_all x{batch}": lambda a, n, d: put_all_batches(a, n, d, batch),
        f"put_all x{batch * 10}": lambda a, n, d: put_all_batches(a, n, d, batch * 10),
        f"pipelined x{batch}/4": lambda a, n, d: pipelined(a, n, d, batch, 4),
        f"pipelined x{batch}/16": lambda a, n, d: pipelined(a, n, d, batch, 16),
        f"streamer x{batch}": lambda a, n, d: streamer(a, n, d, batch),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    data = entries(args.entries)
    best: dict[tuple[str, str], float] = {}
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    with contextlib.ExitStack() as stack:
        servers: list[Server] = [stack.enter_context(embergrid_server())]
        if not args.no_reference:
            servers.append(stack.enter_context(reference_server()))
        for server in servers:  # warm-up (Ignite's JIT): one load each way
            for load in ways(args.batch).values():
                with contextlib.suppress(RuntimeError):
                    name = fresh_cache(server.address)
                    load(server.address, name, data)
                    size_and_drop(server.address, name)
        for _ in range(args.rounds):
            for way, load in ways(args.batch).items():
                for server in servers:
                    name = fresh_cache(server.address)
                    t0 = time.perf_counter()
                    try:
                        load(server.address, name, data)
                    except RuntimeError as exc:
                        print(f"  {server.name:9} {way:18} {exc}", flush=True)
                        size_and_drop(server.address, name)
                        continue
                    rate = args.entries / (time.perf_counter() - t0)
                    assert size_and_drop(server.address, name) == args.entries
                    print(
                        f"  {server.name:9} {way:18} {rate:10,.0f} entries/s",
                        flush=True,
                    )
                    best[server.name, way] = max(best.get((server.name, way), 0), rate)
    print(
        f"\nentries={args.entries} rounds={args.rounds} (best round; load average"
        f" {os.getloadavg()[0]:.2f} at the end)"
    )
    print("| way | embergrid entries/s | ignite entries/s |")
    print("|---|---:|---:|")
    for way in ways(args.batch):
        cells = [best.get((s, way)) for s in ("embergrid", "ignite")]
        text = [f"{c:,.0f}" if c else "n/a" for c in cells]
        print(f"| {way} | {text[0]} | {text[1]} |")


if __name__ == "__main__":
    main()

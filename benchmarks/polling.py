"""Busy polling off, always on, adaptive: sequential gets, idle and with a CPU hog.

Three ``embergrid serve`` processes stay up for the whole run: ``--busy-poll 0``
(off), ``--busy-poll 100`` from ``--always-on-tree`` (a checkout from before the
policy, where the loop polls after every request: "on"), and ``--busy-poll 100``
from this tree (adaptive: ``embergrid._busy_poll``). Each client runs in a
process of its own doing sequential gets of a small value for ``--seconds``:

* ``embergrid.Client`` and ``embergrid.AioClient`` with the same three modes
  (off: ``_driver.ANSWER_SPIN = 0``; on: the old tree's client; adaptive), each
  against the server of the same mode;
* pyignite 0.6.1 (which never polls) against each of the three servers.

Every cell runs in alternating rounds (``--rounds``; best round kept), with no hog
and then with ``--hogs`` busy-loop processes (``python -c 'while True: pass'``;
``--pin CPU`` pins them to one CPU with ``taskset``). Printed: gets/s, the ratio
to polling off in the same state, and the CPU time per get of the server and of
the client process (utime + stime from /proc and ``os.times``).

Usage: ``python benchmarks/polling.py --always-on-tree DIR [--seconds S]
[--rounds R] [--hogs N] [--pin CPU]`` (``DIR`` holds ``src/embergrid`` of the
old tree, e.g. ``git archive <commit> src | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

from _load import hogs
from _serve import serve_process
from tx import cpu_seconds

MODES = ("off", "on", "adaptive")
CACHE = "bench-poll"


def client_main(kind: str, mode: str, host: str, port: int, seconds: float) -> None:
    """In a client process: gets for ``seconds``; prints their count and the CPU
    seconds this process spent on them."""
    if mode == "off":
        from embergrid.client import _driver

        _driver.ANSWER_SPIN = 0.0
    cpu = [0.0]
    if kind == "aio":
        import asyncio

        import embergrid

        async def run() -> int:
            client = embergrid.AioClient()
            async with client.connect(host, port):
                cache = await client.get_or_create_cache(CACHE)
                await cache.put(1, 42)
                cpu[0] = _cpu()
                end, n = time.perf_counter() + seconds, 0
                while time.perf_counter() < end:
                    for _ in range(20):
                        await cache.get(1)
                    n += 20
                return n

        count = asyncio.run(run())
    else:
        if kind == "pyignite":
            from pyignite import Client  # type: ignore[import-untyped]
        else:
            from embergrid import Client
        client = Client()
        with client.connect(host, port):
            cache = client.get_or_create_cache(CACHE)
            cache.put(1, 42)
            cpu[0] = _cpu()
            end, count = time.perf_counter() + seconds, 0
            while time.perf_counter() < end:
                for _ in range(20):
                    cache.get(1)
                count += 20
    print(count, _cpu() - cpu[0])


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def measure(
    kind: str,
    mode: str,
    server: tuple[tuple[str, int], int],
    seconds: float,
    old_tree: Path,
) -> tuple[float, float, float]:
    """(gets/s, server CPU µs per get, client CPU µs per get) of one client."""
    (host, port), pid = server
    env = dict(os.environ)
    if mode == "on" and kind != "pyignite":
        env["PYTHONPATH"] = str(old_tree / "src")
    cmd = [
        sys.executable,
        __file__,
        "--client",
        kind,
        mode,
        host,
        str(port),
        str(seconds),
    ]
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    cpu1 = cpu_seconds(pid)
    count_text, client_cpu = out.stdout.split()
    count = int(count_text)
    return count / seconds, 1e6 * (cpu1 - cpu0) / count, 1e6 * float(client_cpu) / count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--client", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--always-on-tree", type=Path)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--hogs", type=int, default=1)
    ap.add_argument("--pin")
    args = ap.parse_args()
    if args.client:
        kind, mode, host, port, seconds = args.client
        client_main(kind, mode, host, int(port), float(seconds))
        return
    old_tree = args.always_on_tree
    if old_tree is None:
        ap.error("--always-on-tree is required")
    cells = [(k, m) for k in ("sync", "aio") for m in MODES]
    cells += [("pyignite", m) for m in MODES]
    best: dict[tuple[int, str, str], tuple[float, float, float]] = {}
    with contextlib.ExitStack() as stack:
        old_env = {**os.environ, "PYTHONPATH": str(old_tree / "src")}
        servers = {
            "off": stack.enter_context(serve_process("--busy-poll", "0")),
            "on": stack.enter_context(serve_process("--busy-poll", "100", env=old_env)),
            "adaptive": stack.enter_context(serve_process("--busy-poll", "100")),
        }
        for hog in (0, args.hogs):
            print(f"hogs={hog} load average {os.getloadavg()}", flush=True)
            with hogs(hog, args.pin):
                for _ in range(args.rounds):
                    for kind, mode in cells:
                        got = measure(kind, mode, servers[mode], args.seconds, old_tree)
                        print(
                            f"  hog={hog} {kind:8} {mode:8} {got[0]:9,.0f} gets/s"
                            f" server {got[1]:6.1f} us client {got[2]:6.1f} us",
                            flush=True,
                        )
                        if got[0] > best.get((hog, kind, mode), (0.0,))[0]:
                            best[hog, kind, mode] = got
    print(
        f"\nseconds={args.seconds} rounds={args.rounds} pin={args.pin}"
        f" (best round; load average {os.getloadavg()[0]:.2f} at the end)"
    )
    print(
        "| hogs | client | polling | gets/s | vs off | server CPU us/get"
        " | client CPU us/get |"
    )
    print("|---|---|---|---:|---:|---:|---:|")
    for (hog, kind, mode), (rate, server_us, client_us) in best.items():
        off = best[hog, kind, "off"][0]
        print(
            f"| {hog} | {kind} | {mode} | {rate:,.0f} | {rate / off:.2f}"
            f" | {server_us:.1f} | {client_us:.1f} |"
        )


if __name__ == "__main__":
    main()

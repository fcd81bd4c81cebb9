"""Head-of-line blocking: one client's gets while another client's long SQL runs.

One client runs a ~3-second SQL statement (a cross join ``COUNT(*)`` over two
``SYSTEM_RANGE(1, N)``); meanwhile another client, on its own connection,
issues single-key gets of a small cache entry and the latency of each is
recorded. Reported per server, load and getter client: the statement's actual
duration, the number of gets sent while it ran, their p50, p99 and maximum
latency, and (for comparison) the p99 of the same gets in the second before it.
Targets: p99 <= 5 ms and no get slower than 50 ms while the statement runs.

Servers, each in its own process:

* ``embergrid serve --data-dir DIR``: a statement past the loop budget (2 ms)
  stops and runs again on a worker thread with its own SQLite connection;
* ``embergrid serve`` without a data dir (its private memory-backed store file,
  which worker threads open too): the same path as ``--data-dir``;
* Apache Ignite 2.17.0 + ignite-indexing (the SQL reference node of
  ``tools/reference-ignite``), started with the JVM's defaults (tiered JIT with
  C2, G1) and ``bin/ignite.sh``'s options (``-Xms1g -Xmx1g -server
  -XX:MaxMetaspaceSize=256m``, ``tests/_reference.py users_jvm_options``). Only
  the ``--add-opens`` lines of ``jvm-options.txt`` are used: its ``-XX`` flags
  make the tests start faster and are not how users run Ignite.

N is calibrated separately on each server (without the hog) so the statement
takes about ``--seconds``; the duration actually measured is printed. The
getter paces its gets every ``--pace-ms`` (default 1 ms; 0 = back to back): it
sleeps until the next tick, or sends at once when it is late. A get's latency is
measured from its send to its answer; "during" means sent between the
statement's start and end as the statement's client saw them (both processes
read the same monotonic clock). ``max at``: when the slowest of those gets was
sent, in seconds after the statement started; ``gc ms``: the longest garbage
collection in the getter's process while the statement ran (pyignite's pauses
are the getter's own, not the server's). The statement runs in a child
process (``--statement-worker``) with embergrid's ``Client``; the getter runs in
this process with embergrid's ``Client`` and, as a second row, pyignite 0.6.1.

The measured statement's text is the calibrated one, so the server has planned
it before. ``--fresh-text`` measures with N+1, N+2, ... instead: a text the server
sees for the first time (embergrid plans a statement, with sqlglot, on the event
loop before its loop budget starts, and again on the worker thread).

Each configuration runs without and then with the machine loaded by one CPU hog
(``python -c 'while True: pass'``), which is killed afterwards. Everything
listens on 127.0.0.1; every process started here is stopped at the end.

Usage: ``python benchmarks/hol.py [--seconds S] [--pace-ms MS]
[--client embergrid|pyignite|both] [--server data-dir,memory,ignite]
[--no-load] [--fresh-text]``. Imports the test helper ``tests/_reference.py`` for the
reference node's ports and start-up marker.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from _load import hogs  # noqa: E402 (benchmarks/, the script's own dir)
from _serve import serve_process  # noqa: E402

P99_TARGET_MS = 5.0
MAX_TARGET_MS = 50.0
STATEMENT = "SELECT COUNT(*) FROM SYSTEM_RANGE(1, {n}) a, SYSTEM_RANGE(1, {n}) b"
WARMUP_S = 0.5
BASELINE_S = 1.0
CACHE = "hol"
clock = time.monotonic  # CLOCK_MONOTONIC: the same clock in every process


# -- servers -----------------------------------------------------------------------


@contextmanager
def embergrid_server(data_dir: bool) -> Iterator[tuple[str, int]]:
    """``embergrid serve`` (default options) in its own process."""
    with contextlib.ExitStack() as stack:
        flags: list[str] = []
        if data_dir:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="hol-"))
            flags += ["--data-dir", tmp]
        address, _pid = stack.enter_context(serve_process(*flags))
        yield address


@contextmanager
def reference_server() -> Iterator[tuple[str, int]]:
    """The Ignite 2.17 SQL reference node with the JVM's default JIT and GC."""
    from _reference import (  # type: ignore[import-not-found, unused-ignore]
        SQL_LIB_DIR,
        users_node,
    )

    with users_node(lib_dir=SQL_LIB_DIR) as node:
        yield node.host, node.port


SERVERS: dict[str, tuple[str, Callable[[], Any]]] = {
    "data-dir": ("embergrid --data-dir", lambda: embergrid_server(True)),
    "memory": ("embergrid in-memory", lambda: embergrid_server(False)),
    "ignite": ("ignite 2.17", reference_server),
}


# -- the statement's client (a child process) ---------------------------------------


def statement_worker(host: str, port: int) -> None:
    """Child process: for each SQL line on stdin, run it and print
    ``DONE start end result`` (monotonic clock) or ``ERR text``."""
    import embergrid

    client = embergrid.Client()
    with client.connect(host, port):
        print("READY", flush=True)
        for line in sys.stdin:
            sql = line.strip()
            if not sql:
                continue
            try:
                start = clock()
                with client.sql(sql) as cur:
                    rows = list(cur)
                end = clock()
                print(f"DONE {start!r} {end!r} {rows[0][0]}", flush=True)
            except Exception as exc:  # reported to the parent, which stops
                print(f"ERR {type(exc).__name__}: {exc}".replace("\n", " "), flush=True)


class Statement:
    """The child process that runs the long statement on its own connection."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--statement-worker", *map(str, address)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._line() != "READY":
            raise RuntimeError("statement worker did not connect")

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def send(self, n: int) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(STATEMENT.format(n=n) + "\n")
        self.proc.stdin.flush()

    def result(self) -> tuple[float, float]:
        """(start, end) of the statement sent last."""
        line = self._line()
        if not line.startswith("DONE "):
            raise RuntimeError(f"statement failed: {line or 'worker exited'}")
        _, start, end, _count = line.split()
        return float(start), float(end)

    def run(self, n: int) -> float:
        self.send(n)
        start, end = self.result()
        return end - start

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def calibrate(stmt: Statement, seconds: float) -> tuple[int, list[tuple[int, float]]]:
    """N for which the statement takes about ``seconds``; the runs it took."""
    n, runs = 1000, []
    for _ in range(7):
        took = stmt.run(n)
        runs.append((n, took))
        if abs(took - seconds) <= 0.15 * seconds:
            break
        # Time grows about as N^2; at most 4x the time in one step.
        factor = math.sqrt(seconds / max(took, 1e-3))
        n = max(100, int(n * min(factor, 2.0)))
    else:
        runs.append((n, stmt.run(n)))  # not converged: run (and plan) this N once
    return n, runs


# -- the getter -------------------------------------------------------------------


def create_entry(address: tuple[str, int]) -> None:
    """The cache and entry the gets read, made before the statement is planned
    (a new cache changes embergrid's SQL catalog, and a plan is made again)."""
    import embergrid

    client = embergrid.Client()
    with client.connect(*address):
        client.get_or_create_cache(CACHE).put(1, "value")


def make_getter(kind: str, address: tuple[str, int]) -> tuple[Any, Callable[[], Any]]:
    if kind == "pyignite":
        import pyignite  # type: ignore[import-untyped]

        client = pyignite.Client()
    else:
        import embergrid

        client = embergrid.Client()
    client.connect(*address)
    cache = client.get_cache(CACHE)
    assert cache.get(1) == "value"
    return client, lambda: cache.get(1)


@dataclass
class Measure:
    server: str
    load: str
    client: str
    n: int
    load1: float  # the 1-minute load average when the measure began
    run: Run


@dataclass
class Run:
    seconds: float  # the statement's duration
    during: list[float]  # latencies (s) of gets sent while the statement ran
    before: list[float]  # latencies (s) of gets in the second before it
    max_at: float  # when the slowest get of ``during`` was sent (s after start)
    gc_max: float  # longest garbage collection (s) in this process meanwhile


def measure(get: Callable[[], Any], stmt: Statement, n: int, pace: float) -> Run:
    """Gets every ``pace`` s: warm-up, a baseline second, then the statement."""
    done = threading.Event()
    box: dict[str, Any] = {}
    pauses: list[tuple[float, float]] = []  # (start, end) of this process's GCs

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            pauses.append((clock(), math.inf))
        elif pauses:
            pauses[-1] = (pauses[-1][0], clock())

    def wait_statement() -> None:
        try:
            box["span"] = stmt.result()
        except Exception as exc:
            box["error"] = exc
        finally:
            done.set()

    sends: list[float] = []
    lats: list[float] = []
    t0 = clock()
    kick = t0 + WARMUP_S + BASELINE_S
    gc.callbacks.append(on_gc)
    try:
        _get_loop(get, stmt, n, pace, kick, done, wait_statement, sends, lats)
    finally:
        gc.callbacks.remove(on_gc)
    if "error" in box:
        raise box["error"]
    start, end = box["span"]
    during = [(s, x) for s, x in zip(sends, lats, strict=True) if start <= s <= end]
    before = [
        x
        for s, x in zip(sends, lats, strict=True)
        if t0 + WARMUP_S <= s < kick and s < start
    ]
    slowest = max(during, key=lambda sx: sx[1], default=(start, 0.0))
    gcs = [b - a for a, b in pauses if a <= end and b >= start]
    return Run(
        end - start,
        [x for _, x in during],
        before,
        slowest[0] - start,
        max(gcs, default=0.0),
    )


def _get_loop(
    get: Callable[[], Any],
    stmt: Statement,
    n: int,
    pace: float,
    kick: float,
    done: threading.Event,
    wait_statement: Callable[[], None],
    sends: list[float],
    lats: list[float],
) -> None:
    """Gets until the statement is done; it is sent at ``kick``."""
    waiter: threading.Thread | None = None
    tick = clock()
    while not done.is_set():
        now = clock()
        if waiter is None and now >= kick:
            stmt.send(n)
            waiter = threading.Thread(target=wait_statement, daemon=True)
            waiter.start()
        if pace > 0:
            if tick > now:
                time.sleep(tick - now)
            tick = max(tick + pace, clock())
        s = clock()
        get()
        sends.append(s)
        lats.append(clock() - s)
    assert waiter is not None
    waiter.join()


# -- load ------------------------------------------------------------------------


def hog(on: bool) -> AbstractContextManager[None]:
    """One CPU-bound process for the block (none when ``on`` is false)."""
    return hogs(1 if on else 0)


def uptime() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "(uptime unavailable)"


# -- report --------------------------------------------------------------------------


def pct(xs: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``xs``, in ms."""
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))] * 1e3


def table(rows: list[Measure]) -> str:
    head = (
        f"| {'server':<20} | {'hog':<4} | {'getter':<9} | {'N':>6} | {'stmt s':>6} "
        f"| {'load1':>5} | {'gets':>5} | {'p50 ms':>7} | {'p99 ms':>7} | {'max ms':>8} "
        f"| {'max at s':>8} | {'gc ms':>5} | {'p99 before':>10} | {'met':<3} |"
    )
    sep = "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"
    out = [head, sep]
    for row in rows:
        r = row.run
        p99, mx = pct(r.during, 0.99), pct(r.during, 1.0)
        met = "yes" if p99 <= P99_TARGET_MS and mx <= MAX_TARGET_MS else "no"
        out.append(
            f"| {row.server:<20} | {row.load:<4} | {row.client:<9} | {row.n:>6} "
            f"| {r.seconds:>6.2f} | {row.load1:>5.1f} | {len(r.during):>5} "
            f"| {pct(r.during, 0.5):>7.2f} "
            f"| {p99:>7.2f} | {mx:>8.1f} | {r.max_at:>8.2f} | {r.gc_max * 1e3:>5.1f} "
            f"| {pct(r.before, 0.99):>10.2f} | {met:<3} |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--statement-worker", nargs=2, metavar=("HOST", "PORT"))
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--pace-ms", type=float, default=1.0)
    ap.add_argument("--client", choices=["embergrid", "pyignite", "both"])
    ap.add_argument("--server", default="data-dir,memory,ignite")
    ap.add_argument("--no-load", action="store_true")
    ap.add_argument("--fresh-text", action="store_true")
    a = ap.parse_args()
    if a.statement_worker:
        statement_worker(a.statement_worker[0], int(a.statement_worker[1]))
        return
    clients = ["embergrid", "pyignite"] if a.client in (None, "both") else [a.client]
    loads = [False] if a.no_load else [False, True]
    pace = a.pace_ms / 1e3
    rows: list[Measure] = []
    fresh = 0
    began = clock()
    print(f"start: {uptime()}", flush=True)
    for key in a.server.split(","):
        label, server = SERVERS[key]
        with server() as address:
            create_entry(address)
            stmt = Statement(address)
            try:
                n, runs = calibrate(stmt, a.seconds)
                print(
                    f"{label}: calibration "
                    + ", ".join(f"N={k} {t:.2f}s" for k, t in runs)
                    + f"; using N={n}",
                    flush=True,
                )
                for loaded in loads:
                    with hog(loaded):
                        print(
                            f"  {'with' if loaded else 'no'} hog: {uptime()}",
                            flush=True,
                        )
                        for c in clients:
                            client, get = make_getter(c, address)
                            load1 = os.getloadavg()[0]
                            fresh += a.fresh_text
                            m = n + fresh  # N+k: a text the server has not planned
                            try:
                                run = measure(get, stmt, m, pace)
                            finally:
                                client.close()
                            load = "yes" if loaded else "no"
                            rows.append(Measure(label, load, c, m, load1, run))
                            print(table(rows[-1:]).splitlines()[-1], flush=True)
            finally:
                stmt.close()
    print(f"end: {uptime()} ({clock() - began:.0f} s in all)")
    pacing = f"paced every {a.pace_ms:g} ms" if pace > 0 else "back to back"
    text = "new to the server" if a.fresh_text else "planned during calibration"
    print(
        f"\nstatement ({text}): {STATEMENT.format(n='N')}; gets {pacing}; "
        "latency of gets "
        f"sent while it ran (p99 before: the second before it). Targets: p99 <= "
        f"{P99_TARGET_MS:g} ms, max <= {MAX_TARGET_MS:g} ms."
    )
    print(table(rows))


if __name__ == "__main__":
    main()

"""New connections per second with TLS, authentication, both and neither, and the
cost TLS adds to a get's round trip: embergrid vs Apache Ignite 2.18 as users run it.

A *connection* is what a client pays before its first request: TCP connect, the TLS
handshake (TLS configurations), the thin-client handshake (1.7.0, with user
``ignite`` / ``ignite`` in the authenticated ones: the server checks the password),
then close. Clients speak raw sockets (``tests/_handshake.py``), so the client
library's own cost stays out; each client is a process of its own (a pool made
once), 1 and 4 at a time; the rate is the sum of their connections over
``--seconds``.

The get round trip: one connection of ``embergrid.Client`` (sync), ``--gets`` gets of
one 100-character string in a loop, on a plaintext and a TLS server of each kind
(no authentication; all four up at once and measured in turns, ``--rounds`` times,
best round kept); the median and mean time per get, and TLS's extra (TLS minus
plaintext, medians).

Servers, one configuration at a time, each in its own process:

* ``embergrid serve`` with the README's flags (``--ssl-certfile``/``--ssl-keyfile``;
  ``--auth --persistence --data-dir``), default otherwise (uvloop, 100 us busy poll);
* the reference node (``tools/reference-ignite/ReferenceNode.java``) with the JVM
  options of Ignite's ``bin/ignite.sh`` (``tests/_reference.py users_jvm_options``),
  ``--ssl-keystore`` (PKCS12) and ``--auth`` (which needs persistence: a temporary
  directory, as for embergrid's ``--data-dir``).

Certificates: ``tests/_tls_certs.py`` (an EC P-256 server key, both servers use the
same). Order: per configuration a ``--warmup`` of connections on each server (the
JVM compiles its TLS and handshake paths), then ``--rounds`` rounds alternating the
servers; each cell keeps its best round. Beside each rate: the server process's CPU
time per connection (utime + stime from /proc).

Usage: ``python benchmarks/connect.py [--seconds S] [--rounds R] [--warmup W]
[--gets N] [--no-reference]``. Imports the test helpers ``tests/_reference.py``,
``tests/_handshake.py`` and ``tests/_tls_certs.py``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import embergrid

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _serve import serve_process  # benchmarks/, the script's own directory

from _handshake import (  # type: ignore[import-not-found, unused-ignore]
    connect,
    handshake_payload,
    read_outcome,
    send,
)
from _reference import (  # type: ignore[import-not-found, unused-ignore]
    users_node,
)
from _tls_certs import (  # type: ignore[import-not-found, unused-ignore]
    Certificates,
    make_certificates,
)

CLIENT_COUNTS = (1, 4)
CONFIGS = ("neither", "tls", "auth", "both")
START_MARGIN = 1.5
_TICKS = os.sysconf("SC_CLK_TCK")


# -- clients (in the pool's processes) ------------------------------------------------


def _client_tls() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connections(
    address: tuple[str, int], tls: bool, auth: bool, start_at: float, seconds: float
) -> int:
    """Connect, handshake and close in a loop from ``start_at`` for ``seconds``."""
    ctx = _client_tls() if tls else None
    payload = (
        handshake_payload((1, 7, 0), "ignite", "ignite")
        if auth
        else handshake_payload((1, 7, 0))
    )
    time.sleep(max(0.0, start_at - time.time()))
    end, count = start_at + seconds, 0
    while time.time() < end:
        with connect(address, ctx) as sock:
            send(sock, payload)
            outcome = read_outcome(sock)
            if outcome != ("ok",):
                raise RuntimeError(f"handshake refused: {outcome}")
        count += 1
    return count


# -- servers --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    address: tuple[str, int]
    pid: int


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _flags(
    config: str, certs: Certificates, data_dir: str
) -> tuple[list[str], list[str]]:
    """(embergrid serve flags, ReferenceNode flags) of one configuration."""
    ours: list[str] = []
    theirs: list[str] = []
    if config in ("tls", "both"):
        ours += list(certs.serve_args())
        theirs += list(certs.node_args(require_client_cert=False))
    if config in ("auth", "both"):
        ours += ["--auth", "--persistence", "--data-dir", data_dir]
        theirs += ["--auth"]
    return ours, theirs


@contextmanager
def embergrid_server(flags: list[str]) -> Iterator[Server]:
    with serve_process(*flags) as (address, pid):
        yield Server("embergrid", address, pid)


@contextmanager
def reference_server(flags: list[str]) -> Iterator[Server]:
    with users_node(flags) as node:
        yield Server("ignite", (node.host, node.port), node.process.pid)


# -- measuring ------------------------------------------------------------------------


def measure(
    pool: ProcessPoolExecutor,
    server: Server,
    config: str,
    clients: int,
    seconds: float,
) -> tuple[float, float]:
    """Connections per second of ``clients`` clients, and server CPU ms each."""
    tls, auth = config in ("tls", "both"), config in ("auth", "both")
    start_at = time.time() + START_MARGIN
    futures = [
        pool.submit(connections, server.address, tls, auth, start_at, seconds)
        for _ in range(clients)
    ]
    time.sleep(max(0.0, start_at - time.time()))
    cpu0 = cpu_seconds(server.pid)
    done = sum(f.result() for f in futures)
    cpu1 = cpu_seconds(server.pid)
    return done / seconds, 1e3 * (cpu1 - cpu0) / max(done, 1)


@dataclass(frozen=True, slots=True, order=True)
class Gets:
    """Microseconds per get: median and mean time, server and client CPU."""

    median: float
    mean: float
    server_cpu: float
    client_cpu: float


def get_round_trip(server: Server, tls: bool, gets: int) -> Gets:
    """One embergrid.Client's gets, timed, with both sides' CPU per get."""
    client = embergrid.Client(use_ssl=tls)
    times: list[float] = []
    with client.connect(*server.address):
        cache = client.get_or_create_cache("bench-connect")
        cache.put(1, "x" * 100)
        for _ in range(min(gets, 2000)):  # warm-up
            cache.get(1)
        cpu0, own0 = cpu_seconds(server.pid), time.process_time()
        for _ in range(gets):
            t0 = time.perf_counter()
            cache.get(1)
            times.append(time.perf_counter() - t0)
        cpu1, own1 = cpu_seconds(server.pid), time.process_time()
    return Gets(
        1e6 * statistics.median(times),
        1e6 * statistics.fmean(times),
        1e6 * (cpu1 - cpu0) / gets,
        1e6 * (own1 - own0) / gets,
    )


@dataclass
class Cell:
    rate: float = 0.0
    cpu_ms: float = 0.0


def run_config(
    args: argparse.Namespace,
    pool: ProcessPoolExecutor,
    certs: Certificates,
    config: str,
    cells: dict[tuple[str, int, str], Cell],
) -> None:
    with ExitStack() as stack:
        ours_flags, ref_flags = _flags(
            config,
            certs,
            stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-connect-")),
        )
        servers = [stack.enter_context(embergrid_server(ours_flags))]
        if not args.no_reference:
            servers.append(stack.enter_context(reference_server(ref_flags)))
        for server in servers:
            if args.warmup > 0:
                measure(pool, server, config, max(CLIENT_COUNTS), args.warmup)
        for _ in range(args.rounds):
            for clients in CLIENT_COUNTS:
                for server in servers:
                    rate, cpu = measure(pool, server, config, clients, args.seconds)
                    print(
                        f"  {config:7} {server.name:9} x{clients} {rate:8.1f} conn/s"
                        f"  {cpu:7.2f} ms CPU/conn",
                        flush=True,
                    )
                    cell = cells.setdefault((config, clients, server.name), Cell())
                    if rate > cell.rate:
                        cell.rate, cell.cpu_ms = rate, cpu


def run_gets(
    args: argparse.Namespace,
    certs: Certificates,
    gets: dict[tuple[str, bool], Gets],
) -> None:
    """Plaintext and TLS servers of both kinds up at once, measured in turns."""
    with ExitStack() as stack:
        servers: list[tuple[Server, bool]] = []
        for tls in (False, True):
            ours_flags, ref_flags = _flags("tls" if tls else "neither", certs, "")
            servers.append((stack.enter_context(embergrid_server(ours_flags)), tls))
            if not args.no_reference:
                ref = stack.enter_context(reference_server(ref_flags))
                servers.append((ref, tls))
        for server, tls in servers:  # warm-up
            get_round_trip(server, tls, args.gets)
        for _ in range(args.rounds):
            for server, tls in servers:
                got = get_round_trip(server, tls, args.gets)
                key = (server.name, tls)
                gets[key] = min(gets.get(key, got), got)
                kind = "TLS" if tls else "plain"
                print(
                    f"  gets {kind:5} {server.name:9} {got.median:7.1f} us median,"
                    f" CPU us/get server {got.server_cpu:6.1f}"
                    f" client {got.client_cpu:6.1f}",
                    flush=True,
                )


def report(
    args: argparse.Namespace,
    cells: dict[tuple[str, int, str], Cell],
    gets: dict[tuple[str, bool], Gets],
) -> None:
    print(
        f"\nseconds={args.seconds} rounds={args.rounds} warmup={args.warmup}"
        f" (best round; clients are processes speaking raw sockets;"
        f" load average {os.getloadavg()[0]:.2f} at the end)"
    )
    print(
        "| config  | clients | embergrid conn/s | ignite conn/s | ratio |"
        " CPU ms/conn ours | CPU ms/conn ignite |"
    )
    print("|---------|--------:|-----------------:|--------------:|------:|"
          "-----------------:|-------------------:|")  # fmt: skip
    for config in CONFIGS:
        for clients in CLIENT_COUNTS:
            ours = cells.get((config, clients, "embergrid"))
            ref = cells.get((config, clients, "ignite"))
            if ours is None:
                continue
            ref_rate = f"{ref.rate:13.1f}" if ref else f"{'n/a':>13}"
            ratio = f"{ours.rate / ref.rate:5.2f}" if ref and ref.rate else "  n/a"
            ref_cpu = f"{ref.cpu_ms:18.2f}" if ref else f"{'n/a':>18}"
            print(
                f"| {config:7} | {clients:>7} | {ours.rate:16.1f} | {ref_rate} |"
                f" {ratio} | {ours.cpu_ms:16.2f} | {ref_cpu} |"
            )
    if gets:
        print(
            "\nget round trip, one embergrid.Client, best round by median"
            " (us per get: median time / mean time / server CPU / client CPU)"
        )
        print("| server    | plaintext | TLS | TLS adds (median, server CPU) |")
        print("|-----------|----------:|----:|------------------------------:|")
        for name in ("embergrid", "ignite"):
            plain, tls = gets.get((name, False)), gets.get((name, True))
            if plain is None or tls is None:
                continue
            print(
                f"| {name:9} | {_gets(plain)} | {_gets(tls)} |"
                f" {tls.median - plain.median:+.1f}, "
                f"{tls.server_cpu - plain.server_cpu:+.1f} |"
            )


def _gets(g: Gets) -> str:
    return f"{g.median:.0f} / {g.mean:.0f} / {g.server_cpu:.0f} / {g.client_cpu:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--gets", type=int, default=5000)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument(
        "--config",
        choices=[*CONFIGS, "all", "none"],
        default="all",
        help="connection configurations to measure (default: all; none: gets only)",
    )
    args = parser.parse_args()
    configs = {"all": CONFIGS, "none": ()}.get(args.config, (args.config,))
    ctx = multiprocessing.get_context("spawn")
    cells: dict[tuple[str, int, str], Cell] = {}
    gets: dict[tuple[str, bool], Gets] = {}
    print(f"load average {os.getloadavg()[0]:.2f} at the start", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-certs-") as tmp:
        certs = make_certificates(Path(tmp))
        with ProcessPoolExecutor(max(CLIENT_COUNTS), mp_context=ctx) as pool:
            list(pool.map(time.sleep, [0.5] * max(CLIENT_COUNTS)))
            for config in configs:
                run_config(args, pool, certs, config, cells)
        if args.gets > 0:
            run_gets(args, certs, gets)
    report(args, cells, gets)
    return 0


if __name__ == "__main__":
    sys.exit(main())

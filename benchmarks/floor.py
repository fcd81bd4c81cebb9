"""The per-request floor: server CPU per request of an echo server, embergrid, Ignite.

What does a request cost in the server's own machinery when it does no work at
all, and how far above that are embergrid's get and Ignite's get? Servers, each
in its own process and up for the whole run:

* ``echo``: ``server_kv.py``'s echo server (the same event loop as ``serve``,
  uvloop; it answers the handshake, then every frame with a canned get answer:
  framing and the loop's reads and writes, nothing else), busy polling off
  (``--echo-poll`` µs turns serve's old always-on poll on);
* ``embergrid``: ``embergrid serve`` in memory, once per ``--variant`` (flags,
  e.g. ``--variant=`` for the defaults, ``--variant=--busy-poll=0``,
  ``--variant=--workers=2``);
* ``ignite``: the reference Ignite 2.18 node as users run it (default JIT,
  ``tx.reference_server``).

Clients are raw, the same for every server: pre-encoded get frames (int keys of
a 1,000-entry cache) on blocking sockets, so client work is as small as it can
be and identical on both sides. Rows:

* ``16 processes get``: 16 processes, each one request at a time;
* ``pipelined PxD``: P processes, each writing D get frames in one send and
  reading the D answers, again and again;
* ``get_all N`` / ``put_all N`` (not on echo): one process, one bulk request of
  N int keys (and int values) at a time; CPU per entry.

Every row runs on every server in alternating rounds (``--rounds``, best round
kept) after ``--warmup`` seconds of 16-process gets on each (Ignite's JIT
compiles meanwhile). The figure that survives a loaded machine is the server
process's CPU (utime + stime from /proc, workers included) per request; the
rates beside it are what the load allowed.

``--in-process N`` (no servers, no sockets) measures in this process, on a
node's own store: per get request, framing with a canned answer (the echo
server's work without the loop), the least a get needs (header, key slice, one
``SELECT``, answer frame) and embergrid's whole ``Session.feed``, one frame a
call and 64 a call; per entry of a bulk request of N int keys, the least
Python it needs (split the body into keys by fixed-width slices, one
``SELECT`` per key or per 256 keys, join the stored bytes; for put_all one
``executemany`` of ``INSERT OR REPLACE`` in one transaction) beside the whole
request through ``Session.feed``.

Usage: ``python benchmarks/floor.py [--rounds R] [--seconds S] [--warmup W]
[--variant=FLAGS ...] [--bulk N ...] [--only NAME ...] [--no-reference]
[--base TREE] [--in-process N]``; ``--base`` adds ``embergrid serve`` run from
another tree's ``src/`` (before/after in one run).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from _serve import serve_process
from tx import Server, cpu_seconds, embergrid_server, reference_server

import embergrid
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.handshake import HandshakeRequest, encode_handshake_request
from embergrid.protocol.headers import request_frame
from embergrid.protocol.messages import cache as m
from embergrid.protocol.messages.context import ProtocolContext

CACHE = "bench-floor"
KEYS = 1000
START_MARGIN = 2.0
_I32 = struct.Struct("<i")
_CTX = ProtocolContext()


# -- frames ------------------------------------------------------------------------


def get_frames() -> list[bytes]:
    """A get frame for each key 0..KEYS-1 (request id = key)."""
    prefix = m.plain_prefix(cache_id(CACHE))
    return [
        request_frame(
            OpCode.CACHE_GET, k, m.encode_cache_get(m.CacheGet(prefix, encode(k)), _CTX)
        )
        for k in range(KEYS)
    ]


def bulk_frame(op: str, n: int) -> bytes:
    prefix = m.plain_prefix(cache_id(CACHE))
    keys = tuple(encode(k) for k in range(n))
    if op == "get_all":
        body = m.encode_cache_get_all(m.CacheGetAll(prefix, keys), _CTX)
        return request_frame(OpCode.CACHE_GET_ALL, 1, body)
    entries = tuple((k, k) for k in keys)
    body = m.encode_cache_put_all(m.CachePutAll(prefix, entries), _CTX)
    return request_frame(OpCode.CACHE_PUT_ALL, 1, body)


# -- a raw client -----------------------------------------------------------------


class Raw:
    """A blocking socket after a handshake; answers are counted, not decoded."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        hs = encode_handshake_request(
            HandshakeRequest(features=ProtocolFeature.CLUSTER_API)
        )
        self.sock.sendall(_I32.pack(len(hs)) + hs)
        self.read(1)

    def read(self, frames: int) -> None:
        """Read ``frames`` whole frames."""
        buf, pos = self.buf, 0
        while frames:
            if len(buf) - pos >= 4:
                end = pos + 4 + _I32.unpack_from(buf, pos)[0]
                if len(buf) >= end:
                    pos, frames = end, frames - 1
                    continue
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            buf = buf[pos:] + chunk
            pos = 0
        self.buf = buf[pos:]

    def call(self, frame: bytes, answers: int = 1) -> None:
        self.sock.sendall(frame)
        self.read(answers)


# -- cases run in the pool's processes ----------------------------------------------


def _until(start_at: float) -> None:
    time.sleep(max(0.0, start_at - time.time()))


def gets(address: tuple[str, int], start_at: float, seconds: float) -> int:
    frames = get_frames()
    raw = Raw(address)
    for f in frames[:100]:
        raw.call(f)
    _until(start_at)
    end, count = start_at + seconds, 0
    while time.time() < end:
        for f in frames[count % KEYS : count % KEYS + 50]:
            raw.call(f)
        count += 50
    return count


def pipelined(
    address: tuple[str, int], depth: int, start_at: float, seconds: float
) -> int:
    frames = get_frames()
    batches = [b"".join(frames[i : i + depth]) for i in range(0, KEYS - depth, depth)]
    raw = Raw(address)
    raw.call(batches[0], depth)
    _until(start_at)
    end, count = start_at + seconds, 0
    while time.time() < end:
        for batch in batches[:8]:
            raw.call(batch, depth)
        count += 8 * depth
    return count


def bulk(
    address: tuple[str, int], op: str, n: int, start_at: float, seconds: float
) -> int:
    frame = bulk_frame(op, n)
    raw = Raw(address)
    raw.call(frame)
    _until(start_at)
    end, count = start_at + seconds, 0
    while time.time() < end:
        raw.call(frame)
        count += n
    return count


# -- servers ------------------------------------------------------------------------


@contextlib.contextmanager
def echo_server(poll_us: float) -> Iterator[Server]:
    script = Path(__file__).with_name("server_kv.py")
    cmd = [sys.executable, str(script), "--echo-server", "--echo-poll", str(poll_us)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        host, port = line[-1].rsplit(":", 1)
        yield Server("echo", (host, int(port)), proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


def prepare(server: Server) -> None:
    if server.name == "echo":
        return
    client = embergrid.Client()
    with client.connect(*server.address):
        cache = client.get_or_create_cache(CACHE)
        cache.put_all({i: i for i in range(KEYS)})


def _together(
    pool: ProcessPoolExecutor, server: Server, jobs: list[tuple[Any, ...]], s: float
) -> tuple[float, float]:
    """Run ``jobs`` (function, args...) in the pool, all starting at one moment:
    their summed operations per second and the server's CPU µs per operation."""
    start_at = time.time() + START_MARGIN
    futures = [pool.submit(fn, server.address, *a, start_at, s) for fn, *a in jobs]
    _until(start_at)
    cpu0 = cpu_seconds(server.pid)
    done = sum(f.result() for f in futures)
    cpu1 = cpu_seconds(server.pid)
    return done / s, 1e6 * (cpu1 - cpu0) / max(done, 1)


def rows(args: argparse.Namespace) -> dict[str, list[tuple[Any, ...]]]:
    table: dict[str, list[tuple[Any, ...]]] = {
        "16 processes get": [(gets,)] * 16,
        f"pipelined {args.pipes}x{args.depth}": [(pipelined, args.depth)] * args.pipes,
    }
    for n in args.bulk:
        table[f"get_all {n:,}"] = [(bulk, "get_all", n)]
        table[f"put_all {n:,}"] = [(bulk, "put_all", n)]
    return {
        k: v
        for k, v in table.items()
        if not args.only or any(o in k for o in args.only)
    }


def run(args: argparse.Namespace, servers: list[Server]) -> dict[tuple[str, str], Any]:
    cells: dict[tuple[str, str], tuple[float, float]] = {}
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(16, mp_context=ctx) as pool:
        list(pool.map(time.sleep, [0.5] * 16))
        for server in servers:
            if args.warmup > 0:
                _together(pool, server, [(gets,)] * 16, args.warmup)
        for _ in range(args.rounds):
            for row, jobs in rows(args).items():
                for server in servers:
                    if server.name == "echo" and jobs[0][0] is bulk:
                        continue
                    rate, cpu = _together(pool, server, jobs, args.seconds)
                    print(
                        f"  {server.name:28} {row:20} {rate:12,.0f}/s"
                        f" {cpu:8.2f} us CPU/op",
                        flush=True,
                    )
                    if rate > cells.get((row, server.name), (0.0, 0.0))[0]:
                        cells[row, server.name] = (rate, cpu)
    return cells


def print_table(
    args: argparse.Namespace, servers: list[Server], cells: dict[Any, Any]
) -> None:
    print(
        f"\nrounds={args.rounds} seconds={args.seconds} warmup={args.warmup}"
        f" (best round; load average {os.getloadavg()} at the end)"
    )
    names = [s.name for s in servers]
    print("| row | " + " | ".join(f"{n} CPU us/op" for n in names) + " | op/s |")
    print("|---|" + "---:|" * (len(names) + 1))
    for row in rows(args):
        cpu = [cells.get((row, n)) for n in names]
        rates = " / ".join(f"{c[0]:,.0f}" for c in cpu if c is not None)
        print(
            f"| {row} | "
            + " | ".join("n/a" if c is None else f"{c[1]:.2f}" for c in cpu)
            + f" | {rates} |"
        )


# -- the least Python a bulk request needs (in process) ------------------------------


def in_process(n: int, repeat: int) -> None:
    from embergrid.engine.sqltext import ident
    from embergrid.protocol.messages.cache_config import CacheGetOrCreateWithName
    from embergrid.server import Limits, Node

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "server"))
    from _wire import Pair  # type: ignore[import-not-found]

    node = Node(limits=Limits(workers=0))  # bulk work in the request, no thread
    pair = Pair(node)
    pair.handshake()
    pair.ok(OpCode.CACHE_GET_OR_CREATE_WITH_NAME, CacheGetOrCreateWithName(CACHE))
    engine = node.engine
    conn = engine.store.conn
    table = ident(engine.caches.handle(cache_id(CACHE)).table)
    keys = [encode(k) for k in range(n)]
    put_frame, get_frame = bulk_frame("put_all", n), bulk_frame("get_all", n)
    pair.session.feed(put_frame)
    head = len(get_frame) - sum(len(k) for k in keys)  # frame + prefix + count
    width = len(keys[0])

    def cpu_per_entry(fn: Any) -> float:
        fn()
        t0 = time.process_time()
        for _ in range(repeat):
            fn()
        return 1e6 * (time.process_time() - t0) / (repeat * n)

    def split(frame: bytes) -> list[bytes]:
        return [frame[i : i + width] for i in range(head, len(frame), width)]

    def get_each() -> bytes:
        ks = split(get_frame)
        ex = conn.execute
        sql = f"SELECT value FROM {table} WHERE key = ?"
        out = []
        for k in ks:
            row = ex(sql, (k,)).fetchone()
            if row is not None:
                out.append(k)
                out.append(row[0])
        return b"".join(out)

    def get_in() -> bytes:
        ks = split(get_frame)
        out = []
        for s in range(0, len(ks), 256):
            chunk = ks[s : s + 256]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT key, value FROM {table} WHERE key IN ({marks})"
            for k, v in conn.execute(sql, chunk):
                out.append(k)
                out.append(v)
        return b"".join(out)

    def put_many() -> None:
        ks = split(put_frame)  # key, value alternate: both ints of one width
        sql = f"INSERT OR REPLACE INTO {table} (key, value) VALUES (?, ?)"
        conn.execute("BEGIN")
        conn.executemany(sql, zip(ks[::2], ks[1::2], strict=True))
        conn.execute("COMMIT")

    print(f"{n:,} int keys, CPU us per entry (this process):")
    print(
        f"  get_all: split + one SELECT per key + join   {cpu_per_entry(get_each):6.2f}"
    )
    print(
        f"  get_all: split + one SELECT per 256 + join   {cpu_per_entry(get_in):6.2f}"
    )
    whole = cpu_per_entry(lambda: pair.session.feed(get_frame))
    print(f"  get_all: embergrid Session.feed (whole)       {whole:6.2f}")
    print(
        f"  put_all: split + executemany in one tx       {cpu_per_entry(put_many):6.2f}"
    )
    whole = cpu_per_entry(lambda: pair.session.feed(put_frame))
    print(f"  put_all: embergrid Session.feed (whole)       {whole:6.2f}")
    single_floor(pair, conn, table, repeat * n)


def single_floor(pair: Any, conn: Any, table: str, n: int) -> None:
    """CPU per get request in this process: framing alone with a canned answer
    (the echo server's work without the loop), the least a get needs (header,
    key slice, one SELECT, answer frame), and embergrid's ``Session.feed``."""
    from embergrid.protocol.connection import ServerConnection
    from embergrid.protocol.headers import success_frame

    frames = get_frames()
    batch = b"".join(frames[:64])
    canned = b"\x00\x00" + encode(42)  # flags, then a value: our get's answer size
    conn_only = ServerConnection()
    conn_only.receive_data(pair_handshake())
    conn_only.next_events()
    conn_only.answer_handshake(pair_success())
    sql = f"SELECT value FROM {table} WHERE key = ?"
    head = struct.Struct("<ihq")

    def echo(data: bytes) -> bytes:
        conn_only.receive_data(data)
        return b"".join(
            success_frame(e.request_id, canned, True) for e in conn_only.next_events()
        )

    def least(data: bytes) -> bytes:
        out, pos = [], 0
        while pos < len(data):
            size, _op, rid = head.unpack_from(data, pos)
            end = pos + 4 + size
            row = conn.execute(sql, (data[pos + 19 : end],)).fetchone()
            out.append(success_frame(rid, b"\x00\x00" + row[0], True))
            pos = end
        return b"".join(out)

    def per_request(fn: Any, data: list[bytes], per: int) -> float:
        rounds = max(1, n // per)
        for d in data[:100]:
            fn(d)
        t0 = time.process_time()
        for i in range(rounds):
            fn(data[i % len(data)])
        return 1e6 * (time.process_time() - t0) / (rounds * per)

    feed = pair.session.feed
    print("get, CPU us per request (this process): one frame a call / 64 a call")
    for name, fn in (
        ("framing + canned answer", echo),
        ("least: header, SELECT, frame", least),
        ("embergrid Session.feed", feed),
    ):
        one = per_request(fn, frames, 1)
        many = per_request(fn, [batch], 64)
        print(f"  {name:30} {one:6.2f} / {many:6.2f}")


def pair_handshake() -> bytes:
    hs = encode_handshake_request(
        HandshakeRequest(features=ProtocolFeature.CLUSTER_API)
    )
    return _I32.pack(len(hs)) + hs


def pair_success() -> Any:
    import uuid

    from embergrid.protocol.handshake import HandshakeSuccess

    return HandshakeSuccess(ProtocolFeature.CLUSTER_API, uuid.uuid4())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=30.0)
    ap.add_argument("--pipes", type=int, default=2)
    ap.add_argument("--depth", type=int, default=64)
    ap.add_argument("--bulk", type=int, action="append", default=[])
    ap.add_argument("--variant", action="append", default=None)
    ap.add_argument("--echo-poll", type=float, default=0.0)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--base", help="a tree whose src/ serves as 'embergrid base'")
    ap.add_argument("--in-process", type=int, default=0, help="bulk entries")
    args = ap.parse_args()
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    if args.in_process:
        in_process(args.in_process, max(1, 200_000 // args.in_process))
        return
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(echo_server(args.echo_poll))]
        for variant in args.variant or [""]:
            flags = [f for flag in variant.split() for f in flag.split("=", 1)]
            server = stack.enter_context(embergrid_server(*flags))
            name = f"embergrid {variant}".strip()
            servers.append(Server(name, server.address, server.pid))
        if args.base:  # the same serve from another tree's sources, for before/after
            env = {**os.environ, "PYTHONPATH": str(Path(args.base) / "src")}
            address, pid = stack.enter_context(serve_process(env=env))
            servers.append(Server("embergrid base", address, pid))
        if not args.no_reference:
            servers.append(stack.enter_context(reference_server()))
        for server in servers:
            prepare(server)
        cells = run(args, servers)
    print_table(args, servers, cells)


if __name__ == "__main__":
    main()

"""Benchmark: pyignite against ``embergrid serve``, next to a bare echo server.

Starts ``embergrid serve`` and an echo server (same event loop kind: uvloop when
it imports; the same busy polling after each request as serve's default) as
subprocesses. The echo server answers the handshake and then every request frame
with a canned response of exactly the size of our get response, so its rate is
the limit a server on this loop, socket and client can reach.

Measured:
* raw client (pre-encoded frames, blocking socket): get round trips against
  both servers -- the server-bound comparison (target: >= 60% of echo);
* pyignite 0.6.1 (partition awareness off for the echo comparison): put and get
  of small values, get against the echo server, get_all/put_all of 1,000
  entries, a scan of 100k entries.

Each server-vs-echo pair is measured in alternating rounds and the best round of
each is kept, so that load from other processes hits both alike.

Usage: python benchmarks/server_kv.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable

ROUNDS = 5  # server-vs-echo pairs alternate; the best round of each counts
BUSY_POLL = 100e-6  # both servers poll this long after a request (serve's default)
_LINE = re.compile(r"listening on ([\d.]+):(\d+)")
_I32 = struct.Struct("<i")


# -- echo server (runs in its own process) -------------------------------------------


def run_echo_server(busy_poll: float = BUSY_POLL) -> None:
    from embergrid.protocol.binary.codec import encode
    from embergrid.protocol.codes import ProtocolFeature
    from embergrid.protocol.handshake import (
        HandshakeSuccess,
        ProtocolVersion,
        encode_handshake_response,
    )
    from embergrid.server import new_event_loop

    hs = encode_handshake_response(
        HandshakeSuccess(ProtocolFeature.CLUSTER_API, uuid.uuid4()),
        ProtocolVersion(1, 7, 0),
    )
    handshake_reply = _I32.pack(len(hs)) + hs
    body = b"\x00\x00" + encode(42)  # flags 0, then the value, as our get answers

    loop = new_event_loop()
    awake = {"until": 0.0, "polling": False}

    def poll_again() -> None:  # the same busy polling as `embergrid serve`
        if time.perf_counter() < awake["until"]:
            loop.call_soon(poll_again)
        else:
            awake["polling"] = False

    class Echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.t = transport
            self.buf = bytearray()
            self.greeted = False

        def data_received(self, data: bytes) -> None:
            buf = self.buf
            buf += data
            out = []
            pos = 0
            while len(buf) - pos >= 4:
                (n,) = _I32.unpack_from(buf, pos)
                if len(buf) - pos - 4 < n:
                    break
                if not self.greeted:
                    self.greeted = True
                    out.append(handshake_reply)
                else:
                    rid = bytes(buf[pos + 6 : pos + 14])
                    out.append(_I32.pack(8 + len(body)) + rid + body)
                pos += 4 + n
            del buf[:pos]
            self.t.write(b"".join(out))  # type: ignore[attr-defined]
            if busy_poll <= 0:
                return
            awake["until"] = time.perf_counter() + busy_poll
            if not awake["polling"]:
                awake["polling"] = True
                loop.call_soon(poll_again)

    server = loop.run_until_complete(loop.create_server(Echo, "127.0.0.1", 0))
    print(
        f"echo listening on 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True
    )
    loop.run_forever()


# -- helpers ------------------------------------------------------------------------


def start(cmd: list[str]) -> tuple[subprocess.Popen[str], tuple[str, int]]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    match = _LINE.search(proc.stdout.readline())
    if match is None:
        proc.kill()
        raise RuntimeError(f"{cmd} did not start")
    return proc, (match.group(1), int(match.group(2)))


def rate(n: int, fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t0)


class RawClient:
    """Blocking socket, pre-encoded frames: as little client work as possible."""

    def __init__(self, address: tuple[str, int]) -> None:
        from embergrid.protocol.codes import ProtocolFeature
        from embergrid.protocol.handshake import (
            HandshakeRequest,
            encode_handshake_request,
        )

        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        hs = encode_handshake_request(
            HandshakeRequest(features=ProtocolFeature.CLUSTER_API)
        )
        self.round_trip(_I32.pack(len(hs)) + hs)

    def round_trip(self, frame: bytes) -> bytes:
        self.sock.sendall(frame)
        data = self.sock.recv(65536)
        while len(data) < 4 or len(data) < 4 + _I32.unpack_from(data)[0]:
            data += self.sock.recv(65536)
        return data


def get_frame(cache_name: str) -> bytes:
    from embergrid.protocol.binary.codec import encode
    from embergrid.protocol.binary.hashing import cache_id
    from embergrid.protocol.codes import OpCode
    from embergrid.protocol.headers import request_frame
    from embergrid.protocol.messages.cache import (
        CacheGet,
        CachePrefix,
        encode_cache_get,
    )
    from embergrid.protocol.messages.context import ProtocolContext

    msg = CacheGet(CachePrefix(cache_id(cache_name)), encode(1))
    return request_frame(OpCode.CACHE_GET, 1, encode_cache_get(msg, ProtocolContext()))


# -- the benchmark --------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--echo-poll", type=float, default=BUSY_POLL * 1e6)  # µs
    args = parser.parse_args()
    if args.echo_server:
        run_echo_server(args.echo_poll / 1e6)
        return
    from pyignite import Client

    scale = 5 if args.quick else 1
    serve, ours = start(
        [
            sys.executable,
            "-m",
            "embergrid",
            "serve",
            "--port",
            "0",
            "--log-level",
            "WARNING",
        ]
    )
    echo, echo_addr = start([sys.executable, __file__, "--echo-server"])
    rows: list[tuple[str, float, str]] = []
    try:
        client = Client(partition_aware=False)
        with client.connect(*ours):
            cache = client.get_or_create_cache("bench")
            cache.put(1, 42)
            frame = get_frame("bench")
            raw_ours, raw_echo = RawClient(ours), RawClient(echo_addr)
            raw_ours.round_trip(
                frame
            )  # the first response carries the topology version
            assert len(raw_ours.round_trip(frame)) == len(raw_echo.round_trip(frame))
            n = 10_000 // scale
            r_ours = r_echo = 0.0
            for _ in range(ROUNDS):  # alternating rounds, best of each
                r_ours = max(r_ours, rate(n, lambda: raw_ours.round_trip(frame)))
                r_echo = max(r_echo, rate(n, lambda: raw_echo.round_trip(frame)))
            rows.append(
                (
                    "raw get round trip, embergrid",
                    r_ours,
                    f"{100 * r_ours / r_echo:.0f}% of echo",
                )
            )
            rows.append(("raw round trip, echo server (limit)", r_echo, "100%"))

            n = 5_000 // scale
            counter = iter(range(10**9))
            rows.append(
                (
                    "pyignite put (small value)",
                    rate(n, lambda: cache.put(next(counter) % 1000, 42)),
                    "",
                )
            )
            echo_client = Client(partition_aware=False)
            with echo_client.connect(*echo_addr):
                echo_cache = echo_client.get_cache("bench")
                p_get = p_echo = 0.0
                for _ in range(ROUNDS):
                    p_get = max(p_get, rate(n, lambda: cache.get(1)))
                    p_echo = max(p_echo, rate(n, lambda: echo_cache.get(1)))
            rows.append(
                (
                    "pyignite get (small value)",
                    p_get,
                    f"{100 * p_get / p_echo:.0f}% of echo",
                )
            )
            rows.append(("pyignite get, echo server (limit)", p_echo, "100%"))

            batch = {i: i for i in range(1000)}
            keys = list(batch)
            m = 50 // scale
            r = rate(m, lambda: cache.put_all(batch))
            rows.append(
                ("pyignite put_all 1,000 entries", r, f"{r * 1000:,.0f} entries/s")
            )
            r = rate(m, lambda: cache.get_all(keys))
            rows.append(
                ("pyignite get_all 1,000 entries", r, f"{r * 1000:,.0f} entries/s")
            )

            big = client.get_or_create_cache("bench-scan")
            total = 100_000 // scale
            for start_ in range(0, total, 1000):
                big.put_all({i: i for i in range(start_, start_ + 1000)})
            t0 = time.perf_counter()
            with big.scan(page_size=1024) as cursor:
                count = sum(1 for _ in cursor)
            elapsed = time.perf_counter() - t0
            assert count == total, count
            rows.append(
                (
                    f"pyignite scan of {total:,} entries",
                    1 / elapsed,
                    f"{count / elapsed:,.0f} entries/s",
                )
            )
    finally:
        for proc in (serve, echo):
            proc.terminate()
            proc.wait(10)

    print(f"{'benchmark':40} {'ops/s':>12}  note")
    print("-" * 72)
    for name, ops, note in rows:
        print(f"{name:40} {ops:12,.1f}  {note}")


if __name__ == "__main__":
    main()

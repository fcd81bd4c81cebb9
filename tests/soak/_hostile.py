"""Hostile clients at the socket level, each a context manager that keeps its
load on the node while its block runs and lets go afterwards.

Owns ``no_reader`` (pipelined gets of a large value, answers never read),
``slow_writers`` (frames dripped a byte at a time, their answers checked),
``partial_frames`` (large frames declared and left unfinished),
``idle_connections`` (handshaken connections that say nothing more),
``malformed_connections`` (bad bytes around the handshake), ``fuzz``
(``_fuzz.FrameFuzzer`` cases sent one by one and their outcomes tallied in a
``FuzzTally``, each successful answer decoded: ``_fuzz.AnswerCheck``) and
``fuzz_pipelined`` (the same cases written many at a time before any answer
is read). Built on tests/server/_wire.py's ``RawSocket``; reaches the
node only through its socket (imports the protocol and the client, never
``embergrid.server``'s objects).
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from embergrid import Client
from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.codes import OpCode
from embergrid.protocol.connection import Response
from embergrid.protocol.headers import request_frame
from embergrid.protocol.messages import cache as kv
from server._wire import RawSocket, body

from ._fuzz import (
    FEATURES,
    FUZZ_CACHE,
    AnswerCheck,
    Case,
    FrameFuzzer,
    malformed_connection,
)

__all__ = [
    "FuzzTally",
    "Sender",
    "fuzz",
    "fuzz_pipelined",
    "idle_connections",
    "malformed_connections",
    "no_reader",
    "partial_frames",
    "slow_writers",
]

INTERNAL_ERROR = "Internal server error"
ANSWER_TIMEOUT = 60.0  # seconds a hostile client waits for an answer it expects


def _connect(address: tuple[str, int]) -> RawSocket:
    raw = RawSocket(address, timeout=ANSWER_TIMEOUT)
    raw.handshake(FEATURES)
    return raw


def _cache_id(address: tuple[str, int], name: str) -> int:
    client = Client(timeout=ANSWER_TIMEOUT)
    with client.connect(*address):
        return client.get_or_create_cache(name).cache_id


def _get_frames(cache_id: int, key: object, count: int, first_id: int = 1) -> bytes:
    payload = body(OpCode.CACHE_GET, kv.CacheGet(kv.CachePrefix(cache_id), encode(key)))
    return b"".join(
        request_frame(OpCode.CACHE_GET, rid, payload)
        for rid in range(first_id, first_id + count)
    )


class Sender:
    """``sendall`` of some bytes in chunks, in a thread: it blocks once the node
    stops reading, and ends when all is sent or the socket fails."""

    def __init__(self, sock: socket.socket, data: bytes) -> None:
        self.sent = 0
        self.last_progress = time.monotonic()
        self._thread = threading.Thread(
            target=self._send, args=(sock, data), daemon=True
        )
        self._thread.start()

    def _send(self, sock: socket.socket, data: bytes) -> None:
        view = memoryview(data)
        with contextlib.suppress(OSError):
            while self.sent < len(data):
                self.sent += sock.send(view[self.sent : self.sent + 1024 * 1024])
                self.last_progress = time.monotonic()

    def settled(self, quiet: float = 3.0) -> bool:
        """Done, or nothing more sent for ``quiet`` seconds (the node holds)."""
        idle = time.monotonic() - self.last_progress
        return not self._thread.is_alive() or idle > quiet

    def join(self) -> None:
        self._thread.join(ANSWER_TIMEOUT)


@contextlib.contextmanager
def no_reader(
    address: tuple[str, int], gets: int, value_size: int = 100_000
) -> Iterator[Sender]:
    """One connection sends ``gets`` pipelined gets of a ``value_size``-byte
    value and never reads an answer."""
    client = Client(timeout=ANSWER_TIMEOUT)
    with client.connect(*address):
        cache = client.get_or_create_cache("soak-no-reader")
        cache.put("big", b"\x01" * value_size)
        cache_id = cache.cache_id
    raw = _connect(address)
    sender = Sender(raw.sock, _get_frames(cache_id, "big", gets))
    try:
        yield sender
    finally:
        raw.sock.close()
        sender.join()


@contextlib.contextmanager
def slow_writers(
    address: tuple[str, int], writers: int, byte_pause: float = 0.01
) -> Iterator[list[bool]]:
    """``writers`` connections each drip a put and a get of its own key a byte
    at a time; the list yielded gets one True per writer whose get answered
    its own value (checked when the block ends)."""
    cache_id = _cache_id(address, "soak-slow")
    done: list[bool] = []

    def drip(n: int) -> None:
        raw = _connect(address)
        prefix = kv.CachePrefix(cache_id)
        put = kv.CachePut(prefix, encode(f"slow-{n}"), encode(n))
        get = kv.CacheGet(prefix, encode(f"slow-{n}"))
        frames = b"".join(
            raw.conn.send_request(op, body(op, message))[1]
            for op, message in ((OpCode.CACHE_PUT, put), (OpCode.CACHE_GET, get))
        )
        try:
            for byte in frames:
                raw.sock.sendall(bytes([byte]))
                time.sleep(byte_pause)
            put_answer, get_answer = raw.response(), raw.response()
            done.append(
                put_answer.header.ok
                and get_answer.header.ok
                and decode(get_answer.body) == n
            )
        finally:
            raw.close()

    threads = [threading.Thread(target=drip, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    try:
        yield done
    finally:
        for t in threads:
            t.join(ANSWER_TIMEOUT + 30)


@contextlib.contextmanager
def partial_frames(
    address: tuple[str, int], connections: int, sent: int, declared: int
) -> Iterator[list[Sender]]:
    """``connections`` connections each declare a ``declared``-byte frame and
    send ``sent`` bytes of it, then nothing; yields their senders."""
    socks = [_connect(address).sock for _ in range(connections)]
    data = declared.to_bytes(4, "little") + bytes(sent)  # one buffer for all
    senders = [Sender(s, data) for s in socks]
    try:
        yield senders
    finally:
        for s in socks:
            s.close()
        for sender in senders:
            sender.join()


@contextlib.contextmanager
def idle_connections(address: tuple[str, int], count: int) -> Iterator[list[RawSocket]]:
    """``count`` handshaken connections that send nothing more."""
    raws: list[RawSocket] = []
    try:
        for _ in range(count):
            raws.append(_connect(address))
        yield raws
    finally:
        for raw in raws:
            raw.close()


def malformed_connections(address: tuple[str, int], count: int, seed: int) -> int:
    """``count`` connections each send ``malformed_connection`` bytes and wait
    for the node to answer or close; the number the node closed."""
    rng = random.Random(seed)
    closed = 0
    for _ in range(count):
        with socket.create_connection(address, timeout=ANSWER_TIMEOUT) as sock:
            sock.sendall(malformed_connection(rng))
            sock.shutdown(socket.SHUT_WR)  # then the node must close its side
            while sock.recv(65536):
                pass
            closed += 1
    return closed


# -- the fuzz profile ------------------------------------------------------------------


@dataclass
class FuzzTally:
    """What became of the fuzz cases: answered (ok or error status), or the
    connection closed by the node; the cases answered with an internal error."""

    cases: int = 0
    ok: int = 0
    errors: int = 0
    closed: int = 0
    internal: list[str] = field(default_factory=list)
    undecodable: list[str] = field(default_factory=list)  # ok answers that fail
    seconds: float = 0.0

    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def _cases(fuzzer: FrameFuzzer, cases: int | None) -> list[Case]:
    if cases is None:
        return fuzzer.seed_cases()
    return [fuzzer.next_case() for _ in range(cases)]


def _tally(
    tally: FuzzTally, check: AnswerCheck, case: Case, resp: Response, label: str
) -> None:
    """Count one answer: an ok one must decode, an error must not be internal."""
    if resp.header.ok:
        tally.ok += 1
        problem = check.problem(case.op, case.body, bytes(resp.body))
        if problem is not None:
            tally.undecodable.append(f"{label}: {problem}")
        return
    tally.errors += 1
    if (resp.header.message or "").startswith(INTERNAL_ERROR):
        tally.internal.append(f"{label}: {case}")


def fuzz(address: tuple[str, int], seed: int, cases: int | None) -> FuzzTally:
    """Send ``cases`` random fuzz cases (``None``: each seed once, unchanged)
    one at a time, each after the last was answered (or the node closed the
    connection: then connect again)."""
    raw = _connect(address)
    fuzzer = FrameFuzzer(seed, _cache_id(address, FUZZ_CACHE), raw.conn.context)
    check = AnswerCheck(raw.conn.context)
    tally = FuzzTally()
    start = time.monotonic()
    try:
        for n, case in enumerate(_cases(fuzzer, cases)):
            tally.cases += 1
            try:
                resp = raw.call(case.op, case.body, skip_notifications=True)
            except ConnectionError:
                tally.closed += 1
                raw.close()
                raw = _connect(address)
                check = AnswerCheck(raw.conn.context)
                continue
            _tally(tally, check, case, resp, f"seed {seed} case {n}")
    finally:
        tally.seconds = time.monotonic() - start
        raw.close()
    return tally


def fuzz_pipelined(
    address: tuple[str, int], seed: int, cases: int, depth: int
) -> FuzzTally:
    """The fuzz cases of ``seed`` written ``depth`` at a time in one write,
    valid and malformed mixed, before any answer is read; then the answers,
    which may come in any order (matched by request id). A malformed frame
    closes the connection: the requests after it go unanswered (counted in
    ``closed``) and the next batch starts on a new connection. An answer to a
    request id not sent, or twice, fails at once."""
    raw = _connect(address)
    fuzzer = FrameFuzzer(seed, _cache_id(address, FUZZ_CACHE), raw.conn.context)
    check = AnswerCheck(raw.conn.context)
    chosen = _cases(fuzzer, cases)
    tally = FuzzTally()
    start = time.monotonic()
    try:
        for first in range(0, len(chosen), depth):
            batch = chosen[first : first + depth]
            waiting: dict[int, tuple[int, Case]] = {}
            frames = []
            for n, case in enumerate(batch, first):
                rid, frame = raw.conn.send_request(case.op, case.body)
                waiting[rid] = (n, case)
                frames.append(frame)
            tally.cases += len(batch)
            raw.sock.sendall(b"".join(frames))
            while waiting:
                try:
                    resp = raw.response(skip_notifications=True)
                except ConnectionError:
                    tally.closed += len(waiting)
                    raw.close()
                    raw = _connect(address)
                    check = AnswerCheck(raw.conn.context)
                    break
                n, case = waiting.pop(resp.header.request_id)
                _tally(tally, check, case, resp, f"seed {seed} pipelined case {n}")
    finally:
        tally.seconds = time.monotonic() - start
        raw.close()
    return tally

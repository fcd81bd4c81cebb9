"""Where a transaction of ``benchmarks/tx.py`` spends the server's CPU, in process.

No sockets, no event loop: a ``Session`` of a node like ``embergrid serve``'s
(its private store, no worker threads) is fed pre-encoded frames of tx.py's
transaction (tx_start PESSIMISTIC REPEATABLE_READ, get two keys, put both,
commit) and of a lone get and a lone put on the same TRANSACTIONAL cache. It
prints the CPU time (``time.process_time``) of each kind of request, and of the
SQLite statements such a transaction runs, executed alone on the same store
with the same SQL text (the floor the store's design sets: the lock rows live
in the store, so every process on it sees them).

What is not here: the event loop's reads and writes and the busy poll
(``benchmarks/floor.py`` measures those against an echo server).

Usage: ``python benchmarks/tx_parts.py [--transactions N] [--base TREE]``;
``--base`` runs the same measurement again with another tree's ``src/`` first
on ``sys.path`` (a subprocess), for before/after (its "SQLite alone" runs the
same statements on that tree's schema). Imports the test helper
``tests/server/_wire.py``.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from embergrid.engine.sqltext import ident
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.config import TRANSACTIONAL, CacheConfiguration
from embergrid.protocol.headers import request_frame
from embergrid.protocol.messages import cache as m
from embergrid.protocol.messages import tx as t
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.server import Limits, Node

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "server"))

from _wire import Pair  # type: ignore[import-not-found, unused-ignore]

CACHE = "bench-tx"
KEYS = 10_000
_CTX = ProtocolContext(features=ProtocolFeature((1 << 19) - 1))
_LOCK = (
    "INSERT INTO tx_locks (cache_id, key, xid, owner, deadline)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_FREE = "DELETE FROM tx_locks WHERE cache_id = ? AND key = ? AND xid = ?"


class Frames:
    """Request frames with fresh request ids."""

    def __init__(self) -> None:
        self._rid = 1000

    def __call__(self, op: OpCode, body: bytes) -> bytes:
        self._rid += 1
        return request_frame(op, self._rid, body)


def transaction(
    frame: Frames, tx_id: int, low: int, high: int
) -> list[tuple[str, bytes]]:
    """tx.py's transaction as (kind, frame); ``tx_id``: what the node will answer."""
    p = m.CachePrefix(cache_id(CACHE), 0, None, tx_id)
    start = t.encode_tx_start(t.TxStart(1, 1, 0, None), _CTX)
    return [
        ("start", frame(OpCode.TX_START, start)),
        *(
            (
                "get",
                frame(
                    OpCode.CACHE_GET, m.encode_cache_get(m.CacheGet(p, encode(k)), _CTX)
                ),
            )
            for k in (low, high)
        ),
        *(
            (
                "put",
                frame(
                    OpCode.CACHE_PUT,
                    m.encode_cache_put(m.CachePut(p, encode(k), encode(999)), _CTX),
                ),
            )
            for k in (low, high)
        ),
        ("commit", frame(OpCode.TX_END, t.encode_tx_end(t.TxEnd(tx_id, True), _CTX))),
    ]


def measure(n: int) -> None:
    node = Node(limits=Limits(workers=0))
    pair = Pair(node)
    pair.handshake()
    engine = node.engine
    h = engine.caches.get_or_create(
        CacheConfiguration(CACHE, atomicity_mode=TRANSACTIONAL)
    )
    engine.kv.put_all(h.cache_id, [(encode(k), encode(1_000)) for k in range(KEYS)])
    rng = random.Random(1)
    frame = Frames()
    pairs = [sorted(rng.sample(range(KEYS), 2)) for _ in range(2 * n)]
    txs = [transaction(frame, i + 1, lo, hi) for i, (lo, hi) in enumerate(pairs)]
    plain = m.plain_prefix(h.cache_id)
    lone = {
        "lone get": [
            frame(
                OpCode.CACHE_GET,
                m.encode_cache_get(m.CacheGet(plain, encode(lo)), _CTX),
            )
            for lo, _ in pairs
        ],
        "lone put": [
            frame(
                OpCode.CACHE_PUT,
                m.encode_cache_put(m.CachePut(plain, encode(hi), encode(7)), _CTX),
            )
            for _, hi in pairs
        ],
    }
    feed = pair.session.feed
    clock = time.process_time
    spent: dict[str, float] = {}
    for i, plan in enumerate(txs):  # the first half warms up
        for kind, data in plan:
            t0 = clock()
            feed(data)
            if i >= n:
                spent[kind] = spent.get(kind, 0.0) + clock() - t0
    for kind, frames in lone.items():
        for data in frames[:n]:
            feed(data)
        t0 = clock()
        for data in frames[n:]:
            feed(data)
        spent[kind] = clock() - t0
    per = {"get": 2, "put": 2}
    whole = sum(spent[k] for k in ("start", "get", "put", "commit"))
    print(f"Session.feed, CPU us per request ({n:,} transactions; this process):")
    print(f"  transaction (6 requests)  {1e6 * whole / n:7.1f}")
    for kind, s in spent.items():
        print(f"  {kind:24}  {1e6 * s / n / per.get(kind, 1):7.1f}")
    statements(engine.store.conn, h.table, pairs[:n], clock)


def statements(
    conn: sqlite3.Connection,
    table: str,
    pairs: list[list[int]],
    clock: Callable[[], float],
) -> None:
    """The transaction's SQLite statements alone, as the engine runs them."""
    ex, many = conn.execute, conn.executemany
    owner = f"{os.getpid()}:0:{'0' * 32}"  # a lock owner's shape
    cid = cache_id(CACHE)
    read = f"SELECT value, expire_at FROM {ident(table)} WHERE key = ?"
    write = (
        f"INSERT OR REPLACE INTO {ident(table)} (key, value, expire_at)"
        " VALUES (?, ?, ?)"
    )
    lock = select = commit = 0.0
    for i, (low, high) in enumerate(pairs):
        keys, xid = [encode(low), encode(high)], f"bench-{i}"
        for k in keys:
            t0 = clock()
            ex(_LOCK, (cid, k, xid, owner, None))
            t1 = clock()
            ex(read, (k,)).fetchone()
            select += clock() - t1
            lock += t1 - t0
        t0 = clock()
        ex("BEGIN IMMEDIATE")
        many(_FREE, [(cid, k, xid) for k in keys])
        for k in keys:
            ex(write, (k, encode(998), None))
        ex("COMMIT")
        commit += clock() - t0
    n = len(pairs)
    print("SQLite alone, CPU us (same store, same statements):")
    print(f"  take a lock (autocommitted INSERT)        {1e6 * lock / n / 2:7.1f}")
    print(f"  read an entry (SELECT)                    {1e6 * select / n / 2:7.1f}")
    print(f"  commit (BEGIN, free 2 locks, 2 writes, COMMIT) {1e6 * commit / n:7.1f}")
    whole = lock + select + commit
    print(f"  per transaction                           {1e6 * whole / n:7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transactions", type=int, default=3000)
    ap.add_argument("--base", help="run again with this tree's src/ first on sys.path")
    args = ap.parse_args()
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    measure(args.transactions)
    print(f"load average at the end: {os.getloadavg()}", flush=True)
    if args.base:
        print(f"\n-- base: {args.base}", flush=True)
        env = {**os.environ, "PYTHONPATH": str(Path(args.base) / "src")}
        cmd = [sys.executable, __file__, "--transactions", str(args.transactions)]
        subprocess.run(cmd, env=env, check=True)


if __name__ == "__main__":
    main()

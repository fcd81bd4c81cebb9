"""Bulk key-value requests handled whole on a worker thread, in bounded pieces.

Owns ``WholeRequest`` and ``whole_request``: a request of a bulk op (get_all,
contains_keys, put_all, remove_keys, clear_keys) naming more than
``Limits.bulk_on_loop`` keys is not decoded on the event loop. The session
hands its body to a worker thread (``Session.off_loop``), where it is decoded,
run and its answer encoded ``CHUNK`` keys at a time: the Python objects of one
chunk at a time are alive (the answer so far is kept as encoded bytes), and
the worker lets go of the interpreter lock between chunks (``_pause``) so the
event loop answers other connections meanwhile. Inside a transaction of the
connection a bulk op stays on the loop (the transaction's state is the
session's); the session checks that.

Writes: Ignite's ``putAll``/``removeAll(keys)`` on an ATOMIC cache is not atomic
across keys (each key is its own update), so a large one commits in pieces:
``CHUNK`` keys per store transaction with a pause of ``GAP`` seconds after
each, during which a writer of another node (retrying every few milliseconds,
see ``Session``) takes the store's write lock. A TRANSACTIONAL cache keeps one
store transaction per request. A key another transaction holds makes the
request wait (``WouldBlock``) and run again from the start (idempotent: puts
and removes of the same keys).

The whole body is checked first (a walk over its objects that makes none): a
body that does not decode raises ``ParseError`` before anything is read or
written, and the connection closes, as for any request. Imports the engine
and ``embergrid.protocol``; never asyncio.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from embergrid.engine import Engine, OverBudget
from embergrid.engine.kv import KeyValue, Policy
from embergrid.errors import ParseError
from embergrid.protocol.codes import OpCode
from embergrid.protocol.config import TRANSACTIONAL
from embergrid.protocol.messages._fields import (
    expect_end,
    read_count,
    read_objs,
    skip_objs,
)
from embergrid.protocol.messages.cache import CachePrefix, read_prefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import I32, Buffer, Reader
from embergrid.server.values import returned, stored

__all__ = ["CHUNK", "GAP", "WholeRequest", "whole_request"]

CHUNK = 1000
"""Keys decoded, run and encoded at a time (a store transaction of an ATOMIC
cache's bulk write: a few milliseconds)."""
GAP = 0.001
"""Seconds the store's write lock stays free after each chunk of a write."""

_EMPTY = b""
_TRUE, _FALSE = b"\x01", b"\x00"


@dataclass(frozen=True, slots=True)
class WholeRequest:
    """A bulk request left undecoded for a worker: ``run(engine, budget)``
    returns its response body (``Session.off_loop``'s job: refuses a loop
    budget with ``OverBudget``, nothing done)."""

    prefix: CachePrefix
    op_code: int
    body: bytes
    ctx: ProtocolContext

    def run(self, engine: Engine, budget: float) -> bytes:
        """Check the whole body first (a malformed one does nothing), then run."""
        if budget > 0:
            raise OverBudget
        per_item, op = _OPS[self.op_code]
        r = Reader(self.body)
        prefix = read_prefix(r)
        check = Reader(self.body, r.pos)
        skip_objs(check, per_item * read_count(check, per_item))
        expect_end(check)
        return op(engine, prefix, r)


def whole_request(
    op_code: int, body: Buffer, ctx: ProtocolContext, on_loop: int
) -> WholeRequest | None:
    """The request as a ``WholeRequest`` if it is a bulk op naming more than
    ``on_loop`` keys; None otherwise (and for a head that does not decode: the
    usual decoder meets it on the loop). The body is copied: the frame buffer
    it points into is reused."""
    if op_code not in _OPS:
        return None
    r = Reader(body)
    try:
        prefix = read_prefix(r)
        count = r.i32()
    except ParseError:
        return None
    if count <= on_loop:
        return None
    return WholeRequest(prefix, op_code, bytes(body), ctx)


def _pause(seconds: float = 0.0) -> None:
    """Let go of the interpreter lock (the event loop runs meanwhile)."""
    time.sleep(seconds)


def _keys(r: Reader, n: int) -> list[bytes]:
    return [stored(k) for k in read_objs(r, n)]


# -- the ops (engine, prefix, reader after the prefix) -> response body -------------


def _get_all(engine: Engine, p: CachePrefix, r: Reader) -> bytes:
    """(key, value) of each key present, once, in request order; the answer
    is joined a chunk at a time."""
    n = read_count(r)
    kv, seen = engine.kv, set[bytes]()
    pieces: list[bytes] = []
    found = 0
    for start in range(0, n, CHUNK):
        keys = _keys(r, min(CHUNK, n - start))
        chunk: list[bytes] = []
        for key, value in kv.get_all(p.cache_id, keys, p.expiry):
            if key not in seen:  # a key found in an earlier chunk is not repeated
                seen.add(key)
                chunk += (returned(key), returned(value))
        found += len(chunk) // 2
        pieces.append(b"".join(chunk))
        _pause()
    return I32.pack(found) + b"".join(pieces)


def _contains_keys(engine: Engine, p: CachePrefix, r: Reader) -> bytes:
    """True only if every key is present and none is named twice (as
    ``KeyValue.contains_keys``); once False, the rest is only decoded."""
    n = read_count(r)
    kv, seen = engine.kv, set[bytes]()
    answer = True
    for start in range(0, n, CHUNK):
        keys = _keys(r, min(CHUNK, n - start))
        if answer:
            before = len(seen)
            seen.update(keys)
            distinct = len(seen) - before == len(keys)
            answer = distinct and kv.contains_keys(p.cache_id, keys, p.expiry)
        _pause()
    return _TRUE if answer else _FALSE


def _put_all(engine: Engine, p: CachePrefix, r: Reader) -> bytes:
    n = read_count(r, 2)

    def chunk(kv: KeyValue, size: int) -> None:
        flat = [stored(obj) for obj in read_objs(r, 2 * size)]
        kv.put_all(p.cache_id, list(zip(flat[::2], flat[1::2], strict=True)), p.expiry)

    _write(engine, p, n, chunk)
    return _EMPTY


def _each_key(
    write: Callable[[KeyValue, int, list[bytes], Policy], None],
) -> Callable[[Engine, CachePrefix, Reader], bytes]:
    """An op that writes the keys it names, a chunk at a time
    (``KeyValue.remove_keys``, ``KeyValue.clear_keys``)."""

    def op(engine: Engine, p: CachePrefix, r: Reader) -> bytes:
        n = read_count(r)
        _write(
            engine,
            p,
            n,
            lambda kv, size: write(kv, p.cache_id, _keys(r, size), p.expiry),
        )
        return _EMPTY

    return op


def _write(
    engine: Engine, p: CachePrefix, n: int, chunk: Callable[[KeyValue, int], None]
) -> None:
    """``chunk(kv, size)`` for each chunk of the ``n`` keys: its own store
    transaction on an ATOMIC cache (other nodes write in the gaps), one for
    all on a TRANSACTIONAL cache."""
    sizes = [min(CHUNK, n - start) for start in range(0, n, CHUNK)]
    if engine.caches.handle(p.cache_id).config.atomicity_mode == TRANSACTIONAL:
        with engine.store.atomic():
            for size in sizes:
                chunk(engine.kv, size)
        return
    for i, size in enumerate(sizes):
        if i:
            _pause(GAP)
        chunk(engine.kv, size)


_OPS: dict[int, tuple[int, Callable[[Engine, CachePrefix, Reader], bytes]]] = {
    OpCode.CACHE_GET_ALL: (1, _get_all),
    OpCode.CACHE_CONTAINS_KEYS: (1, _contains_keys),
    OpCode.CACHE_PUT_ALL: (2, _put_all),
    OpCode.CACHE_REMOVE_KEYS: (1, _each_key(KeyValue.remove_keys)),
    OpCode.CACHE_CLEAR_KEYS: (1, _each_key(KeyValue.clear_keys)),
}
"""Op code -> (data objects per item, the op)."""

"""Bulk ops handled whole on a worker (server/bulk.py) answer and write exactly as
the same ops handled on the event loop, chunk boundaries included.

Two nodes get the same operations through our client: one handles every bulk op
on the loop (``bulk_on_loop`` large), the other hands each to a worker in chunks
of 3 keys (``bulk_on_loop=2``, ``bulk.CHUNK`` = 3), so duplicates, missing keys
and writes fall on both sides of chunk boundaries. Both nodes keep their store
in a data dir (workers can open it)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from embergrid import Client
from embergrid.datatypes.cache_config import CacheAtomicityMode
from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.datatypes.prop_codes import (
    PROP_CACHE_ATOMICITY_MODE,
    PROP_EXPIRY_POLICY,
    PROP_NAME,
)
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages.cache import CacheGetAll, CachePrefix, CachePutAll
from embergrid.server import Limits, Node, ServerThread, bulk

from ._wire import RawSocket, body


@pytest.fixture
def nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServerThread, ServerThread]]:
    monkeypatch.setattr(bulk, "CHUNK", 3)
    loop = Node(data_dir=tmp_path / "loop", limits=Limits(bulk_on_loop=10**6))
    worker = Node(data_dir=tmp_path / "worker", limits=Limits(bulk_on_loop=2))
    with ServerThread(loop) as a, ServerThread(worker) as b:
        yield a, b


MODES = {
    "atomic": CacheAtomicityMode.ATOMIC,
    "transactional": CacheAtomicityMode.TRANSACTIONAL,
}


def _script(cache: Any) -> list[Any]:
    """The same bulk calls on either node; what each returned."""
    out: list[Any] = []
    keys = [5, 1, 5, 9, 2, 7, 1, 3, 8, 0, 9]  # repeats within and across chunks
    cache.put_all({k: f"v{k}" for k in keys})
    out.append(sorted(cache.get_all([*keys, 100, 101, 5]).items()))
    out.append(cache.contains_keys([0, 1, 2, 3, 5, 7]))
    out.append(cache.contains_keys([0, 1, 2, 3, 5, 0]))  # a key named twice
    out.append(cache.contains_keys([0, 1, 2, 3, 5, 100]))  # one missing
    cache.remove_keys([1, 2, 3, 100, 1])
    out.append(sorted(cache.get_all(list(range(12))).items()))
    cache.clear_keys([7, 8, 5, 101])
    out.append(sorted(cache.get_all(list(range(12))).items()))
    cache.put_all({k: k * 10 for k in range(20)})
    out.append(sorted(cache.get_all(list(range(25))).items()))
    out.append(cache.get_size())
    return out


@pytest.mark.parametrize("mode", list(MODES))
def test_bulk_ops_on_a_worker_answer_as_on_the_loop(
    nodes: tuple[ServerThread, ServerThread], cache_name: str, mode: str
) -> None:
    results = []
    for st in nodes:
        client = Client()
        with client.connect(*st.address):
            cache = client.create_cache(
                {PROP_NAME: cache_name, PROP_CACHE_ATOMICITY_MODE: MODES[mode]}
            )
            results.append(_script(cache))
    on_loop, on_worker = results
    assert on_worker == on_loop
    assert on_loop[0] == [(k, f"v{k}") for k in (0, 1, 2, 3, 5, 7, 8, 9)]


def test_bulk_ops_on_a_worker_apply_the_expiry_policy(
    nodes: tuple[ServerThread, ServerThread], cache_name: str
) -> None:
    """A put_all with a zero create duration stores nothing on either node
    (the request's expiry goes with it to the worker)."""
    for st in nodes:
        client = Client()
        with client.connect(*st.address):
            cache = client.create_cache(
                {PROP_NAME: cache_name, PROP_EXPIRY_POLICY: ExpiryPolicy(create=0)}
            )
            cache.put_all({k: k for k in range(10)})
            assert cache.get_size() == 0
            assert cache.get_all(list(range(10))) == {}


def test_a_bulk_write_on_a_worker_waits_for_a_key_a_transaction_holds(
    nodes: tuple[ServerThread, ServerThread], cache_name: str
) -> None:
    """A put_all over a key another connection's transaction locked waits for
    its commit, then writes every key (the transaction's write is overwritten)."""
    st = nodes[1]
    holder, writer = Client(), Client()
    with holder.connect(*st.address), writer.connect(*st.address):
        spec = {
            PROP_NAME: cache_name,
            PROP_CACHE_ATOMICITY_MODE: CacheAtomicityMode.TRANSACTIONAL,
        }
        held = holder.create_cache(spec)
        cache = writer.get_cache(cache_name)
        tx = holder.tx_start()
        held.put(4, "tx")
        done = threading.Event()

        def put_all() -> None:
            cache.put_all({k: "bulk" for k in range(10)})
            done.set()

        thread = threading.Thread(target=put_all)
        thread.start()
        try:
            assert not done.wait(0.5)  # still waiting: the key is locked
            tx.commit()
        finally:
            thread.join(30)
        assert done.is_set()
        assert cache.get_all(list(range(10))) == dict.fromkeys(range(10), "bulk")


def test_a_malformed_bulk_body_closes_the_connection_on_a_worker_as_on_the_loop(
    nodes: tuple[ServerThread, ServerThread], cache_name: str
) -> None:
    """A get_all naming 5 keys whose last one is cut short, and a put_all whose
    last value is: both nodes close the connection without an answer (Ignite
    does the same) and write nothing, though the first chunks were whole."""
    prefix = CachePrefix(cache_id(cache_name))
    keys = tuple(encode(i) for i in range(5))
    get_all = body(OpCode.CACHE_GET_ALL, CacheGetAll(prefix, keys))[:-2]
    entries = tuple((k, k) for k in keys)
    put_all = body(OpCode.CACHE_PUT_ALL, CachePutAll(prefix, entries))[:-2]
    for st in nodes:
        client = Client()
        with client.connect(*st.address):
            cache = client.create_cache(cache_name)
            for op, payload in (
                (OpCode.CACHE_GET_ALL, get_all),
                (OpCode.CACHE_PUT_ALL, put_all),
            ):
                raw = RawSocket(st.address, timeout=30)
                raw.handshake()
                _rid, data = raw.conn.send_request(op, payload)
                raw.sock.sendall(data)
                try:
                    assert raw.closed_by_server()
                finally:
                    raw.close()
            assert cache.get_size() == 0


def test_get_all_of_many_keys_answers_from_a_worker(tmp_path: Path) -> None:
    """A get_all of 3,000 keys (3 chunks of the default size) returns every
    present key once, the values intact."""
    node = Node(data_dir=tmp_path, limits=Limits())
    with ServerThread(node) as st:
        client = Client()
        with client.connect(*st.address):
            cache = client.get_or_create_cache("many")
            cache.put_all({i: b"x" * (i % 50) for i in range(0, 3000, 2)})
            got = cache.get_all(list(range(3000)) + list(range(10)))
    assert got == {i: b"x" * (i % 50) for i in range(0, 3000, 2)}

"""The request path that can wait: a long statement, a lock wait, other connections.

A SQL statement that outlives the event loop's budget (``Limits.loop_budget``)
runs again on a worker thread with its own SQLite connection; meanwhile every
other connection, and other requests of the same connection, are answered. A
request blocked on a key lock waits without holding anyone else. The long
statements here never end by themselves (a cross join of 10^10 rows): a test
can only see them finish early if the server is wrong, never fail by load.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyignite import Client  # type: ignore[import-untyped]
from pyignite.datatypes.cache_config import (  # type: ignore[import-untyped]
    CacheAtomicityMode,
)
from pyignite.datatypes.prop_codes import (  # type: ignore[import-untyped]
    PROP_CACHE_ATOMICITY_MODE,
    PROP_NAME,
)

from embergrid.engine.entries import Entries
from embergrid.engine.partitions import partition_of
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode
from embergrid.protocol.connection import Response
from embergrid.protocol.messages import query as m
from embergrid.protocol.messages.cache import CacheGet, CachePrefix
from embergrid.server import Limits, Node, ServerThread

from ._wire import RawSocket, body

ENDLESS = "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 100000) a, SYSTEM_RANGE(1, 100000) b"


@pytest.fixture(params=["data-dir", "memory"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerThread]:
    """A server on a data dir, and one without (its private store): worker
    threads open either store on their own."""
    data_dir = tmp_path if request.param == "data-dir" else None
    with ServerThread(Node(data_dir=data_dir)) as st:
        yield st


def _send_endless(address: tuple[str, int]) -> RawSocket:
    """A connection that has sent the endless statement and reads nothing."""
    raw = RawSocket(address, timeout=60.0)
    raw.handshake()
    req = m.SqlFieldsQuery(CachePrefix(0), "PUBLIC", ENDLESS, 1024, -1)
    _rid, data = raw.conn.send_request(
        OpCode.QUERY_SQL_FIELDS, body(OpCode.QUERY_SQL_FIELDS, req, raw.conn.context)
    )
    raw.sock.sendall(data)
    return raw


def _no_answer_yet(raw: RawSocket) -> bool:
    raw.sock.settimeout(0.2)
    try:
        return raw.sock.recv(1, socket.MSG_PEEK) == b""  # b"" = closed
    except TimeoutError:
        return True
    finally:
        raw.sock.settimeout(60.0)


def test_long_statement_leaves_other_connections_served(
    server: ServerThread,
) -> None:
    endless = _send_endless(server.address)
    try:
        client = Client()
        with client.connect(*server.address):
            cache = client.get_or_create_cache("served")
            for i in range(50):
                cache.put(i, f"v{i}")
            assert [cache.get(i) for i in range(50)] == [f"v{i}" for i in range(50)]
            with client.sql("SELECT 40 + 2") as cur:
                assert list(cur) == [[42]]
        assert _no_answer_yet(endless)  # the statement still runs, off the loop
    finally:
        endless.close()


def test_the_same_connection_is_served_during_its_long_statement(
    server: ServerThread,
) -> None:
    """Answers on one connection may come out of order, matched by request id."""
    endless = _send_endless(server.address)
    try:
        rid, data = endless.conn.send_request(OpCode.CACHE_GET_NAMES, b"")
        endless.sock.sendall(data)
        resp = endless._event()
        assert isinstance(resp, Response)
        assert resp.header.request_id == rid  # answered before the earlier statement
        assert resp.header.ok
        assert _no_answer_yet(endless)
    finally:
        endless.close()


def test_a_left_client_stops_its_statement_and_the_node_closes(tmp_path: Path) -> None:
    st = ServerThread(Node(data_dir=tmp_path)).start()
    endless = _send_endless(st.address)
    client = Client()
    with client.connect(*st.address):
        assert client.get_cache_names() == []  # the statement is off the loop
    endless.close()
    done = threading.Event()

    def stop() -> None:
        st.stop()
        done.set()

    threading.Thread(target=stop, daemon=True).start()
    assert done.wait(60), "the node did not stop while a statement ran"


def test_a_lock_wait_leaves_other_requests_served(
    server_address: tuple[str, int], cache_name: str
) -> None:
    holder, waiter = Client(), Client()
    with holder.connect(*server_address), waiter.connect(*server_address):
        cache = holder.get_or_create_cache(
            {
                PROP_NAME: cache_name,
                PROP_CACHE_ATOMICITY_MODE: CacheAtomicityMode.TRANSACTIONAL,
            }
        )
        other = waiter.get_cache(cache_name)

        def _read(key: int) -> object:
            c = Client()
            with c.connect(*server_address):
                return c.get_cache(cache_name).get(key)

        result: list[object] = []
        with holder.tx_start() as tx:
            cache.put(1, "held")
            t = threading.Thread(
                target=lambda: result.append(other.get_and_put(1, "w"))
            )
            t.start()
            t.join(0.3)
            assert t.is_alive()  # waits for the lock
            assert cache.get(2) is None  # the holder is still served
            # pyignite sends every op of this thread through the transaction's
            # connection: another thread reads as others do
            seen: list[object] = []
            reader = threading.Thread(target=lambda: seen.append(_read(1)))
            reader.start()
            reader.join(60)
            assert seen == [None]  # not committed, and reads do not wait
            tx.commit()
        t.join(60)
        assert result == ["held"]
        assert cache.get(1) == "w"
        cache.destroy()


def test_a_client_that_never_reads_is_not_read_either(cache_name: str) -> None:
    """Back-pressure: past ``Limits.max_unsent`` bytes of unsent answers the node
    stops handling (and reading) that connection's requests, so what it holds
    stays bounded; others are served; once the client reads, every answer comes,
    in order."""
    limits = Limits(max_unsent=256 * 1024)
    with ServerThread(Node(limits=limits)) as st:
        client = Client()
        with client.connect(*st.address):
            client.create_cache(cache_name).put(1, b"x" * 100_000)
        flood = RawSocket(st.address, timeout=60.0)
        flood.handshake()
        flood.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        get = body(
            OpCode.CACHE_GET,
            CacheGet(CachePrefix(cache_id(cache_name)), encode(1)),
            flood.conn.context,
        )
        count, sent = 300, []  # 30 MB of answers if the node held them all
        flood.sock.setblocking(False)
        for _ in range(count):
            rid, data = flood.conn.send_request(OpCode.CACHE_GET, get)
            try:
                flood.sock.sendall(data)
            except BlockingIOError:
                break  # the node stopped reading us: back-pressure reached the client
            sent.append(rid)
        flood.sock.setblocking(True)
        held = _unsent_bytes(st)
        assert held <= 4 * limits.max_unsent + 200_000
        other = Client()
        with other.connect(*st.address):
            assert other.get_cache(cache_name).get(1) == b"x" * 100_000
        for rid in sent:
            resp = flood._event()
            assert isinstance(resp, Response)
            assert resp.header.request_id == rid
            assert resp.header.ok
        flood.close()


def _unsent_bytes(st: ServerThread) -> int:
    """Answers the node holds for its connections (socket buffers aside)."""
    total = 0

    def measure() -> None:
        nonlocal total
        for proto in st.server.protocols:
            transport = proto._transport
            if transport is not None:
                total += transport.get_write_buffer_size()

    st.call(measure)
    return total


def test_a_bulk_read_of_many_keys_waits_for_a_worker_and_a_few_keys_do_not() -> None:
    """``Limits.bulk_on_loop``: a get_all naming more keys is left blocked on
    long work (the listener runs it on a worker thread); fewer are answered at once."""
    from embergrid.protocol.messages.cache import CacheGetAll
    from embergrid.server.session import LongWork

    from ._wire import Pair

    node = Node(limits=Limits(bulk_on_loop=3))
    try:
        pair = Pair(node)
        pair.handshake()
        cid = node.engine.caches.get_or_create("bulk").cache_id
        ctx = pair.client.context

        def get_all(n: int) -> bytes:
            keys = tuple(encode(i) for i in range(n))
            payload = body(
                OpCode.CACHE_GET_ALL, CacheGetAll(CachePrefix(cid), keys), ctx
            )
            return pair.client.send_request(OpCode.CACHE_GET_ALL, payload)[1]

        answered, close = pair.session.feed(get_all(3))
        assert answered
        assert not close
        assert not pair.session.blocked
        answered, close = pair.session.feed(get_all(4))
        assert answered == b""
        assert not close
        (blocked,) = pair.session.blocked
        assert isinstance(blocked.waiter, LongWork)
    finally:
        node.close()


def test_bulk_reads_on_a_worker_answer_as_on_the_loop(cache_name: str) -> None:
    with ServerThread(Node(limits=Limits(bulk_on_loop=2))) as st:
        client = Client()
        with client.connect(*st.address):
            cache = client.create_cache(
                {
                    PROP_NAME: cache_name,
                    PROP_CACHE_ATOMICITY_MODE: CacheAtomicityMode.TRANSACTIONAL,
                }
            )
            cache.put_all({i: f"v{i}" for i in range(0, 100, 2)})
            assert cache.get_all(list(range(10))) == {
                i: f"v{i}" for i in range(0, 10, 2)
            }
            assert cache.contains_keys([0, 2, 4])
            assert not cache.contains_keys([0, 1, 2])
            with client.tx_start():  # in a transaction: on the loop, its writes seen
                cache.put(1, "tx")
                assert cache.get_all([0, 1, 2, 3]) == {0: "v0", 1: "tx", 2: "v2"}
                assert cache.contains_keys([0, 1, 2])


def test_the_first_partition_scan_makes_its_map_on_a_worker(
    server: ServerThread, cache_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache's first partition scan makes the partition map (and maps the
    first chunk of keys) on a worker thread, not on the event loop; the pages
    are those of the partition."""
    made_on: list[str] = []
    make = Entries.map_partitions

    def recorded(entries: Entries, h: Any, *args: Any) -> None:
        made_on.append(threading.current_thread().name)
        make(entries, h, *args)

    monkeypatch.setattr(Entries, "map_partitions", recorded)
    client = Client(partition_aware=False)
    with client.connect(*server.address):
        cache = client.create_cache(cache_name)
        cache.put_all({i: f"v{i}" for i in range(3000)})
        want = 7
        expected = {i for i in range(3000) if partition_of(encode(i)) == want}
        assert expected  # 3000 keys over 1024 partitions
        with cache.scan(page_size=1, partitions=want) as cur:
            got = dict(cur)
        assert set(got) == expected
        assert all(got[i] == f"v{i}" for i in expected)
    assert made_on
    assert all(name.startswith("embergrid-worker") for name in made_on), made_on

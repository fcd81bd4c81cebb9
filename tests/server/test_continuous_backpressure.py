"""A continuous query whose client does not read.

Below the bound on unread events (``Limits.max_unread_events``), the node queues
for it about its answer bound (a few notifications over it: the kernel's send
buffer takes some between passes), however many events wait, the rest wait in the
store's log, and once it reads again it gets every one of them, in order per key.
Past that bound its connection is closed with the reason logged and its rows of
the log are released: the store stays bounded while others keep listening and
the writer goes on.
"""

from __future__ import annotations

import logging
import sqlite3
import struct
import threading
from collections import defaultdict

import pytest

from embergrid import CacheEvent, Client
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.messages.continuous import decode_events
from embergrid.server import Limits, Node, ServerThread
from server._nodes import until
from server._wire import RawSocket

MAX_UNSENT = 64 * 1024
VALUE = "v" * 65536
PUTS = 200  # 13 MB of events: more than the kernel's socket buffers hold


def _unsent(st: ServerThread) -> list[int]:
    return [
        p._transport.get_write_buffer_size()  # type: ignore[union-attr]
        for p in list(st.server.protocols)
        if p._transport is not None
    ]


@pytest.mark.timeout(300)  # 13 MB through a loaded machine
def test_a_listener_that_does_not_read_waits_in_the_store_and_loses_nothing() -> None:
    with ServerThread(Node(limits=Limits(max_unsent=MAX_UNSENT))) as st:
        client = Client()
        with client.connect(*st.address):
            cache = client.create_cache("slow-listener")
            raw = RawSocket(st.address, timeout=60)
            raw.handshake()
            body = struct.pack("<ibiq?", cache_id("slow-listener"), 0, 1, 0, False)
            assert raw.call(2006, body + b"\x65").header.status == 0
            for i in range(PUTS):
                cache.put(i % 10, f"{i}:{VALUE}")
            feed = st.node.feed
            (sub,) = feed._subs.values()
            last = st.node.engine.changes.last
            # Not read: the node stopped sending once the bound was reached, and
            # the rest waits in the store's log.
            until(lambda: sub.pusher.push_paused, "the connection over its bound")
            assert sub.after < PUTS
            assert max(_unsent(st)) <= MAX_UNSENT + 4 * (len(VALUE) + 64)  # not ~13 MB
            per_key: dict[int, list[int]] = {}
            n = 0
            while n < PUTS:
                event = raw.conn.next_event()
                if event is None:
                    raw.conn.receive_data(raw.sock.recv(1 << 20))
                    continue
                for e in decode_events(event.body):
                    key = int.from_bytes(e.key[1:5], "little")
                    value = e.value[5:].decode().split(":")[0]
                    per_key.setdefault(key, []).append(int(value))
                    n += 1
            assert n == PUTS
            for key, values in per_key.items():
                assert values == list(range(key, PUTS, 10))
            assert sub.after >= PUTS or sub.after == last()
            raw.close()


CAP = 20_000  # unread events a listener may leave
ROUNDS, KEYS = 100, 1000  # 100,000 updates, put_all by put_all
PAD = "p" * 200  # 20 MB of events in all: more than the kernel's socket buffers hold
WAIT_S = 120.0  # a bound on waiting for what must come (never a timing claim)


def _subscribe_without_reading(address: tuple[str, int], name: str) -> RawSocket:
    raw = RawSocket(address, timeout=WAIT_S)
    raw.handshake()
    body = struct.pack("<ibiq?", cache_id(name), 0, 1, 0, False)
    assert raw.call(2006, body + b"\x65").header.status == 0
    return raw


@pytest.mark.timeout(600)  # 100,000 events through a loaded machine
def test_a_listener_that_never_reads_is_closed_past_its_bound_the_store_stays_bounded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limits = Limits(max_unsent=MAX_UNSENT, max_unread_events=CAP)
    caplog.set_level(logging.WARNING, logger="embergrid.server")
    with ServerThread(Node(limits=limits)) as st:
        client = Client()
        with client.connect(*st.address):
            cache = client.create_cache("unread-bound")
            raw = _subscribe_without_reading(st.address, "unread-bound")
            store = sqlite3.connect(st.node.engine.store.path)
            heard: dict[int, list[int]] = defaultdict(list)
            count = threading.Condition()
            n = [0]

            def read(events: object) -> None:
                for event in events:  # type: ignore[attr-defined]
                    assert isinstance(event, CacheEvent)
                    heard[event.key].append(int(event.value.split(":")[0]))
                    with count:
                        n[0] += 1
                        count.notify_all()
                        if n[0] == ROUNDS * KEYS:
                            return

            with cache.listen(page_size=256) as q:
                reader = threading.Thread(target=read, args=(q,))
                reader.start()
                most_rows = 0
                for r in range(ROUNDS):
                    # The test keeps its reading listener within the bound (the
                    # node never makes the writer wait).
                    with count:
                        assert count.wait_for(
                            lambda r=r: n[0] >= (r * KEYS) - CAP // 2, WAIT_S
                        )
                    cache.put_all({k: f"{r}:{PAD}" for k in range(KEYS)})
                    (rows,) = store.execute("SELECT count(*) FROM cq_log").fetchone()
                    most_rows = max(most_rows, rows)
                reader.join(WAIT_S)
                assert not reader.is_alive()
            assert all(heard[k] == list(range(ROUNDS)) for k in range(KEYS))
            # Without the bound the log would have held the 100,000 events the
            # silent listener never read.
            assert most_rows <= CAP + 5 * KEYS, most_rows
            assert raw.closed_by_server()
            assert any("events unread" in r.getMessage() for r in caplog.records)
            until(lambda: not st.node.feed.active, "the reader unsubscribed")
            until(
                lambda: store.execute("SELECT count(*) FROM cq_log").fetchone()[0] == 0,
                "the log emptied once nobody listens",
            )
            store.close()
            raw.close()

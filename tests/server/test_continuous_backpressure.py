"""A continuous query whose client does not read: the node queues for it about its
answer bound (a few notifications over it: the kernel's send buffer takes some
between passes), however many events wait, the rest wait in the store's log, and
once it reads again it gets every one of them, in order per key."""

from __future__ import annotations

import struct

import pytest

from embergrid import Client
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

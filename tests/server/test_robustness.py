"""Bad bytes on one socket close (or answer) only that socket (issue item 12).

Each case sends its bytes on a raw socket, then checks that a pyignite client
connected before is still connected and its data intact.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from collections.abc import Iterator

import pytest
from pyignite import Client
from pyignite.exceptions import CacheError

from embergrid.protocol.binary.codec import encode
from embergrid.protocol.codes import OpCode, StatusCode
from embergrid.protocol.connection import Response
from embergrid.protocol.handshake import HandshakeRequest, encode_handshake_request
from embergrid.protocol.headers import request_frame
from embergrid.protocol.messages.cache import CachePrefix, CachePut
from embergrid.server import Limits, Node, ServerThread
from embergrid.server import status_messages as msgs

from ._nodes import until
from ._wire import RawSocket, body

_HANDSHAKE = encode_handshake_request(HandshakeRequest())
_FRAMED_HANDSHAKE = struct.pack("<i", len(_HANDSHAKE)) + _HANDSHAKE


@pytest.fixture
def witness(client: Client, cache_name: str) -> Iterator[Client]:
    """A pyignite client with data stored before the bad bytes arrive."""
    cache = client.create_cache(cache_name)
    cache.put_all({i: f"v{i}" for i in range(100)})
    yield client
    assert cache.get_all(list(range(100))) == {i: f"v{i}" for i in range(100)}
    cache.put("after", 1)
    assert cache.get("after") == 1
    cache.destroy()


def _raw(server_address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(server_address, timeout=5)


def _closed(sock: socket.socket) -> bool:
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


CLOSING_INPUTS = {
    "garbage": b"\xde\xad\xbe\xef" * 8,
    "negative length": struct.pack("<i", -5) + b"\x01" * 5,
    "huge length": struct.pack("<i", 2**31 - 1) + b"\x01" * 16,
    "request before handshake": request_frame(OpCode.CACHE_GET, 1, b"\x00" * 6),
    "handshake then truncated get": _FRAMED_HANDSHAKE
    + request_frame(OpCode.CACHE_GET, 7, b"\x01\x00\x00\x00\x00\x09\x05\x00"),
}
# (A frame over the limit after the handshake is answered with an error, its bytes
# dropped as they come: test_a_request_over_the_frame_limit_gets_an_error_...)


@pytest.mark.parametrize("data", CLOSING_INPUTS.values(), ids=CLOSING_INPUTS.keys())
def test_bad_bytes_close_only_that_socket(
    witness: Client, server_address: tuple[str, int], data: bytes
) -> None:
    with _raw(server_address) as sock:
        sock.sendall(data)
        assert _closed(sock)


def test_unknown_op_is_answered_and_the_socket_stays(
    witness: Client, server_address: tuple[str, int]
) -> None:
    raw = RawSocket(server_address)
    raw.handshake()
    resp = raw.call(31000, b"\x00" * 3)
    assert resp.header.status == StatusCode.INVALID_OP_CODE
    assert resp.header.message == "Invalid request op code: 31000"
    assert raw.call(OpCode.HEARTBEAT).header.ok
    raw.close()


def test_truncated_frame_then_disconnect(
    witness: Client, server_address: tuple[str, int]
) -> None:
    with _raw(server_address) as sock:
        sock.sendall(_FRAMED_HANDSHAKE[:7])  # half a handshake, then hang up


def test_a_request_over_the_frame_limit_gets_an_error_and_the_connection_goes_on() -> (
    None
):
    """Its bytes are dropped as they come (never held) and nothing of it is done."""
    with ServerThread(Node(limits=Limits(max_frame_size=1024))) as st:
        raw = RawSocket(st.address)
        raw.handshake()
        assert raw.call(OpCode.CACHE_GET_NAMES).header.ok
        rid, data = raw.conn.send_request(OpCode.CACHE_GET_NAMES, b"\x00" * 2000)
        raw.sock.sendall(data)
        answer = raw._event()
        assert isinstance(answer, Response)
        assert answer.header.request_id == rid
        assert answer.header.status == StatusCode.FAILED
        assert answer.header.message == msgs.request_too_large(2010, 1024)
        assert raw.call(OpCode.CACHE_GET_NAMES).header.ok
        raw.close()
        client = Client()
        with client.connect(*st.address):
            cache = client.get_or_create_cache("big")
            with pytest.raises(CacheError) as failed:
                cache.put(1, "x" * 4000)  # pyignite sees the reason
            assert "frame limit of 1024" in str(failed.value)
            assert cache.get(1) is None
            cache.put(1, "small")
            assert cache.get(1) == "small"


def test_an_oversized_handshake_closes() -> None:
    with ServerThread(Node(limits=Limits(max_frame_size=1024))) as st:
        raw = RawSocket(st.address)
        raw.sock.sendall(struct.pack("<i", 5000) + b"\x01" * 5000)
        assert raw.closed_by_server()
        raw.close()


def test_idle_unhandshaken_socket_is_closed() -> None:
    """A socket silent past ``handshake_timeout`` is closed; one that shook
    hands stays open past it. The talker connects first, so once the quiet
    socket is closed the talker's timeout has passed too; 3 s is time enough
    for its handshake on a loaded machine."""
    with ServerThread(Node(limits=Limits(handshake_timeout=3.0))) as st:
        talker = RawSocket(st.address)
        talker.handshake()
        quiet = socket.create_connection(st.address, timeout=60)
        assert _closed(quiet)
        assert talker.call(OpCode.HEARTBEAT).header.ok
        quiet.close()
        talker.close()


def test_a_frame_left_unfinished_closes_its_connection_only() -> None:
    """A partial frame is held in memory: a connection that stops in the middle
    of one is closed after ``partial_frame_timeout``; others go on."""
    with ServerThread(Node(limits=Limits(partial_frame_timeout=0.3))) as st:
        stalled = RawSocket(st.address, timeout=30)
        stalled.handshake()
        declared = 10 * 1024 * 1024
        stalled.sock.sendall(declared.to_bytes(4, "little") + b"\0" * 100_000)
        talker = RawSocket(st.address)
        talker.handshake()
        assert _closed(stalled.sock)
        assert talker.call(OpCode.HEARTBEAT).header.ok
        stalled.close()
        talker.close()


def test_unfinished_frames_over_the_node_bound_stop_being_read() -> None:
    """``Limits.max_partial_total``: past it, a connection that sends more of an
    unfinished frame is not read (unless it holds the most), so the node holds
    about the bound whatever many connections send; once the largest frame
    finishes, the others are read again and every request is answered."""
    bound, size = 1024 * 1024, 3 * 1024 * 1024
    limits = Limits(max_partial_total=bound, max_frame_size=8 * size)
    with ServerThread(Node(limits=limits)) as st:
        cid = st.node.engine.caches.get_or_create("partial").cache_id
        senders = [RawSocket(st.address, timeout=60) for _ in range(4)]
        frames = []
        for key, raw in enumerate(senders):
            raw.handshake()
            put = CachePut(CachePrefix(cid), encode(key), encode(b"x" * size))
            payload = body(OpCode.CACHE_PUT, put, raw.conn.context)
            rid, data = raw.conn.send_request(OpCode.CACHE_PUT, payload)
            frames.append((raw, rid, data))
        # all but the last 10 bytes of every frame, round robin, as far as the
        # node reads them (a socket not writable for 2 s: the node stopped reading)
        sent = [0] * len(frames)
        for raw, _rid, _data in frames:
            raw.sock.setblocking(False)
        while True:
            open_ = [
                raw.sock
                for i, (raw, _r, d) in enumerate(frames)
                if sent[i] < len(d) - 10
            ]
            _r, writable, _x = select.select([], open_, [], 2.0)
            if not writable:
                break
            for i, (raw, _rid, data) in enumerate(frames):
                if raw.sock in writable:
                    stop = min(len(data) - 10, sent[i] + 65536)
                    with contextlib.suppress(BlockingIOError):
                        sent[i] += raw.sock.send(data[sent[i] : stop])
        held = st.server.partial_total
        # one frame keeps being read; each other connection holds what it had
        # when the bound was crossed plus one read (the loop reads <= 256 KiB)
        assert held <= bound + size + 4 * 256 * 1024
        assert held < 4 * (size - 10) - size  # far from every frame held
        # finish every frame, all at once: the one read past the bound finishes,
        # then the others are read again
        finishing = []
        for i, (raw, _rid, data) in enumerate(frames):
            raw.sock.setblocking(True)
            rest = data[sent[i] :]
            finishing.append(threading.Thread(target=raw.sock.sendall, args=(rest,)))
        for t in finishing:
            t.start()
        for t in finishing:
            t.join(60)
        for raw, rid, _data in frames:
            answer = raw._event()
            assert isinstance(answer, Response)
            assert answer.header.request_id == rid
            assert answer.header.ok
        # every frame finished: the node's count falls to nothing while the
        # connections stay open (the loop counts a connection's bytes just after
        # writing its answer, so this thread may look before it has)
        until(lambda: st.server.partial_total == 0, "no unfinished frame held")
        for raw, _rid, _data in frames:
            raw.close()
        for key in range(4):
            assert st.node.engine.kv.get(cid, encode(key)) == encode(b"x" * size)

"""How an ``AioClient`` request waits for its answer: the loop keeps polling (zero
timeout selects) while answers come quickly, sleeps at once after a slow one, and
polls again once an answer is quick again."""

from __future__ import annotations

import asyncio
import selectors
import struct
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import embergrid
from embergrid._busy_poll import BusyPoll
from embergrid.client import _driver
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.handshake import (
    HandshakeSuccess,
    ProtocolVersion,
    encode_handshake_response,
)

_I32 = struct.Struct("<i")


_HANDSHAKE = encode_handshake_response(
    HandshakeSuccess(ProtocolFeature.CLUSTER_API, uuid.uuid4()),
    ProtocolVersion(1, 7, 0),
)
_ANSWER = b"\x00\x00" + encode(42)  # flags, then the value


_OPEN: list[Any] = []  # accepted transports, closed with the server


class _Answer(asyncio.Protocol):
    """The handshake answered at once; every request with 42 after ``delay[0]``."""

    def __init__(self, delay: list[float]) -> None:
        self.delay, self.buf, self.greeted = delay, bytearray(), False

    def connection_made(self, transport: Any) -> None:
        self.t = transport
        _OPEN.append(transport)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while len(self.buf) >= 4:
            n = _I32.unpack_from(self.buf)[0]
            if len(self.buf) < 4 + n:
                return
            frame, self.buf = bytes(self.buf[: 4 + n]), self.buf[4 + n :]
            if not self.greeted:
                self.greeted = True
                self.t.write(_I32.pack(len(_HANDSHAKE)) + _HANDSHAKE)
                continue
            body = frame[6:14] + _ANSWER
            out = _I32.pack(len(body)) + body
            asyncio.get_running_loop().call_later(self.delay[0], self.t.write, out)


class _DelayedServer:
    """``_Answer`` on a loop of its own thread; set ``delay[0]`` to slow it down."""

    def __init__(self) -> None:
        self.delay = [0.0]
        self.loop = asyncio.new_event_loop()
        srv = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Answer(self.delay), "127.0.0.1", 0)
        )
        self.port = srv.sockets[0].getsockname()[1]
        self._srv = srv
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        def shut() -> None:
            self._srv.close()
            while _OPEN:
                _OPEN.pop().close()
            self.loop.call_soon(self.loop.stop)  # after the transports let go

        self.loop.call_soon_threadsafe(shut)
        self.thread.join(5)
        self.loop.run_until_complete(self._srv.wait_closed())
        self.loop.close()


class _CountingSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    def __init__(self) -> None:
        super().__init__()
        self.zero_polls = 0

    def select(self, timeout: float | None = None) -> Any:
        if timeout == 0:
            self.zero_polls += 1
        return super().select(timeout)


@pytest.fixture
def server() -> Iterator[_DelayedServer]:
    s = _DelayedServer()
    yield s
    s.close()


def test_polls_while_quick_sleeps_after_slow(
    server: _DelayedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 20 ms window: the in-process answering thread needs the GIL the polling
    # loop keeps taking, so "quick" here is a few milliseconds.
    monkeypatch.setattr(_driver, "ANSWER_SPIN", 0.02)
    monkeypatch.setattr(BusyPoll, "min_share", 0.0)  # a loaded machine polls too
    selector = _CountingSelector()
    loop = asyncio.SelectorEventLoop(selector)

    async def polls_during_get(cache: Any) -> int:
        before = selector.zero_polls
        assert await cache.get(1) == 42
        return selector.zero_polls - before

    async def scenario() -> list[int]:
        client = embergrid.AioClient(partition_aware=False)
        async with client.connect("127.0.0.1", server.port):
            cache = await client.get_cache("c")
            counts = [await polls_during_get(cache)]  # quick
            server.delay[0] = 0.1
            counts.append(await polls_during_get(cache))  # slow: polls, then sleeps
            counts.append(await polls_during_get(cache))  # slow again: sleeps at once
            server.delay[0] = 0.0
            counts.append(await polls_during_get(cache))  # quick: sleeps, then learns
            counts.append(await polls_during_get(cache))  # quick: polls again
            return counts

    try:
        quick, slow, slow_again, relearn, quick_again = loop.run_until_complete(
            scenario()
        )
    finally:
        loop.close()
    assert quick > 0  # polled until the answer came
    assert slow > 100  # polled through the window, then slept
    assert slow_again < 3  # slept at once
    assert quick_again > 0
    del relearn  # either way: it slept first, then the answer came quickly

"""Busy polling (``Limits.busy_poll``): after a request the loop polls its sockets
with a zero timeout for the window, then sleeps again; no request is lost either way."""

from __future__ import annotations

import asyncio
import selectors
import struct
import time
from typing import Any

import pytest
from pyignite import Client

from embergrid._busy_poll import BusyPoll
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode
from embergrid.protocol.handshake import HandshakeRequest, encode_handshake_request
from embergrid.protocol.headers import request_frame
from embergrid.protocol.messages.cache import CacheGet, CachePrefix, encode_cache_get
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.server import Limits, Node, Server, ServerThread

_HANDSHAKE = encode_handshake_request(HandshakeRequest())
_FRAMED_HANDSHAKE = struct.pack("<i", len(_HANDSHAKE)) + _HANDSHAKE


class _CountingSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """Records the timeout of every ``select`` the loop makes."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float | None] = []

    def select(self, timeout: float | None = None) -> Any:
        self.timeouts.append(timeout)
        return super().select(timeout)


def _zero_timeout_polls_after_handshake(
    busy_poll: float, backed_off: list[bool] | None = None
) -> tuple[int, bool, bool]:
    """(zero-timeout selects in the 0.3 s after one handshake, polling right
    after it, polling at the end); ``backed_off`` gets whether the policy took a
    back-off."""
    selector = _CountingSelector()
    loop = asyncio.SelectorEventLoop(selector)

    async def scenario() -> tuple[int, bool, bool]:
        server = Server(Node(limits=Limits(busy_poll=busy_poll)))
        await server.start("127.0.0.1", 0)
        try:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(_FRAMED_HANDSHAKE)
            await reader.readexactly(4)
            polling_after = server.polling
            mark = len(selector.timeouts)
            await asyncio.sleep(0.3)
            polls = sum(1 for t in selector.timeouts[mark:] if t == 0)
            polling_at_end = server.polling
            if backed_off is not None:
                backed_off.append(server.busy_poll.resume_at > 0)
            writer.close()
            return polls, polling_after, polling_at_end
        finally:
            await server.close()

    try:
        return loop.run_until_complete(scenario())
    finally:
        loop.close()


@pytest.fixture(autouse=True)
def _cpu_share_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests count polls: a loaded test machine must not stop them
    (the CPU-share rule has its own tests, tests/test_busy_poll.py)."""
    monkeypatch.setattr(BusyPoll, "min_share", 0.0)


def test_loop_polls_through_the_window_then_sleeps() -> None:
    polls, after, at_end = _zero_timeout_polls_after_handshake(0.05)
    assert after
    assert not at_end
    assert polls > 20  # a 50 ms window of zero-timeout polls, not one or two


def test_a_low_cpu_share_stops_the_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loop reports its polling to the policy: at a CPU share under the
    threshold (here every share is) it stops by a back-off, not the window's end.
    (Whether it still polls when the client reads the handshake is not asked:
    on a loaded machine the 2 ms sample can end before the client runs.)"""
    monkeypatch.setattr(BusyPoll, "min_share", 2.0)
    backed_off: list[bool] = []
    _, _, at_end = _zero_timeout_polls_after_handshake(0.05, backed_off)
    assert not at_end
    assert backed_off == [True]  # it polled, and the share rule stopped it


def test_no_busy_poll_by_default() -> None:
    assert Limits().busy_poll == 0
    polls, after, at_end = _zero_timeout_polls_after_handshake(0.0)
    assert not after
    assert not at_end
    assert polls < 10


@pytest.mark.parametrize("pause", [0.0, 0.01], ids=["inside-window", "after-window"])
def test_requests_answered_inside_and_after_the_window(pause: float) -> None:
    with ServerThread(Node(limits=Limits(busy_poll=0.002))) as st:
        client = Client()
        with client.connect(*st.address):
            cache = client.create_cache("polled")
            for i in range(20):
                cache.put(i, i)
                time.sleep(pause)
                assert cache.get(i) == i


def _zero_timeout_polls_between_requests(gap: float, busy_poll: float) -> int:
    """Zero-timeout selects while a client sends 5 requests, each ``gap`` seconds
    after the answer to the one before, and 20 ms after the last answer."""
    selector = _CountingSelector()
    loop = asyncio.SelectorEventLoop(selector)
    body = encode_cache_get(
        CacheGet(CachePrefix(cache_id("polled")), encode(1)), ProtocolContext()
    )

    async def scenario() -> int:
        server = Server(Node(limits=Limits(busy_poll=busy_poll)))
        await server.start("127.0.0.1", 0)
        try:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(_FRAMED_HANDSHAKE)
            (n,) = struct.unpack("<i", await reader.readexactly(4))
            await reader.readexactly(n)
            await asyncio.sleep(0.05)  # the handshake's window is over
            mark = len(selector.timeouts)
            for request_id in range(1, 6):
                await asyncio.sleep(gap)
                writer.write(request_frame(OpCode.CACHE_GET, request_id, body))
                (n,) = struct.unpack("<i", await reader.readexactly(4))
                await reader.readexactly(n)
            await asyncio.sleep(0.02)
            polls = sum(1 for t in selector.timeouts[mark:] if t == 0)
            writer.close()
            return polls
        finally:
            await server.close()

    try:
        return loop.run_until_complete(scenario())
    finally:
        loop.close()


def test_requests_further_apart_than_the_window_stop_the_polling() -> None:
    """A client slower than the window (pyignite's case): after the first such
    gap the loop sleeps at once instead of polling a window after each request.
    The gaps can only come out longer than asked, so this cannot flake."""
    without_polling = _zero_timeout_polls_between_requests(0.03, 0.0)
    assert _zero_timeout_polls_between_requests(0.03, 0.005) <= without_polling + 2


def test_requests_within_the_window_keep_it_polling() -> None:
    without_polling = _zero_timeout_polls_between_requests(0.0, 0.0)
    assert _zero_timeout_polls_between_requests(0.0, 0.005) > without_polling + 20

"""How a blocking request waits for its answer: poll briefly while answers come
quickly, sleep in ``recv`` at once after a slow one, and never lose bytes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from embergrid._busy_poll import BusyPoll
from embergrid.client.sync._transport import SpinningReceiver


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


@pytest.fixture(autouse=True)
def _cpu_share_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded test machine must not stop the polling these tests observe (the
    CPU-share rule has its own tests, tests/test_busy_poll.py)."""
    monkeypatch.setattr(BusyPoll, "min_share", 0.0)


def _later(sock: socket.socket, data: bytes, delay: float) -> threading.Timer:
    timer = threading.Timer(delay, sock.sendall, args=(data,))
    timer.start()
    return timer


def test_quick_answers_keep_it_spinning(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    recv, view = SpinningReceiver(a, spin=0.5), memoryview(bytearray(64))
    b.sendall(b"ready")
    assert recv(view) == 5
    assert bytes(view[:5]) == b"ready"
    assert recv.spinning


def test_a_slow_answer_stops_spinning_and_a_quick_one_resumes(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    recv, view = SpinningReceiver(a, spin=0.001), memoryview(bytearray(64))
    timer = _later(b, b"late", 0.05)  # due well after the spin ran out
    assert recv(view) == 4
    assert bytes(view[:4]) == b"late"
    timer.join()
    assert not recv.spinning
    b.sendall(b"quick")
    assert recv(view) == 5
    assert bytes(view[:5]) == b"quick"
    assert recv.spinning


def test_end_of_stream_is_zero(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    recv = SpinningReceiver(a, spin=0.001)
    b.close()
    assert recv(memoryview(bytearray(8))) == 0


def test_without_poll_the_client_waits_in_recv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the platform has no ``select.poll`` (Windows) requests still work."""
    import select

    from embergrid import Client
    from embergrid.server import Node, ServerThread

    monkeypatch.delattr(select, "poll")
    with ServerThread(Node()) as st:
        client = Client()
        with client.connect(*st.address):
            cache = client.create_cache("no-poll")
            cache.put(1, "one")
            assert cache.get(1) == "one"


def test_polling_descheduled_stops_for_a_back_off(
    pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole sample of polling at a CPU share under the threshold (here every
    share is) stops the polling for the back-off time; bytes still arrive."""
    monkeypatch.setattr(BusyPoll, "min_share", 2.0)
    a, b = pair
    recv, view = SpinningReceiver(a, spin=0.5), memoryview(bytearray(64))
    timer = _later(b, b"later", 0.01)  # polled for 10 ms: over one 2 ms sample
    assert recv(view) == 5
    timer.join()
    assert bytes(view[:5]) == b"later"
    assert recv.policy.resume_at > 0
    assert not recv.spinning

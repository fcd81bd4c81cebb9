"""Root fixtures: one in-process embergrid server for the whole test session.

STYLE §9 "In-process server": the server runs in a background thread with its
own event loop on 127.0.0.1:<free port>. Its engine reads time from a
``FakeClock`` that tests advance (``server_clock.advance(ms)``) instead of
sleeping. ``cache_name`` gives each test a cache name no other test uses.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from embergrid.engine import FakeClock
from embergrid.server import Node, ServerThread


@pytest.fixture(scope="session")
def server_clock() -> FakeClock:
    """The clock of the session server's engine."""
    return FakeClock()


@pytest.fixture(scope="session")
def server_thread(server_clock: FakeClock) -> Iterator[ServerThread]:
    """The session's embergrid server (node, engine and address)."""
    with ServerThread(Node(clock=server_clock)) as st:
        yield st


@pytest.fixture(scope="session")
def server_address(server_thread: ServerThread) -> tuple[str, int]:
    """(host, port) of the session's embergrid server."""
    return server_thread.address


@pytest.fixture
def cache_name(request: pytest.FixtureRequest) -> str:
    """A cache name unique to this test."""
    base = request.node.name.split("[")[0][:40]
    return f"{base}-{uuid.uuid4().hex[:8]}"

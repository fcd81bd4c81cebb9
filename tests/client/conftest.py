"""Fixtures for the client tests: clients of both kinds on the session server, and
standalone ``embergrid serve`` processes for failover tests.

Tests that run against both servers use the root ``target`` fixture; those against
the reference node that pin a known server difference carry
``@pytest.mark.divergence("key")``, whose key must be in
``tests/compat/divergences.py`` (checked at collection by the root conftest).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from _reference import running_node
from embergrid import AioClient, Client
from embergrid.server import Limits, Node, ServerThread

IDLE_MS = 4000
"""The idle timeout of the ``idle_node`` servers: heartbeats go every 1.33 s."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, deadline_s: float = 15.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def start_server(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "embergrid", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port)
    return proc


@pytest.fixture
def servers() -> Iterator[list[tuple[subprocess.Popen[bytes], int]]]:
    """Three separate server processes (killed afterwards)."""
    procs = []
    for _ in range(3):
        port = free_port()
        procs.append((start_server(port), port))
    yield procs
    for proc, _ in procs:
        proc.kill()
        proc.wait()


@pytest.fixture
def client(server_address: tuple[str, int]) -> Iterator[Client]:
    c = Client()
    with c.connect(*server_address):
        yield c


@pytest.fixture
async def aio_client(server_address: tuple[str, int]) -> AsyncIterator[AioClient]:
    c = AioClient()
    async with c.connect(*server_address):
        yield c


@pytest.fixture(scope="module", params=["embergrid", "ignite"])
def idle_node(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """(host, port) of a node that closes connections silent for ``IDLE_MS``: our
    server in-process, then the reference node started with ``--idle-timeout``."""
    if request.param == "embergrid":
        limits = Limits(idle_timeout=IDLE_MS / 1000)
        with ServerThread(Node(limits=limits)) as server:
            yield server.address
        return
    with running_node(["--idle-timeout", str(IDLE_MS)]) as address:
        yield address

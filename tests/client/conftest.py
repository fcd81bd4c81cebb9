"""Fixtures for the client tests: clients of both kinds on the session server,
standalone ``embergrid serve`` processes for failover tests, and the TLS,
authentication and cluster-state nodes (ours in-process, then the reference node's),
shared by the session so the two shells of ``tests/client/aio`` and
``tests/client/sync`` start each one once.

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

import _auth
from _reference import running_node
from _tls_certs import Certificates
from embergrid import AioClient, Client
from embergrid.server import Limits, Node, ServerThread
from embergrid.server.tls import TlsConfig, server_context

SERVERS = ["embergrid", pytest.param("ignite", marks=pytest.mark.reference)]
"""The params of a fixture that starts a node of each kind."""

Address = tuple[str, int]
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


@pytest.fixture(scope="module", params=SERVERS)
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


def _tls_node(
    kind: str, certs: Certificates, *, client_auth: bool
) -> Iterator[Address]:
    """A TLS node of ``kind`` with ``certs``'s server key, requiring client
    certificates signed by the CA if ``client_auth``."""
    if client_auth and certs.openssl_missing is not None:
        pytest.skip(certs.openssl_missing)  # no client certificate to offer
    if kind == "ignite":
        with running_node(certs.node_args(require_client_cert=client_auth)) as address:
            yield address
        return
    if certs.server_chain is None or certs.server_key is None:
        pytest.skip(certs.openssl_missing or "no PEM server key")
    config = TlsConfig(
        str(certs.server_chain),
        str(certs.server_key),
        cafile=str(certs.ca_cert) if client_auth else None,
        client_auth=client_auth,
    )
    with ServerThread(Node(), tls=server_context(config)) as server:
        yield server.address


@pytest.fixture(scope="session", params=SERVERS)
def tls_node(
    request: pytest.FixtureRequest, tls_certs: Certificates
) -> Iterator[Address]:
    """(host, port) of a node with TLS on its client port, client certificates not
    required: ours, then the reference node."""
    yield from _tls_node(request.param, tls_certs, client_auth=False)


@pytest.fixture(scope="session", params=SERVERS)
def mtls_node(
    request: pytest.FixtureRequest, tls_certs: Certificates
) -> Iterator[Address]:
    """(host, port) of a TLS node requiring a client certificate signed by the CA."""
    yield from _tls_node(request.param, tls_certs, client_auth=True)


@pytest.fixture(scope="session", params=SERVERS)
def auth_node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Address]:
    """(host, port) of a plaintext node with authentication on (user
    ``ignite``/``ignite``), persistent and active: ours, then the reference node."""
    if request.param == "ignite":
        with running_node(("--auth",)) as address:
            yield address
        return
    node = _auth.auth_node(tmp_path_factory.mktemp("auth"))
    with ServerThread(node) as server:
        _auth.activate(server.address)
        yield server.address


@pytest.fixture(scope="session", params=SERVERS)
def state_node(request: pytest.FixtureRequest) -> Iterator[Address]:
    """(host, port) of a node of the client tests' own, whose cluster state a test
    may change (and must set ACTIVE again): ours in-process, then a reference node."""
    if request.param == "ignite":
        with running_node() as address:
            yield address
        return
    with ServerThread(Node()) as server:
        yield server.address

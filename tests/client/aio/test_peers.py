"""Client errors that say what happened, for both shells from one source.

Peers that are no Ignite node, each a thread of this module: a closed port, one
that closes at once, an HTTP server, an SSH server, one that answers a frame that
is no handshake answer, one that announces a negative frame length, and one that
never answers (``handshake_timeout`` 1 s). For each: ``connect`` raises
``ReconnectError("Can not connect.")`` *from* what the node failed with (a peer
that answered bytes no Ignite node sends is named as such: ``ConnectionError``
"... is not an Ignite thin-client endpoint: ...", from the ``ParseError``), and
failover goes on to a good node behind it. Every failed node is logged as
pyignite 0.6.1 logs it (``pyignite.connection`` there, ``embergrid.connection``
here): pyignite runs against the same peers and the records are compared, level
and text, up to the error itself (asyncio and sockets word a refusal differently)
and the feature bits each client proposes.

pyignite gives the same ``ReconnectError`` without a cause; where a peer answers
a short frame, pyignite fails with a ``TypeError`` and does not fail over (not
compared: that is the mistake these tests guard against).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import socket
import threading
import warnings
from collections.abc import Iterator

import pyignite
import pyignite.exceptions
import pytest

from embergrid import AioClient
from embergrid.errors import ParseError, ReconnectError

Address = tuple[str, int]
HANDSHAKE_TIMEOUT = 1.0

# What each peer does with a connection once it has read the handshake.
ANSWERS: dict[str, bytes | None] = {
    "http": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    "ssh": b"SSH-2.0-OpenSSH_9.6\r\n",
    "short-frame": b"\x05\x00\x00\x00hello",
    "negative-length": b"\xff\xff\xff\xff",
    "closes": None,
}
NOT_IGNITE = ["http", "ssh", "short-frame", "negative-length"]
PEERS = ["refused", "closes", "silent", *NOT_IGNITE]


def _answer(conn: socket.socket, answer: bytes | None, done: threading.Event) -> None:
    with conn:
        if answer is None:
            return
        with contextlib.suppress(OSError):
            conn.recv(4096)
            conn.sendall(answer)
            done.wait(5)  # the client closes first (a reset would hide the bytes)


def _serve(listener: socket.socket, kind: str, done: threading.Event) -> None:
    held: list[socket.socket] = []
    while not done.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            break
        if kind == "silent":
            held.append(conn)  # read nothing, answer nothing
            continue
        threading.Thread(
            target=_answer, args=(conn, ANSWERS[kind], done), daemon=True
        ).start()
    for conn in held:
        conn.close()


@pytest.fixture(scope="module")
def peers() -> Iterator[dict[str, Address]]:
    done = threading.Event()
    listeners: list[socket.socket] = []
    found: dict[str, Address] = {}
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    found["refused"] = closed.getsockname()  # bound, never listening
    for kind in PEERS[1:]:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)
        found[kind] = listener.getsockname()
        threading.Thread(
            target=_serve, args=(listener, kind, done), daemon=True
        ).start()
    yield found
    done.set()
    for listener in [closed, *listeners]:
        listener.close()


def _records(caplog: pytest.LogCaptureFixture, name: str) -> list[tuple[str, str]]:
    """(level, text) of the ``name`` logger's records, the feature bits masked."""
    return [
        (r.levelname, re.sub(r"features=\d+", "features=<ours>", r.getMessage()))
        for r in caplog.records
        if r.name == name
    ]


def _pyignite_connect(nodes: list[Address]) -> None:
    """pyignite's connect (its ``ReconnectError`` swallowed); it leaks the socket
    of a failed dial, collected here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        client = pyignite.Client(handshake_timeout=HANDSHAKE_TIMEOUT)
        with contextlib.suppress(pyignite.exceptions.ReconnectError):
            client.connect(nodes)
            client.close()
        del client
        gc.collect()


def _up_to_the_error(records: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(level, text.partition(" failed: ")[0]) for level, text in records]


@pytest.mark.parametrize("peer", PEERS)
async def test_a_node_that_cannot_be_reached_is_the_cause(
    peers: dict[str, Address], peer: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="embergrid.connection")
    with pytest.raises(ReconnectError, match=r"^Can not connect\.$") as info:
        async with AioClient(handshake_timeout=HANDSHAKE_TIMEOUT).connect(
            [peers[peer]]
        ):
            pass
    cause = info.value.__cause__
    assert isinstance(cause, OSError)
    expected: dict[str, type[OSError]] = {
        "refused": ConnectionRefusedError,
        "silent": TimeoutError,
    }
    assert isinstance(cause, expected.get(peer, OSError))
    host, port = peers[peer]
    if peer in NOT_IGNITE:
        assert type(cause) is ConnectionError
        assert str(cause).startswith(
            f"{host}:{port} is not an Ignite thin-client endpoint: "
        )
        assert isinstance(cause.__cause__, ParseError)
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failed) == 1
    assert (
        failed[0]
        .getMessage()
        .startswith(
            f"Failed to perform handshake, connection to node(address={host}, "
            f"port={port}) with protocol context ProtocolContext(version=(1, 7, 0), "
        )
    )
    assert failed[0].getMessage().endswith(f"failed: {cause}")
    assert failed[0].exc_info is not None
    assert failed[0].exc_info[1] is cause


@pytest.mark.parametrize("partition_aware", [False, True])
@pytest.mark.parametrize("peer", PEERS)
async def test_failover_moves_on_to_the_next_node(
    peers: dict[str, Address],
    server_address: Address,
    peer: str,
    partition_aware: bool,
    cache_name: str,
) -> None:
    client = AioClient(
        partition_aware=partition_aware, handshake_timeout=HANDSHAKE_TIMEOUT
    )
    async with client.connect([peers[peer], server_address]):
        cache = await client.get_or_create_cache(cache_name)
        await cache.put(1, peer)
        assert await cache.get(1) == peer


@pytest.mark.parametrize("peer", ["refused", "closes", "silent", "http", "ssh"])
@pytest.mark.parametrize("with_good_node", [False, True])
async def test_each_failed_node_is_logged_as_pyignite_logs_it(
    peers: dict[str, Address],
    server_address: Address,
    peer: str,
    with_good_node: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    nodes = [peers[peer], server_address] if with_good_node else [peers[peer]]
    caplog.set_level(logging.INFO)
    _pyignite_connect(nodes)
    theirs = _records(caplog, "pyignite.connection")
    caplog.clear()
    with contextlib.suppress(ReconnectError):
        async with AioClient(handshake_timeout=HANDSHAKE_TIMEOUT).connect(nodes):
            pass
    ours = _records(caplog, "embergrid.connection")
    assert theirs  # pyignite logged the failed node
    assert _up_to_the_error(ours) == _up_to_the_error(theirs)

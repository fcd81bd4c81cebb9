# GENERATED from tests/client/aio/test_heartbeats.py: edit that file
"""Heartbeats (protocol feature bit 11) against a node with an idle timeout, for both
shells from one source and both servers (``idle_node``: embergrid, then the
reference Ignite node started with ``--idle-timeout``).

A client connection negotiates the feature, asks the idle timeout (op 2) and keeps
a silent connection open with heartbeats (op 1), a continuous query's connection
too; the same connection without heartbeats is closed by the server, which shows
the server does close silent ones.
Waits poll with generous deadlines; nothing here measures time.
"""

from __future__ import annotations

import threading
import socket  # noqa: F401 -- the sync twin peeks at its socket
import time
from typing import Any

import pytest

from embergrid import Client, CacheEvent
from embergrid.client._connection import Heartbeats
from embergrid.protocol.codes import ProtocolFeature

IDLE_MS = 4000  # tests/client/conftest.py starts the idle_node servers with it


def _local_port(client: Any) -> int:
    """The local port of the client's one connection (a new one after a reconnect)."""
    conn = client._transport.conns[0]
    return int(conn.sock.getsockname()[1])


def _idle(seconds: float) -> None:
    """Send nothing for ``seconds`` (the heartbeats alone go on)."""
    time.sleep(seconds)


def test_the_client_learns_the_idle_timeout_and_beats_in_time(
    idle_node: tuple[str, int],
) -> None:
    client = Client()
    with client.connect(*idle_node):
        conn = client._transport.conns[0]
        assert conn.protocol_context.has(ProtocolFeature.HEARTBEAT)
        reply = conn.request(Heartbeats.ASK)
        assert reply.message.timeout_ms == IDLE_MS
        cache = client.get_or_create_cache("heartbeats")
        cache.put(1, "before")
        port = _local_port(client)
        _idle(2.5 * IDLE_MS / 1000)
        assert cache.get(1) == "before"  # the same connection, still open
        assert _local_port(client) == port
        cache.destroy()


def test_a_listener_waiting_for_events_stays_connected(
    idle_node: tuple[str, int],
) -> None:
    """A continuous query's connection (its own, waited on by the listener's
    task or thread) keeps sending heartbeats while nothing happens."""
    heard: list[CacheEvent] = []
    client = Client()
    with client.connect(*idle_node):
        cache = client.get_or_create_cache("heartbeats-listen")
        with cache.listen(heard.append):
            _idle(2.5 * IDLE_MS / 1000)
            cache.put(1, "after the silence")
            deadline = time.monotonic() + 30  # well within pytest's timeout
            while not heard:
                assert time.monotonic() < deadline, "the listener heard nothing"
                _idle(0.05)
        assert [(e.key, e.value) for e in heard] == [(1, "after the silence")]
        cache.destroy()


def test_without_heartbeats_the_server_closes_the_silent_connection(
    idle_node: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Heartbeats, "wanted", staticmethod(lambda ctx: False))
    client = Client(partition_aware=False)
    with client.connect(*idle_node):
        conn = client._transport.conns[0]
        deadline = time.monotonic() + 30
        while not _closed_by_peer(conn):
            assert time.monotonic() < deadline, "the silent connection stayed open"
            _idle(0.1)


def _closed_by_peer(conn: Any) -> bool:
    """Whether the server closed the connection (the event loop sees it at once; a
    blocking socket when it peeks)."""
    peek = socket.MSG_PEEK | socket.MSG_DONTWAIT
    try:
        return conn.sock.recv(1, peek) == b""
    except BlockingIOError:
        return False

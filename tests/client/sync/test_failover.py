# GENERATED from tests/client/aio/test_failover.py: edit that file
"""Failover as the seed's ``failover.py`` describes it, for both shells from one source.

A node killed while a request waits on it fails that request with the original
``OSError`` ("Connection broken."); the next request fails over to the next node and
succeeds; with every node down the client raises ``ReconnectError``. The nodes are
separate ``embergrid serve`` processes (fixture ``servers``), so each holds its own
copy of the cache. The request is held in flight by a key lock: another client
holds the key in a pessimistic transaction, and a write outside any transaction
waits for it.
"""

from __future__ import annotations

import threading
import contextvars
import logging
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from embergrid import Client, Client
from embergrid.datatypes.prop_codes import PROP_CACHE_ATOMICITY_MODE, PROP_NAME
from embergrid.exceptions import ReconnectError

from ._failing import assert_out_of_nodes

TX_CACHE = {PROP_NAME: "failover_tx", PROP_CACHE_ATOMICITY_MODE: 0}  # TRANSACTIONAL
BACKGROUND = ThreadPoolExecutor(max_workers=1)


def _create_everywhere(nodes: list[tuple[str, int]], cache: Any = TX_CACHE) -> None:
    """The separate processes share no caches: create ``cache`` on each."""
    for node in nodes:
        with Client(partition_aware=False).connect(*node) as cm:
            cm.client.get_or_create_cache(cache)


def _wait_in_flight(client: Any) -> None:
    """Until the client's current connection has a request waiting for its answer."""
    deadline = time.monotonic() + 30
    while not any(c.alive and c.proto.pending for c in client._transport.conns):
        assert time.monotonic() < deadline, "the request never went out"
        time.sleep(0.01)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.wait()


def _hold_key(holder: Client, key: str) -> None:
    """``holder`` locks ``key`` in a pessimistic transaction, left open, started in
    a context of its own (the transaction is a context variable of whoever started
    it: the test's context stays outside)."""

    def hold() -> None:
        holder.tx_start()  # sync: started at once
        holder.get_cache(TX_CACHE[PROP_NAME]).put(key, "held")

    contextvars.copy_context().run(hold)


def _start_server(port: int) -> subprocess.Popen[bytes]:
    """``embergrid serve`` on ``port`` again (the same address as before)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "embergrid", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            assert time.monotonic() < deadline, "the node did not come back"
            time.sleep(0.05)


def test_a_node_killed_mid_request_fails_it_then_the_next_node_serves(
    servers: list[tuple[subprocess.Popen[bytes], int]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="embergrid.connection")
    nodes = [("127.0.0.1", port) for _, port in servers[:2]]
    _create_everywhere(nodes)
    holder = Client(partition_aware=False)
    client = Client(partition_aware=False)
    with holder.connect(*nodes[0]):
        with client.connect(nodes):
            cache = client.get_cache(TX_CACHE[PROP_NAME])
            assert (client._transport.random_node()).port == nodes[0][1]
            _hold_key(holder, "k")
            waiting = BACKGROUND.submit(cache.put, "k", "mine")
            _wait_in_flight(client)
            _kill(servers[0][0])
            with pytest.raises(OSError, match=r"^Connection broken\.$") as broke:
                waiting.result(timeout=30)
            assert not isinstance(broke.value, ReconnectError)
            lost = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
            assert lost[0].startswith(  # as pyignite logs it
                f"Connection lost to node(address=127.0.0.1, port={nodes[0][1]}, "
                "node_uuid="
            )
            # the next request fails over to the next node, transparently
            cache.put("k", "after")
            assert cache.get("k") == "after"
            assert (client._transport.random_node()).port == nodes[1][1]
            _kill(servers[1][0])
            with pytest.raises(OSError, match=r"^Connection broken\.$"):
                cache.get("k")
            with pytest.raises(
                ReconnectError, match=r"^Can not reconnect: out of nodes\.$"
            ):
                cache.get("k")


def test_with_every_node_down_the_client_cannot_connect(
    servers: list[tuple[subprocess.Popen[bytes], int]],
) -> None:
    nodes = [("127.0.0.1", port) for _, port in servers]
    for proc, _ in servers:
        _kill(proc)
    with pytest.raises(ReconnectError, match=r"^Can not connect\.$"):
        Client().connect(nodes)


@pytest.mark.parametrize("partition_aware", [True, False])
def test_a_node_back_after_all_went_down_serves_again(
    servers: list[tuple[subprocess.Popen[bytes], int]], partition_aware: bool
) -> None:
    """Out of nodes is not final: the next request dials every node again."""
    nodes = [("127.0.0.1", port) for _, port in servers[:2]]
    _create_everywhere(nodes, "back")
    client = Client(partition_aware=partition_aware)
    with client.connect(nodes):
        cache = client.get_cache("back")
        cache.put(1, 1)
        for proc, _ in servers[:2]:
            _kill(proc)
        assert_out_of_nodes(lambda: cache.get(1), tries=3)
        back = _start_server(nodes[1][1])
        try:
            cache = client.get_or_create_cache("back")  # a fresh node
            cache.put(1, 2)
            assert cache.get(1) == 2
            assert (client._transport.random_node()).port == nodes[1][1]
        finally:
            _kill(back)


@pytest.mark.parametrize("partition_aware", [True, False])
def test_loop_of_puts_survives_a_killed_node_then_runs_out(
    servers: list[tuple[subprocess.Popen[bytes], int]], partition_aware: bool
) -> None:
    """Three nodes under a loop of work: two killed on the way cost at most the
    request in flight each; with all of them gone the client runs out of nodes."""
    nodes = [("127.0.0.1", port) for _, port in servers]
    _create_everywhere(nodes, "my_cache")  # separate processes share no caches
    client = Client(timeout=4.0, partition_aware=partition_aware)
    errors: list[str] = []
    with client.connect(nodes):
        cache = client.get_or_create_cache("my_cache")
        done, killed = 0, 0
        while done < 300:
            if done in (100, 200):
                # kill a node that currently holds a live connection
                serving = {c.port for c in client._transport.conns if c.alive}
                victim = next(
                    p for p, port in servers if port in serving and p.poll() is None
                )
                _kill(victim)
                killed += 1
            try:
                value = cache.get("test_key") or 0
                cache.put("test_key", value + 1)
            except OSError as e:
                errors.append(str(e))
            done += 1
        assert killed == 2
        assert len(errors) <= killed
        assert set(errors) <= {"Connection broken."}
        assert (cache.get("test_key") or 0) >= 1
        for proc, _ in servers:
            _kill(proc)
        assert_out_of_nodes(lambda: cache.put("k", 1), tries=len(nodes) + 1)

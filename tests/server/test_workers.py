"""``embergrid serve --workers 2``: one node served by two processes.

Clients must see one node: the same node id from every connection, one member
in the topology, every write of one connection visible to all others whichever
process serves them, caches and binary types made through one process usable
through the other. The connections really are spread over both processes (the
test finds, through /proc, which process holds each accepted socket). The
transaction invariant (tests/server/test_tx_invariant.py) runs against such a
node too; here, a stop of the leader stops its worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyignite import Client as PyClient
from pyignite import GenericObjectMeta
from pyignite.datatypes import IntObject, String

import embergrid
from compat._wire import Wire
from embergrid.cli.workers import Workers
from embergrid.protocol.codes import OpCode
from embergrid.server import Node
from server._nodes import partition_map, start_node, until
from server._wire import Pair

_LISTENING = re.compile(r"listening on ([\d.]+):(\d+)")
pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="reads /proc (Linux)"
)


class Person(
    metaclass=GenericObjectMeta,
    type_name="WorkersPerson",
    schema={"id": IntObject, "name": String},
):
    pass


@pytest.fixture(scope="module")
def node() -> Iterator[tuple[subprocess.Popen[str], tuple[str, int]]]:
    """``embergrid serve --workers 2`` (in memory) and its address."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "embergrid", "serve", "--port", "0", "--workers", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        found = _LISTENING.search(proc.stdout.readline())
        assert found is not None, "embergrid serve --workers 2 did not start"
        yield proc, (found.group(1), int(found.group(2)))
    finally:
        proc.terminate()
        proc.wait(30)
        assert proc.stdout is not None
        proc.stdout.close()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _server_side_owner(port: int, client_port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the accepted socket of the connection from
    ``client_port`` to ``port`` (by its inode in /proc/net/tcp)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":"), fields[2].split(":")
        if int(local[1], 16) == port and int(remote[1], 16) == client_port:
            inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def test_connections_spread_over_both_processes_as_one_node(
    node: tuple[subprocess.Popen[str], tuple[str, int]],
) -> None:
    proc, address = node
    workers = _children(proc.pid)
    assert len(workers) == 1
    pids = [proc.pid, *workers]
    with contextlib.ExitStack() as stack:
        wires = [stack.enter_context(Wire(address)) for _ in range(16)]
        node_ids = {w.conn.node_id for w in wires}
        owners = set()
        for w in wires:
            client_port = w.sock.getsockname()[1]
            owners.add(
                until(
                    lambda cp=client_port: _server_side_owner(address[1], cp, pids),
                    "the socket's owner",
                )
            )
    assert len(node_ids) == 1
    assert None not in node_ids
    assert owners == set(pids)  # 16 connections, none missed by the kernel's spread


def test_writes_caches_and_types_are_shared_by_every_connection(
    node: tuple[subprocess.Popen[str], tuple[str, int]],
) -> None:
    _, address = node
    ours = [embergrid.Client(partition_aware=False) for _ in range(8)]
    theirs = [PyClient(partition_aware=False) for _ in range(8)]
    for c in [*ours, *theirs]:
        c.connect(*address)
    try:
        name = f"workers-{uuid.uuid4().hex[:8]}"
        theirs[0].create_cache(name).put_all({i: f"v{i}" for i in range(100)})
        for c in [*ours, *theirs]:
            assert name in c.get_cache_names()
            cache = c.get_cache(name)
            assert cache.get_size() == 100
            assert cache.get(42) == "v42"
        for i, c in enumerate(theirs):  # each connection writes, every one reads
            c.get_cache(name).put(1000 + i, Person(id=i, name=f"p{i}"))
        for c in theirs:
            people = c.get_cache(name).get_all([1000 + i for i in range(8)])
            assert sorted((p.id, p.name) for p in people.values()) == [
                (i, f"p{i}") for i in range(8)
            ]
        theirs[3].get_cache(name).destroy()
        for c in ours:
            assert name not in c.get_cache_names()
    finally:
        for c in [*ours, *theirs]:
            c.close()


def test_one_member_in_the_topology(
    node: tuple[subprocess.Popen[str], tuple[str, int]],
) -> None:
    _, address = node
    client = PyClient(partition_aware=False)
    with client.connect(*address):
        client.get_or_create_cache("workers-topology").put(1, 1)
    owners = set()
    for _ in range(8):  # from connections in either process
        _, parts = partition_map(address, "workers-topology")
        owners |= set(parts.values())
    assert len(owners) == 1
    with Wire(address) as w:
        assert owners == {w.conn.node_id}


def test_the_worker_stops_with_its_leader(tmp_path: Path) -> None:
    """A data-dir node: SIGTERM on the leader stops the worker too, and the
    node leaves (the same id joins again at once)."""
    first = start_node(tmp_path, "w", "--workers", "2")
    workers = _children(first.process.pid)
    assert len(workers) == 1
    assert first.stop() == 0
    assert not Path(f"/proc/{workers[0]}").exists() or _zombie(workers[0])
    again = start_node(tmp_path, "w")
    try:
        with socket.create_connection(again.address):
            pass
    finally:
        assert again.stop() == 0


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_one_process_keeps_its_private_store_to_itself() -> None:
    """Without ``--workers`` no other process opens the node's private store, so
    a request asks SQLite nothing to learn of other processes' commits (opening
    the store to other processes made every request run PRAGMA data_version)."""
    node = Node()
    try:
        asyncio.run(Workers(1).start(node, 0, []))
        asked: list[str] = []
        node.engine.store.conn.set_trace_callback(asked.append)
        pair = Pair(node)
        pair.handshake()
        assert pair.call(OpCode.CACHE_GET_NAMES).header.ok
        assert asked, "the request ran no statement at all"
        assert not [s for s in asked if "data_version" in s]
    finally:
        node.close()

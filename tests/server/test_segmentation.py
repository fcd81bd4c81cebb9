"""A node frozen past the failure-detection timeout is segmented: it stops.

Real processes on one data dir. Node b is stopped with SIGSTOP; once its lease
has ended, node a sees it frozen (its process is stopped: all nodes of a data
dir run on one machine, and each records its process) and, as Ignite's
default segmentation policy stops a segmented node, ends it (SIGKILL: a
stopped process cannot stop itself), then reaps it. b's port refuses
connections, a keeps serving alone, and nothing acknowledged is lost.

The case that makes this necessary: b frozen while it holds the store's write
lock. Every other node's writes wait for that lock; b's end releases it, and
SQLite's WAL drops the transaction b had open (none of it was acknowledged),
so a write through a that waited succeeds. Which process holds the write lock
is read from ``/proc/locks`` (SQLite's WAL write lock is a POSIX lock on one
byte of the ``-shm`` file), so the test knows b held it when it froze.

No step depends on how fast the machine schedules anything: every wait is for
a condition, with a generous deadline.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from pathlib import Path

import pyignite
import pytest

from compat._wire import Wire
from embergrid import Client
from embergrid.engine.store import DB_FILE_NAME
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import cluster_group as cg
from server._nodes import ServeNode, cluster, until

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc"),
]

FREEZE_DEADLINE = 120.0
WAL_WRITE_LOCK = 120  # the byte of the -shm file SQLite's WAL write lock is on


def _node_ids(node: ServeNode) -> list[uuid.UUID]:
    """The live nodes as ``node`` lists them (op 5100)."""
    with Wire(node.address) as w:
        result = w.call(OpCode.CLUSTER_GROUP_GET_NODE_IDS, cg.GetNodeIds(-1))
    assert result[0] == "ok", result
    return list(result[1].node_ids)


def _write_lock_holder(data_dir: Path) -> int | None:
    """The pid holding the store's write lock, from /proc/locks, or None."""
    try:
        inode = (data_dir / f"{DB_FILE_NAME}-shm").stat().st_ino
    except FileNotFoundError:
        return None
    with open("/proc/locks") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 8 or fields[1] != "POSIX" or fields[3] != "WRITE":
                continue
            start = fields[6]
            if fields[5].rsplit(":", 1)[-1] == str(inode) and start == str(
                WAL_WRITE_LOCK
            ):
                return int(fields[4])
    return None


def test_a_frozen_node_is_segmented_and_ends(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with cluster(
        tmp_path, ("node-a", "node-b"), "--failure-detection-timeout", "1"
    ) as (a, b):
        a_id, b_id = a.node_id(), b.node_id()
        assert _node_ids(a) == [a_id, b_id]
        client = pyignite.Client()
        with client.connect(*b.address):
            client.get_or_create_cache("kept").put(1, "one")

        os.kill(b.process.pid, signal.SIGSTOP)
        until(lambda: b_id not in _node_ids(a), "a reaps the frozen b", 120)

        assert b.process.wait(60) == -signal.SIGKILL  # ended while frozen
        assert "segmented" in capfd.readouterr().err  # a says why
        with pytest.raises(ConnectionRefusedError), socket.socket() as probe:
            probe.connect(b.address)
        assert _node_ids(a) == [a_id]
        with client.connect(*a.address):
            assert client.get_cache("kept").get(1) == "one"


def _keep_writing(address: tuple[str, int], stop: threading.Event) -> None:
    """put_all batches through ``address`` until ``stop`` (or the node ends)."""
    client = Client()
    try:
        with client.connect(*address):
            cache = client.get_cache("busy")
            batch = 0
            while not stop.is_set():
                cache.put_all({batch * 5000 + k: k for k in range(5000)})
                batch += 1
    except Exception:  # the node was ended under the writer: its writes end
        return


def _stopped(pid: int) -> bool:
    """Whether ``pid`` is stopped now (its /proc state is T)."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return text[text.rfind(")") + 2] == "T"


def _freeze_holding_the_lock(node: ServeNode, data_dir: Path) -> None:
    """SIGSTOP ``node`` at a moment it holds the store's write lock (it writes
    all the time; a stop that lands between its transactions is undone).

    A signal is delivered after ``kill`` returns: the lock is checked only
    once the process is seen stopped, so it cannot still let go of it."""
    pid = node.process.pid
    end = time.monotonic() + FREEZE_DEADLINE
    while time.monotonic() < end:
        if _write_lock_holder(data_dir) == pid:
            os.kill(pid, signal.SIGSTOP)
            until(lambda: _stopped(pid), "the node stops", FREEZE_DEADLINE)
            if _write_lock_holder(data_dir) == pid:
                return
            os.kill(pid, signal.SIGCONT)
    raise AssertionError("the writing node was never seen holding the write lock")


def test_a_node_frozen_holding_the_write_lock_stops_nobody_for_long(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with cluster(
        tmp_path, ("node-a", "node-b"), "--failure-detection-timeout", "1"
    ) as (a, b):
        a_id = a.node_id()
        client = pyignite.Client(timeout=240)
        with client.connect(*a.address):
            kept = client.get_or_create_cache("kept")
            kept.put_all({k: k for k in range(100)})  # acknowledged: must stay
            client.create_cache("busy")

        stop = threading.Event()
        writer = threading.Thread(target=_keep_writing, args=(b.address, stop))
        writer.start()
        try:
            _freeze_holding_the_lock(b, tmp_path)
            with client.connect(*a.address):
                kept = client.get_cache("kept")
                kept.put(100, 100)  # waits for the lock b held; then succeeds
                assert kept.get_all(list(range(101))) == {k: k for k in range(101)}
        finally:
            stop.set()
            os.kill(b.process.pid, signal.SIGCONT)  # if it still runs (a failure)
            writer.join(60)

        assert b.process.wait(60) == -signal.SIGKILL
        assert "segmented" in capfd.readouterr().err
        until(lambda: _node_ids(a) == [a_id], "a lists itself alone")
        with client.connect(*a.address):
            busy = client.get_cache("busy")
            assert busy.get_size() % 1000 == 0  # whole put_all chunks, no torn one
            assert client.get_cache("kept").get_size() == 101

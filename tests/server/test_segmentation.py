"""A node frozen past the failure-detection timeout is segmented and stops.

Real processes: node b is stopped with SIGSTOP until node a reaps it (a's
view of the topology, op 5100, no longer lists b), then continued with SIGCONT.
As an Ignite node with the default segmentation policy and failure handler, b
does not come back into the topology: it stops (exit status 1, the reason on
stderr), its port refuses connections, and a keeps serving alone.

No step depends on how fast the machine schedules anything: every wait is for
a condition, with a generous deadline. A SIGSTOP that lands while b holds the
store's write lock (a beat takes it for a moment) keeps a from reaping b until
b runs again; then b is continued, renews its lease, and is frozen once more.
"""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from pathlib import Path

import pyignite
import pytest

from compat._wire import Wire
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import cluster_group as cg
from server._nodes import ServeNode, cluster, until

pytestmark = pytest.mark.timeout(300)

ATTEMPTS = 3
REAP_DEADLINE = 30.0


def _node_ids(node: ServeNode) -> list[uuid.UUID]:
    """The live nodes as ``node`` lists them (op 5100)."""
    with Wire(node.address) as w:
        result = w.call(OpCode.CLUSTER_GROUP_GET_NODE_IDS, cg.GetNodeIds(-1))
    assert result[0] == "ok", result
    return list(result[1].node_ids)


def _reaped_while_frozen(a: ServeNode, b: ServeNode, b_id: uuid.UUID) -> None:
    """SIGSTOP b until a no longer lists it (again if b held the store then)."""
    for _ in range(ATTEMPTS):
        os.kill(b.process.pid, signal.SIGSTOP)
        end = time.monotonic() + REAP_DEADLINE
        while time.monotonic() < end:
            if b_id not in _node_ids(a):
                return
            time.sleep(0.1)
        os.kill(b.process.pid, signal.SIGCONT)  # it held the store: let it go on
        until(lambda: b_id in _node_ids(a), "b renews its lease")
    raise AssertionError(f"a never reaped the frozen b in {ATTEMPTS} attempts")


def test_a_node_reaped_while_frozen_stops(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with cluster(
        tmp_path, ("node-a", "node-b"), "--failure-detection-timeout", "1"
    ) as (
        a,
        b,
    ):
        a_id, b_id = a.node_id(), b.node_id()
        assert _node_ids(a) == [a_id, b_id]
        client = pyignite.Client()
        with client.connect(*b.address):
            client.get_or_create_cache("kept").put(1, "one")

        _reaped_while_frozen(a, b, b_id)
        os.kill(b.process.pid, signal.SIGCONT)

        assert b.process.wait(60) == 1  # segmented: it stopped, did not rejoin
        assert "segmented" in capfd.readouterr().err
        with pytest.raises(ConnectionRefusedError), socket.socket() as probe:
            probe.connect(b.address)
        assert _node_ids(a) == [a_id]
        with client.connect(*a.address):
            assert client.get_cache("kept").get(1) == "one"

"""The baseline of a persistent cluster (``engine/baseline.py``): recorded at
the first activation, kept afterwards; none without persistence (engine only,
FakeClock, several Engines on one data dir standing for several nodes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from embergrid.engine import ClusterState, Engine, FakeClock, Member
from embergrid.engine.baseline import free_consistent_id

LEASE = 2000


@pytest.fixture
def nodes() -> Iterator[list[Engine]]:
    opened: list[Engine] = []
    yield opened
    for e in opened:
        e.close()


def _start(
    nodes: list[Engine], data_dir: Path, clock: FakeClock, name: str, persistent: bool
) -> Engine:
    e = Engine(
        clock=clock,
        data_dir=data_dir,
        join=Member(uuid.uuid4(), name),
        lease_ms=LEASE,
        persistent=persistent,
        start_inactive=persistent,
    )
    nodes.append(e)
    return e


def test_the_first_activation_records_the_live_nodes(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a = _start(nodes, tmp_path, clock, "node-b", True)
    b = _start(nodes, tmp_path, clock, "node-a", True)
    assert a.baseline.consistent_ids() is None  # never activated
    b.cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
    assert a.baseline.consistent_ids() == ("node-a", "node-b")  # Java string order
    late = _start(nodes, tmp_path, clock, "node-c", True)
    a.cluster.set_state(ClusterState.INACTIVE)
    late.cluster.set_state(ClusterState.ACTIVE)  # a later activation keeps it
    assert late.baseline.consistent_ids() == ("node-a", "node-b")
    first = late.membership.members()[0]
    assert first.consistent_id == "node-b"
    assert late.membership.leave(first.node_id)
    assert late.baseline.consistent_ids() == ("node-a", "node-b")  # a leave too


def test_a_full_restart_keeps_it(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a = _start(nodes, tmp_path, clock, "node-a", True)
    a.cluster.set_state(ClusterState.ACTIVE)
    nodes.pop().close()  # no leave: its lease runs out
    clock.advance(LEASE + 1)
    again = _start(nodes, tmp_path, clock, "node-z", True)
    assert again.new_cluster
    assert again.baseline.consistent_ids() == ("node-a",)


def test_a_cluster_without_persistence_has_none(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a = _start(nodes, tmp_path, clock, "node-a", False)
    a.cluster.set_state(ClusterState.INACTIVE)
    a.cluster.set_state(ClusterState.ACTIVE)
    assert a.baseline.consistent_ids() is None


def test_a_node_started_without_an_id_takes_a_free_baseline_one(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    """As an Ignite node without a consistent id takes the first node folder
    of its persistence directory no running node holds."""
    a = _start(nodes, tmp_path, clock, "node-b", True)
    _start(nodes, tmp_path, clock, "node-a", True)
    assert free_consistent_id(a.store, clock.now_ms()) is None  # no baseline
    a.cluster.set_state(ClusterState.ACTIVE)
    assert free_consistent_id(a.store, clock.now_ms()) is None  # both live
    nodes.pop().close()  # node-a stops without leaving: its lease runs out
    clock.advance(LEASE + 1)
    (me,) = [m for m in a.membership.members() if m.consistent_id == "node-b"]
    a.membership.beat(me.node_id, clock.now_ms())  # node-b lives on
    assert free_consistent_id(a.store, clock.now_ms()) == "node-a"

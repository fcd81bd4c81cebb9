"""Membership in the shared store: join, lease, reaping, topology version,
in-memory vs persistent clusters (engine only, FakeClock, several Engines on
one data_dir standing for several nodes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from embergrid.engine import ClusterState, Engine, FakeClock, Member, TopologyVersion
from embergrid.engine.membership import (
    Evicted,
    IdTaken,
    PersistenceMismatch,
    ProcessRef,
)

LEASE = 2000


def _member(name: str) -> Member:
    return Member(uuid.uuid4(), name)


@pytest.fixture
def nodes(tmp_path: Path, clock: FakeClock) -> Iterator[list[Engine]]:
    opened: list[Engine] = []
    yield opened
    for e in opened:
        e.close()


def _start(
    nodes: list[Engine],
    tmp_path: Path,
    clock: FakeClock,
    name: str,
    *,
    persistent: bool = False,
) -> tuple[Engine, Member]:
    m = _member(name)
    e = Engine(
        clock=clock,
        data_dir=tmp_path,
        join=m,
        lease_ms=LEASE,
        persistent=persistent,
        start_inactive=persistent,
    )
    nodes.append(e)
    return e, m


def test_joins_bump_major_and_every_node_agrees(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, _ = _start(nodes, tmp_path, clock, "a")
    assert a.membership.version() == TopologyVersion(1, 0)
    b, _ = _start(nodes, tmp_path, clock, "b")
    c, _ = _start(nodes, tmp_path, clock, "c")
    for e in (a, b, c):  # a join into a live cluster lands at minor 1 (Ignite 2.18)
        assert e.membership.version() == TopologyVersion(3, 1)
        assert [m.consistent_id for m in e.membership.members()] == ["a", "b", "c"]
    b.membership.bump_minor()  # a cache created through b
    assert [e.membership.version() for e in (a, b, c)] == [TopologyVersion(3, 2)] * 3


def test_clean_leave_is_immediate(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, _ = _start(nodes, tmp_path, clock, "a")
    b, mb = _start(nodes, tmp_path, clock, "b")
    a.membership.bump_minor()
    assert b.membership.leave(mb.node_id)
    assert a.membership.version() == TopologyVersion(3, 0)
    assert [m.consistent_id for m in a.membership.members()] == ["a"]
    assert not b.membership.leave(mb.node_id)  # twice: nothing more


def test_a_silent_node_is_reaped_after_its_lease(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a")
    _, mb = _start(nodes, tmp_path, clock, "b")
    clock.advance(LEASE)  # b's lease ends now: still alive at this instant
    assert a.membership.beat(ma.node_id, clock.now_ms()) == []
    clock.advance(1)
    assert a.membership.beat(ma.node_id, clock.now_ms()) == [mb.node_id]
    assert [m.consistent_id for m in a.membership.members()] == ["a"]
    assert a.membership.version() == TopologyVersion(3, 0)
    _, before = a.membership.topology(2)  # the history has it leave at 3
    _, after = a.membership.topology(3)
    assert [m.consistent_id for m in before or ()] == ["a", "b"]
    assert [m.consistent_id for m in after or ()] == ["a"]


def test_beats_keep_a_node_alive(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a")
    b, mb = _start(nodes, tmp_path, clock, "b")
    for _ in range(10):
        clock.advance(LEASE // 2)
        b.membership.beat(mb.node_id, clock.now_ms())
        assert a.membership.beat(ma.node_id, clock.now_ms()) == []
    assert len(a.membership.members()) == 2


def test_an_evicted_node_learns_it_at_its_next_beat(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a")
    b, mb = _start(nodes, tmp_path, clock, "b")
    clock.advance(LEASE + 1)  # both silent that long: a beats first, b is gone
    assert a.membership.beat(ma.node_id, clock.now_ms()) == [mb.node_id]
    with pytest.raises(Evicted):
        b.membership.beat(mb.node_id, clock.now_ms())
    assert [m.consistent_id for m in b.membership.members()] == ["a"]


def test_two_live_nodes_cannot_share_a_consistent_id(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    _start(nodes, tmp_path, clock, "a")
    with pytest.raises(IdTaken) as info:
        _start(nodes, tmp_path, clock, "a")
    assert info.value.until_ms == clock.now_ms() + LEASE
    clock.advance(LEASE + 1)  # the holder died silently: its id is free again
    e, _ = _start(nodes, tmp_path, clock, "a")
    assert [m.consistent_id for m in e.membership.members()] == ["a"]


def test_in_memory_cluster_ends_with_its_last_node(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a")
    cid = a.caches.create("c").cache_id
    a.kv.put(cid, b"k", b"v")
    b, mb = _start(nodes, tmp_path, clock, "b")  # joins a live cluster: sees it all
    assert b.kv.get(cid, b"k") == b"v"
    a.membership.leave(ma.node_id)
    b.membership.leave(mb.node_id)
    c, _ = _start(nodes, tmp_path, clock, "c")
    assert c.new_cluster
    assert c.caches.names() == []
    assert c.membership.version() == TopologyVersion(1, 0)


def test_in_memory_cluster_ends_when_its_last_node_was_killed(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, _ = _start(nodes, tmp_path, clock, "a")
    a.caches.create("c")
    clock.advance(LEASE + 1)  # a was killed: nobody renewed its lease
    b, _ = _start(nodes, tmp_path, clock, "b")
    assert b.new_cluster
    assert b.caches.names() == []


def test_persistent_cluster_keeps_data_and_starts_inactive(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a", persistent=True)
    assert a.cluster.state() is ClusterState.INACTIVE
    a.cluster.set_state(ClusterState.ACTIVE)
    cid = a.caches.create("c").cache_id
    a.kv.put(cid, b"k", b"v")
    a.membership.leave(ma.node_id)
    b, _ = _start(nodes, tmp_path, clock, "b", persistent=True)
    assert b.new_cluster
    assert b.cluster.state() is ClusterState.INACTIVE  # its baseline (a) is not back
    assert b.membership.version() == TopologyVersion(1, 0)
    _start(nodes, tmp_path, clock, "a", persistent=True)
    assert b.cluster.state() is ClusterState.ACTIVE  # the recorded state, taken up
    assert b.membership.version() == TopologyVersion(2, 1)  # joined (2, 0), activated
    assert b.kv.get(cid, b"k") == b"v"


def test_a_node_without_persistence_never_wipes_a_persistent_store(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a", persistent=True)
    a.cluster.set_state(ClusterState.ACTIVE)
    a.caches.create("kept")
    with pytest.raises(PersistenceMismatch):
        _start(nodes, tmp_path, clock, "b")  # joins a live persistent cluster
    a.membership.leave(ma.node_id)
    with pytest.raises(PersistenceMismatch):
        _start(nodes, tmp_path, clock, "c")  # would wipe it
    e, _ = _start(nodes, tmp_path, clock, "a", persistent=True)  # its baseline
    assert e.caches.names() == ["kept"]


def test_a_persistent_node_after_an_in_memory_cluster_starts_empty(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a")
    a.caches.create("gone")
    a.membership.leave(ma.node_id)
    b, _ = _start(nodes, tmp_path, clock, "b", persistent=True)
    assert b.store.conn.execute("SELECT count(*) FROM caches").fetchone() == (0,)
    assert b.cluster.state() is ClusterState.INACTIVE


def test_set_address_is_seen_by_every_node(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a")
    b, _ = _start(nodes, tmp_path, clock, "b")
    a.membership.set_address(ma.node_id, "127.0.0.1", 10800)
    first = b.membership.members()[0]
    assert (first.node_id, first.host, first.port) == (ma.node_id, "127.0.0.1", 10800)


def test_history_lists_the_nodes_of_earlier_versions(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    a, ma = _start(nodes, tmp_path, clock, "a")
    b, mb = _start(nodes, tmp_path, clock, "b")
    a.membership.set_address(mb.node_id, "127.0.0.1", 10801)
    c, mc = _start(nodes, tmp_path, clock, "c")
    assert b.membership.leave(mb.node_id)  # version 4
    c.membership.leave(mc.node_id)  # version 5
    d, md = _start(nodes, tmp_path, clock, "c")  # version 6: c again, a new node

    def names(version: int) -> list[tuple[str, int]] | None:
        current, members = d.membership.topology(version)
        assert current.major == 6
        return (
            None if members is None else [(m.consistent_id, m.joined) for m in members]
        )

    assert [names(v) for v in range(8)] == [
        None,
        [("a", 1)],
        [("a", 1), ("b", 2)],
        [("a", 1), ("b", 2), ("c", 3)],
        [("a", 1), ("c", 3)],
        [("a", 1)],
        [("a", 1), ("c", 6)],  # the order of a node is the version it joined at
        None,
    ]
    _, at_two = a.membership.topology(2)
    assert at_two is not None
    assert (at_two[1].host, at_two[1].port) == ("127.0.0.1", 10801)
    assert [m.joined for m in a.membership.members()] == [1, 6]
    assert md.node_id != mc.node_id
    assert ma.node_id in {m.node_id for m in at_two}


def test_a_new_cluster_starts_its_history_again(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    _start(nodes, tmp_path, clock, "a")
    _start(nodes, tmp_path, clock, "b")
    for e in list(nodes):
        e.membership.leave(e.membership.members()[0].node_id)
    a2, _ = _start(nodes, tmp_path, clock, "z")
    version, members = a2.membership.topology(1)
    assert version.major == 1
    assert members is not None
    assert [m.consistent_id for m in members] == ["z"]
    assert a2.membership.topology(2)[1] is None


def test_a_node_whose_process_runs_is_never_reaped(
    nodes: list[Engine], tmp_path: Path, clock: FakeClock
) -> None:
    """Past its lease, a member is reaped only if its process does not run
    (the server asks the OS; here a set of the processes that run)."""
    a, ma = _start(nodes, tmp_path, clock, "a")
    runs = ProcessRef("boot", 101, 7)
    stopped = ProcessRef("boot", 102, 7)
    b = Member(uuid.uuid4(), "b", process=runs)
    c = Member(uuid.uuid4(), "c", process=stopped)
    for m in (b, c):
        a.membership.join(m, LEASE, clock.now_ms(), persistent=False)
    clock.advance(LEASE + 1)
    expired = a.membership.expired(clock.now_ms(), spare=ma.node_id)
    assert [(m.consistent_id, m.process) for m in expired] == [
        ("b", runs),
        ("c", stopped),
    ]
    assert a.membership.beat(ma.node_id, clock.now_ms(), {runs}.__contains__) == [
        c.node_id
    ]
    assert [m.consistent_id for m in a.membership.members()] == ["a", "b"]
    assert a.membership.beat(ma.node_id, clock.now_ms()) == [b.node_id]  # unknown
    assert a.membership.expired(clock.now_ms()) == []

"""Transactions in the engine: locks every engine on a store sees, stale owners,
timeouts on the injected clock, atomic commit.

Two ``Engine`` objects on one data dir stand for two nodes sharing the store (the
differential tests in tests/compat/test_diff_tx.py pin the behaviour through a
server; these pin what only the store can show).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from embergrid.engine import Engine, EngineError, FakeClock, LockWait, WouldBlock
from embergrid.engine.tx import (
    OPTIMISTIC,
    PESSIMISTIC,
    READ_COMMITTED,
    REPEATABLE_READ,
    SERIALIZABLE,
    Transactions,
    Tx,
    _start_time,
    owner_alive,
)
from embergrid.protocol.config import TRANSACTIONAL, CacheConfiguration


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Engine, Engine, FakeClock]]:
    clock = FakeClock()
    a, b = Engine(clock, tmp_path), Engine(clock, tmp_path)
    yield a, b, clock
    a.close()
    b.close()


def _cache(e: Engine, name: str = "tx") -> int:
    cfg = CacheConfiguration(name=name, atomicity_mode=TRANSACTIONAL)
    return e.caches.get_or_create(cfg).cache_id


def test_a_lock_taken_on_one_node_blocks_the_other(
    nodes: tuple[Engine, Engine, FakeClock],
) -> None:
    a, b, _ = nodes
    cid = _cache(a)
    ta = a.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    a.kv_in(ta).put(cid, b"\x01k", b"\x01A")
    tb = b.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    with pytest.raises(WouldBlock) as blocked:
        b.kv_in(tb).put(cid, b"\x01k", b"\x01B")
    assert isinstance(blocked.value.waiter, LockWait)
    assert blocked.value.waiter.holder == ta.xid
    with pytest.raises(WouldBlock):  # a write outside any transaction waits too
        b.kv.put(cid, b"\x01k", b"\x01C")
    assert b.kv.get(cid, b"\x01k") is None  # a's write is not visible before commit
    a.txs.commit(ta)
    assert b.kv.get(cid, b"\x01k") == b"\x01A"
    b.kv_in(tb).put(cid, b"\x01k", b"\x01B")  # the op runs again and now passes
    b.txs.commit(tb)
    assert a.kv.get(cid, b"\x01k") == b"\x01B"


def _b_takes_a_lock_of_a_gone_a(
    nodes: tuple[Engine, Engine, FakeClock], timeout: int
) -> tuple[int, Tx, Tx]:
    """a's transaction (``timeout`` ms) writes keys 1 and 2; b, judging a's
    process gone, takes the lock of key 1: (cache id, a's tx, b's tx)."""
    a, b, clock = nodes
    cid = _cache(a)
    ta = a.txs.start(PESSIMISTIC, REPEATABLE_READ, timeout, None)
    a.kv_in(ta).put_all(cid, [(b"\x011", b"\x01A"), (b"\x012", b"\x01A")])
    view_of_b = Transactions(
        b.store, b.entries, clock.now_ms, owner_alive=lambda _: False
    )
    tb = view_of_b.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    view_of_b.lock(tb, b.caches.handle(cid), b"\x011")
    return cid, ta, tb


def test_a_dead_owner_process_loses_its_locks(
    nodes: tuple[Engine, Engine, FakeClock],
) -> None:
    """A lock of a process that is gone (kill -9) is stale: the next taker clears
    every lock of that transaction."""
    b = nodes[1]
    _, _, tb = _b_takes_a_lock_of_a_gone_a(nodes, 0)
    rows = b.store.conn.execute("SELECT xid FROM tx_locks").fetchall()
    assert rows == [(tb.xid,)]  # both of a's locks went


def test_a_closed_engine_of_this_process_loses_its_locks(
    nodes: tuple[Engine, Engine, FakeClock], tmp_path: Path
) -> None:
    """Same pid, same start time: the engine instance decides (a server restarted
    under the same pid, as PID 1 in a container, is a new instance)."""
    a, b, clock = nodes
    cid = _cache(a)
    c = Engine(clock, tmp_path)
    tc = c.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    c.kv_in(tc).put(cid, b"\x01k", b"\x01C")
    tb = b.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    with pytest.raises(WouldBlock):
        b.kv_in(tb).put(cid, b"\x01k", b"\x01B")
    c.close()  # as if killed: its transaction never ends
    b.kv_in(tb).put(cid, b"\x01k", b"\x01B")
    b.txs.commit(tb)
    assert a.kv.get(cid, b"\x01k") == b"\x01B"


def test_a_commit_whose_lock_was_taken_fails_and_writes_nothing(
    nodes: tuple[Engine, Engine, FakeClock],
) -> None:
    """A node that judged a's lock stale (here: a's process as if gone) took
    it: a's commit, still within its timeout, fails as timed out, and neither
    of its writes nor its other lock outlives it."""
    a, b, _ = nodes
    cid, ta, tb = _b_takes_a_lock_of_a_gone_a(nodes, 60_000)
    with pytest.raises(EngineError) as failed:
        a.txs.commit(ta)
    assert failed.value.message.startswith("Cache transaction timed out: ")
    assert a.kv.get(cid, b"\x011") is None
    assert a.kv.get(cid, b"\x012") is None
    rows = b.store.conn.execute("SELECT xid FROM tx_locks").fetchall()
    assert rows == [(tb.xid,)]


def test_owners_of_other_processes_are_judged_by_pid_and_start_time() -> None:
    assert not owner_alive("999999999:1:x")  # no such process
    assert owner_alive("1:" + (_start_time(1) or "") + ":x")  # init runs
    assert not owner_alive("1:0:x")  # pid 1 reused after a restart


def test_the_timeout_frees_locks_and_fails_the_owner(
    nodes: tuple[Engine, Engine, FakeClock],
) -> None:
    a, b, clock = nodes
    cid = _cache(a)
    ta = a.txs.start(PESSIMISTIC, REPEATABLE_READ, 1000, "slow")
    a.kv_in(ta).put(cid, b"\x01k", b"\x01A")
    tb = b.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    with pytest.raises(WouldBlock):
        b.kv_in(tb).put(cid, b"\x01k", b"\x01B")
    clock.advance(1000)
    b.kv_in(tb).put(cid, b"\x01k", b"\x01B")  # a's lock is stale now
    with pytest.raises(EngineError) as failed:
        a.txs.commit(ta)
    assert failed.value.message.startswith("Cache transaction timed out: ")
    assert "timeout=1000" in failed.value.message
    assert failed.value.message.endswith("label=slow]")
    b.txs.commit(tb)
    assert a.kv.get(cid, b"\x01k") == b"\x01B"


def test_a_waiter_past_its_timeout_gets_the_lock_timeout(
    nodes: tuple[Engine, Engine, FakeClock],
) -> None:
    a, b, clock = nodes
    cid = _cache(a)
    ta = a.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    a.kv_in(ta).put(cid, b"\x01k", b"\x01A")
    tb = b.txs.start(PESSIMISTIC, REPEATABLE_READ, 500, None)
    with pytest.raises(WouldBlock) as blocked:
        b.kv_in(tb).put(cid, b"\x01k", b"\x01B")
    assert blocked.value.waiter.deadline == tb.started_ms + 500
    clock.advance(500)
    with pytest.raises(EngineError) as failed:
        b.kv_in(tb).put(cid, b"\x01k", b"\x01B")
    assert failed.value.message.startswith(
        "Failed to acquire lock within provided timeout for transaction [timeout=500"
    )
    with pytest.raises(EngineError) as again:  # every later op: "timed out"
        b.kv_in(tb).get(cid, b"\x01k")
    assert again.value.message.startswith("Cache transaction timed out: ")
    a.txs.commit(ta)


def test_optimistic_serializable_fails_on_a_changed_read(
    nodes: tuple[Engine, Engine, FakeClock],
) -> None:
    a, b, _ = nodes
    cid = _cache(a)
    a.kv.put(cid, b"\x01k", b"\x01v0")
    ta = a.txs.start(OPTIMISTIC, SERIALIZABLE, 0, None)
    assert a.kv_in(ta).get(cid, b"\x01k") == b"\x01v0"
    b.kv.put(cid, b"\x01k", b"\x01v1")
    a.kv_in(ta).put(cid, b"\x01other", b"\x01x")
    with pytest.raises(EngineError) as failed:
        a.txs.commit(ta)
    assert failed.value.message.startswith(
        "Failed to prepare transaction, read/write conflict"
    )
    assert a.kv.get(cid, b"\x01other") is None  # nothing of it was applied


def test_read_committed_sees_new_commits_repeatable_read_does_not(
    nodes: tuple[Engine, Engine, FakeClock],
) -> None:
    a, b, _ = nodes
    cid = _cache(a)
    a.kv.put(cid, b"\x01k", b"\x01v0")
    rc = a.txs.start(OPTIMISTIC, READ_COMMITTED, 0, None)
    rr = a.txs.start(OPTIMISTIC, REPEATABLE_READ, 0, None)
    assert a.kv_in(rc).get(cid, b"\x01k") == b"\x01v0"
    assert a.kv_in(rr).get(cid, b"\x01k") == b"\x01v0"
    b.kv.put(cid, b"\x01k", b"\x01v1")
    assert a.kv_in(rc).get(cid, b"\x01k") == b"\x01v1"
    assert a.kv_in(rr).get(cid, b"\x01k") == b"\x01v0"


def test_commit_is_all_or_nothing_across_caches(tmp_path: Path) -> None:
    """Every write of a transaction lands in one store transaction: a reopened
    store has all of them."""
    with Engine(FakeClock(), tmp_path) as e:
        one, two = _cache(e, "one"), _cache(e, "two")
        tx = e.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
        view = e.kv_in(tx)
        view.put(one, b"\x01a", b"\x01x")
        view.put(two, b"\x01b", b"\x01y")
        view.remove_key(one, b"\x01gone")
        e.txs.commit(tx)
    with Engine(FakeClock(), tmp_path) as again:
        assert again.kv.get(one, b"\x01a") == b"\x01x"
        assert again.kv.get(two, b"\x01b") == b"\x01y"
        rows = again.store.conn.execute("SELECT count(*) FROM tx_locks").fetchone()
        assert rows == (0,)

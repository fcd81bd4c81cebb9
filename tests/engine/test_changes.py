"""The change log continuous queries read (engine/changes.py): what each path
that changes entries logs, that nothing is logged (no trigger runs) while nobody
listens, trimming, and that every engine on a data dir sees the same log.

The events each op gives are pinned against Ignite 2.18 through a server by
tests/compat/test_diff_continuous.py; these pin what only the store shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from embergrid.engine import Engine, FakeClock
from embergrid.engine.changes import Change
from embergrid.engine.tx import PESSIMISTIC, REPEATABLE_READ
from embergrid.protocol.config import TRANSACTIONAL, CacheConfiguration, ExpiryDurations

CREATED, UPDATED, REMOVED, EXPIRED = range(4)


def k(i: int) -> bytes:
    return b"\x03" + i.to_bytes(4, "little", signed=True)


def _table(e: Engine, cid: int) -> str:
    return e.caches.handle(cid).table


def _events(
    e: Engine, tbl: str, after: int = 0
) -> list[tuple[bytes, object, object, int]]:
    return [(c.key, c.old, c.new, c.type) for c in e.changes.read(tbl, after, 1000)]


def _triggers(e: Engine) -> list[str]:
    rows = e.store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cq_%'"
    ).fetchall()
    return sorted(r[0] for r in rows)


def test_key_value_ops_log_created_updated_removed_with_old_values(engine, cid):
    tbl = _table(engine, cid)
    engine.kv.put(cid, k(0), k(0))
    _, after = engine.changes.subscribe(tbl)
    kv = engine.kv
    kv.put(cid, k(1), k(10))
    kv.put(cid, k(1), k(11))
    kv.replace(cid, k(1), k(12))
    kv.replace(cid, k(2), k(20))  # absent: no change, nothing logged
    kv.remove_key(cid, k(1))
    kv.remove_key(cid, k(1))  # absent: nothing
    assert _events(engine, tbl, after) == [
        (k(1), None, k(10), CREATED),
        (k(1), k(10), k(11), UPDATED),
        (k(1), k(11), k(12), UPDATED),
        (k(1), k(12), None, REMOVED),
    ]


def test_remove_all_is_heard_and_clear_is_not(engine, cid):
    tbl = _table(engine, cid)
    _, after = engine.changes.subscribe(tbl)
    engine.kv.put_all(cid, [(k(1), k(1)), (k(2), k(2))])
    engine.kv.remove_all(cid)
    engine.kv.put(cid, k(3), k(3))
    engine.kv.clear(cid)
    events = _events(engine, tbl, after)
    assert events[2:4] == [(k(1), k(1), None, REMOVED), (k(2), k(2), None, REMOVED)]
    assert events[4:] == [(k(3), None, k(3), CREATED)]
    assert engine.kv.get_size(cid) == 0


def test_the_expiry_purge_logs_expired(engine, cid, clock: FakeClock):
    tbl = _table(engine, cid)
    _, after = engine.changes.subscribe(tbl)
    engine.kv.put(cid, k(1), k(1), expiry=ExpiryDurations(create=100))
    clock.advance(101)
    assert engine.expire_due() == 1
    assert _events(engine, tbl, after)[1:] == [(k(1), k(1), None, EXPIRED)]
    assert engine.changes.read(tbl, after, 10, include_expired=False)[1:] == []


def test_a_transaction_logs_its_net_change_at_commit_and_nothing_on_rollback(engine):
    cfg = CacheConfiguration(name="tx", atomicity_mode=TRANSACTIONAL)
    cid = engine.caches.get_or_create(cfg).cache_id
    tbl = _table(engine, cid)
    _, after = engine.changes.subscribe(tbl)
    tx = engine.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    engine.kv_in(tx).put(cid, k(1), k(1))
    engine.kv_in(tx).put(cid, k(1), k(2))
    assert _events(engine, tbl, after) == []
    engine.txs.commit(tx)
    assert _events(engine, tbl, after) == [(k(1), None, k(2), CREATED)]
    tx = engine.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
    engine.kv_in(tx).put(cid, k(3), k(3))
    engine.txs.rollback(tx)
    assert len(_events(engine, tbl, after)) == 1


def test_nobody_listening_means_no_trigger_and_no_log(engine, cid):
    tbl = _table(engine, cid)
    assert _triggers(engine) == []
    a, _ = engine.changes.subscribe(tbl)
    b, _ = engine.changes.subscribe(tbl)
    assert len(_triggers(engine)) == 3
    engine.kv.put(cid, k(1), k(1))
    engine.changes.unsubscribe(a)
    assert len(_triggers(engine)) == 3  # b still listens
    engine.changes.unsubscribe(b)
    assert _triggers(engine) == []
    engine.kv.put(cid, k(2), k(2))
    assert engine.store.conn.execute("SELECT count(*) FROM cq_log").fetchone() == (0,)


def test_rows_every_listener_was_given_are_trimmed(engine, cid):
    tbl = _table(engine, cid)
    a, after_a = engine.changes.subscribe(tbl)
    b, _after_b = engine.changes.subscribe(tbl)
    for i in range(5):
        engine.kv.put(cid, k(i), k(i))
    got = engine.changes.read(tbl, after_a, 3)
    engine.changes.advance(a, tbl, got[-1].seq)
    assert len(_events(engine, tbl)) == 5  # b has been given nothing yet
    engine.changes.advance(b, tbl, got[-1].seq)
    assert [c.key for c in engine.changes.read(tbl, 0, 10)] == [k(3), k(4)]


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    clock = FakeClock()
    a, b = Engine(clock, tmp_path), Engine(clock, tmp_path)
    yield a, b
    a.close()
    b.close()


def test_a_change_made_through_another_engine_on_the_data_dir_is_logged(two_nodes):
    a, b = two_nodes
    cid = a.caches.create("shared").cache_id
    tbl = _table(a, cid)
    _, after = a.changes.subscribe(tbl)
    b.kv.put(cid, k(1), k(1))
    assert _events(a, tbl, after) == [(k(1), None, k(1), CREATED)]


def test_positions_never_repeat_after_everything_was_trimmed(engine, cid):
    tbl = _table(engine, cid)
    a, _ = engine.changes.subscribe(tbl)
    engine.kv.put(cid, k(1), k(1))
    (first,) = engine.changes.read(tbl, 0, 10)
    engine.changes.advance(a, tbl, first.seq)
    engine.kv.put(cid, k(2), k(2))
    (second,) = engine.changes.read(tbl, first.seq, 10)
    assert isinstance(second, Change)
    assert second.seq > first.seq

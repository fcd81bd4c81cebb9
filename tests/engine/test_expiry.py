"""Expiry: cache-level and per-request durations, zero/eternal/unchanged, purge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from embergrid.engine import Engine, FakeClock
from embergrid.engine.tx import PESSIMISTIC, REPEATABLE_READ
from embergrid.protocol.config import (
    ATOMIC,
    TRANSACTIONAL,
    CacheConfiguration,
    ExpiryDurations,
)

K, K2, V, W = b"\x03\x01\x00\x00\x00", b"\x03\x02\x00\x00\x00", b"\x01\x01", b"\x01\x02"
ETERNAL, UNCHANGED = -1, -2


def _cache(
    engine: Engine,
    create: int = ETERNAL,
    update: int = UNCHANGED,
    access: int = UNCHANGED,
) -> int:
    cfg = CacheConfiguration(
        name="exp", expiry_policy=ExpiryDurations(create, update, access)
    )
    return engine.caches.create(cfg).cache_id


def test_default_cache_is_eternal(engine: Engine, clock: FakeClock, cid: int) -> None:
    engine.kv.put(cid, K, V)
    clock.advance(10**12)
    assert engine.kv.get(cid, K) == V


def test_create_duration_expires_entry(engine: Engine, clock: FakeClock) -> None:
    cid = _cache(engine, create=100)
    engine.kv.put(cid, K, V)
    clock.advance(99)
    assert engine.kv.get(cid, K) == V
    clock.advance(1)
    assert engine.kv.get(cid, K) is None


def test_expired_entry_is_invisible_to_every_read(
    engine: Engine, clock: FakeClock
) -> None:
    cid = _cache(engine, create=10)
    engine.kv.put_all(cid, [(K, V), (K2, W)])
    clock.advance(10)
    kv = engine.kv
    assert kv.get(cid, K) is None
    assert kv.get_all(cid, [K, K2]) == []
    assert kv.contains_key(cid, K) is False
    assert kv.contains_keys(cid, [K]) is False
    assert kv.local_peek(cid, K) is None
    assert kv.get_size(cid) == 0
    assert engine.open_scan(cid, 10).next_page() == ([], False)
    assert kv.replace(cid, K, W) is False
    assert kv.remove_key(cid, K) is False
    assert kv.get_and_remove(cid, K) is None
    assert kv.put_if_absent(cid, K, W) is True  # absent again: created anew
    assert kv.get(cid, K) == W


def test_update_unchanged_keeps_expiry(engine: Engine, clock: FakeClock) -> None:
    cid = _cache(engine, create=100, update=UNCHANGED)
    engine.kv.put(cid, K, V)
    clock.advance(60)
    engine.kv.put(cid, K, W)  # update: expiry stays at t0+100
    clock.advance(39)
    assert engine.kv.get(cid, K) == W
    clock.advance(1)
    assert engine.kv.get(cid, K) is None


def test_update_duration_restarts_expiry(engine: Engine, clock: FakeClock) -> None:
    cid = _cache(engine, create=100, update=500)
    engine.kv.put(cid, K, V)
    clock.advance(60)
    assert engine.kv.get_and_put(cid, K, W) == V  # update
    clock.advance(499)
    assert engine.kv.get(cid, K) == W
    clock.advance(1)
    assert engine.kv.get(cid, K) is None


def test_update_eternal_clears_expiry(engine: Engine, clock: FakeClock) -> None:
    cid = _cache(engine, create=100, update=ETERNAL)
    engine.kv.put(cid, K, V)
    engine.kv.replace(cid, K, W)
    clock.advance(10**9)
    assert engine.kv.get(cid, K) == W


def test_access_duration_applies_on_get(engine: Engine, clock: FakeClock) -> None:
    cid = _cache(engine, create=100, access=1000)
    engine.kv.put(cid, K, V)
    clock.advance(50)
    assert engine.kv.get(cid, K) == V  # access: now expires at +1000
    clock.advance(999)
    assert engine.kv.contains_key(cid, K) is True  # not an access
    clock.advance(1)
    assert engine.kv.contains_key(cid, K) is False


def test_contains_and_peek_are_not_accesses(engine: Engine, clock: FakeClock) -> None:
    cid = _cache(engine, create=100, access=1000)
    engine.kv.put(cid, K, V)
    clock.advance(50)
    assert engine.kv.contains_key(cid, K)
    assert engine.kv.local_peek(cid, K) == V
    clock.advance(50)
    assert engine.kv.get(cid, K) is None


def test_access_zero_returns_value_then_expires(engine: Engine) -> None:
    cid = _cache(engine, access=0)
    engine.kv.put(cid, K, V)
    assert engine.kv.get(cid, K) == V
    assert engine.kv.get(cid, K) is None


def test_get_all_is_an_access(engine: Engine, clock: FakeClock) -> None:
    cid = _cache(engine, create=100, access=1000)
    engine.kv.put_all(cid, [(K, V), (K2, W)])
    clock.advance(50)
    assert len(engine.kv.get_all(cid, [K])) == 1
    clock.advance(50)
    assert engine.kv.local_peek(cid, K) == V
    assert engine.kv.local_peek(cid, K2) is None


def test_create_zero_stores_nothing(engine: Engine) -> None:
    cid = _cache(engine, create=0)
    engine.kv.put(cid, K, V)
    assert engine.kv.get(cid, K) is None
    assert engine.kv.get_size(cid) == 0
    assert engine.kv.put_if_absent(cid, K, V) is True
    assert engine.kv.get(cid, K) is None


def test_update_zero_removes_entry(engine: Engine) -> None:
    cid = _cache(engine, update=0)
    engine.kv.put(cid, K, V)
    assert engine.kv.get(cid, K) == V
    engine.kv.put(cid, K, W)
    assert engine.kv.get(cid, K) is None


def test_failed_replace_if_equals_is_an_access(
    engine: Engine, clock: FakeClock
) -> None:
    cid = _cache(engine, create=100, access=1000)
    engine.kv.put(cid, K, V)
    clock.advance(50)
    assert engine.kv.replace_if_equals(cid, K, W, W) is False
    clock.advance(500)
    assert engine.kv.get(cid, K) == V


def test_put_if_absent_on_present_key_is_not_an_access(
    engine: Engine, clock: FakeClock
) -> None:
    cid = _cache(engine, create=100, access=1000)
    engine.kv.put(cid, K, V)
    clock.advance(50)
    assert engine.kv.put_if_absent(cid, K, W) is False
    assert engine.kv.get_and_put_if_absent(cid, K, W) == V
    clock.advance(50)
    assert engine.kv.local_peek(cid, K) is None


def test_per_request_policy_overrides_cache_policy(
    engine: Engine, clock: FakeClock, cid: int
) -> None:
    engine.kv.put(cid, K, V, expiry=ExpiryDurations(create=100))
    engine.kv.put(cid, K2, V)
    clock.advance(100)
    assert engine.kv.get(cid, K) is None
    assert engine.kv.get(cid, K2) == V
    # and on a cache that has a policy, the request's one wins
    cid2 = _cache(engine, create=100)
    engine.kv.put(cid2, K, V, expiry=ExpiryDurations(create=ETERNAL))
    clock.advance(10**6)
    assert engine.kv.get(cid2, K) == V


def test_per_request_access_policy_on_get(
    engine: Engine, clock: FakeClock, cid: int
) -> None:
    engine.kv.put(cid, K, V)
    assert engine.kv.get(cid, K, expiry=ExpiryDurations(access=10)) == V
    clock.advance(10)
    assert engine.kv.get(cid, K) is None


def test_put_all_counts_create_and_update(engine: Engine, clock: FakeClock) -> None:
    cid = _cache(engine, create=100, update=1000)
    engine.kv.put(cid, K, V)
    engine.kv.put_all(cid, [(K, W), (K2, W)])  # K updated (+1000), K2 created (+100)
    clock.advance(100)
    assert engine.kv.get(cid, K) == W
    assert engine.kv.get(cid, K2) is None


def test_put_all_repeated_key_sees_its_earlier_put(
    engine: Engine, clock: FakeClock
) -> None:
    cid = _cache(engine, create=100, update=1000)
    engine.kv.put_all(cid, [(K, V), (K, W)])  # created (+100), then updated (+1000)
    clock.advance(500)
    assert engine.kv.get(cid, K) == W


def test_put_all_zero_duration_removes_an_existing_entry(
    engine: Engine, clock: FakeClock
) -> None:
    cid = _cache(engine, create=ETERNAL, update=0)
    engine.kv.put(cid, K, V)
    engine.kv.put_all(cid, [(K, W), (K2, W)])  # K's update expires it at once
    assert engine.kv.get(cid, K) is None
    assert engine.kv.get(cid, K2) == W


def test_get_all_many_keys_in_request_order(engine: Engine, cid: int) -> None:
    keys = [i.to_bytes(4, "little") for i in range(600)]  # more than one IN (...) list
    engine.kv.put_all(cid, [(k, k) for k in keys[::2]])
    wanted = list(reversed(keys)) + keys[:3]
    assert engine.kv.get_all(cid, wanted) == [(k, k) for k in reversed(keys[::2])]


def test_expire_due_deletes_in_bulk(engine: Engine, clock: FakeClock, cid: int) -> None:
    short = ExpiryDurations(create=10)
    engine.kv.put_all(cid, [(bytes([i]), V) for i in range(50)], expiry=short)
    engine.kv.put(cid, b"keep", V)
    other = _cache(engine, create=5)
    engine.kv.put(other, K, V)
    assert engine.expire_due() == 0
    clock.advance(10)
    assert engine.expire_due() == 51
    assert engine.expire_due() == 0
    assert engine.kv.get_size(cid) == 1
    count = engine.store.conn.execute(
        f"SELECT count(*) FROM {engine.caches.handle(cid).table}"
    ).fetchone()[0]
    assert count == 1  # really deleted, not just invisible


def test_a_duration_past_a_java_long_is_eternal(
    engine: Engine, clock: FakeClock
) -> None:
    """Ignite adds the TTL to now in a Java long: past Long.MAX_VALUE it wraps,
    and it keeps the entry for ever (seen on the reference node: a put with an
    update TTL of Long.MAX_VALUE ms, then gets, all answer the value)."""
    long_max = (1 << 63) - 1
    cid = _cache(engine, create=long_max, update=long_max, access=long_max)
    engine.kv.put(cid, K, V)  # create
    engine.kv.put(cid, K, V)  # update
    assert engine.kv.get(cid, K) == V  # access
    clock.advance(10**15)
    assert engine.kv.get(cid, K) == V


_POLICIES = [
    None,
    ExpiryDurations(ETERNAL, UNCHANGED, UNCHANGED),
    ExpiryDurations(100, UNCHANGED, UNCHANGED),
    ExpiryDurations(100, 100, UNCHANGED),
    ExpiryDurations(UNCHANGED, ETERNAL, UNCHANGED),
    ExpiryDurations(100, 500, UNCHANGED),
    ExpiryDurations(ETERNAL, 0, UNCHANGED),
    ExpiryDurations(0, UNCHANGED, UNCHANGED),
]


@pytest.mark.parametrize("policy", _POLICIES, ids=str)
@pytest.mark.parametrize("in_tx", [False, True], ids=["outside-tx", "in-tx"])
def test_put_all_is_a_sequence_of_puts(
    engine: Engine, clock: FakeClock, policy: ExpiryDurations | None, in_tx: bool
) -> None:
    """Whatever path ``put_all`` takes (old rows read first or not), each key
    ends as the same puts one by one leave it: value and expiry, for a key that
    was absent, eternal, expiring later or already expired, and one repeated."""
    mode = TRANSACTIONAL if in_tx else ATOMIC
    cfg = CacheConfiguration
    caches = [
        engine.caches.create(cfg(name=f"c{i}", atomicity_mode=mode)).cache_id
        for i in range(2)
    ]
    keys = [bytes([3, i, 0, 0, 0]) for i in range(5)]
    for cid in caches:  # absent, eternal, +50, +5 (expired below), eternal
        engine.kv.put(cid, keys[1], V)
        engine.kv.put(cid, keys[2], V, expiry=ExpiryDurations(50, -2, -2))
        engine.kv.put(cid, keys[3], V, expiry=ExpiryDurations(5, -2, -2))
        engine.kv.put(cid, keys[4], V)
    clock.advance(10)
    batch = [(k, W) for k in keys] + [(keys[4], b"\x01\x03")]
    one_by_one, bulk = caches

    def run(write: Callable[[Any], None]) -> None:
        if not in_tx:
            write(engine.kv)
            return
        tx = engine.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
        write(engine.kv_in(tx))
        engine.txs.commit(tx)

    def each(kv: Any) -> None:
        for k, v in batch:
            kv.put(one_by_one, k, v, expiry=policy)

    run(each)
    run(lambda kv: kv.put_all(bulk, batch, expiry=policy))
    now = clock.now_ms()
    for key in keys:
        rows = [engine.entries.read(engine.caches.handle(c), key, now) for c in caches]
        assert rows[1] == rows[0], key

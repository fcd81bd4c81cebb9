"""Cluster states: INACTIVE refuses cache ops, ACTIVE_READ_ONLY refuses writes."""

from __future__ import annotations

import pytest

from embergrid.engine import ClusterState, Engine, EngineError, FakeClock
from embergrid.protocol.codes import StatusCode

# Ignite 2.17/2.18's text (compared on the reference node: compat/test_diff_auth.py).
INACTIVE_TEXT = (
    "Can not perform the operation because the cluster is inactive. Note, that the "
    "cluster is considered inactive by default if Ignite Persistent Store is used "
    "to let all the nodes join the cluster. To activate the cluster call "
    "Ignite.cluster().state(ClusterState.ACTIVE)."
)


def test_in_memory_engine_starts_active(engine: Engine) -> None:
    assert engine.cluster.state() is ClusterState.ACTIVE


def test_start_inactive_flag(clock: FakeClock) -> None:
    with Engine(clock=clock, start_inactive=True) as e:
        assert e.cluster.state() is ClusterState.INACTIVE


def test_inactive_refuses_reads_writes_and_scans(engine: Engine, cid: int) -> None:
    engine.kv.put(cid, b"k", b"v")
    engine.cluster.set_state(ClusterState.INACTIVE)
    for call in (
        lambda: engine.kv.get(cid, b"k"),
        lambda: engine.kv.put(cid, b"k", b"w"),
        lambda: engine.kv.get_size(cid),
        lambda: engine.open_scan(cid, 1),
        lambda: engine.caches.create("new"),
    ):
        with pytest.raises(EngineError) as info:
            call()
        assert info.value.status == StatusCode.FAILED
        assert info.value.message == INACTIVE_TEXT
    for call in (  # a missing cache is named first, as on Ignite 2.18
        lambda: engine.kv.get(424242, b"k"),
        lambda: engine.kv.put(424242, b"k", b"w"),
        lambda: engine.open_scan(424242, 1),
    ):
        with pytest.raises(EngineError) as info:
            call()
        assert info.value.status == StatusCode.CACHE_DOES_NOT_EXIST
    engine.cluster.set_state(1)
    assert engine.kv.get(cid, b"k") == b"v"


def test_read_only_allows_reads_refuses_writes(engine: Engine, cid: int) -> None:
    engine.kv.put(cid, b"k", b"v")
    engine.cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
    assert engine.kv.get(cid, b"k") == b"v"
    assert engine.kv.get_all(cid, [b"k"]) == [(b"k", b"v")]
    assert engine.kv.contains_key(cid, b"k")
    assert engine.kv.get_size(cid) == 1
    assert engine.open_scan(cid, 5).next_page() == ([(b"k", b"v")], False)
    writes = [
        lambda: engine.kv.put(cid, b"k", b"w"),
        lambda: engine.kv.put_all(cid, [(b"a", b"b")]),
        lambda: engine.kv.remove_key(cid, b"k"),
        lambda: engine.kv.clear(cid),
        lambda: engine.kv.replace_if_equals(cid, b"k", b"v", b"w"),
    ]
    for call in writes:
        with pytest.raises(EngineError) as info:
            call()
        assert info.value.status == StatusCode.FAILED
        assert info.value.message == (
            "class org.apache.ignite.internal.processors.cache."
            "CacheInvalidStateException: Failed to perform cache operation "
            "(cluster is in read-only mode) [cacheGrp=null, cache=test-cache]"
        )
    assert engine.kv.get(cid, b"k") == b"v"


def test_read_only_write_to_missing_cache_is_1000(engine: Engine) -> None:
    engine.cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
    with pytest.raises(EngineError) as info:
        engine.kv.put(5, b"k", b"v")
    assert info.value.status == StatusCode.CACHE_DOES_NOT_EXIST


def test_read_only_refuses_cache_creation(engine: Engine) -> None:
    engine.cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
    with pytest.raises(EngineError) as info:
        engine.caches.create("x")
    assert "Failed to perform start cache operation (cluster is in read-only mode)" in (
        info.value.message
    )
    assert engine.caches.names() == []

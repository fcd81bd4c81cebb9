"""A data_dir shared by several Engines: persistence, visibility, other processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from embergrid.engine import ClusterState, Engine, EngineError, FakeClock
from embergrid.engine.store import DB_FILE_NAME, is_busy
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import CacheConfiguration, ExpiryDurations


@pytest.fixture
def pair(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[Engine, Engine]]:
    a = Engine(clock=clock, data_dir=tmp_path)
    b = Engine(clock=clock, data_dir=tmp_path)
    yield a, b
    a.close()
    b.close()


def test_store_file_uses_wal(tmp_path: Path, clock: FakeClock) -> None:
    with Engine(clock=clock, data_dir=tmp_path) as e:
        mode = e.store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert (tmp_path / DB_FILE_NAME).exists()


def test_data_survives_reopen(tmp_path: Path, clock: FakeClock) -> None:
    cfg = CacheConfiguration(
        name="p", backups=1, expiry_policy=ExpiryDurations(create=1000)
    )
    bt = BinaryType(5, "T", fields={"f": BinaryField("f", 3, 9)}, schemas={1: (9,)})
    with Engine(clock=clock, data_dir=tmp_path) as e:
        cid = e.caches.create(cfg).cache_id
        e.kv.put(cid, b"k", b"v")
        e.types.put(bt)
        e.types.register_name(0, 5, "org.T")
        e.cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
    with Engine(clock=clock, data_dir=tmp_path) as e:
        assert e.caches.names() == ["p"]
        assert e.caches.configuration(cid) == cfg
        assert e.kv.get(cid, b"k") == b"v"
        assert e.types.get(5) == bt
        assert e.types.type_name(0, 5) == "org.T"
        assert e.cluster.state() is ClusterState.ACTIVE_READ_ONLY
        clock.advance(1000)  # the stored expiry time survived too
        assert e.kv.get(cid, b"k") is None


def test_recorded_state_wins_over_start_inactive(
    tmp_path: Path, clock: FakeClock
) -> None:
    with Engine(clock=clock, data_dir=tmp_path, start_inactive=True) as e:
        assert e.cluster.state() is ClusterState.INACTIVE
        e.cluster.set_state(ClusterState.ACTIVE)
    with Engine(clock=clock, data_dir=tmp_path, start_inactive=True) as e:
        assert e.cluster.state() is ClusterState.ACTIVE


def test_two_engines_see_each_others_caches_and_entries(
    pair: tuple[Engine, Engine],
) -> None:
    a, b = pair
    cid = a.caches.create("shared").cache_id
    assert b.caches.names() == ["shared"]
    a.kv.put(cid, b"k", b"from-a")
    assert b.kv.get(cid, b"k") == b"from-a"
    b.kv.put_all(cid, [(b"k", b"from-b"), (b"k2", b"x")])
    assert a.kv.get(cid, b"k") == b"from-b"
    assert a.kv.get_size(cid) == 2
    with pytest.raises(EngineError) as info:
        b.caches.create("shared")
    assert info.value.status == StatusCode.CACHE_EXISTS


def test_destroy_on_one_engine_is_seen_by_the_other(
    pair: tuple[Engine, Engine],
) -> None:
    a, b = pair
    cid = a.caches.create("c").cache_id
    b.kv.put(cid, b"k", b"v")  # b now holds a handle to the cache
    a.caches.destroy(cid)
    with pytest.raises(EngineError) as info:
        b.kv.get(cid, b"k")
    assert info.value.status == StatusCode.CACHE_DOES_NOT_EXIST
    # recreated elsewhere with another configuration: b follows the new incarnation
    a.caches.create(
        CacheConfiguration(name="c", expiry_policy=ExpiryDurations(create=0))
    )
    b.kv.put(cid, b"k", b"v")
    assert a.kv.get(cid, b"k") is None  # create duration 0 of the new config applied


def test_scan_of_cache_destroyed_elsewhere_ends_in_1000(
    pair: tuple[Engine, Engine],
) -> None:
    a, b = pair
    cid = a.caches.create("s").cache_id
    a.kv.put_all(cid, [(i.to_bytes(2, "big"), b"v") for i in range(500)])
    cursor = b.open_scan(cid, 3)
    assert len(cursor.next_page()[0]) == 3
    a.caches.destroy(cid)
    served, error = 3, None
    while error is None:  # pages from the read-ahead buffer, then the error
        try:
            page, more = cursor.next_page()
        except EngineError as exc:
            error = exc
        else:
            served += len(page)
            assert more
    assert error.status == StatusCode.CACHE_DOES_NOT_EXIST
    assert served < 500


def test_two_engines_share_metadata_and_cluster_state(
    pair: tuple[Engine, Engine],
) -> None:
    a, b = pair
    a.types.put(BinaryType(1, "A", fields={"x": BinaryField("x", 3, 1)}))
    b.types.put(BinaryType(1, "A", fields={"y": BinaryField("y", 9, 2)}))
    got = a.types.get(1)
    assert got is not None
    assert set(got.fields) == {"x", "y"}
    with pytest.raises(EngineError):
        a.types.put(BinaryType(1, "A", fields={"y": BinaryField("y", 4, 2)}))
    cid = a.caches.create("c").cache_id
    b.cluster.state()  # b caches the state...
    a.cluster.set_state(ClusterState.INACTIVE)
    assert b.cluster.state() is ClusterState.INACTIVE  # ...and re-validates it
    with pytest.raises(EngineError):
        b.kv.get(cid, b"k")
    a.cluster.set_state(ClusterState.ACTIVE)
    assert b.kv.get(cid, b"k") is None


def test_expiry_is_shared_and_purged_by_either(
    pair: tuple[Engine, Engine], clock: FakeClock
) -> None:
    a, b = pair
    cid = a.caches.create("e").cache_id
    a.kv.put(cid, b"k", b"v", expiry=ExpiryDurations(create=10))
    clock.advance(10)
    assert b.kv.get(cid, b"k") is None
    assert b.expire_due() == 1
    assert a.expire_due() == 0


_CHILD = textwrap.dedent(
    """
    import sys
    from embergrid.engine import Engine
    from embergrid.protocol.binary.hashing import cache_id
    with Engine(data_dir=sys.argv[1]) as e:
        cid = cache_id("xproc")
        value, meta = e.kv.get(cid, b"k"), e.types.get(3)
        print(value.decode(), meta.type_name, e.cluster.state().name)
        e.kv.put(cid, b"child", b"was here")
    """
)


def test_second_os_process_sees_the_data(tmp_path: Path, clock: FakeClock) -> None:
    with Engine(clock=clock, data_dir=tmp_path) as e:
        cid = e.caches.create("xproc").cache_id
        e.kv.put(cid, b"k", b"parent")
        e.types.put(BinaryType(3, "Three"))
        e.cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
        e.cluster.set_state(ClusterState.ACTIVE)
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        assert out.split() == ["parent", "Three", "ACTIVE"]
        assert e.kv.get(cid, b"child") == b"was here"  # and the child's write is seen


def test_sql_on_a_store_another_process_writes_is_run_again_not_failed(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A statement that finds the write lock held past the engine's busy timeout
    raises the store's busy error (the server runs it again later), never an SQL
    error that would reach the client as ``50000: database is locked``."""
    with Engine(clock=clock, data_dir=tmp_path, busy_timeout_ms=1) as e:
        other = sqlite3.connect(tmp_path / DB_FILE_NAME, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another node holds the write lock
        with pytest.raises(sqlite3.OperationalError) as raised:
            e.sql.execute("CREATE TABLE city (id INT PRIMARY KEY, name VARCHAR)")
        assert is_busy(raised.value)
        other.execute("ROLLBACK")
        other.close()
        e.sql.execute("CREATE TABLE city (id INT PRIMARY KEY, name VARCHAR)")
        e.sql.execute("INSERT INTO city (id, name) VALUES (1, 'Lyon')")
        assert e.sql.execute("SELECT name FROM city").rows == [("Lyon",)]

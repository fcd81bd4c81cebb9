"""Scan cursors: paging, has_more, partition filter, concurrent modification.

A partition scan must give exactly the entries a full scan gives, grouped by
Ignite's partition of their keys (``engine/partitions.py``; the rule itself is
pinned against the reference node in tests/compat/test_diff_caches.py), after
every kind of write, from any engine on the store, and on a store whose tables
were made by an older version (no partition index, partitions recorded in a
``<table>_parts`` table).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

from embergrid.engine import Engine, EngineError, FakeClock, Member, OverBudget
from embergrid.engine import scan as scan_module
from embergrid.engine.partitions import partition_of
from embergrid.engine.tx import PESSIMISTIC, REPEATABLE_READ
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import (
    REPLICATED,
    TRANSACTIONAL,
    CacheConfiguration,
    ExpiryDurations,
)


def _key(i: int) -> bytes:
    return b"\x03" + i.to_bytes(4, "little", signed=True)


def _drain(
    engine: Engine, cid: int, page_size: int, partition: int | None = None
) -> list[list[tuple[bytes, bytes]]]:
    cursor = engine.open_scan(cid, page_size, partition)
    pages = []
    while True:
        page, more = cursor.next_page()
        pages.append(page)
        if not more:
            return pages


def test_empty_cache_gives_one_empty_last_page(engine: Engine, cid: int) -> None:
    assert _drain(engine, cid, 5) == [[]]


@pytest.mark.parametrize(
    ("n", "size", "pages"),
    [(10, 3, [3, 3, 3, 1]), (9, 3, [3, 3, 3]), (1, 1, [1]), (100, 1000, [100])],
)
def test_pages_cover_every_entry_once(
    engine: Engine, cid: int, n: int, size: int, pages: list[int]
) -> None:
    items = {_key(i): bytes([i % 256]) for i in range(n)}
    engine.kv.put_all(cid, items.items())
    got = _drain(engine, cid, size)
    assert [len(p) for p in got] == pages  # has_more is exact: no empty tail page
    assert dict(e for p in got for e in p) == items
    assert sum(len(p) for p in got) == n


def test_finished_cursor_returns_nothing(engine: Engine, cid: int) -> None:
    engine.kv.put(cid, _key(1), b"v")
    cursor = engine.open_scan(cid, 10)
    assert cursor.next_page() == ([(_key(1), b"v")], False)
    assert cursor.finished
    assert cursor.next_page() == ([], False)


def test_scan_is_stable_under_concurrent_modification(engine: Engine, cid: int) -> None:
    engine.kv.put_all(cid, [(_key(i), b"old") for i in range(0, 100, 2)])
    cursor = engine.open_scan(cid, 10)
    seen: list[bytes] = []
    page, more = cursor.next_page()
    seen += [k for k, _ in page]
    # modify while the cursor is open: insert, delete, overwrite
    engine.kv.put_all(cid, [(_key(i), b"new") for i in range(1, 100, 2)])
    engine.kv.remove_keys(cid, [_key(98)])
    while more:
        page, more = cursor.next_page()
        seen += [k for k, _ in page]
    assert len(seen) == len(set(seen))  # never twice
    survivors = {_key(i) for i in range(0, 98, 2)}
    assert survivors <= set(seen)  # untouched entries all returned


def test_expired_entries_are_skipped(
    engine: Engine, clock: FakeClock, cid: int
) -> None:
    from embergrid.protocol.config import ExpiryDurations

    engine.kv.put_all(
        cid, [(_key(i), b"v") for i in range(10)], expiry=ExpiryDurations(create=5)
    )
    engine.kv.put(cid, _key(100), b"eternal")
    clock.advance(5)
    assert _drain(engine, cid, 3) == [[(_key(100), b"eternal")]]


def test_open_scan_on_missing_cache(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        engine.open_scan(99, 10)
    assert info.value.status == StatusCode.CACHE_DOES_NOT_EXIST


def test_page_size_must_be_positive(engine: Engine, cid: int) -> None:
    with pytest.raises(ValueError, match="page size"):
        engine.open_scan(cid, 0)


def _by_partition(engine: Engine, cid: int) -> dict[int, dict[bytes, bytes]]:
    """The cache's entries (a full scan), grouped by the partition of their key."""
    parts = engine.caches.handle(cid).sql.parts
    grouped: dict[int, dict[bytes, bytes]] = defaultdict(dict)
    for page in _drain(engine, cid, 100):
        for key, value in page:
            grouped[partition_of(key, parts)][key] = value
    return grouped


def _assert_partition_scans_agree(engine: Engine, cid: int) -> int:
    """Every partition's scan gives the entries of that partition, each once;
    the number of entries."""
    want = _by_partition(engine, cid)
    for part in range(engine.caches.handle(cid).sql.parts):
        got = [e for page in _drain(engine, cid, 7, part) for e in page]
        assert dict(got) == want.get(part, {}), part
        assert len(got) == len(want.get(part, {})), part
    return sum(len(entries) for entries in want.values())


def test_a_partition_scan_gives_its_partition(engine: Engine, cid: int) -> None:
    engine.kv.put_all(cid, [(_key(i), b"v%d" % i) for i in range(300)])
    assert _assert_partition_scans_agree(engine, cid) == 300
    assert len(_by_partition(engine, cid)) > 100  # spread, not all in one
    assert sum(len(p) for p in _drain(engine, cid, 7, -1)) == 300  # -1: all


def test_a_replicated_cache_has_512_partitions(engine: Engine) -> None:
    cid = engine.caches.create(CacheConfiguration("r", cache_mode=REPLICATED)).cache_id
    assert engine.caches.handle(cid).sql.parts == 512
    keys = [encode(f"key-{i}") for i in range(400)]
    engine.kv.put_all(cid, [(k, b"v") for k in keys])
    assert _assert_partition_scans_agree(engine, cid) == 400
    assert any(partition_of(k, 512) != partition_of(k, 1024) for k in keys)


def test_partition_scans_follow_every_write_path(tmp_path: Path) -> None:
    """Once a cache is scanned by partition (which indexes its partitions),
    key-value ops, bulk ops, expiry, a transaction's commit, removals and
    clear, made by this engine or another one on the store (another node or
    process), and SQL DML: each partition scan agrees with a full scan."""
    clock = FakeClock()
    with Engine(clock, tmp_path) as a, Engine(clock, tmp_path) as b:
        cfg = CacheConfiguration("p", atomicity_mode=TRANSACTIONAL)
        cid = a.caches.create(cfg).cache_id
        tbl = a.caches.handle(cid).table
        a.kv.put(cid, _key(1), b"one")
        assert not a.store.has_partition_index(tbl)  # nobody scanned it yet
        assert _assert_partition_scans_agree(b, cid) == 1
        assert a.store.has_partition_index(tbl)
        a.kv.put_all(cid, [(_key(i), b"v") for i in range(2, 400)])
        b.kv.put_all(cid, [(_key(i), b"w") for i in range(300, 500)])
        b.kv.put(cid, encode("a string key"), b"from b")
        a.kv.remove_keys(cid, [_key(i) for i in range(10, 50)])
        assert a.kv.replace(cid, _key(2), b"replaced")
        a.kv.put(cid, _key(900), b"brief", expiry=ExpiryDurations(create=5))
        tx = a.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
        a.kv_in(tx).put(cid, _key(2000), b"in a tx")
        a.kv_in(tx).remove_key(cid, _key(3))
        a.txs.commit(tx)
        assert _assert_partition_scans_agree(a, cid) == 461
        clock.advance(5)
        assert b.expire_due() == 1
        assert _assert_partition_scans_agree(b, cid) == 460
        b.kv.remove_all(cid)
        a.kv.put(cid, _key(4), b"again")
        assert _assert_partition_scans_agree(b, cid) == 1
        a.kv.clear(cid)
        assert _assert_partition_scans_agree(a, cid) == 0
        b.caches.destroy(cid)
        cid = a.caches.create("p").cache_id  # a new table: not indexed
        a.kv.put_all(cid, [(_key(i), b"new") for i in range(100)])
        assert _assert_partition_scans_agree(b, cid) == 100

        a.sql.execute("CREATE TABLE T (id INT PRIMARY KEY, v VARCHAR)")
        rows = ", ".join(f"({i}, 'v{i}')" for i in range(200))
        a.sql.execute(f"INSERT INTO T (id, v) VALUES {rows}")
        table = cache_id("SQL_PUBLIC_T")
        assert _assert_partition_scans_agree(a, table) == 200
        b.sql.execute("UPDATE T SET v = 'changed' WHERE id < 50")
        b.sql.execute("DELETE FROM T WHERE id >= 150")
        a.sql.execute("MERGE INTO T (id, v) VALUES (1000, 'merged'), (1, 'm')")
        a.sql.execute("INSERT INTO T (id, v) VALUES (2000, 'inserted')")
        assert _assert_partition_scans_agree(b, table) == 152


def test_the_first_partition_scan_makes_the_index_off_the_loop(
    engine: Engine, cid: int
) -> None:
    """Given a loop budget, a page of a cache not yet indexed stops at once
    (``OverBudget``, nothing read) so that the server makes the index on a
    worker thread; without one it makes the index and reads."""
    engine.kv.put_all(cid, [(_key(i), b"v") for i in range(100)])
    tbl = engine.caches.handle(cid).table
    cursor = engine.open_scan(cid, 10, partition=partition_of(_key(7)))
    with pytest.raises(OverBudget):
        cursor.next_page(budget_s=1.0)
    assert not engine.store.has_partition_index(tbl)
    page, _ = cursor.next_page()
    assert (_key(7), b"v") in page
    assert engine.store.has_partition_index(tbl)
    again = engine.open_scan(cid, 10, partition=partition_of(_key(7)))
    assert again.next_page(budget_s=1.0) == (page, False)  # indexed: on the loop


def test_a_store_scanned_by_partition_under_an_older_version(tmp_path: Path) -> None:
    """An older version recorded partitions in a ``<table>_parts`` table (made
    by a partition scan, not kept by writes); this one indexes the table
    instead and drops that one."""
    clock = FakeClock()
    with Engine(clock, tmp_path) as e:
        cid = e.caches.create("old").cache_id
        e.kv.put_all(cid, [(_key(i), b"v") for i in range(100)])
        tbl = e.caches.handle(cid).table
    old = sqlite3.connect(tmp_path / "embergrid.sqlite3")
    old.execute(
        f"CREATE TABLE {tbl}_parts (key BLOB PRIMARY KEY NOT NULL,"
        " part INTEGER NOT NULL) WITHOUT ROWID"
    )
    old.execute(f"CREATE INDEX {tbl}_parts_p ON {tbl}_parts (part, key)")
    old.executemany(  # stale: the older version's last scan saw only these
        f"INSERT INTO {tbl}_parts VALUES (?, 0)", [(_key(i),) for i in range(50)]
    )
    old.commit()
    old.close()

    with Engine(clock, tmp_path) as e:
        e.kv.put_all(cid, [(_key(i), b"new") for i in range(150, 200)])
        assert _assert_partition_scans_agree(e, cid) == 150
        names = {r[0] for r in e.store.conn.execute("SELECT name FROM sqlite_master")}
        assert f"{tbl}_parts" not in names
        assert f"{tbl}_part" in names
        e.caches.destroy(cid)


_WRITER = textwrap.dedent(
    """
    import sys
    from embergrid.engine import Engine
    from embergrid.protocol.binary.hashing import cache_id
    with Engine(data_dir=sys.argv[1]) as e:
        cid = cache_id("xproc")
        e.kv.put_all(cid, [(b"\\x03" + i.to_bytes(4, "little"), b"child")
                           for i in range(50, 150)])
        e.kv.remove_keys(cid, [b"\\x03" + i.to_bytes(4, "little")
                               for i in range(10)])
    """
)


def test_another_process_keeps_the_index(tmp_path: Path) -> None:
    """Writes of another OS process on the store (another node, or a worker
    process of ``serve --workers``) keep the partition index too."""
    with Engine(FakeClock(), tmp_path) as e:
        cid = e.caches.create("xproc").cache_id
        e.kv.put_all(cid, [(_key(i), b"parent") for i in range(100)])
        assert _assert_partition_scans_agree(e, cid) == 100  # makes the index
        subprocess.run(
            [sys.executable, "-c", _WRITER, str(tmp_path)], check=True, timeout=120
        )
        assert _assert_partition_scans_agree(e, cid) == 140
        assert e.kv.get(cid, _key(120)) == b"child"


def test_with_other_nodes_a_large_cache_is_walked_not_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making the index holds the store's write lock until every key is read:
    other nodes could not renew their leases. With another live node, a cache
    over ``INDEX_AT_ONCE`` rows is not indexed; its partition scan walks the
    cache (same entries). A small one, or a node alone, is indexed."""
    monkeypatch.setattr(scan_module, "INDEX_AT_ONCE", 50)
    clock = FakeClock()
    with Engine(clock, tmp_path) as e:
        big = e.caches.create("big").cache_id
        small = e.caches.create("small").cache_id
        e.kv.put_all(big, [(_key(i), b"v") for i in range(300)])
        e.kv.put_all(small, [(_key(i), b"v") for i in range(50)])
        a, b = Member(uuid.uuid4(), "node-a"), Member(uuid.uuid4(), "node-b")
        e.membership.join(a, 60_000, clock.now_ms())
        e.membership.join(b, 60_000, clock.now_ms())
        assert _assert_partition_scans_agree(e, big) == 300
        assert not e.store.has_partition_index(e.caches.handle(big).table)
        assert _assert_partition_scans_agree(e, small) == 50
        assert e.store.has_partition_index(e.caches.handle(small).table)
        e.membership.leave(b.node_id)  # a is alone now
        assert _assert_partition_scans_agree(e, big) == 300
        assert e.store.has_partition_index(e.caches.handle(big).table)

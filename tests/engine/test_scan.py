"""Scan cursors: paging, has_more, partition filter, concurrent modification.

A partition scan must give exactly the entries a full scan gives, grouped by
Ignite's partition of their keys (``engine/partitions.py``; the rule itself is
pinned against the reference node in tests/compat/test_diff_caches.py), after
every kind of write, from any engine on the store, while the cache's partition
map is still being filled (by chunks, from any engine, one of which may die
mid-chunk) and after, and on a store whose tables were made by an older
version (a partition index, or partitions recorded in a ``<table>_parts``
table). The map itself is checked row by row against its table
(``_assert_map_exact``: the invariant of ``engine/partition_map.py``).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from embergrid.engine import Engine, EngineError, FakeClock, OverBudget
from embergrid.engine import partition_map as pmap
from embergrid.engine import scan as scan_module
from embergrid.engine.partition_map import Mapped
from embergrid.engine.partitions import partition_of
from embergrid.engine.sqltext import ident
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


def _assert_partition_scans_agree(
    engine: Engine, cid: int, parts: range | list[int] | None = None
) -> int:
    """Every partition's scan (or those of ``parts``) gives the entries of
    that partition, each once; the number of entries."""
    want = _by_partition(engine, cid)
    if parts is None:
        parts = range(engine.caches.handle(cid).sql.parts)
    for part in parts:
        got = [e for page in _drain(engine, cid, 7, part) for e in page]
        assert dict(got) == want.get(part, {}), part
        assert len(got) == len(want.get(part, {})), part
    return sum(len(entries) for entries in want.values())


def _mapped(engine: Engine, cid: int) -> Mapped | None:
    return engine.entries.mapped(engine.caches.handle(cid))


def _assert_map_exact(engine: Engine, cid: int) -> Mapped:
    """The cache's map holds (partition, key) of exactly its table's keys
    (expired ones not purged yet too) up to ``filled`` (all once done), and
    nothing else; how far it reaches."""
    h = engine.caches.handle(cid)
    mapped = engine.entries.mapped(h)
    assert mapped is not None
    assert not mapped.indexed
    conn = engine.store.conn
    keys = [k for (k,) in conn.execute(f"SELECT key FROM {ident(h.table)}")]
    want = {(partition_of(k, h.sql.parts), k) for k in keys}
    rows = set(conn.execute(f"SELECT part, key FROM {ident(pmap.map_table(h.table))}"))
    assert rows <= want
    if mapped.done:
        assert rows == want
    else:
        assert mapped.filled is not None
        upto = mapped.filled
        assert {r for r in rows if r[1] <= upto} == {w for w in want if w[1] <= upto}
    return mapped


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
    """Once a cache is scanned by partition (which gives it its map),
    key-value ops, bulk ops, expiry, a transaction's commit, removals and
    clear, made by this engine or another one on the store (another node or
    process), SQL DML and DDL, and a continuous query's triggers beside the
    map's: the map stays exact, and each partition scan agrees with a full
    scan."""
    clock = FakeClock()
    with Engine(clock, tmp_path) as a, Engine(clock, tmp_path) as b:
        cfg = CacheConfiguration("p", atomicity_mode=TRANSACTIONAL)
        cid = a.caches.create(cfg).cache_id
        tbl = a.caches.handle(cid).table
        a.kv.put(cid, _key(1), b"one")
        assert _mapped(a, cid) is None  # nobody scanned it yet
        assert _assert_partition_scans_agree(b, cid) == 1
        assert _assert_map_exact(a, cid).done
        listener, _ = a.changes.subscribe(tbl)  # its triggers beside the map's
        a.kv.put_all(cid, [(_key(i), b"v") for i in range(2, 400)])
        b.kv.put_all(cid, [(_key(i), b"w") for i in range(300, 500)])
        b.kv.put(cid, encode("a string key"), b"from b")
        assert b.kv.put_if_absent(cid, _key(600), b"absent")
        assert b.kv.get_and_put(cid, _key(600), b"present") == b"absent"
        a.kv.remove_keys(cid, [_key(i) for i in range(10, 50)])
        assert a.kv.replace(cid, _key(2), b"replaced")
        assert a.kv.get_and_remove(cid, _key(5)) == b"v"
        a.kv.clear_keys(cid, [_key(6), _key(7)])
        a.kv.put(cid, _key(900), b"brief", expiry=ExpiryDurations(create=5))
        tx = a.txs.start(PESSIMISTIC, REPEATABLE_READ, 0, None)
        a.kv_in(tx).put(cid, _key(2000), b"in a tx")
        a.kv_in(tx).remove_key(cid, _key(3))
        a.txs.commit(tx)
        _assert_map_exact(a, cid)
        assert _assert_partition_scans_agree(a, cid) == 459
        a.changes.unsubscribe(listener)
        clock.advance(5)
        _assert_map_exact(a, cid)  # expired, not purged: still mapped
        assert _assert_partition_scans_agree(b, cid) == 458
        assert b.expire_due() == 1
        _assert_map_exact(a, cid)
        b.kv.remove_all(cid)
        a.kv.put(cid, _key(4), b"again")
        assert _assert_partition_scans_agree(b, cid) == 1
        a.kv.clear(cid)
        assert _assert_partition_scans_agree(a, cid) == 0
        _assert_map_exact(a, cid)
        b.caches.destroy(cid)
        names = {r[0] for r in a.store.conn.execute("SELECT name FROM sqlite_master")}
        assert not {n for n in names if n.startswith(tbl + "_")}  # map, triggers
        assert a.store.conn.execute("SELECT * FROM partition_maps").fetchall() == []
        cid = a.caches.create("p").cache_id  # a new table: no map
        assert _mapped(b, cid) is None
        a.kv.put_all(cid, [(_key(i), b"new") for i in range(100)])
        assert _assert_partition_scans_agree(b, cid) == 100
        _assert_map_exact(a, cid)

        a.sql.execute("CREATE TABLE T (id INT PRIMARY KEY, v VARCHAR)")
        rows = ", ".join(f"({i}, 'v{i}')" for i in range(200))
        a.sql.execute(f"INSERT INTO T (id, v) VALUES {rows}")
        table = cache_id("SQL_PUBLIC_T")
        assert _assert_partition_scans_agree(a, table) == 200
        b.sql.execute("UPDATE T SET v = 'changed' WHERE id < 50")
        b.sql.execute("DELETE FROM T WHERE id >= 150")
        a.sql.execute("MERGE INTO T (id, v) VALUES (1000, 'merged'), (1, 'm')")
        a.sql.execute("INSERT INTO T (id, v) VALUES (2000, 'inserted')")
        b.sql.execute("ALTER TABLE T ADD COLUMN w INT")
        a.sql.execute("INSERT INTO T (id, v, w) VALUES (3000, 'x', 3)")
        a.sql.execute("ALTER TABLE T DROP COLUMN v")
        b.sql.execute("UPDATE T SET w = 4 WHERE id = 3000")
        _assert_map_exact(b, table)
        assert _assert_partition_scans_agree(b, table) == 153


def test_the_first_partition_scan_makes_the_map_off_the_loop(
    engine: Engine, cid: int
) -> None:
    """Given a loop budget, a page of a cache without a map stops at once
    (``OverBudget``, nothing read) so that the server makes the map on a
    worker thread; without one it makes the map and reads."""
    engine.kv.put_all(cid, [(_key(i), b"v") for i in range(100)])
    cursor = engine.open_scan(cid, 10, partition=partition_of(_key(7)))
    with pytest.raises(OverBudget):
        cursor.next_page(budget_s=1.0)
    assert _mapped(engine, cid) is None
    page, _ = cursor.next_page()
    assert (_key(7), b"v") in page
    assert _assert_map_exact(engine, cid).done  # one chunk: done at once
    again = engine.open_scan(cid, 10, partition=partition_of(_key(7)))
    assert again.next_page(budget_s=1.0) == (page, False)  # mapped: on the loop


def _indexed_by_an_earlier_version(tmp_path: Path, clock: FakeClock) -> str:
    """A store as session 7's main left it: a cache of 100 entries whose table
    has the partition index its first partition scan made; its table."""
    with Engine(clock, tmp_path) as e:
        cid = e.caches.create("old").cache_id
        e.kv.put_all(cid, [(_key(i), b"v") for i in range(100)])
        tbl = e.caches.handle(cid).table
        e.store.conn.execute(
            f"CREATE INDEX {ident(tbl + '_part')} ON {ident(tbl)}"
            f" ({pmap.partition_expr(1024)}, key)"
        )
    return tbl


def test_a_store_indexed_by_an_earlier_version(tmp_path: Path) -> None:
    """A table with an earlier version's partition index is read through it
    (kept by every write, this version's too) and gets no map."""
    clock = FakeClock()
    tbl = _indexed_by_an_earlier_version(tmp_path, clock)
    with Engine(clock, tmp_path) as e:
        cid = cache_id("old")
        e.kv.put_all(cid, [(_key(i), b"new") for i in range(150, 200)])
        e.kv.remove_keys(cid, [_key(i) for i in range(10)])
        assert _mapped(e, cid) == Mapped(done=True, indexed=True)
        assert _assert_partition_scans_agree(e, cid) == 140
        plan = e.store.conn.execute(
            "EXPLAIN QUERY PLAN " + e.caches.handle(cid).sql.index_after,
            (7, b"", 0, 10),
        ).fetchall()
        assert any(tbl + "_part" in row[-1] for row in plan), plan
        names = {r[0] for r in e.store.conn.execute("SELECT name FROM sqlite_master")}
        assert pmap.map_table(tbl) not in names
        e.caches.destroy(cid)


def test_a_store_scanned_by_partition_under_an_older_version(tmp_path: Path) -> None:
    """An older version recorded partitions in a ``<table>_parts`` table (made
    by a partition scan, not kept by writes); this one maps the table instead
    and drops that one."""
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
        assert pmap.map_table(tbl) in names
        _assert_map_exact(e, cid)
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


def test_another_process_keeps_the_map(tmp_path: Path) -> None:
    """Writes of another OS process on the store (another node, or a worker
    process of ``serve --workers``) keep the partition map too."""
    with Engine(FakeClock(), tmp_path) as e:
        cid = e.caches.create("xproc").cache_id
        e.kv.put_all(cid, [(_key(i), b"parent") for i in range(100)])
        assert _assert_partition_scans_agree(e, cid) == 100  # makes the map
        subprocess.run(
            [sys.executable, "-c", _WRITER, str(tmp_path)], check=True, timeout=120
        )
        _assert_map_exact(e, cid)
        assert _assert_partition_scans_agree(e, cid) == 140
        assert e.kv.get(cid, _key(120)) == b"child"


CHUNK = 50


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pmap, "CHUNK", CHUNK)


def _filled(engine: Engine, cid: int) -> bytes | None:
    mapped = _mapped(engine, cid)
    assert mapped is not None
    return None if mapped.done else mapped.filled


def _some_partitions(engine: Engine, cid: int) -> list[int]:
    """The partitions of the cache's entries, and a few empty ones."""
    return sorted(set(_by_partition(engine, cid)) | {0, 1, 1023})


@pytest.mark.usefixtures("small_chunks")
def test_a_map_is_filled_a_chunk_at_a_time_by_any_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two engines (nodes) on one store, a cache of six chunks: its first
    partition scan maps one chunk; each ``fill_partition_maps`` maps one more
    in a write transaction of its own (none open when it returns, and the
    other engine writes, with no wait, in between), never before the pause
    after the last chunk (whoever ran it) is over. Meanwhile writes, removals
    and expiry from both engines, and partition scans read the mapped keys
    through the map and walk the rest: always exact. Once it is done, a scan
    hashes no key."""
    clock = FakeClock()
    with Engine(clock, tmp_path) as a, Engine(clock, tmp_path) as b:
        cid = a.caches.create("big").cache_id
        a.kv.put_all(cid, [(_key(i), b"a") for i in range(300)])
        assert _assert_partition_scans_agree(b, cid, [7]) == 300
        assert _filled(a, cid) == sorted(_key(i) for i in range(300))[CHUNK - 1]
        assert a.fill_partition_maps()  # the pause after that chunk is not over
        assert _filled(a, cid) == sorted(_key(i) for i in range(300))[CHUNK - 1]
        for engine in (a, b):  # a write must not wait for the lock
            engine.store.set_busy_timeout(0)
        chunks, step = 1, 0
        while _filled(a, cid) is not None:
            clock.advance(pmap.PAUSE_MS)
            filler, writer = (a, b) if chunks % 2 else (b, a)
            before = _map_rows(a, cid)
            assert filler.fill_partition_maps() or _filled(a, cid) is None
            assert not filler.store.conn.in_transaction
            assert _map_rows(a, cid) - before <= CHUNK + 1  # one chunk (+1 written)
            chunks += 1
            writer.kv.put(cid, _key(1000 + step), b"new")
            writer.kv.remove_keys(cid, [_key(3 * step), _key(299 - 3 * step)])
            writer.kv.put(cid, _key(5 * step), b"over")
            writer.kv.put(cid, _key(2000 + step), b"brief", ExpiryDurations(create=1))
            if step % 2:
                clock.advance(1)
                writer.expire_due()
            step += 1
            _assert_map_exact(a, cid)
            assert _assert_partition_scans_agree(writer, cid, _some_partitions(a, cid))
        assert chunks >= 6
        assert not a.fill_partition_maps()  # nothing left to fill
        assert _assert_map_exact(b, cid).done
        want = _by_partition(a, cid)
        monkeypatch.setattr(scan_module, "partition_of", _no_hashing)
        for part in want:
            got = [e for page in _drain(b, cid, 7, part) for e in page]
            assert dict(got) == want[part]


def _no_hashing(key: bytes, parts: int) -> int:
    raise AssertionError("a scan through the map hashed a key")


def _map_rows(engine: Engine, cid: int) -> int:
    tbl = pmap.map_table(engine.caches.handle(cid).table)
    return int(
        engine.store.conn.execute(f"SELECT count(*) FROM {ident(tbl)}").fetchone()[0]
    )


_DIES_MID_CHUNK = textwrap.dedent(
    """
    import os, signal, sys
    from embergrid.engine import Engine, partition_map
    from embergrid.protocol.binary.hashing import cache_id
    partition_map.CHUNK = int(sys.argv[2])
    with Engine(data_dir=sys.argv[1]) as e:
        cid = cache_id("big")
        h = e.caches.handle(cid)
        e.open_scan(cid, 10, 7).next_page()  # makes the map: its first chunk
        conn = e.store.conn
        conn.execute("BEGIN IMMEDIATE")  # the second chunk, never committed
        partition_map.fill(conn, h.table, partition_map.CHUNK, 10**15, 0)
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.mark.usefixtures("small_chunks")
def test_a_fill_whose_node_died_is_completed_by_another(tmp_path: Path) -> None:
    """A process that made a cache's map and died (SIGKILL) in the middle of
    its second chunk leaves the store saying one chunk is mapped; another
    engine fills the rest, and the map is exact."""
    clock = FakeClock()
    with Engine(clock, tmp_path) as e:
        cid = e.caches.create("big").cache_id
        e.kv.put_all(cid, [(_key(i), b"v") for i in range(300)])
        died = subprocess.run(
            [sys.executable, "-c", _DIES_MID_CHUNK, str(tmp_path), str(CHUNK)],
            timeout=120,
            check=False,
        )
        assert died.returncode == -9
        assert _filled(e, cid) == sorted(_key(i) for i in range(300))[CHUNK - 1]
        assert _map_rows(e, cid) == CHUNK
        e.kv.remove_keys(cid, [_key(i) for i in range(0, 300, 7)])
        assert _assert_partition_scans_agree(e, cid, _some_partitions(e, cid)) == 257
        for _ in range(300 // CHUNK + 1):
            clock.advance(pmap.PAUSE_MS)
            if not e.fill_partition_maps():
                break
        assert _assert_map_exact(e, cid).done
        assert _assert_partition_scans_agree(e, cid) == 257


def test_a_cache_made_again_by_another_node(tmp_path: Path) -> None:
    """Engine a scanned a cache by partition (its map done, its handle kept);
    b destroys the cache and makes it again, with other entries. a's next
    partition scans, its handle stale, read the new table (no map yet: one
    is made) and give its entries."""
    clock = FakeClock()
    with Engine(clock, tmp_path) as a, Engine(clock, tmp_path) as b:
        cid = a.caches.create("again").cache_id
        a.kv.put_all(cid, [(_key(i), b"old") for i in range(100)])
        assert _assert_partition_scans_agree(a, cid) == 100
        old = a.caches.handle(cid).table
        b.caches.destroy(cid)
        assert b.caches.create("again").cache_id == cid
        b.kv.put_all(cid, [(_key(i), b"new") for i in range(50, 120)])
        cursor = a.open_scan(cid, 1000, partition_of(_key(60)))
        assert (_key(60), b"new") in cursor.next_page()[0]
        assert a.caches.handle(cid).table != old
        assert _assert_map_exact(b, cid).done
        assert _assert_partition_scans_agree(a, cid) == 70

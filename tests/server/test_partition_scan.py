"""Partition scans of a large cache on a cluster of two nodes sharing a data dir.

The cache's first partition scan gives it a partition map and maps one chunk
of keys; the nodes map the rest in the background, a short write transaction
per chunk (``engine/partition_map.py``), while clients of both nodes write,
remove and let entries expire. Chunks are made small here (the test's cache
is many chunks, not a million keys). Everything is polled for with generous
deadlines: no assertion depends on how fast the machine runs the nodes.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from embergrid import Client
from embergrid.engine import partition_map as pmap
from embergrid.engine.partitions import partition_of
from embergrid.engine.sqltext import ident
from embergrid.engine.store import Store
from embergrid.protocol.binary.codec import encode
from embergrid.server import Limits, Node, ServerThread

from ._nodes import until

ENTRIES = 5_000
CHUNK = 400


@pytest.fixture
def two_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServerThread, ServerThread]]:
    """Two in-process nodes on ``tmp_path`` (one cluster), small chunks."""
    monkeypatch.setattr(pmap, "CHUNK", CHUNK)
    limits = Limits(expiry_interval=0.2)
    with ExitStack() as stack:
        nodes = tuple(
            stack.enter_context(ServerThread(Node(data_dir=tmp_path, limits=limits)))
            for _ in range(2)
        )
        yield nodes[0], nodes[1]


def _table(store: Store, name: str) -> str:
    (tbl,) = store.conn.execute(
        "SELECT tbl FROM caches WHERE name = ?", (name,)
    ).fetchone()
    return str(tbl)


def _map_done(store: Store, tbl: str) -> bool:
    mapped = pmap.mapped(store.conn, tbl)
    return mapped is not None and mapped.done


def _assert_map_exact(store: Store, tbl: str) -> None:
    """The map holds (partition, key) of exactly the table's keys."""
    conn = store.conn
    keys = [k for (k,) in conn.execute(f"SELECT key FROM {ident(tbl)}")]
    rows = set(conn.execute(f"SELECT part, key FROM {ident(pmap.map_table(tbl))}"))
    assert rows == {(partition_of(k), k) for k in keys}


def _writes(client: Client, name: str, base: int, stop: threading.Event) -> None:
    """New keys, overwrites, removals and entries that expire at once, in
    rounds, until ``stop`` (one round at least)."""
    cache = client.get_cache(name)
    brief = cache.with_expire_policy(create=1)
    n = 0
    while n == 0 or not stop.is_set():
        cache.put(base + n, f"new-{n}")
        cache.put(n * 7 % ENTRIES, f"over-{base}-{n}")
        cache.remove_keys([(base + n * 13) % ENTRIES, base + n - 1])
        brief.put(-(base + n), "brief")
        n += 1


def test_partition_scans_of_a_large_cache_with_two_live_nodes(
    two_nodes: tuple[ServerThread, ServerThread],
) -> None:
    """A cache of many chunks on two live nodes: partition scans from either
    node give exactly their partition's entries before, during and after the
    fill, while both nodes' clients write; the fill completes and the map is
    exact, row by row."""
    a, b = two_nodes
    name = "big"
    store = Store(a.node.engine.data_dir)  # this test's own connection
    ca, cb = Client(partition_aware=False), Client(partition_aware=False)
    with ca.connect(*a.address), cb.connect(*b.address):
        cache = ca.create_cache(name)
        cache.put_all({i: f"v{i}" for i in range(ENTRIES)})
        tbl = _table(store, name)
        part = partition_of(encode(7))
        want = {i for i in range(ENTRIES) if partition_of(encode(i)) == part}
        with cb.get_cache(name).scan(page_size=3, partitions=part) as cur:
            assert set(dict(cur)) == want
        assert pmap.mapped(store.conn, tbl) is not None  # made by that scan

        stop = threading.Event()
        failures: list[BaseException] = []

        def run(client: Client, base: int) -> None:
            try:
                _writes(client, name, base, stop)
            except BaseException as exc:
                failures.append(exc)

        writers = [
            threading.Thread(target=run, args=(ca, 100_000)),
            threading.Thread(target=run, args=(cb, 200_000)),
        ]
        for w in writers:
            w.start()
        try:
            _assert_scans_agree(ca, cb, name)  # while the map is being filled
            until(lambda: _map_done(store, tbl), "the map is filled", 120)
        finally:
            stop.set()
            for w in writers:
                w.join(120)
        assert failures == []
        until(lambda: _no_expired_rows(store, tbl), "the brief entries purged")
        _assert_map_exact(store, tbl)
        _assert_scans_agree(ca, cb, name, quiet=True)
    store.close()


def _no_expired_rows(store: Store, tbl: str) -> bool:
    row = store.conn.execute(
        f"SELECT count(*) FROM {ident(tbl)} WHERE expire_at IS NOT NULL"
    ).fetchone()
    return bool(row[0] == 0)


def _assert_scans_agree(
    ca: Client, cb: Client, name: str, *, quiet: bool = False
) -> None:
    """Scans of a sample of partitions, through both nodes, against full
    scans taken before and after them: every key of a partition scan is of
    that partition, and every entry present and unchanged from before to
    after is in its partition's scan, with its value; with nobody writing
    (``quiet``), each partition scan is exactly its part of the full scan."""
    cache_a, cache_b = ca.get_cache(name), cb.get_cache(name)
    with cache_a.scan(page_size=500) as cur:
        before = dict(cur)
    part_of = {k: partition_of(encode(k)) for k in before}
    by_part: dict[int, dict[int, str]] = defaultdict(dict)
    for k, v in before.items():
        by_part[part_of[k]][k] = v
    sample = [*sorted(by_part)[::37], 0, 1023]
    got: dict[int, dict[int, str]] = {}
    for i, p in enumerate(sample):
        with (cache_a if i % 2 else cache_b).scan(page_size=5, partitions=p) as cur:
            got[p] = dict(cur)
    with cache_a.scan(page_size=500) as cur:
        after = dict(cur)
    for p in sample:
        assert all(partition_of(encode(k)) == p for k in got[p]), p
        stable = {k: v for k, v in by_part[p].items() if after.get(k) == v}
        assert stable.items() <= got[p].items(), p
        if quiet:
            assert got[p] == by_part[p], p

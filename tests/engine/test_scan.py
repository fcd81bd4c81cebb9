"""Scan cursors: paging, has_more, partition filter, concurrent modification."""

from __future__ import annotations

import pytest

from embergrid.engine import Engine, EngineError, FakeClock
from embergrid.protocol.codes import StatusCode


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


def test_partition_filter(clock: FakeClock) -> None:
    engine = Engine(clock=clock, partition_of=lambda key: key[1] % 4)
    try:
        cid = engine.caches.create("p").cache_id
        engine.kv.put_all(cid, [(_key(i), b"v") for i in range(100)])
        for part in range(4):
            keys = [k for p in _drain(engine, cid, 7, part) for k, _ in p]
            assert sorted(keys) == sorted(_key(i) for i in range(100) if i % 4 == part)
        assert sum(len(p) for p in _drain(engine, cid, 7, -1)) == 100
    finally:
        engine.close()


def test_default_partition_of_puts_every_key_in_partition_0(
    engine: Engine, cid: int
) -> None:
    engine.kv.put_all(cid, [(_key(i), b"v") for i in range(5)])
    assert sum(len(p) for p in _drain(engine, cid, 2, 0)) == 5
    assert _drain(engine, cid, 2, 1) == [[]]


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


def test_partition_scans_follow_writes_removals_and_recreation(
    clock: FakeClock,
) -> None:
    """Partitions are recorded by the first partition scan and kept up to date by
    the next ones: keys written since appear, keys removed (or cleared, or of a
    destroyed cache) do not, whatever the values became meanwhile."""
    engine = Engine(clock=clock, partition_of=lambda key: key[1] % 3)

    def keys_of(cid: int, part: int) -> list[int]:
        entries = [e for p in _drain(engine, cid, 4, part) for e in p]
        return sorted(int.from_bytes(k[1:], "little", signed=True) for k, _ in entries)

    try:
        cid = engine.caches.create("p").cache_id
        engine.kv.put_all(cid, [(_key(i), b"old") for i in range(30)])
        assert keys_of(cid, 1) == [i for i in range(30) if i % 3 == 1]
        calls: list[bytes] = []

        def counted(key: bytes) -> int:
            calls.append(key)
            return key[1] % 3

        engine.partition_of = counted
        engine.kv.put_all(cid, [(_key(i), b"new") for i in range(25, 40)])
        engine.kv.remove_keys(cid, [_key(i) for i in range(10)])
        got = [e for p in _drain(engine, cid, 4, 1) for e in p]
        assert sorted(int.from_bytes(k[1:], "little") for k, _ in got) == [
            i for i in range(10, 40) if i % 3 == 1
        ]
        assert {v for k, v in got if k == _key(28)} == {b"new"}  # today's value
        assert sorted(calls) == sorted(_key(i) for i in range(30, 40))  # new keys only
        engine.kv.remove_all(cid)
        assert keys_of(cid, 1) == []
        engine.kv.put(cid, _key(4), b"again")
        assert keys_of(cid, 1) == [4]
        engine.caches.destroy(cid)
        again = engine.caches.create("p").cache_id
        engine.kv.put(again, _key(7), b"v")
        assert keys_of(again, 1) == [7]
    finally:
        engine.close()

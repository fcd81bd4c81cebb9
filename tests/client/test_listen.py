"""Continuous queries through embergrid's client (``Cache.listen`` and
``AioCache.listen``) against both servers, via the root ``target`` fixture: the
same operations must give the same events on our server and on Ignite 2.18.

Covers the event sequence of each kind of change (clearing keys is not one), the
initial query's rows first, the sync callback, order per key and nothing lost under
10,000 rapid updates, unsubscription, and a dropped connection ending the iteration
with a clear error.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from _targets import Target
from embergrid import AioClient, CacheEvent, CacheEventType, Client

CREATED, UPDATED, REMOVED = (
    CacheEventType.CREATED,
    CacheEventType.UPDATED,
    CacheEventType.REMOVED,
)
WAIT_S = 60.0  # a bound on waiting for events that must come (never a timing claim)
SENTINEL = -1  # the key the barrier below writes


# Ignite 2.18 starts delivering a query's events only once its answer to op 2006
# has been sent (``ClientCacheQueryContinuousHandle.startNotifications``, called
# from ``onSent``): a change made in between, by another connection, is not
# delivered. embergrid subscribes before answering. So that the tests pin
# what both must do, each first writes a sentinel key until its event arrives
# (then every later change must be heard) and ignores the sentinel's events.


def _ready(cache: Any, events: Any) -> Iterator[CacheEvent]:
    """``events`` once the query surely hears every change (see above)."""
    heard = threading.Event()

    def prime() -> None:
        i = 0
        while not heard.is_set():
            cache.put(SENTINEL, i)
            i += 1
            heard.wait(0.05)

    writer = threading.Thread(target=prime)
    writer.start()
    before = []
    try:
        for event in events:
            if event.key == SENTINEL:
                break
            before.append(event)
    finally:
        heard.set()
        writer.join()
    return itertools.chain(before, (e for e in events if e.key != SENTINEL))


async def _aready(cache: Any, events: Any) -> AsyncIterator[CacheEvent]:
    """The asyncio twin of ``_ready``."""
    heard = asyncio.Event()

    async def prime() -> None:
        i = 0
        while not heard.is_set():
            await cache.put(SENTINEL, i)
            i += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(heard.wait(), 0.05)

    writer = asyncio.ensure_future(prime())
    before = []
    try:
        async for event in events:
            if event.key == SENTINEL:
                break
            before.append(event)
    finally:
        heard.set()
        await writer
    for event in before:
        yield event
    async for event in events:
        if event.key != SENTINEL:
            yield event


@pytest.fixture
def cache(target: Target, cache_name: str) -> Iterator[Any]:
    client = Client()
    with client.connect(target.host, target.port):
        c = client.create_cache(cache_name)
        yield c
        c.destroy()


@pytest.fixture
async def aio_cache(target: Target, cache_name: str) -> AsyncIterator[Any]:
    client = AioClient()
    async with client.connect(target.host, target.port):
        c = await client.create_cache(cache_name)
        yield c
        await c.destroy()


def _take(events: Iterator[CacheEvent], n: int) -> list[tuple[Any, ...]]:
    out = []
    for event in events:
        out.append((event.type, event.key, event.value, event.old_value))
        if len(out) == n:
            break
    return out


def test_each_kind_of_change_gives_its_event(cache: Any) -> None:
    with cache.listen() as q:
        events = _ready(cache, q)
        cache.put(1, "a")
        cache.put(1, "b")
        cache.replace(1, "c")
        cache.replace(2, "never")  # absent: no change, no event
        cache.put_if_absent(1, "never")  # present: no change
        cache.get_and_put(1, "d")
        cache.remove_key(1)
        cache.remove_key(1)  # absent: nothing
        cache.put(3, "x")
        cache.clear()  # Ignite's clear notifies no listener
        cache.put(4, "y")
        got = _take(events, 7)
    assert got == [
        (CREATED, 1, "a", None),
        (UPDATED, 1, "b", "a"),
        (UPDATED, 1, "c", "b"),
        (UPDATED, 1, "d", "c"),
        (REMOVED, 1, None, "d"),
        (CREATED, 3, "x", None),
        (CREATED, 4, "y", None),
    ]


def test_remove_all_gives_a_removal_per_entry(cache: Any) -> None:
    with cache.listen() as q:
        events = _ready(cache, q)
        cache.put_all({1: "a", 2: "b", 3: "c"})
        cache.remove_all()
        got = _take(events, 6)
    assert sorted(got[:3]) == [
        (CREATED, k, v, None) for k, v in ((1, "a"), (2, "b"), (3, "c"))
    ]
    assert sorted(got[3:]) == [
        (REMOVED, k, None, v) for k, v in ((1, "a"), (2, "b"), (3, "c"))
    ]


def test_clearing_keys_is_heard_by_nobody_removing_them_is(cache: Any) -> None:
    with cache.listen() as q:
        events = _ready(cache, q)
        cache.put(1, "a")
        cache.put(2, "b")
        cache.put(3, "c")
        cache.clear_key(1)
        cache.clear_keys([2, 3])
        cache.put(4, "d")
        cache.remove_keys([4])
        got = _take(events, 5)
    assert got == [
        (CREATED, 1, "a", None),
        (CREATED, 2, "b", None),
        (CREATED, 3, "c", None),
        (CREATED, 4, "d", None),
        (REMOVED, 4, None, "d"),
    ]


def test_initial_query_rows_come_first(cache: Any) -> None:
    cache.put_all({1: "one", 2: "two"})
    with cache.listen(initial_query=True) as q:
        events = _ready(cache, q)
        cache.put(3, "three")
        got = _take(events, 3)
    initial = CacheEventType.INITIAL
    assert sorted(got[:2]) == [(initial, 1, "one", None), (initial, 2, "two", None)]
    assert got[2:] == [(CREATED, 3, "three", None)]


def test_a_callback_gets_each_event_on_its_own_thread(cache: Any) -> None:
    seen: list[CacheEvent] = []
    threads: set[int] = set()
    done = threading.Event()

    primed = threading.Event()

    def on_event(event: CacheEvent) -> None:
        if event.key == SENTINEL:
            primed.set()
            return
        seen.append(event)
        threads.add(threading.get_ident())
        if len(seen) == 2:
            done.set()

    with cache.listen(on_event):
        while not primed.wait(0.05):  # the barrier of _ready, for a callback
            cache.put(SENTINEL, 0)
        cache.put(1, 1)
        cache.put(1, 2)
        assert done.wait(WAIT_S)
    assert [(e.type, e.value, e.old_value) for e in seen] == [
        (CREATED, 1, None),
        (UPDATED, 2, 1),
    ]
    assert threading.get_ident() not in threads


async def test_ten_thousand_rapid_updates_arrive_all_in_order_per_key(
    aio_cache: Any,
) -> None:
    keys, rounds = 10, 1000
    async with aio_cache.listen(page_size=64) as q:
        events = _aready(aio_cache, q)

        async def write(key: int) -> None:
            for i in range(rounds):
                await aio_cache.put(key, i)

        writers = asyncio.gather(*(write(k) for k in range(keys)))
        per_key: dict[int, list[int]] = defaultdict(list)
        olds: dict[int, list[Any]] = defaultdict(list)
        n = 0
        async with asyncio.timeout(WAIT_S * 5):
            async for event in events:
                per_key[event.key].append(event.value)
                olds[event.key].append(event.old_value)
                n += 1
                if n == keys * rounds:
                    break
        await writers
    for k in range(keys):
        assert per_key[k] == list(range(rounds))
        assert olds[k] == [None, *range(rounds - 1)]


async def test_after_unsubscribing_no_event_comes(aio_cache: Any) -> None:
    first = aio_cache.listen()
    async with first:
        events = _aready(aio_cache, first)
        await aio_cache.put(1, "heard")
        assert (await anext(events)).value == "heard"
    async with aio_cache.listen() as second:
        events = _aready(aio_cache, second)
        await aio_cache.put(2, "after")
        assert (await anext(events)).key == 2
    assert [e async for e in first] == []  # closed: the iteration is over


async def test_a_dropped_connection_ends_the_iteration_with_a_clear_error(
    aio_cache: Any,
) -> None:
    async with aio_cache.listen() as q:
        events = _aready(aio_cache, q)
        await aio_cache.put(1, "before")
        assert (await anext(events)).value == "before"
        q._conn.transport.abort()  # the socket goes, as on a network failure
        with pytest.raises(OSError, match=r"continuous query .* was lost"):
            await anext(events)

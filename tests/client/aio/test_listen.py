"""Continuous queries (``listen``) of both shells from one source, against both
servers via the root ``target`` fixture: the same operations must give the same
events on our server and on Ignite 2.18.

Covers the event of each kind of change, a removal per entry of ``remove_all``, the
initial query's rows first, and nothing after unsubscribing. (What one shell has: a
callback on a thread of its own, 10,000 rapid concurrent updates, a dropped
connection: ``tests/client/test_listen.py``.)
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from _targets import Target
from embergrid import AioClient, CacheEvent, CacheEventType, Client

CREATED, UPDATED, REMOVED = (
    CacheEventType.CREATED,
    CacheEventType.UPDATED,
    CacheEventType.REMOVED,
)
SENTINEL = -1  # the key the barrier below writes
Row = tuple[Any, ...]


# Ignite 2.18 starts delivering a query's events only once its answer to op 2006
# has been sent (``ClientCacheQueryContinuousHandle.startNotifications``, called
# from ``onSent``): a change made in between, by another connection, is not
# delivered. embergrid subscribes before answering. So that the tests pin
# what both must do, each first has another connection write a sentinel key until
# its event arrives (then every later change must be heard) and ignores the
# sentinel's events.


def _prime(target: Target, cache_name: str, heard: threading.Event) -> None:
    """Write the sentinel until ``heard``, through a blocking client of its own."""
    client = Client()
    with client.connect(target.host, target.port):
        cache = client.get_cache(cache_name)
        i = 0
        while not heard.is_set():
            cache.put(SENTINEL, i)
            i += 1
            heard.wait(0.05)


async def _ready(target: Target, cache: Any, events: Any) -> AsyncIterator[CacheEvent]:
    """``events`` once the query surely hears every change (see above): the
    barrier runs now, before the caller changes anything."""
    heard = threading.Event()
    writer = threading.Thread(target=_prime, args=(target, cache.name, heard))
    writer.start()
    before = []
    try:
        async for event in events:
            if event.key == SENTINEL:
                break
            before.append(event)
    finally:
        heard.set()
        writer.join()
    return _rest(before, events)


async def _rest(before: list[CacheEvent], events: Any) -> AsyncIterator[CacheEvent]:
    """The events of ``before``, then those of ``events`` but the sentinel's."""
    for event in before:
        yield event
    async for event in events:
        if event.key != SENTINEL:
            yield event


async def _take(events: AsyncIterator[CacheEvent], n: int) -> list[Row]:
    out = []
    async for event in events:
        out.append((event.type, event.key, event.value, event.old_value))
        if len(out) == n:
            break
    return out


@pytest.fixture
async def cache(target: Target, cache_name: str) -> AsyncIterator[Any]:
    client = AioClient()
    async with client.connect(target.host, target.port):
        c = await client.create_cache(cache_name)
        yield c
        await c.destroy()


async def test_each_kind_of_change_gives_its_event(target: Target, cache: Any) -> None:
    async with cache.listen() as q:
        events = await _ready(target, cache, q)
        await cache.put(1, "a")
        await cache.put(1, "b")
        await cache.replace(1, "c")
        await cache.replace(2, "never")  # absent: no change, no event
        await cache.put_if_absent(1, "never")  # present: no change
        await cache.get_and_put(1, "d")
        await cache.remove_key(1)
        await cache.remove_key(1)  # absent: nothing
        await cache.put(3, "x")
        await cache.clear()  # Ignite's clear notifies no listener
        await cache.put(4, "y")
        got = await _take(events, 7)
    assert got == [
        (CREATED, 1, "a", None),
        (UPDATED, 1, "b", "a"),
        (UPDATED, 1, "c", "b"),
        (UPDATED, 1, "d", "c"),
        (REMOVED, 1, None, "d"),
        (CREATED, 3, "x", None),
        (CREATED, 4, "y", None),
    ]


async def test_remove_all_gives_a_removal_per_entry(target: Target, cache: Any) -> None:
    async with cache.listen() as q:
        events = await _ready(target, cache, q)
        await cache.put_all({1: "a", 2: "b", 3: "c"})
        await cache.remove_all()
        got = await _take(events, 6)
    assert sorted(got[:3]) == [
        (CREATED, k, v, None) for k, v in ((1, "a"), (2, "b"), (3, "c"))
    ]
    assert sorted(got[3:]) == [
        (REMOVED, k, None, v) for k, v in ((1, "a"), (2, "b"), (3, "c"))
    ]


async def test_clearing_keys_is_heard_by_nobody_removing_them_is(
    target: Target, cache: Any
) -> None:
    async with cache.listen() as q:
        events = await _ready(target, cache, q)
        await cache.put(1, "a")
        await cache.put(2, "b")
        await cache.put(3, "c")
        await cache.clear_key(1)
        await cache.clear_keys([2, 3])
        await cache.put(4, "d")
        await cache.remove_keys([4])
        got = await _take(events, 5)
    assert got == [
        (CREATED, 1, "a", None),
        (CREATED, 2, "b", None),
        (CREATED, 3, "c", None),
        (CREATED, 4, "d", None),
        (REMOVED, 4, None, "d"),
    ]


async def test_initial_query_rows_come_first(target: Target, cache: Any) -> None:
    await cache.put_all({1: "one", 2: "two"})
    async with cache.listen(initial_query=True) as q:
        events = await _ready(target, cache, q)
        await cache.put(3, "three")
        got = await _take(events, 3)
    initial = CacheEventType.INITIAL
    assert sorted(got[:2]) == [(initial, 1, "one", None), (initial, 2, "two", None)]
    assert got[2:] == [(CREATED, 3, "three", None)]


async def test_after_unsubscribing_no_event_comes(target: Target, cache: Any) -> None:
    first = cache.listen()
    async with first:
        events = await _ready(target, cache, first)
        await cache.put(1, "heard")
        assert await _take(events, 1) == [(CREATED, 1, "heard", None)]
    async with cache.listen() as second:
        events = await _ready(target, cache, second)
        await cache.put(2, "after")
        assert await _take(events, 1) == [(CREATED, 2, "after", None)]
    assert [e async for e in first] == []  # closed: the iteration is over

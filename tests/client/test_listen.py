"""Continuous queries through embergrid's client, what one shell has, against both
servers via the root ``target`` fixture: the same operations must give the same
events on our server and on Ignite 2.18.

Covers the sync callback (on a thread of its own), order per key and nothing lost
under 10,000 rapid updates from concurrent coroutines, and a dropped asyncio
connection ending the iteration with a clear error. (What both shells do alike:
``tests/client/aio/test_listen.py``.)
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aio.test_listen import SENTINEL, _ready  # the barrier, as the shared tests use it

from _targets import Target
from embergrid import AioClient, CacheEvent, CacheEventType, Client

CREATED, UPDATED, REMOVED = (
    CacheEventType.CREATED,
    CacheEventType.UPDATED,
    CacheEventType.REMOVED,
)
WAIT_S = 60.0  # a bound on waiting for events that must come (never a timing claim)


# Each test first waits until its query surely hears every change (the sentinel
# barrier of ``aio/test_listen.py``, where the reason is told).


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
    target: Target, aio_cache: Any
) -> None:
    keys, rounds = 10, 1000
    async with aio_cache.listen(page_size=64) as q:
        events = await _ready(target, aio_cache, q)

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


async def test_a_dropped_connection_ends_the_iteration_with_a_clear_error(
    target: Target, aio_cache: Any
) -> None:
    async with aio_cache.listen() as q:
        events = await _ready(target, aio_cache, q)
        await aio_cache.put(1, "before")
        assert (await anext(events)).value == "before"
        q._conn.transport.abort()  # the socket goes, as on a network failure
        with pytest.raises(OSError, match=r"continuous query .* was lost"):
            await anext(events)

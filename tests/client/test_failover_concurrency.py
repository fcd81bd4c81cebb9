"""One client shared by threads, and by many coroutines: what only one shell has.
(Failover, a node killed mid-request and under a loop of work, in both shells:
``tests/client/aio/test_failover.py``.)"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from embergrid import AioClient, Client


def test_eight_threads_share_one_client(client: Client, cache_name: str) -> None:
    cache = client.create_cache(cache_name)
    failures: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(200):
                key = (t, i)[0] * 1000 + i
                cache.put(key, f"v{t}-{i}")
                assert cache.get(key) == f"v{t}-{i}"
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []
    assert cache.get_size() == 1600
    cache.destroy()


async def test_hundred_coroutines_on_one_aio_client(
    aio_client: AioClient, cache_name: str
) -> None:
    cache = await aio_client.create_cache(cache_name)

    async def work(i: int) -> Any:
        await cache.put(i, i * 2)
        return await cache.get(i)

    results = await asyncio.gather(*(work(i) for i in range(100)))
    assert results == [i * 2 for i in range(100)]
    assert await cache.get_size() == 100
    async with cache.scan(page_size=7) as cursor:
        assert {k: v async for k, v in cursor} == {i: i * 2 for i in range(100)}
    await cache.destroy()

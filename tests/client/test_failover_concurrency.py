"""One client shared by threads, and by many coroutines: what only one shell has,
against both servers (``target``: this session's embergrid, then the reference
node). (Failover, a node killed mid-request and under a loop of work, in both
shells: ``tests/client/aio/test_failover.py``.)"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from _targets import Target
from embergrid import AioClient, Client


def test_eight_threads_share_one_client(target: Target, cache_name: str) -> None:
    client = Client()
    failures: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(200):
                key = t * 1000 + i
                cache.put(key, f"v{t}-{i}")
                assert cache.get(key) == f"v{t}-{i}"
        except BaseException as exc:
            failures.append(exc)

    with client.connect(target.host, target.port):
        cache = client.create_cache(cache_name)
        try:
            threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            assert failures == []
            assert cache.get_size() == 1600
        finally:
            cache.destroy()


async def test_hundred_coroutines_on_one_aio_client(
    target: Target, cache_name: str
) -> None:
    """100 concurrent requests on one connection: every reply reaches its caller."""
    client = AioClient()
    async with client.connect(target.host, target.port):
        cache = await client.create_cache(cache_name)

        async def work(i: int) -> Any:
            await cache.put(i, i * 2)
            return await cache.get(i)

        try:
            results = await asyncio.gather(*(work(i) for i in range(100)))
            assert results == [i * 2 for i in range(100)]
            assert await cache.get_size() == 100
            async with cache.scan(page_size=7) as cursor:
                assert {k: v async for k, v in cursor} == {i: i * 2 for i in range(100)}
        finally:
            await cache.destroy()

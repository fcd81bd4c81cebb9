"""The ``target`` fixture itself: one body, both servers, same put/get answer."""

from __future__ import annotations

from _targets import Target


def test_put_get_on_each_target(target: Target, cache_name: str) -> None:
    with target.client() as client:
        cache = client.create_cache(cache_name)
        try:
            cache.put(1, "one")
            assert cache.get(1) == "one"
            assert client.get_cache_names().count(cache_name) == 1
        finally:
            cache.destroy()


async def test_aio_put_get_on_each_target(target: Target, cache_name: str) -> None:
    async with target.aio_client() as client:
        cache = await client.create_cache(cache_name)
        try:
            await cache.put("k", 2.5)
            assert await cache.get("k") == 2.5
        finally:
            await cache.destroy()

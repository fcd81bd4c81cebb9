"""The pipelined loader ``put_all_streamed`` (``AioCache`` here, ``Cache`` in the
generated twin), against both servers: what it stores equals what pyignite's
``put_all`` of the same entries stores; a batch the server refuses raises its
error after every batch sent is answered, and the connection goes on working."""

from __future__ import annotations

from typing import Any

import pyignite
import pytest

from _targets import Target
from embergrid import AioClient
from embergrid.datatypes.prop_codes import PROP_CACHE_ATOMICITY_MODE, PROP_NAME
from embergrid.errors import CacheError, ParameterError

ENTRIES = {i: f"value {i}" for i in range(2_500)}
TRANSACTIONAL = 0


def _stored(target: Target, name: str) -> list[tuple[Any, Any]]:
    """Every entry of cache ``name``, read with pyignite."""
    client = pyignite.Client()
    with (
        client.connect(target.host, target.port),
        client.get_cache(name).scan(page_size=1000) as cursor,
    ):
        return sorted(cursor)


def _put_all_by_pyignite(target: Target, name: str, pairs: dict[Any, Any]) -> None:
    client = pyignite.Client()
    with client.connect(target.host, target.port):
        cache = client.create_cache(name)
        for start in range(0, len(pairs), 1000):
            chunk = dict(list(pairs.items())[start : start + 1000])
            cache.put_all(chunk)


def _destroy(target: Target, name: str) -> None:
    client = pyignite.Client()
    with client.connect(target.host, target.port):
        client.get_cache(name).destroy()


@pytest.mark.parametrize(
    ("batch_size", "window"), [(100, 4), (1, 16), (5_000, 8)], ids=str
)
async def test_stores_what_put_all_stores(
    target: Target, cache_name: str, batch_size: int, window: int
) -> None:
    client = AioClient()
    async with client.connect(target.host, target.port):
        cache = await client.create_cache(cache_name)
        await cache.put_all_streamed(ENTRIES, batch_size=batch_size, window=window)
        assert await cache.get_size() == len(ENTRIES)
    ours = _stored(target, cache_name)
    _destroy(target, cache_name)
    _put_all_by_pyignite(target, cache_name, ENTRIES)
    try:
        assert ours == _stored(target, cache_name)
    finally:
        _destroy(target, cache_name)


async def test_reads_pairs_lazily(target: Target, cache_name: str) -> None:
    taken: list[int] = []

    def pairs() -> Any:
        for i in range(1_000):
            taken.append(i)
            yield i, i * i

    client = AioClient()
    async with client.connect(target.host, target.port):
        cache = await client.create_cache(cache_name)
        try:
            await cache.put_all_streamed(pairs(), batch_size=64, window=2)
            assert taken == list(range(1_000))
            assert await cache.get_all([0, 7, 999]) == {0: 0, 7: 49, 999: 998_001}
        finally:
            await cache.destroy()


async def test_a_refused_batch_raises_and_the_connection_goes_on(
    target: Target, cache_name: str
) -> None:
    client = AioClient()
    async with client.connect(target.host, target.port):
        cache = await client.create_cache(cache_name)
        await cache.destroy()  # every batch now fails: the cache is gone
        with pytest.raises(CacheError):
            await cache.put_all_streamed(ENTRIES, batch_size=100, window=8)
        other = await client.create_cache(cache_name + "-after")
        try:
            await other.put(1, "one")
            assert await other.get(1) == "one"
        finally:
            await other.destroy()


async def test_not_inside_a_transaction(target: Target, cache_name: str) -> None:
    client = AioClient()
    async with client.connect(target.host, target.port):
        cache = await client.create_cache(
            {PROP_NAME: cache_name, PROP_CACHE_ATOMICITY_MODE: TRANSACTIONAL}
        )
        try:
            async with client.tx_start():
                with pytest.raises(ParameterError, match="transaction"):
                    await cache.put_all_streamed({1: 1})
            assert await cache.get_size() == 0
        finally:
            await cache.destroy()


async def test_a_window_or_batch_below_one_is_refused(
    target: Target, cache_name: str
) -> None:
    client = AioClient()
    async with client.connect(target.host, target.port):
        cache = await client.create_cache(cache_name)
        try:
            with pytest.raises(ParameterError, match="window"):
                await cache.put_all_streamed({1: 1}, window=0)
            with pytest.raises(ParameterError, match="batch_size"):
                await cache.put_all_streamed({1: 1}, batch_size=0)
            assert await cache.get_size() == 0
        finally:
            await cache.destroy()

"""Fixtures for server tests: real pyignite 0.6.1 clients against the session server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pyignite import AioClient, Client
from pyignite.aio_cache import AioCache
from pyignite.cache import Cache


@pytest.fixture
def client(server_address: tuple[str, int]) -> Iterator[Client]:
    """A connected pyignite ``Client`` (partition awareness on, its default)."""
    c = Client()
    with c.connect(*server_address):
        yield c


@pytest.fixture
async def aio_client(server_address: tuple[str, int]) -> AsyncIterator[AioClient]:
    c = AioClient()
    async with c.connect(*server_address):
        yield c


@pytest.fixture
def cache(client: Client, cache_name: str) -> Iterator[Cache]:
    """A fresh cache for this test, destroyed afterwards."""
    c = client.create_cache(cache_name)
    yield c
    c.destroy()


@pytest.fixture
async def aio_cache(aio_client: AioClient, cache_name: str) -> AsyncIterator[AioCache]:
    c = await aio_client.create_cache(cache_name)
    yield c
    await c.destroy()

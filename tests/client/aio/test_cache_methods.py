"""Every cache method, through ``AioCache`` here and ``Cache`` in the generated twin
(``tests/client/sync/``), compared with pyignite's answers on the same server.

One scenario calls each public method of the cache at least once, with arguments
that take both branches where there are two (a replace that finds the key and one
that does not, ...). It runs with embergrid's client and with pyignite's, against
both servers (root ``target`` fixture); the two lists of answers must be equal, and
the methods called must be all the cache has.
"""

from __future__ import annotations

from typing import Any

import pyignite
import pytest

from _targets import Target
from embergrid import AioClient
from embergrid.client.aio.cache import AioCache

METHODS = sorted(
    name
    for name, value in vars(AioCache).items()
    if not name.startswith("_") and callable(value)
)


class Recorded:
    """A cache whose method calls are recorded by name."""

    def __init__(self, cache: Any, called: set[str]) -> None:
        self._cache, self._called = cache, called

    def __getattr__(self, name: str) -> Any:
        self._called.add(name)
        return getattr(self._cache, name)


async def _settings(cache: Recorded) -> dict[int, Any]:
    """pyignite's settings: awaited in the asyncio API, a property in the other."""
    return await cache.settings()  # aio-only
    # sync-only: return cache.settings


async def _scenario(cache: Recorded) -> list[Any]:
    out: list[Any] = []
    await cache.put(1, "a")
    out.append(await cache.get(1))
    await cache.put_all({2: "b", 3: "c"})
    out.append(sorted((await cache.get_all([1, 2, 3, 4])).items()))
    out += [await cache.replace(1, "a2"), await cache.replace(99, "x")]
    out += [await cache.contains_key(1), await cache.contains_key(99)]
    out += [await cache.contains_keys([1, 2]), await cache.contains_keys([1, 99])]
    out.append(await cache.get_and_put(1, "a3"))
    out.append(await cache.get_and_put_if_absent(1, "z"))
    out.append(await cache.get_and_put_if_absent(5, "e"))
    out += [await cache.put_if_absent(5, "x"), await cache.put_if_absent(6, "f")]
    out += [await cache.get_and_remove(6), await cache.get_and_remove(6)]
    out += [await cache.get_and_replace(5, "e2"), await cache.get_and_replace(77, "q")]
    out += [await cache.remove_key(5), await cache.remove_key(5)]
    out.append(await cache.remove_if_equals(3, "nope"))
    out.append(await cache.remove_if_equals(3, "c"))
    out.append(await cache.replace_if_equals(2, "b", "b2"))
    out.append(await cache.replace_if_equals(2, "b", "b3"))
    out.append(await cache.get_size())
    async with cache.scan(page_size=1) as cursor:
        out.append(sorted([(k, v) async for k, v in cursor]))
    await cache.clear_key(2)
    out.append(await cache.get(2))
    await cache.put_all({7: "g", 8: "h", 9: "i"})
    await cache.clear_keys([7])
    await cache.remove_keys([8])
    out.append(sorted((await cache.get_all([7, 8, 9])).items()))
    await cache.clear([9])
    out.append(await cache.get_size())
    await cache.put(10, "j")
    await cache.remove_all()
    out.append(await cache.get_size())
    await cache.put(11, "k")
    await cache.clear()
    out.append(await cache.get_size())
    expiring = cache.with_expire_policy(access=60_000)
    await expiring.put(12, "l")
    out.append(await expiring.get(12))
    out += [cache.name, cache.cache_id == cache.cache_info.cache_id]
    out.append(cache.client is not None)
    out.append((await _settings(cache))[0])  # PROP_NAME
    return out


async def _run(
    client_cls: Any, target: Target, name: str
) -> tuple[list[Any], set[str]]:
    called: set[str] = set()
    client = client_cls()
    async with client.connect(target.host, target.port):
        cache = Recorded(await client.create_cache(name), called)
        try:
            out = await _scenario(cache)
        finally:
            await cache.destroy()
    return out, called


async def test_every_cache_method_answers_as_pyignite(
    target: Target, cache_name: str
) -> None:
    ours, called = await _run(AioClient, target, cache_name)
    theirs, _ = await _run(pyignite.AioClient, target, cache_name)
    assert ours == theirs
    assert ours[-1] == cache_name
    # select_row: below (needs SQL); put_all_streamed: pyignite has none, so its
    # oracle is pyignite's put_all (test_put_all_streamed.py); listen: pyignite has
    # none (test_listen.py)
    assert set(METHODS) - {"select_row", "put_all_streamed", "listen"} <= called


CREATE = "CREATE TABLE IF NOT EXISTS SelRow (id INT PRIMARY KEY, v INT)"
FILL = "MERGE INTO SelRow (id, v) VALUES (1, 3), (2, 4), (3, 3)"


async def test_select_row_answers_as_pyignite(server_address: tuple[str, int]) -> None:
    """pyignite's asyncio cache has no select_row: its blocking one is the oracle."""
    with pyignite.Client().connect(*server_address) as theirs:
        theirs.client.sql(CREATE)
        theirs.client.sql(FILL)
        cache = theirs.client.get_cache("SQL_PUBLIC_SELROW")
        with cache.select_row("v = ? ORDER BY id", 1, query_args=[3]) as cur:
            expected = [(k, v.V) for k, v in cur]
    client = AioClient()
    async with client.connect(*server_address):
        cache = await client.get_cache("SQL_PUBLIC_SELROW")
        async with cache.select_row("v = ? ORDER BY id", 1, query_args=[3]) as cur:
            assert [(k, v.V) async for k, v in cur] == expected == [(1, 3), (3, 3)]


def test_the_scenario_names_every_public_method() -> None:
    """The scenario's check covers what the cache class has, methods added later
    included (``METHODS`` is read from the class)."""
    assert {"get", "put", "scan", "select_row", "with_expire_policy"} <= set(METHODS)
    with pytest.raises(AttributeError):
        Recorded(object(), set()).no_such_method  # noqa: B018

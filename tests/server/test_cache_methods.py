"""Every key-value method of pyignite's ``Cache`` and ``AioCache`` against us."""

from __future__ import annotations

import pytest
from pyignite import AioClient, Client
from pyignite.aio_cache import AioCache
from pyignite.api.key_value import cache_local_peek
from pyignite.cache import Cache
from pyignite.datatypes import CharObject, IntObject, ShortObject
from pyignite.datatypes.cache_config import CacheMode
from pyignite.datatypes.key_value import PeekModes
from pyignite.datatypes.prop_codes import (
    PROP_BACKUPS_NUMBER,
    PROP_CACHE_KEY_CONFIGURATION,
    PROP_CACHE_MODE,
    PROP_NAME,
)
from pyignite.exceptions import CacheError

from embergrid.engine import messages
from embergrid.protocol.binary.hashing import cache_id


def test_put_get_and_replace_family(cache: Cache) -> None:
    assert cache.get_and_put("k", 1) is None
    assert cache.get_and_put("k", 2) == 1
    assert cache.get_and_replace("k", 3) == 2
    assert cache.get_and_replace("absent", 3) is None
    assert not cache.contains_key("absent")
    assert cache.replace("k", 4)
    assert not cache.replace("absent", 4)
    assert cache.get("k") == 4
    assert not cache.put_if_absent("k", 5)
    assert cache.put_if_absent("k2", 5)
    assert cache.get_and_put_if_absent("k2", 6) == 5
    assert cache.get_and_put_if_absent("k3", 7) is None
    assert cache.get("k3") == 7
    assert cache.get_and_remove("k3") == 7
    assert cache.get_and_remove("k3") is None


def test_conditional_ops(cache: Cache) -> None:
    cache.put("k", 1)
    assert not cache.replace_if_equals("k", 2, 10)
    assert cache.replace_if_equals("k", 1, 10)
    assert cache.get("k") == 10
    assert not cache.remove_if_equals("k", 1)
    assert cache.remove_if_equals("k", 10)
    assert not cache.contains_key("k")
    cache.put("s", 1, value_hint=ShortObject)
    assert not cache.replace_if_equals("s", 1, 2)  # 1 as Long != 1 as Short
    assert cache.replace_if_equals("s", 1, 2, sample_hint=ShortObject)


def test_bulk_ops(cache: Cache) -> None:
    cache.put_all({i: str(i) for i in range(10)})
    assert cache.get_size() == 10
    assert cache.get_all([0, 5, 99]) == {0: "0", 5: "5"}
    assert cache.contains_keys([1, 2, 3])
    assert not cache.contains_keys([1, 99])
    cache.remove_keys([0, 1])
    cache.clear_keys([2, 3])
    cache.clear_key(4)
    assert cache.remove_key(5)
    assert not cache.remove_key(5)
    assert sorted(cache.get_all(list(range(10)))) == [6, 7, 8, 9]
    cache.clear()
    assert cache.get_size() == 0
    cache.put_all({1: 1, 2: 2})
    cache.remove_all()
    assert cache.get_size() == 0


def test_get_size_peek_modes(cache: Cache) -> None:
    cache.put_all({1: 1, 2: 2, 3: 3})
    assert cache.get_size() == 3
    assert cache.get_size(PeekModes.PRIMARY) == 3
    assert cache.get_size([PeekModes.ALL]) == 3
    assert cache.get_size(PeekModes.BACKUP) == 0
    assert cache.get_size(PeekModes.NEAR) == 0


def test_local_peek(client: Client, cache: Cache) -> None:
    cache.put("k", "v")
    conn = client.random_node
    assert cache_local_peek(conn, cache.cache_info, "k").value == "v"
    assert cache_local_peek(conn, cache.cache_info, "absent").value is None


def test_keys_differ_by_type(cache: Cache) -> None:
    cache.put("a", 1)
    cache.put("a", 2, key_hint=CharObject)
    cache.put(7, "long")
    cache.put(7, "int", key_hint=IntObject)
    assert cache.get_size() == 4
    assert cache.get(7, key_hint=IntObject) == "int"


def test_settings_read_back(client: Client, cache_name: str) -> None:
    cfg = {
        PROP_NAME: cache_name,
        PROP_CACHE_MODE: CacheMode.REPLICATED,
        PROP_BACKUPS_NUMBER: 2,
        PROP_CACHE_KEY_CONFIGURATION: [
            {"type_name": "Person", "affinity_key_field_name": "company_id"}
        ],
    }
    cache = client.create_cache(cfg)
    try:
        settings = cache.settings
        assert settings[PROP_NAME] == cache_name
        assert settings[PROP_CACHE_MODE] == CacheMode.REPLICATED
        # As on Ignite 2.18: a REPLICATED cache reads back Integer.MAX_VALUE backups.
        assert settings[PROP_BACKUPS_NUMBER] == 2**31 - 1
        assert settings[PROP_CACHE_KEY_CONFIGURATION] == [
            {"type_name": "Person", "affinity_key_field_name": "company_id"}
        ]
        same = client.get_or_create_cache(cache_name)
        assert same.settings[PROP_CACHE_MODE] == CacheMode.REPLICATED
    finally:
        cache.destroy()


def test_cache_names_and_destroy(client: Client, cache_name: str) -> None:
    client.create_cache(cache_name)
    client.get_or_create_cache(cache_name + "-2")
    names = client.get_cache_names()
    assert cache_name in names
    assert cache_name + "-2" in names
    client.get_cache(cache_name).destroy()
    client.get_cache(cache_name + "-2").destroy()
    assert cache_name not in client.get_cache_names()


def test_create_existing_cache_fails(client: Client, cache: Cache) -> None:
    with pytest.raises(CacheError) as info:
        client.create_cache(cache.name)
    assert str(info.value) == messages.cache_exists(cache.name)


def test_missing_cache_errors(client: Client, cache_name: str) -> None:
    missing = client.get_cache(cache_name)
    expected = messages.cache_not_found(cache_id(cache_name))
    for call in (
        lambda: missing.get(1),
        lambda: missing.put(1, 1),
        lambda: missing.get_all([1]),
        lambda: missing.get_size(),
        lambda: missing.settings,
        lambda: missing.destroy(),
    ):
        with pytest.raises(CacheError) as info:
            call()
        assert str(info.value) == expected
    with pytest.raises(CacheError) as info, missing.scan() as cursor:
        list(cursor)
    assert str(info.value) == expected


def test_null_value_is_refused(cache: Cache) -> None:
    with pytest.raises(CacheError, match="Argument cannot be null"):
        cache.put("k", None)


async def test_aio_cache_methods(aio_cache: AioCache) -> None:
    c = aio_cache
    await c.put("k", 1)
    assert await c.get("k") == 1
    assert await c.get_and_put("k", 2) == 1
    assert await c.get_and_replace("k", 3) == 2
    assert await c.replace("k", 4)
    assert not await c.put_if_absent("k", 5)
    assert await c.get_and_put_if_absent("n", 6) is None
    assert await c.replace_if_equals("n", 6, 7)
    assert await c.remove_if_equals("n", 7)
    await c.put_all({i: i for i in range(5)})
    assert await c.get_all([0, 1, 99]) == {0: 0, 1: 1}
    assert await c.contains_key(0)
    assert await c.contains_keys([0, 1])
    assert await c.get_size() == 6  # "k" and 0..4
    assert await c.get_and_remove(0) == 0
    assert await c.remove_key("k")
    assert await c.remove_key(1)
    await c.remove_keys([2])
    await c.clear_key(3)
    await c.clear_keys([4])
    assert await c.get_size() == 0
    await c.put_all({i: i for i in range(30)})
    async with c.scan(page_size=7) as cursor:
        got = {k: v async for k, v in cursor}
    assert got == {i: i for i in range(30)}
    await c.clear()
    await c.put(1, 1)
    await c.remove_all()
    assert await c.get_size() == 0
    assert (await c.settings())[PROP_NAME] == c.name


async def test_aio_missing_cache(aio_client: AioClient, cache_name: str) -> None:
    missing = await aio_client.get_cache(cache_name)
    with pytest.raises(CacheError) as info:
        await missing.get(1)
    assert str(info.value) == messages.cache_not_found(cache_id(cache_name))


def test_pyignite_partition_awareness_gets_our_map(
    client: Client, cache: Cache
) -> None:
    assert client.partition_aware
    cache.put("k", 1)
    assert cache.get("k") == 1  # routed through the 1101 map
    mapping = client._cache_partition_mapping(cache.cache_id)
    assert mapping["is_applicable"]
    ((node_uuid, parts),) = mapping["node_mapping"].items()
    assert node_uuid == client.random_node.uuid
    assert sorted(parts) == list(range(1024))
    assert mapping["number_of_partitions"] == 1024

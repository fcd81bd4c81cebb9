"""Caches on both servers: configuration read back, common mistakes, scans, get_size.

Each scenario runs on embergrid and on Apache Ignite 2.18 and the normalized outcomes
must be equal (values, or exception class + status + message).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from pyignite import Client
from pyignite.datatypes import ExpiryPolicy, IntObject, String
from pyignite.datatypes import prop_codes as prop
from pyignite.datatypes.key_value import PeekModes

from embergrid.engine.partitions import partition_of
from embergrid.protocol.binary.codec import encode

from .conftest import Pair, unique

QUERY_ENTITY = {
    "table_name": "PERSON",
    "key_field_name": None,
    "key_type_name": "java.lang.Integer",
    "value_field_name": None,
    "value_type_name": "compat.Person",
    "field_name_aliases": [{"field_name": "name", "alias": "FULL_NAME"}],
    "query_fields": [
        {
            "name": "name",
            "type_name": "java.lang.String",
            "is_key_field": False,
            "is_notnull_constraint_field": True,
            "default_value": None,
            "precision": 20,
            "scale": -1,
        },
        {
            "name": "salary",
            "type_name": "java.math.BigDecimal",
            "is_key_field": False,
            "is_notnull_constraint_field": False,
            "default_value": None,
            "precision": 10,
            "scale": 2,
        },
    ],
    "query_indexes": [
        {
            "index_name": "PERSON_NAME_IDX",
            "index_type": 0,
            "inline_size": -1,
            "fields": [{"name": "name", "is_descending": True}],
        }
    ],
}

SETTINGS: dict[str, dict[int, Any]] = {
    "by-name": {},
    "replicated": {prop.PROP_CACHE_MODE: 1},
    "transactional-backups": {
        prop.PROP_CACHE_ATOMICITY_MODE: 0,
        prop.PROP_BACKUPS_NUMBER: 2,
        prop.PROP_WRITE_SYNCHRONIZATION_MODE: 0,
    },
    "flags": {
        prop.PROP_COPY_ON_READ: False,
        prop.PROP_READ_FROM_BACKUP: False,
        prop.PROP_IS_ONHEAP_CACHE_ENABLED: True,
        prop.PROP_EAGER_TTL: False,
        prop.PROP_STATISTICS_ENABLED: True,
    },
    "expiry-policy": {
        prop.PROP_EXPIRY_POLICY: ExpiryPolicy(
            create=timedelta(seconds=5), update=1500, access=timedelta(minutes=1)
        )
    },
    "key-configuration": {
        prop.PROP_CACHE_KEY_CONFIGURATION: [
            {"type_name": "compat.PersonKey", "affinity_key_field_name": "org_id"}
        ]
    },
    "query-entities": {
        prop.PROP_QUERY_ENTITIES: [QUERY_ENTITY],
        prop.PROP_SQL_SCHEMA: "COMPAT",
        prop.PROP_QUERY_PARALLELISM: 2,
        prop.PROP_SQL_INDEX_INLINE_MAX_SIZE: 64,
        prop.PROP_SQL_ESCAPE_ALL: True,
        prop.PROP_MAX_QUERY_ITERATORS: 77,
        prop.PROP_QUERY_DETAIL_METRIC_SIZE: 5,
    },
    "rebalance-and-limits": {
        prop.PROP_REBALANCE_MODE: 2,
        prop.PROP_REBALANCE_DELAY: 10,
        prop.PROP_REBALANCE_TIMEOUT: 5000,
        prop.PROP_REBALANCE_BATCH_SIZE: 4096,
        prop.PROP_REBALANCE_BATCHES_PREFETCH_COUNT: 2,
        prop.PROP_REBALANCE_ORDER: 1,
        prop.PROP_REBALANCE_THROTTLE: 7,
        prop.PROP_DEFAULT_LOCK_TIMEOUT: 3000,
        prop.PROP_MAX_CONCURRENT_ASYNC_OPERATIONS: 100,
        prop.PROP_PARTITION_LOSS_POLICY: 0,
    },
}


def expiry_fields(policy: Any) -> Any:
    if isinstance(policy, ExpiryPolicy):
        return ("expiry", policy.create, policy.update, policy.access)
    return policy


def read_back(client: Client, settings: dict[int, Any]) -> list[Callable[[], Any]]:
    def create() -> dict[int, Any]:
        cache = client.create_cache(settings)
        got = dict(cache.settings)
        got[prop.PROP_EXPIRY_POLICY] = expiry_fields(got.get(prop.PROP_EXPIRY_POLICY))
        return got

    name = settings[prop.PROP_NAME]
    return [
        create,
        lambda: name in client.get_cache_names(),
        lambda: client.get_or_create_cache(name).settings[prop.PROP_CACHE_MODE],
        lambda: client.get_cache(name).destroy(),
    ]


@pytest.mark.parametrize("case", SETTINGS, ids=list(SETTINGS))
def test_configuration_read_back(pair: Pair, case: str) -> None:
    name = unique(case)
    settings = {prop.PROP_NAME: name, **SETTINGS[case]}
    if case == "transactional-backups":
        settings[prop.PROP_GROUP_NAME] = name + "-group"
    pair.assert_same_steps(lambda c: read_back(c, settings))


def test_create_by_name_settings(pair: Pair) -> None:
    name = unique("plain")

    def steps(client: Client) -> list[Callable[[], Any]]:
        return [
            lambda: dict(client.create_cache(name).settings),
            lambda: dict(client.get_or_create_cache(name).settings),
            lambda: client.get_cache(name).destroy(),
        ]

    pair.assert_same_steps(steps)


def mistakes(client: Client, name: str) -> list[Callable[[], Any]]:
    missing = client.get_cache(name + "-missing")
    return [
        lambda: missing.get(1),
        lambda: missing.put(1, 1),
        lambda: missing.get_size(),
        lambda: missing.destroy(),
        lambda: client.create_cache(name),
        lambda: client.create_cache(name),
        lambda: client.create_cache({prop.PROP_NAME: name}),
        lambda: client.get_cache(name).put(1, None),
        lambda: client.get_cache(name).put(None, 1),
        lambda: client.get_cache(name).get(None),
        lambda: client.get_cache(name).replace(1, None),
        lambda: client.get_cache(name).destroy(),
        lambda: client.get_cache(name).destroy(),
    ]


def test_common_mistakes(pair: Pair) -> None:
    name = unique("mistakes")
    pair.assert_same_steps(lambda c: mistakes(c, name))


def field_type_change(client: Client, type_name: str) -> list[Callable[[], Any]]:
    return [
        lambda: client.put_binary_type(
            type_name, schema={"f1": String, "f2": IntObject}
        ),
        lambda: client.put_binary_type(
            type_name, schema={"f1": String, "f3": IntObject}
        ),
        lambda: client.put_binary_type(type_name, schema={"f1": IntObject}),
        lambda: client.put_binary_type(type_name, schema={"f2": String}),
    ]


def test_binary_field_changing_type(pair: Pair) -> None:
    # The same type name on both servers: its type id (and so the message) is equal.
    type_name = unique("FieldChange")
    pair.assert_same_steps(lambda c: field_type_change(c, type_name))


@pytest.fixture(scope="module")
def filled(pair: Pair) -> Iterator[str]:
    """A cache with 40 mixed entries on both servers."""
    name = unique("scan")
    for _, client in pair.clients():
        cache = client.create_cache(name)
        cache.put_all({i: f"v{i}" for i in range(30)})
        cache.put_all({f"k{i}": i * 1.5 for i in range(10)})
    yield name
    for _, client in pair.clients():
        client.get_cache(name).destroy()


@pytest.mark.parametrize("page_size", [1, 7, 40, 1000])
def test_scan_contents_by_page_size(pair: Pair, filled: str, page_size: int) -> None:
    def scan(client: Client) -> list[Callable[[], Any]]:
        cache = client.get_cache(filled)
        return [lambda: sorted(map(repr, cache.scan(page_size=page_size)))]

    [(_, entries)] = pair.assert_same_steps(scan)
    assert len(entries) == 40


def partition_scans(client: Client, name: str) -> list[Callable[[], Any]]:
    cache = client.get_cache(name)
    parts = [0, 1, 13, 512, 1023]
    return [
        (lambda p=p: sorted(map(repr, cache.scan(page_size=5, partitions=p))))
        for p in parts
    ]


def test_scan_single_partitions(pair: Pair, filled: str) -> None:
    pair.assert_same_steps(lambda c: partition_scans(c, filled))


def test_scan_of_partitions_out_of_range(pair: Pair, filled: str) -> None:
    """A partition number past the 1024 partitions fails with Ignite's text; a
    negative one scans every partition."""

    def steps(client: Client) -> list[Callable[[], Any]]:
        cache = client.get_cache(filled)
        return [
            (lambda p=p: sorted(map(repr, cache.scan(partitions=p))))
            for p in (1024, 5000, -2)
        ]

    outcomes = pair.assert_same_steps(steps)
    assert outcomes[0][0] == "error"
    assert len(outcomes[2][1]) == 40


def test_scan_with_key_of_each_partition(pair: Pair, filled: str) -> None:
    """Scanning the partition pyignite computes for a key finds that key."""

    def steps(client: Client) -> list[Callable[[], Any]]:
        cache = client.get_cache(filled)
        out: list[Callable[[], Any]] = []
        for key in (0, 5, 29, "k3"):
            part = (
                cache._get_affinity_key_partition(key)
                if hasattr(cache, "_get_affinity_key_partition")
                else None
            )
            out.append(
                lambda p=part, k=key: (
                    (p is None) or any(kk == k for kk, _ in cache.scan(partitions=p))
                )
            )
        return out

    pair.assert_same_steps(steps)


@pytest.mark.parametrize("mode", ["partitioned", "replicated"])
def test_scan_of_partitions_that_hold_keys(pair: Pair, mode: str) -> None:
    """Keys of several types over the cache's partitions (1024; 512 for a
    REPLICATED cache): a dozen partitions that hold keys scan to the same
    entries on both servers, and partition numbers around the cache's count
    succeed or fail alike."""
    name = unique(f"parts-{mode}")
    parts = 512 if mode == "replicated" else 1024
    keys: list[Any] = [*range(300), *(f"k{i}" for i in range(100))]
    keys += [i + 0.5 for i in range(50)]
    held = sorted({partition_of(encode(k), parts) for k in keys})
    chosen = [*held[:: len(held) // 12][:12], parts - 1, parts, 1023, 1024]

    def steps(client: Client) -> list[Callable[[], Any]]:
        cache = client.create_cache(
            {prop.PROP_NAME: name, prop.PROP_CACHE_MODE: 1 if parts == 512 else 2}
        )
        cache.put_all({k: repr(k) for k in keys})
        return [
            *(
                (lambda p=p: sorted(map(repr, cache.scan(page_size=5, partitions=p))))
                for p in chosen
            ),
            cache.destroy,
        ]

    outcomes = pair.assert_same_steps(steps)
    assert all(o[0] == "ok" for o in outcomes[:12])
    assert sum(len(o[1]) for o in outcomes[:12]) >= 12  # the chosen ones hold keys


PEEKS = {
    "default": None,
    "empty-list": [],
    "all": [PeekModes.ALL],
    "primary": [PeekModes.PRIMARY],
    "backup": [PeekModes.BACKUP],
    "near": [PeekModes.NEAR],
    "onheap": [PeekModes.ONHEAP],
    "offheap": [PeekModes.OFFHEAP],
    "primary-backup": [PeekModes.PRIMARY, PeekModes.BACKUP],
}


@pytest.mark.parametrize("peek", PEEKS, ids=list(PEEKS))
def test_get_size_peek_modes(pair: Pair, filled: str, peek: str) -> None:
    def steps(client: Client) -> list[Callable[[], Any]]:
        cache = client.get_cache(filled)
        return [lambda: cache.get_size(PEEKS[peek])]

    pair.assert_same_steps(steps)


def test_get_size_after_removals(pair: Pair) -> None:
    name = unique("size")

    def steps(client: Client) -> list[Callable[[], Any]]:
        cache = client.get_cache(name)
        return [
            lambda: client.create_cache(name).get_size(),
            lambda: cache.put_all({i: i for i in range(12)}),
            lambda: cache.get_size(),
            lambda: cache.remove_keys([0, 1, 2, 99]),
            lambda: cache.get_size([PeekModes.ALL]),
            lambda: cache.clear_keys([3, 4]),
            lambda: cache.clear_key(5),
            lambda: cache.get_size(),
            lambda: cache.clear(),
            lambda: cache.get_size(),
            lambda: cache.put(1, 1),
            lambda: cache.remove_all(),
            lambda: cache.get_size(),
            lambda: cache.destroy(),
        ]

    pair.assert_same_steps(steps)

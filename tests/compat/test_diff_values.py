"""Every key-value op of pyignite's Cache with every value type and hint, both servers.

Each test runs one scenario against embergrid and against Apache Ignite 2.18 and
asserts the normalized outcomes are equal (values, or exception class + status +
message). Rows come from ``_values.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pyignite import Client
from pyignite.datatypes import (
    ByteObject,
    IntObject,
    LongObject,
    ShortObject,
    String,
)

from ._values import KEYS, VALUES
from .conftest import Pair, unique


@pytest.fixture(scope="module")
def cache(pair: Pair) -> Iterator[str]:
    """One cache with the same name on both servers, for the whole module."""
    name = unique("values")
    for _, client in pair.clients():
        client.create_cache(name)
    yield name
    for _, client in pair.clients():
        client.get_cache(name).destroy()


def value_ops(
    client: Client, cache: str, key: str, value: Any, hint: Any
) -> list[Callable[[], Any]]:
    """The ops as separate steps, so one failing op does not hide the others."""
    c = client.get_cache(cache)
    pair_value = (value, hint) if hint is not None else value
    steps: list[Callable[[], Any]] = [
        lambda: c.put(key, value, value_hint=hint),
        lambda: c.get(key),
        lambda: c.get_all([key]),
        lambda: c.get_and_put(key, "second"),
        lambda: c.replace_if_equals(key, "second", value, value_hint=hint),
        lambda: c.get(key),
        lambda: c.replace_if_equals(key, value, "third", sample_hint=hint),
        lambda: c.get_and_replace(key, value, value_hint=hint),
        lambda: c.put_if_absent(key, value, value_hint=hint),
        lambda: c.put_all({key: pair_value}),
        lambda: c.get(key),
        lambda: c.remove_if_equals(key, value, sample_hint=hint),
        lambda: c.contains_key(key),
        lambda: c.get_and_put_if_absent(key, value, value_hint=hint),
        lambda: c.get_and_remove(key),
        lambda: c.contains_key(key),
    ]
    return steps


@pytest.mark.parametrize(
    ("value", "hint"), [r[1:] for r in VALUES], ids=[r[0] for r in VALUES]
)
def test_value_ops(
    pair: Pair, cache: str, value: Any, hint: Any, request: pytest.FixtureRequest
) -> None:
    key = request.node.name
    pair.assert_same_steps(lambda c: value_ops(c, cache, key, value, hint))


def key_ops(client: Client, cache: str, key: Any, hint: Any) -> list[Any]:
    c = client.get_cache(cache)
    out: list[Any] = [c.put(key, "v1", key_hint=hint)]
    out.append(c.get(key, key_hint=hint))
    out.append(c.contains_key(key, key_hint=hint))
    out.append(c.contains_keys([key]))
    out.append(c.get_all([key]))
    out.append(c.replace(key, "v2", key_hint=hint))
    out.append(c.get(key, key_hint=hint))
    out.append(c.remove_key(key, key_hint=hint))
    out.append(c.contains_key(key, key_hint=hint))
    return out


@pytest.mark.parametrize(
    ("key", "hint"), [r[1:] for r in KEYS], ids=[r[0] for r in KEYS]
)
def test_key_ops(pair: Pair, key: Any, hint: Any) -> None:
    name = unique("keys")
    for _, client in pair.clients():
        client.create_cache(name)
    try:
        pair.assert_same(lambda c: key_ops(c, name, key, hint))
    finally:
        for _, client in pair.clients():
            client.get_cache(name).destroy()


def hinted_keys(client: Client, cache: str) -> list[Any]:
    c = client.get_cache(cache)
    hints = [None, ByteObject, ShortObject, IntObject, LongObject]
    for i, hint in enumerate(hints):
        c.put(7, f"as-{i}", key_hint=hint)
    c.put("7", "as-string", key_hint=String)
    got = [c.get(7, key_hint=h) for h in hints]
    return [got, c.get("7"), c.get_size(), sorted(v for _, v in c.scan())]


def test_key_hints_make_distinct_keys(pair: Pair) -> None:
    name = unique("hinted")
    for _, client in pair.clients():
        client.create_cache(name)
    try:
        result = pair.assert_same(lambda c: hinted_keys(c, name))
        assert result[1][2] == ("int", 5)  # None and LongObject both encode as long
    finally:
        for _, client in pair.clients():
            client.get_cache(name).destroy()

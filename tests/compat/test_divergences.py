"""Pinned divergences: what embergrid and Ignite 2.18 each do where they differ.

Each test carries ``@pytest.mark.divergence(key)`` (reasons in ``divergences.py``) and
asserts both sides' actual behaviour, so a change on either side shows up here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pyignite.datatypes import CollectionObject, IntArrayObject
from pyignite.exceptions import ParseError

from ._outcome import outcome
from ._values import person
from .conftest import Pair, unique


@pytest.fixture
def name(pair: Pair) -> Iterator[str]:
    """A fresh cache with the same name on both servers."""
    cache = unique("div")
    for _, client in pair.clients():
        client.create_cache(cache)
    yield cache
    for _, client in pair.clients():
        client.get_cache(cache).destroy()


@pytest.mark.divergence("singleton-list-blob")
def test_singleton_list_comes_back_unreadable_from_ignite(
    pair: Pair, name: str
) -> None:
    value = (CollectionObject.SINGLETON_LIST, ["only"])
    ours = pair.ours_client.get_cache(name)
    ours.put(1, value, value_hint=CollectionObject)
    assert ours.get(1) == value
    theirs = pair.ignite_client.get_cache(name)
    theirs.put(1, value, value_hint=CollectionObject)
    with pytest.raises(ParseError, match="Unknown type code"):
        theirs.get(1)


@pytest.mark.divergence("compare-binary-object-with-other-type")
def test_complex_sample_error_with_an_array_key(pair: Pair, name: str) -> None:
    """Java prints an array key with its identity hash (``[I@1b2c3d``), which
    embergrid cannot know: it prints ``?`` (floats and doubles print as Java's
    now: test_diff_compare.py's PRINTABLE_KEYS)."""
    key = [1, 2]
    results = {}
    for side, client in pair.clients():
        cache = client.get_cache(name)
        cache.put(key, "a string", key_hint=IntArrayObject)
        results[side] = (
            outcome(
                lambda c=cache: c.replace_if_equals(
                    key, person("A", 1), "x", key_hint=IntArrayObject
                )
            ),
            outcome(lambda c=cache: c.get(key, key_hint=IntArrayObject)),
        )
    failed = "Failed to update keys (retry update if possible).: [{}]"
    assert results["embergrid"] == (
        ("error", "CacheError", None, failed.format("?")),
        ("ok", ("str", "a string")),
    )
    kind, cls, status, text = results["ignite"][0]
    assert (kind, cls, status) == ("error", "CacheError", None)
    assert re.fullmatch(
        re.escape(failed.format("<k>")).replace("<k>", r"\[I@[0-9a-f]+"), text
    )
    assert results["ignite"][1] == ("ok", ("str", "a string"))

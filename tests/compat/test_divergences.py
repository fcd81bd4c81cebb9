"""Pinned divergences: what embergrid and Ignite 2.18 each do where they differ.

Each test carries ``@pytest.mark.divergence(key)`` (reasons in ``divergences.py``) and
asserts both sides' actual behaviour, so a change on either side shows up here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyignite.datatypes import CollectionObject, MapObject
from pyignite.datatypes import prop_codes as prop
from pyignite.exceptions import ParseError

from ._outcome import outcome
from ._values import person
from .conftest import Pair, unique
from .test_diff_caches import QUERY_ENTITY


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


@pytest.mark.divergence("java-equals-on-containers")
def test_equality_of_a_map_holding_an_array(pair: Pair, name: str) -> None:
    value, hint = (MapObject.LINKED_HASH_MAP, {"z": [1, 2]}), MapObject
    answers = {}
    for side, client in pair.clients():
        cache = client.get_cache(name)
        cache.put(1, value, value_hint=hint)
        answers[side] = (
            cache.replace_if_equals(1, value, "new", sample_hint=hint),
            cache.remove_if_equals(1, value, sample_hint=hint),
        )
    assert answers["embergrid"] == (True, False)  # replaced, so nothing left to remove
    assert answers["ignite"] == (False, False)


@pytest.mark.divergence("compare-binary-object-with-other-type")
def test_complex_sample_against_a_string(pair: Pair, name: str) -> None:
    results = {}
    for side, client in pair.clients():
        cache = client.get_cache(name)
        cache.put("k", "a string")
        results[side] = (
            outcome(lambda c=cache: c.replace_if_equals("k", person("A", 1), "x")),
            outcome(lambda c=cache: c.remove_if_equals("k", person("A", 1))),
            outcome(lambda c=cache: c.get("k")),
        )
    assert results["embergrid"] == (
        ("ok", ("bool", False)),
        ("ok", ("bool", False)),
        ("ok", ("str", "a string")),
    )
    failed = (
        "error",
        "CacheError",
        None,
        "Failed to update keys (retry update if possible).: [k]",
    )
    assert results["ignite"] == (failed, failed, ("ok", ("str", "a string")))


@pytest.mark.divergence("replicated-backups")
def test_replicated_cache_backups(pair: Pair) -> None:
    name = unique("repl")
    backups = {}
    for side, client in pair.clients():
        cache = client.create_cache({prop.PROP_NAME: name, prop.PROP_CACHE_MODE: 1})
        backups[side] = cache.settings[prop.PROP_BACKUPS_NUMBER]
        cache.destroy()
    assert backups == {"embergrid": 0, "ignite": 2**31 - 1}


@pytest.mark.divergence("query-entity-default-aliases")
@pytest.mark.parametrize(("escape", "alias"), [(False, "SALARY"), (True, "salary")])
def test_query_entity_aliases(pair: Pair, escape: bool, alias: str) -> None:
    name = unique("aliases")
    aliases = {}
    for side, client in pair.clients():
        cache = client.create_cache(
            {
                prop.PROP_NAME: name,
                prop.PROP_QUERY_ENTITIES: [QUERY_ENTITY],
                prop.PROP_SQL_ESCAPE_ALL: escape,
            }
        )
        [entity] = cache.settings[prop.PROP_QUERY_ENTITIES]
        aliases[side] = entity["field_name_aliases"]
        cache.destroy()
    sent = [{"field_name": "name", "alias": "FULL_NAME"}]
    assert aliases["embergrid"] == sent
    assert aliases["ignite"] == [*sent, {"field_name": "salary", "alias": alias}]


@pytest.mark.divergence("contains-keys-duplicates")
def test_contains_keys_with_a_duplicate(pair: Pair, name: str) -> None:
    answers = {}
    for side, client in pair.clients():
        cache = client.get_cache(name)
        cache.put(5, 0)
        answers[side] = (cache.contains_keys([5]), cache.contains_keys([5, 5]))
    assert answers == {"embergrid": (True, True), "ignite": (True, False)}

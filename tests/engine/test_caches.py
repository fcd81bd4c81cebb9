"""Cache registry: create, get-or-create, names, configuration, destroy, ids."""

from __future__ import annotations

import pytest
from pyignite.utils import cache_id as pyignite_cache_id

from embergrid.engine import Engine, EngineError, java_string_hash
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import (
    REPLICATED,
    TRANSACTIONAL,
    CacheConfiguration,
    CacheKeyConfiguration,
    ExpiryDurations,
    QueryEntity,
    QueryField,
    QueryIndex,
    QueryIndexField,
)


@pytest.mark.parametrize(
    "name", ["my_bucket", "myCache", "SQL_PUBLIC_PERSON", "", "ключ", "a" * 300]
)
def test_cache_id_matches_pyignite(name: str) -> None:
    assert java_string_hash(name) == pyignite_cache_id(name)


def test_cache_id_hashes_utf16_units_like_java() -> None:
    # Java: "\U0001F600" is the surrogate pair D83D DE00 -> 31*0xD83D + 0xDE00.
    # (pyignite hashes code points instead and disagrees here.)
    assert java_string_hash("\U0001f600") == 31 * 0xD83D + 0xDE00 == 1772899


def test_create_returns_handle_with_java_hash_id(engine: Engine) -> None:
    h = engine.caches.create("myCache")
    assert h.cache_id == pyignite_cache_id("myCache")
    assert h.name == "myCache"
    assert engine.caches.configuration(h.cache_id) == CacheConfiguration(name="myCache")


def test_create_twice_is_status_1001_with_ignite_text(engine: Engine) -> None:
    engine.caches.create("dup")
    with pytest.raises(EngineError) as info:
        engine.caches.create(CacheConfiguration(name="dup", backups=2))
    assert info.value.status == StatusCode.CACHE_EXISTS
    assert info.value.message == (
        "Failed to start cache (a cache with the same name is already started): dup"
    )


def test_get_or_create_keeps_the_first_configuration(engine: Engine) -> None:
    first = engine.caches.get_or_create(CacheConfiguration(name="c", backups=1))
    again = engine.caches.get_or_create(CacheConfiguration(name="c", backups=3))
    assert again.cache_id == first.cache_id
    assert engine.caches.configuration(first.cache_id).backups == 1
    assert engine.caches.get_or_create("c").config.backups == 1


def test_names_are_listed_and_case_sensitive(engine: Engine) -> None:
    engine.caches.create("b")
    engine.caches.create("a")
    engine.caches.create("A")
    assert sorted(engine.caches.names()) == ["A", "a", "b"]


def test_destroy_removes_cache_and_entries(engine: Engine) -> None:
    h = engine.caches.create("gone")
    engine.kv.put(h.cache_id, b"k", b"v")
    engine.caches.destroy(h.cache_id)
    assert engine.caches.names() == []
    with pytest.raises(EngineError) as info:
        engine.kv.get(h.cache_id, b"k")
    assert info.value.status == StatusCode.CACHE_DOES_NOT_EXIST
    # a new cache with the same name starts empty
    again = engine.caches.create("gone")
    assert again.cache_id == h.cache_id
    assert engine.kv.get(again.cache_id, b"k") is None


def test_destroy_unknown_is_status_1000(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        engine.caches.destroy(-1910710239)
    assert info.value.status == StatusCode.CACHE_DOES_NOT_EXIST
    assert info.value.message == "Cache does not exist [cacheId= -1910710239]"


def test_configuration_of_unknown_cache_is_status_1000(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        engine.caches.configuration(7)
    assert info.value.status == StatusCode.CACHE_DOES_NOT_EXIST


def test_full_configuration_round_trips_equal(engine: Engine) -> None:
    cfg = CacheConfiguration(
        name="full",
        cache_mode=REPLICATED,
        atomicity_mode=TRANSACTIONAL,
        backups=2,
        sql_schema="PUBLIC",
        group_name="grp",
        key_configuration=(CacheKeyConfiguration("Person", "orgId"),),
        expiry_policy=ExpiryDurations(create=1000, update=-2, access=0),
        query_entities=(
            QueryEntity(
                key_type_name="java.lang.Integer",
                value_type_name="Person",
                table_name="PERSON",
                query_fields=(
                    QueryField("id", "java.lang.Integer", is_key_field=True),
                    QueryField(
                        "name",
                        "java.lang.String",
                        default_value=b"\x09\x00\x00\x00\x00",
                    ),
                ),
                field_name_aliases=(("name", "NAME"),),
                query_indexes=(
                    QueryIndex(
                        "idx", 0, -1, (QueryIndexField("name", is_descending=True),)
                    ),
                ),
            ),
        ),
    )
    h = engine.caches.create(cfg)
    got = engine.caches.configuration(h.cache_id)
    assert got == cfg
    assert (
        got.query_entities[0].query_fields[1].default_value == b"\x09\x00\x00\x00\x00"
    )

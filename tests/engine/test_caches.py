"""Cache registry: create, get-or-create, names, configuration, destroy, ids."""

from __future__ import annotations

import pytest
from pyignite.utils import cache_id as pyignite_cache_id

from embergrid.engine import Engine, EngineError
from embergrid.protocol.binary.hashing import java_string_hash
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import (
    PARTITIONED,
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
    """A configuration already in Ignite's normal form reads back unchanged."""
    cfg = CacheConfiguration(
        name="full",
        cache_mode=PARTITIONED,
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
                field_name_aliases=(("name", "NAME"), ("id", "ID")),
                query_indexes=(
                    QueryIndex(
                        "IDX", 0, -1, (QueryIndexField("name", is_descending=True),)
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


# -- the configuration as Ignite 2.18 stores it (pinned on the reference node) ----


@pytest.mark.parametrize("asked", [0, 3])
def test_replicated_cache_reads_back_int_max_backups(
    engine: Engine, asked: int
) -> None:
    h = engine.caches.create(
        CacheConfiguration(name=f"r{asked}", cache_mode=REPLICATED, backups=asked)
    )
    assert engine.caches.configuration(h.cache_id).backups == 2**31 - 1
    again = engine.caches.get_or_create(
        CacheConfiguration(name=f"r{asked}", cache_mode=PARTITIONED, backups=7)
    )
    assert (again.config.cache_mode, again.config.backups) == (REPLICATED, 2**31 - 1)


def test_partitioned_cache_keeps_its_backups(engine: Engine) -> None:
    h = engine.caches.create(CacheConfiguration(name="p", backups=1))
    assert engine.caches.configuration(h.cache_id).backups == 1


def _entity(
    fields: list[str],
    aliases: tuple[tuple[str, str], ...] = (),
    value_type: str = "p.V",
    table: str | None = None,
    indexes: tuple[QueryIndex, ...] = (),
) -> QueryEntity:
    return QueryEntity(
        "java.lang.Integer",
        value_type,
        table,
        query_fields=tuple(QueryField(f, "java.lang.String") for f in fields),
        field_name_aliases=aliases,
        query_indexes=indexes,
    )


def _stored(engine: Engine, e: QueryEntity, escape: bool) -> QueryEntity:
    name = f"q{len(engine.caches.names())}"
    cfg = CacheConfiguration(name=name, query_entities=(e,), sql_escape_all=escape)
    h = engine.caches.create(cfg)
    [got] = engine.caches.configuration(h.cache_id).query_entities
    return got


MIXED = [
    "camelCase",
    "UPPER",
    "lower_x",
    "with space",
    '"quoted"',
    "a.b",
    "ümlaut",
    "ß",
]
MANY = [f"f{i}" for i in range(20)] + ["zeta", "alpha", "Mid", "q"]

# (fields, sent aliases, escape) -> aliases as Ignite 2.18 returned them
# (java.util.HashMap order).
ALIAS_CASES = [
    (["name", "salary"], (("name", "FULL_NAME"),), False,
     [("name", "FULL_NAME"), ("salary", "SALARY")]),
    (["name", "salary"], (("name", "FULL_NAME"),), True,
     [("name", "FULL_NAME"), ("salary", "salary")]),
    (MIXED, (), False,
     [("UPPER", "UPPER"), ("ümlaut", "ÜMLAUT"), ("a.b", "B"),
      ("with space", "WITH SPACE"), ('"quoted"', '"QUOTED"'),
      ("camelCase", "CAMELCASE"), ("lower_x", "LOWER_X"), ("ß", "SS")]),
    (MIXED, (), True,
     [("UPPER", "UPPER"), ("ümlaut", "ümlaut"), ("a.b", "b"),
      ("with space", "with space"), ('"quoted"', '"quoted"'),
      ("camelCase", "camelCase"), ("lower_x", "lower_x"), ("ß", "ß")]),
    (["name"], (("other", "OTHER_A"),), False, [("name", "NAME")]),
    (["name"], (("other", "OTHER_A"),), True,
     [("name", "name"), ("other", "OTHER_A")]),
    (["name"], (("name", "name"),), False, [("name", "NAME")]),
    (["name", "b"], (("name", "full_name"), ("b", '"Quoted"')), False,
     [("b", '"QUOTED"'), ("name", "FULL_NAME")]),
    (["name", "b"], (("name", "full_name"), ("b", '"Quoted"')), True,
     [("name", "full_name"), ("b", '"Quoted"')]),
    (["a", "b", "c"], (("c", "CC"),), True, [("a", "a"), ("b", "b"), ("c", "CC")]),
    (["addr.street", "x"], (), False, [("x", "X"), ("addr.street", "STREET")]),
    ([], (), False, []),
    (MANY, (("f3", "THREE"), ("zz", "ZZ")), False,
     [("zeta", "ZETA"), ("f10", "F10"), ("f12", "F12"), ("f11", "F11"),
      ("f14", "F14"), ("f13", "F13"), ("Mid", "MID"), ("f0", "F0"), ("f16", "F16"),
      ("f1", "F1"), ("f15", "F15"), ("f2", "F2"), ("f18", "F18"), ("f3", "THREE"),
      ("f17", "F17"), ("f4", "F4"), ("f5", "F5"), ("f19", "F19"), ("f6", "F6"),
      ("f7", "F7"), ("q", "Q"), ("f8", "F8"), ("f9", "F9"), ("alpha", "ALPHA")]),
    (MANY, (("f3", "THREE"), ("zz", "ZZ")), True,
     [("zz", "ZZ"), ("f10", "f10"), ("f12", "f12"), ("f11", "f11"), ("f14", "f14"),
      ("f13", "f13"), ("f0", "f0"), ("f16", "f16"), ("f1", "f1"), ("f15", "f15"),
      ("f2", "f2"), ("f18", "f18"), ("f3", "THREE"), ("f17", "f17"), ("f4", "f4"),
      ("f5", "f5"), ("f19", "f19"), ("f6", "f6"), ("f7", "f7"), ("f8", "f8"),
      ("f9", "f9"), ("alpha", "alpha"), ("zeta", "zeta"), ("Mid", "Mid"),
      ("q", "q")]),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "sent", "escape", "expected"), ALIAS_CASES)
def test_query_entity_aliases_as_ignite_fills_them(
    engine: Engine,
    fields: list[str],
    sent: tuple[tuple[str, str], ...],
    escape: bool,
    expected: list[tuple[str, str]],
) -> None:
    got = _stored(engine, _entity(fields, sent), escape)
    assert list(got.field_name_aliases) == expected


@pytest.mark.parametrize(
    ("value_type", "table", "escape", "expected"),
    [
        ("p.V", None, False, "V"),
        ("p.Outer$Inner", None, False, "INNER"),
        ("p.Outer$Inner", None, True, "Inner"),
        ("Plain", None, True, "Plain"),
        ("p.V", "person_tbl", False, "PERSON_TBL"),
        ("p.V", "person_tbl", True, "person_tbl"),
        ("p.V", '"Person"', False, '"PERSON"'),
    ],
)
def test_query_entity_table_name_as_ignite_fills_it(
    engine: Engine, value_type: str, table: str | None, escape: bool, expected: str
) -> None:
    got = _stored(engine, _entity(["a"], value_type=value_type, table=table), escape)
    assert got.table_name == expected


@pytest.mark.parametrize(
    ("escape", "expected"),
    [(False, ["V_A_ASC_B_DESC_IDX", "MYIDX"]), (True, ["v_a_asc_b_desc_idx", "myIdx"])],
)
def test_query_index_names_as_ignite_fills_them(
    engine: Engine, escape: bool, expected: list[str]
) -> None:
    indexes = (
        QueryIndex(None, 0, -1, (QueryIndexField("a"), QueryIndexField("b", True))),
        QueryIndex("myIdx", 0, -1, (QueryIndexField("b"),)),
    )
    got = _stored(engine, _entity(["a", "b"], indexes=indexes), escape)
    assert [i.index_name for i in got.query_indexes] == expected
    assert got.query_indexes[0].fields == indexes[0].fields

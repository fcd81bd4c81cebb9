"""The seed's SQL, read_binary and create_binary examples, with pyignite 0.6.1 and ours.

Each runs with both clients (``lib``: real pyignite, then embergrid imported by the
seed's names) against this session's embergrid server and against the Ignite 2.17 SQL
reference node (``reference`` marker); the printed results must equal what
pyignite's published SQL and binary examples print.
"""

from __future__ import annotations

import importlib
import re
from collections import OrderedDict
from types import SimpleNamespace
from typing import Any

import pytest
from _world import create_world, drop_world

MOST_POPULATED = "\nSELECT name, population FROM City ORDER BY population DESC LIMIT 10"
SEED_MOST_POPULATED = """\
['Mumbai (Bombay)', 10500000]
['Shanghai', 9696300]
['New York', 8008278]
['Peking', 7472000]
['Delhi', 7206704]
['Chongqing', 6351600]
['Tianjin', 5286800]
['Calcutta [Kolkata]', 4399819]
['Wuhan', 4344600]
['Harbin', 4289800]"""

IN_3_COUNTRIES = """
SELECT country.name as country_name, city.name as city_name, MAX(city.population) AS max_pop FROM country
    JOIN city ON city.countrycode = country.code
    WHERE country.code IN ('USA','IND','CHN')
    GROUP BY country.name, city.name ORDER BY max_pop DESC LIMIT 10
"""  # noqa: E501 (the seed's text)
SEED_IN_3_COUNTRIES = """\
['COUNTRY_NAME', 'CITY_NAME', 'MAX_POP']
----------------------------------------
['India', 'Mumbai (Bombay)', 10500000]
['China', 'Shanghai', 9696300]
['United States', 'New York', 8008278]
['China', 'Peking', 7472000]
['India', 'Delhi', 7206704]
['China', 'Chongqing', 6351600]
['China', 'Tianjin', 5286800]
['India', 'Calcutta [Kolkata]', 4399819]
['China', 'Wuhan', 4344600]
['China', 'Harbin', 4289800]"""

SEED_CITY_INFO = """\
ID: 3802
NAME: Detroit
COUNTRYCODE: USA
DISTRICT: Michigan
POPULATION: 951270"""

SQL_CACHES = {"SQL_PUBLIC_CITY", "SQL_PUBLIC_COUNTRY", "SQL_PUBLIC_COUNTRYLANGUAGE"}
UUID_PART = "[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}"

# What the seed imports, by module: (module suffix, names).
SEED_IMPORTS = (
    ("", ("Client", "AioClient", "GenericObjectMeta")),
    (".datatypes", ("DoubleObject", "IntObject", "String")),
    (".datatypes.prop_codes", ("PROP_NAME", "PROP_QUERY_ENTITIES", "PROP_SQL_SCHEMA")),
    (".exceptions", ("SQLError",)),
)


@pytest.fixture(params=["pyignite", "embergrid"], ids=["via-pyignite", "via-embergrid"])
def lib(request: pytest.FixtureRequest) -> SimpleNamespace:
    """The seed's imports from ``pyignite``, or the same names from ``embergrid``."""
    names: dict[str, Any] = {}
    for suffix, wanted in SEED_IMPORTS:
        module = importlib.import_module(request.param + suffix)
        names.update((n, getattr(module, n)) for n in wanted)
    return SimpleNamespace(**names)


def test_sql_example_prints_the_seed(
    lib: SimpleNamespace, sql_address: tuple[str, int], world: Any
) -> None:
    client = lib.Client()
    with client.connect(*sql_address):
        create_world(client, world)
        with client.sql(MOST_POPULATED) as cursor:
            assert "\n".join(str(row) for row in cursor) == SEED_MOST_POPULATED
        with client.sql(IN_3_COUNTRIES, include_field_names=True) as cursor:
            lines = [str(next(cursor)), "-" * 40, *(str(row) for row in cursor)]
        assert "\n".join(lines) == SEED_IN_3_COUNTRIES
        with client.sql(
            "SELECT * FROM City WHERE id = ?",
            query_args=[3802],
            include_field_names=True,
        ) as cursor:
            field_names = next(cursor)
            field_data: list[Any] = list(*cursor)
        printed = [
            f"{n}: {v}"
            for n, v in zip(field_names * len(field_data), field_data, strict=False)
        ]
        assert "\n".join(printed) == SEED_CITY_INFO
        drop_world(client)
        assert not SQL_CACHES & set(client.get_cache_names())


async def test_async_sql_example(
    lib: SimpleNamespace, sql_address: tuple[str, int], world: Any
) -> None:
    sync = lib.Client()
    with sync.connect(*sql_address):
        create_world(sync, world)
    client = lib.AioClient()
    async with client.connect(*sql_address):
        async with client.sql(MOST_POPULATED) as cursor:
            rows = [str(row) async for row in cursor]
        assert "\n".join(rows) == SEED_MOST_POPULATED
        async with client.sql(
            "SELECT * FROM City WHERE id = ?",
            query_args=[3802],
            include_field_names=True,
        ) as cursor:
            got = [row async for row in cursor]
        assert got == [
            ["ID", "NAME", "COUNTRYCODE", "DISTRICT", "POPULATION"],
            [3802, "Detroit", "USA", "Michigan", 951270],
        ]
    with sync.connect(*sql_address):
        drop_world(sync)


def test_read_binary_example(
    lib: SimpleNamespace, sql_address: tuple[str, int], world: Any
) -> None:
    client = lib.Client()
    with client.connect(*sql_address):
        create_world(client, world)
        # The seed's 'PUBLIC' cache is the one pyignite < 0.5 made for client.sql()
        # (get_or_create_cache(schema)); 0.6.1 sends cache id 0 and makes none.
        assert set(client.get_cache_names()) >= SQL_CACHES
        assert "PUBLIC" not in client.get_cache_names()
        public = client.get_or_create_cache("PUBLIC")
        assert set(client.get_cache_names()) >= SQL_CACHES | {"PUBLIC"}

        city_cache = client.get_or_create_cache("SQL_PUBLIC_CITY")
        assert city_cache.settings[lib.PROP_NAME] == "SQL_PUBLIC_CITY"
        (entity,) = city_cache.settings[lib.PROP_QUERY_ENTITIES]
        key_type, value_type = entity["key_type_name"], entity["value_type_name"]
        assert re.fullmatch(f"SQL_PUBLIC_CITY_{UUID_PART}_KEY", key_type)
        assert key_type == value_type + "_KEY"
        assert entity["table_name"] == "CITY"
        assert entity["key_field_name"] is None
        assert entity["query_indexes"] == []
        assert [
            (f["name"], f["type_name"], f["is_key_field"], f["precision"])
            for f in entity["query_fields"]
        ] == [
            ("ID", "java.lang.Integer", True, -1),
            ("NAME", "java.lang.String", False, 35),
            ("COUNTRYCODE", "java.lang.String", True, 3),
            ("DISTRICT", "java.lang.String", False, 20),
            ("POPULATION", "java.lang.Integer", False, -1),
        ]
        assert sorted(a["field_name"] for a in entity["field_name_aliases"]) == sorted(
            f["name"] for f in entity["query_fields"]
        )

        with city_cache.scan() as cursor:
            entries = {k.ID: (k, v) for k, v in cursor}
        assert len(entries) == len(world["City"])
        printed = str(entries[1890])
        suffix = value_type.removeprefix("SQL_PUBLIC_CITY_")
        assert printed.replace(suffix, "<uuid>") == (
            "(SQL_PUBLIC_CITY_<uuid>_KEY(ID=1890, COUNTRYCODE='CHN', version=1), "
            "SQL_PUBLIC_CITY_<uuid>(NAME='Shanghai', DISTRICT='Shanghai', "
            "POPULATION=9696300, version=1))"
        )
        public.destroy()
        drop_world(client)


def test_create_binary_example(
    lib: SimpleNamespace, sql_address: tuple[str, int]
) -> None:
    client = lib.Client()
    with client.connect(*sql_address):
        student_cache = client.create_cache(
            {
                lib.PROP_NAME: "SQL_PUBLIC_STUDENT",
                lib.PROP_SQL_SCHEMA: "PUBLIC",
                lib.PROP_QUERY_ENTITIES: [
                    {
                        "table_name": "Student".upper(),
                        "key_field_name": "SID",
                        "key_type_name": "java.lang.Integer",
                        "field_name_aliases": [],
                        "query_fields": [
                            {
                                "name": "SID",
                                "type_name": "java.lang.Integer",
                                "is_key_field": True,
                                "is_notnull_constraint_field": True,
                            },
                            {"name": "NAME", "type_name": "java.lang.String"},
                            {"name": "LOGIN", "type_name": "java.lang.String"},
                            {"name": "AGE", "type_name": "java.lang.Integer"},
                            {"name": "GPA", "type_name": "java.math.Double"},
                        ],
                        "query_indexes": [],
                        "value_type_name": "SQL_PUBLIC_STUDENT_TYPE",
                        "value_field_name": None,
                    }
                ],
            }
        )
        try:
            # The seed's class statement; mypy cannot see a metaclass from a fixture.
            class Student(  # type: ignore[call-arg]
                metaclass=lib.GenericObjectMeta,  # type: ignore[name-defined]
                type_name="SQL_PUBLIC_STUDENT_TYPE",
                schema=OrderedDict(
                    [
                        ("NAME", lib.String),
                        ("LOGIN", lib.String),
                        ("AGE", lib.IntObject),
                        ("GPA", lib.DoubleObject),
                    ]
                ),
            ):
                pass

            student_cache.put(
                1,
                Student(LOGIN="jdoe", NAME="John Doe", AGE=17, GPA=4.25),  # type: ignore[call-arg]
                key_hint=lib.IntObject,
            )
            with client.sql(
                r"SELECT * FROM Student", include_field_names=True
            ) as cursor:
                assert next(cursor) == ["SID", "NAME", "LOGIN", "AGE", "GPA"]
                assert list(cursor) == [[1, "John Doe", "jdoe", 17, 4.25]]
            with pytest.raises(lib.SQLError) as err:
                client.sql("DROP TABLE Student")
            assert str(err.value) == (
                "50000: class org.apache.ignite.IgniteCheckedException: Only cache "
                "created with CREATE TABLE may be removed with DROP TABLE "
                "[cacheName=SQL_PUBLIC_STUDENT]"
            )
        finally:
            student_cache.destroy()
        assert "SQL_PUBLIC_STUDENT" not in client.get_cache_names()

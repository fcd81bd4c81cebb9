"""Where a statement runs, compared with the Ignite 2.17 SQL node: schemas, caches,
op 2002's types and clauses, and query fields of classes SQL does not know.

* Op 2004 names a schema (exact spelling) or a cache: a schema H2 does not know
  fails with Ignite's "Failed to set schema" before the statement is prepared,
  Ignite's own commands (CREATE INDEX) excepted; a cache without SQL has no schema.
  (A text that does not parse, ``SELECT FROM``, fails on Ignite with the syntax
  error or the schema error depending on its connection pool's state: not
  compared; nor are statements naming only schema-qualified tables, DML, DROP,
  or a function H2 lacks: Ignite runs them in a schema that is none at times, by
  the same state.)
* Op 2002 (pyignite's ``select_row``) names a type, Ignite's simple class name, and
  sends a clause Ignite makes a SELECT of: ``ORDER BY ...``, ``LIMIT ...``,
  ``WHERE ...``, ``FROM ...``, ``SELECT * ...``; its errors carry SQLSTATE 50000.
* A ``byte[]`` query field (an OTHER column to H2) reads back as the bytes put.

Each case runs on both servers and compares status and text (a syntax error up to
H2's list of expected tokens, which we do not give) or the rows.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import pytest
from _sqlwire import SqlFailed, SqlWire
from pyignite import Client, GenericObjectMeta  # type: ignore[import-untyped]
from pyignite.cursors import SqlCursor  # type: ignore[import-untyped]
from pyignite.datatypes import (  # type: ignore[import-untyped]
    ByteArrayObject,
    IntObject,
    String,
)
from pyignite.datatypes.prop_codes import (  # type: ignore[import-untyped]
    PROP_NAME,
    PROP_QUERY_ENTITIES,
    PROP_SQL_SCHEMA,
)
from pyignite.exceptions import SQLError  # type: ignore[import-untyped]

import embergrid
from embergrid.protocol.binary.hashing import cache_id

# Ignite words the schema error either way (whether the exception was wrapped
# once more depends on which of its code paths met the schema first).
_WRAPPED = "class org.apache.ignite.internal.processors.query.IgniteSQLException: "


class Person(
    metaclass=GenericObjectMeta,
    type_name="com.example.Person",
    schema=OrderedDict([("NAME", String), ("AGE", IntObject)]),
):
    pass


class Blobby(
    metaclass=GenericObjectMeta,
    type_name="Blobby",
    schema=OrderedDict([("DATA", ByteArrayObject), ("N", IntObject)]),
):
    pass


def _field(name: str, java: str) -> dict[str, Any]:
    return {
        "name": name,
        "type_name": java,
        "is_key_field": False,
        "is_notnull_constraint_field": False,
        "default_value": None,
        "precision": -1,
        "scale": -1,
    }


def _entity(table: str, value_type: str, fields: list[Any], value: str | None = None):
    return {
        "table_name": table,
        "key_field_name": None,
        "value_field_name": value,
        "key_type_name": "java.lang.Integer",
        "value_type_name": value_type,
        "field_name_aliases": [],
        "query_fields": fields,
        "query_indexes": [],
    }


_CACHES = ("ResPerson", "ResNoSql", "ResSchemaOnly", "ResBlob", "ResPlain")


def _setup(client: Client) -> None:
    for name in _CACHES:
        client.get_or_create_cache(name).destroy()
    client.sql("DROP TABLE IF EXISTS ResDdl")
    people = client.create_cache(
        {
            PROP_NAME: "ResPerson",
            PROP_SQL_SCHEMA: "RESSCH",
            PROP_QUERY_ENTITIES: [
                _entity(
                    "PERSON",
                    "com.example.Person",
                    [
                        _field("NAME", "java.lang.String"),
                        _field("AGE", "java.lang.Integer"),
                    ],
                )
            ],
        }
    )
    for i in (1, 2, 3):
        people.put(i, Person(NAME=f"n{i}", AGE=30 - i), key_hint=IntObject)
    client.create_cache("ResNoSql")
    client.create_cache({PROP_NAME: "ResSchemaOnly", PROP_SQL_SCHEMA: '"ResOnly"'})
    blobs = client.create_cache(
        {
            PROP_NAME: "ResBlob",
            PROP_SQL_SCHEMA: "PUBLIC",
            PROP_QUERY_ENTITIES: [
                _entity(
                    "RESBLOB",
                    "Blobby",
                    [_field("DATA", "byte[]"), _field("N", "java.lang.Integer")],
                )
            ],
        }
    )
    blobs.put(1, Blobby(DATA=b"\x00\x01\xff", N=1), key_hint=IntObject)
    blobs.put(2, Blobby(DATA=b"", N=2), key_hint=IntObject)
    blobs.put(3, Blobby(DATA=None, N=3), key_hint=IntObject)
    plain = client.create_cache(
        {
            PROP_NAME: "ResPlain",
            PROP_QUERY_ENTITIES: [
                _entity(
                    "RESPLAIN",
                    "java.lang.String",
                    [_field("VALUE", "java.lang.String")],
                    value="VALUE",
                )
            ],
        }
    )
    plain.put(42, "Lorem ipsum", key_hint=IntObject)
    client.sql("CREATE TABLE ResDdl (id INT PRIMARY KEY, v VARBINARY)")


@pytest.fixture(scope="module")
def both(
    server_address: tuple[str, int], reference_sql: tuple[str, int]
) -> Iterator[tuple[Client, Client]]:
    """pyignite clients of (embergrid, Ignite 2.17), both holding the caches above."""
    clients = []
    for address in (server_address, reference_sql):
        client = Client()
        client.connect(*address)
        _setup(client)
        clients.append(client)
    yield clients[0], clients[1]
    for client in clients:
        for name in _CACHES:
            client.get_or_create_cache(name).destroy()
        client.sql("DROP TABLE IF EXISTS ResDdl")
        client.close()


def _message(text: str) -> str:
    """An error text without what only H2's parser adds (the ``[*]`` marker, the
    list of expected tokens and the statement repeated after it)."""
    text = text.replace(_WRAPPED, "").replace("[*]", "")
    if "Syntax error in SQL statement" in text:
        text = text.split('"; ', 1)[0].rstrip('"').rstrip()
    return text


def _entries(client: Client, cache: str, type_name: str, clause: str) -> Any:
    info = client.get_cache(cache).cache_info
    try:
        cur = SqlCursor(
            client, info, type_name, clause, 2, None, False, False, False, 0
        )
        return [(k, getattr(v, "NAME", v)) for k, v in cur]
    except SQLError as exc:
        return ("error", _message(str(exc)))


CLAUSES = [
    "ORDER BY AGE",
    "order by AGE DESC",
    "  ORDER BY NAME",
    "LIMIT 2",
    "limit 1 offset 1",
    "WHERE AGE < 29",
    "where age < 29 order by name",
    "AGE > 27 ORDER BY AGE",
    "ORDER BY AGE;",
    "1",
    "_KEY IN (SELECT 1)",
    "FROM PERSON WHERE AGE < 29",
    "from ressch.person p",
    "SELECT * FROM PERSON",
    "select * from PERSON ORDER BY AGE",
    "SELECT p.* FROM PERSON p ORDER BY p.AGE",
    "SELECT PERSON.* FROM PERSON",
    "SELECT NAME FROM PERSON",
    "SELECT count(*) FROM PERSON",
    "",
    "   ",
    "GROUP BY _KEY",
    "OFFSET 1",
    "HAVING 1 = 1",
    "UNION SELECT 1, 2",
    "ORDERED",
    "WHEREVER",
    "NOPE = 1",
]


@pytest.mark.parametrize("clause", CLAUSES)
def test_entry_query_clause(both: tuple[Client, Client], clause: str) -> None:
    ours, ref = (_entries(c, "ResPerson", "Person", clause) for c in both)
    assert ours == ref


@pytest.mark.parametrize(
    ("cache", "type_name"),
    [
        ("ResPerson", "Person"),
        ("ResPerson", "com.example.Person"),
        ("ResPerson", "PERSON"),
        ("ResPerson", "person"),
        ("ResNoSql", "Person"),
        ("ResPlain", "String"),
        ("ResPlain", "java.lang.String"),
        ("ResBlob", "Blobby"),
    ],
)
def test_entry_query_type(
    both: tuple[Client, Client], cache: str, type_name: str
) -> None:
    ours, ref = (_entries(c, cache, type_name, "_KEY > 0") for c in both)
    assert ours == ref


def _fields(address: tuple[str, int], sql: str, **kw: Any) -> Any:
    with SqlWire(address) as w:
        try:
            r = w.query(sql, **kw)
        except SqlFailed as exc:
            return ("error", exc.status, _message(exc.message))
    return (r.names, r.codes, r.rows)


SCHEMAS = [
    "PUBLIC",
    "public",
    '"PUBLIC"',
    "",
    "NOT_EXISTING",
    "RESSCH",
    "ressch",
    "ResOnly",
    "RESONLY",
    "ResNoSql",
    "ResPlain",
    "SQL_PUBLIC_RESDDL",
    "INFORMATION_SCHEMA",
    "information_schema",
    "SYS",
]
STATEMENTS = [
    "SELECT 1",
    "SELECT * FROM ResDdl",
    "CREATE INDEX IF NOT EXISTS res_ix ON PUBLIC.ResDdl (v)",
]


@pytest.mark.parametrize("sql", STATEMENTS)
@pytest.mark.parametrize("schema", SCHEMAS)
def test_fields_query_schema(
    server_address: tuple[str, int],
    reference_sql: tuple[str, int],
    both: Any,
    schema: str,
    sql: str,
) -> None:
    ours, ref = (
        _fields(a, sql, schema=schema) for a in (server_address, reference_sql)
    )
    assert ours == ref


# (SELECT 1 through a cache without SQL once ran on Ignite: its pool state again.)
@pytest.mark.parametrize("sql", ["SELECT * FROM ResDdl"])
@pytest.mark.parametrize(
    "cache", ["ResPerson", "ResNoSql", "ResSchemaOnly", "ResPlain", "SQL_PUBLIC_RESDDL"]
)
def test_fields_query_cache(
    server_address: tuple[str, int],
    reference_sql: tuple[str, int],
    both: Any,
    cache: str,
    sql: str,
) -> None:
    got = [
        _fields(a, sql, cache_id=cache_id(cache))
        for a in (server_address, reference_sql)
    ]
    assert got[0] == got[1]


def test_fields_query_of_a_cache_that_does_not_exist(
    server_address: tuple[str, int], reference_sql: tuple[str, int]
) -> None:
    ours, ref = (
        _fields(a, "SELECT 1", cache_id=1234) for a in (server_address, reference_sql)
    )
    assert ours == ref


@pytest.mark.parametrize("how", ["schema", "name", "cache", "id"])
def test_plain_value_through_every_way_to_name_it(
    both: tuple[Client, Client], how: str
) -> None:
    got = []
    for client in both:
        cache = client.get_cache("ResPlain")
        where = {
            "schema": {"schema": "ResPlain"},
            "name": {"cache": "ResPlain"},
            "cache": {"cache": cache},
            "id": {"cache": cache.cache_id},
        }[how]
        got.append(list(client.sql("SELECT value FROM ResPlain", **where)))
    assert got[0] == got[1] == [["Lorem ipsum"]]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT _KEY, DATA, N FROM RESBLOB ORDER BY _KEY",
        "SELECT DATA FROM RESBLOB WHERE DATA IS NULL",
        "SELECT N, DATA FROM RESBLOB WHERE N > 1 ORDER BY N DESC",
    ],
)
def test_byte_array_fields_read_back_as_put(
    server_address: tuple[str, int], reference_sql: tuple[str, int], both: Any, sql: str
) -> None:
    ours, ref = (_fields(a, sql) for a in (server_address, reference_sql))
    assert ours == ref
    assert ref[0] != "error"


def test_byte_array_fields_through_select_row(both: tuple[Client, Client]) -> None:
    got = []
    for client in both:
        cache = client.get_cache("ResBlob")
        cur = SqlCursor(
            client,
            cache.cache_info,
            "Blobby",
            "ORDER BY N",
            2,
            None,
            False,
            False,
            False,
            0,
        )
        got.append([(k, v.DATA) for k, v in cur])
    assert got[0] == got[1] == [(1, b"\x00\x01\xff"), (2, b""), (3, None)]


def test_varbinary_column_put_through_key_value(
    both: tuple[Client, Client],
) -> None:
    got = []
    for client in both:
        client.sql("INSERT INTO ResDdl (id, v) VALUES (1, X'0aff00')")
        cache = client.get_cache("SQL_PUBLIC_RESDDL")
        row = cache.get(1, key_hint=IntObject)
        row.V = b"\x01\x02"
        cache.put(2, row, key_hint=IntObject)
        got.append(list(client.sql("SELECT id, v FROM ResDdl ORDER BY id")))
    assert got[0] == got[1] == [[1, b"\n\xff\x00"], [2, b"\x01\x02"]]


def test_our_client_sees_the_same(
    server_address: tuple[str, int], reference_sql: tuple[str, int], both: Any
) -> None:
    """embergrid.Client: ``select_row`` with only ORDER BY, a schema that is none."""
    got = []
    for address in (server_address, reference_sql):
        client = embergrid.Client()
        with client.connect(*address):
            cache = client.get_cache("ResBlob")  # its value type has no package
            rows = [(k, v.DATA) for k, v in cache.select_row("ORDER BY N DESC")]
            with pytest.raises(embergrid.errors.SQLError) as failed:
                list(client.sql("SELECT 1", schema="NOT_EXISTING"))
            got.append((rows, _message(str(failed.value))))
    assert got[0] == got[1]
    assert got[0][0] == [(3, None), (2, b""), (1, b"\x00\x01\xff")]


@pytest.mark.parametrize(
    "value_type",
    [
        "byte[]",
        "[B",
        "java.lang.Integer",
        "java.lang.Long",
        "java.lang.String",
        "java.lang.Double",
        "java.util.UUID",
        "com.example.Person",
        "Blobby",
    ],
)
def test_only_values_of_the_tables_type_are_rows(
    both: tuple[Client, Client],
    server_address: tuple[str, int],
    reference_sql: tuple[str, int],
    value_type: str,
) -> None:
    """A cache's entries whose value is of another class (or binary type) than
    the entity's value type are no rows of its table."""
    plain = not value_type[0].isupper() or value_type.startswith("[")
    fields = [_field("V", value_type)] if plain else [_field("N", "java.lang.Integer")]
    got = []
    for client, address in zip(both, (server_address, reference_sql), strict=True):
        client.get_or_create_cache("ResTyped").destroy()
        cache = client.create_cache(
            {
                PROP_NAME: "ResTyped",
                PROP_SQL_SCHEMA: "PUBLIC",
                PROP_QUERY_ENTITIES: [
                    _entity("RESTYPED", value_type, fields, "V" if plain else None)
                ],
            }
        )
        values: list[tuple[Any, Any]] = [
            (b"\x01\x02", None),
            ("text", None),
            (7, None),  # a LONG
            (8, IntObject),
            (2.5, None),
            (uuid.UUID(int=5), None),
            (Person(NAME="p", AGE=1), None),
            (Blobby(DATA=b"\x03", N=9), None),
        ]
        for key, (value, hint) in enumerate(values):
            cache.put(key, value, key_hint=IntObject, value_hint=hint)
        got.append(_fields(address, "SELECT _KEY FROM RESTYPED ORDER BY _KEY"))
        cache.destroy()
    assert got[0] == got[1]
    assert got[1][0] != "error"


def _insert_blob(address: tuple[str, int], value: str, args: tuple[Any, ...]) -> Any:
    """INSERT ``value`` into ResBlob's ``byte[]`` field; what SQL then reads of it
    (or the error), the row removed again."""
    with SqlWire(address) as w:
        try:
            w.query(
                f"INSERT INTO RESBLOB (_KEY, DATA, N) VALUES (100, {value}, 9)", *args
            )
            r = w.query("SELECT DATA, N FROM RESBLOB WHERE _KEY = 100")
            return (r.codes, r.rows)
        except SqlFailed as exc:
            return ("error", exc.status, _message(exc.message))
        finally:
            w.query("DELETE FROM RESBLOB WHERE _KEY = 100")


@pytest.mark.parametrize(
    ("value", "args"),
    [
        ("X'0102'", ()),
        ("X''", ()),
        ("X'ff'", ()),
        ("X'0903000000414243'", ()),
        ("X'65'", ()),
        ("X'0c02000000aabb'", ()),
        ("?", (b"\x01\x02",)),
        ("?", (b"",)),
        ("?", (b"\xff",)),
        ("'text'", ()),
    ],
)
def test_bytes_into_a_byte_array_query_field(
    server_address: tuple[str, int],
    reference_sql: tuple[str, int],
    both: Any,
    value: str,
    args: tuple[Any, ...],
) -> None:
    """A query field typed ``byte[]`` is no class Ignite loads (its column is
    OTHER): the bytes go to the marshaller, which reads one object from them."""
    ours, ref = (_insert_blob(a, value, args) for a in (server_address, reference_sql))
    assert ours == ref

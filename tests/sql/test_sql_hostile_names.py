"""Hostile names through every DDL/DML path: the node keeps answering, nothing is lost.

A client may name a table, column, index or alias anything H2 accepts between
double quotes: quotes, ``--``, ``;``, NUL, very long, non-ASCII. The engine writes
such names into SQLite text only through ``engine/sqltext.py`` (quoted, or as a
column of hex), so a name can never run its own clause inside our statements.

Each property runs one hostile name through CREATE TABLE (as table and column),
CREATE INDEX, INSERT, MERGE, SELECT (with an alias), UPDATE, DELETE, ALTER TABLE
ADD/DROP COLUMN, DROP INDEX and DROP TABLE, and through a key-value cache whose
query entity has that field, on a store in a data dir. Any statement may fail
with an SQL error (status 1, H2's text); none may raise anything else. After
each name, a canary table still answers and still holds its rows, here and in
an engine reopened on the same data dir (a broken store used to fail every SQL
statement on the node, across restarts).

The end-to-end test sends the issue's statement through pyignite to this
session's server and to the Ignite 2.17 SQL node: both accept it and answer
every statement after it the same.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyignite import Client  # type: ignore[import-untyped]
from pyignite.exceptions import SQLError  # type: ignore[import-untyped]

from embergrid.engine import Engine, EngineError
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import (
    CacheConfiguration,
    QueryEntity,
    QueryField,
    QueryIndex,
    QueryIndexField,
)

_NASTY = ['"', "'", "--", ";", "/*", "*/", "\0", "\\", " ", "ü", "名", "\U0001f600"]


def _names() -> st.SearchStrategy[str]:
    pieces = st.one_of(
        st.sampled_from(_NASTY),
        st.text(min_size=1, max_size=8),
        st.just(")); DROP TABLE CANARY; --"),
        st.just('x" TEXT CHECK(0) --'),
    )
    short = st.lists(pieces, min_size=1, max_size=6).map("".join)
    return st.one_of(short, st.integers(1000, 3000).map(lambda n: "Q" * n))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Node:
    """An engine on a data dir that can be reopened, with a canary table."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.engine = Engine(data_dir=data_dir)
        self.sql("CREATE TABLE CANARY (ID INT PRIMARY KEY, V VARCHAR)")
        self.sql("INSERT INTO CANARY (ID, V) VALUES (1, 'alive'), (2, 'well')")

    def sql(self, text: str, args: tuple[Any, ...] = ()) -> list[Any] | None:
        """The rows, or None when the statement failed with an SQL error."""
        try:
            return self.engine.sql.execute(text, args=args).rows
        except EngineError as exc:
            failure = exc
        assert failure.status == StatusCode.FAILED, failure
        assert "Internal" not in failure.message, failure.message
        return None

    def check_canary(self) -> None:
        rows = self.sql("SELECT ID, V FROM CANARY ORDER BY ID")
        assert rows == [(1, "alive"), (2, "well")]

    def reopen(self) -> None:
        self.engine.close()
        self.engine = Engine(data_dir=self.data_dir)

    def close(self) -> None:
        self.engine.close()


@contextlib.contextmanager
def _fresh_node() -> Iterator[_Node]:
    with tempfile.TemporaryDirectory() as d:
        node = _Node(Path(d))
        try:
            yield node
        finally:
            node.close()


@pytest.fixture
def node() -> Iterator[_Node]:
    with _fresh_node() as n:
        yield n


def _ddl_and_dml(node: _Node, name: str) -> None:
    t, c = _quoted(name), _quoted(name + "c")
    v = _literal(name)
    node.sql(f"CREATE TABLE {t} (ID INT PRIMARY KEY, {c} VARCHAR, W INT)")
    node.sql(f"CREATE INDEX {_quoted(name + 'i')} ON {t} ({c})")
    node.sql(f"INSERT INTO {t} (ID, {c}, W) VALUES (1, {v}, 1)")
    node.sql(f"INSERT INTO {t} (ID, {c}, W) VALUES (?, ?, ?)", (2, name, 2))
    node.sql(f"MERGE INTO {t} (ID, {c}, W) VALUES (3, {v}, 3)")
    node.sql(f"SELECT {c} AS {_quoted(name + 'a')}, W FROM {t} WHERE {c} = {v}")
    node.sql(f"SELECT * FROM {t} {_quoted(name + 'q')} ORDER BY {c}")
    node.sql(f"UPDATE {t} SET {c} = {v} || 'x' WHERE {c} = ?", (name,))
    node.sql(f"ALTER TABLE {t} ADD COLUMN {_quoted(name + 'n')} INT")
    node.sql(f"UPDATE {t} SET {_quoted(name + 'n')} = W")
    node.sql(f"SELECT {_quoted(name + 'n')} FROM {t}")
    node.sql(f"ALTER TABLE {t} DROP COLUMN {_quoted(name + 'n')}")
    node.sql(f"DELETE FROM {t} WHERE {c} = {v}")
    node.sql(f"SELECT COUNT(*) FROM {t}")
    node.sql(f"DROP INDEX {_quoted(name + 'i')}")
    node.sql(f"DROP TABLE {t}")


def _entity_cache(node: _Node, name: str) -> None:
    field = name + "f"
    entity = QueryEntity(
        key_type_name="java.lang.Integer",
        value_type_name="HostileRow",
        table_name=name,
        query_fields=(QueryField(field, "java.lang.String"),),
        field_name_aliases=((field, field),),
        query_indexes=(QueryIndex(name + "x", 0, -1, (QueryIndexField(field),)),),
    )
    cfg = CacheConfiguration(name=name + "cache", query_entities=(entity,))
    try:
        node.engine.caches.create(cfg)
    except EngineError:
        return
    node.sql(f"SELECT * FROM {_quoted(name + 'cache')}.{_quoted(name)}")


@settings(max_examples=25, deadline=None)
@given(name=_names())
def test_hostile_names_leave_the_node_answering(name: str) -> None:
    with _fresh_node() as node:
        _ddl_and_dml(node, name)
        _entity_cache(node, name)
        node.check_canary()
        node.reopen()
        node.check_canary()
        _ddl_and_dml(node, name + "2")  # and SQL still works after the restart
        node.check_canary()


def test_quoted_quote_in_column_name_keeps_sql_working(node: _Node) -> None:
    """The issue's case, with the values written and read back."""
    node.sql('CREATE TABLE T5 (ID INT PRIMARY KEY, "a""b" VARCHAR)')
    assert node.sql('INSERT INTO T5 (ID, "a""b") VALUES (1, \'x\')') == [(1,)]
    assert node.sql('SELECT "a""b" FROM T5') == [("x",)]
    node.reopen()
    node.check_canary()
    assert node.sql('SELECT "a""b" FROM T5 WHERE ID = 1') == [("x",)]


def test_a_column_name_cannot_add_its_own_clause(node: _Node) -> None:
    """A name built to close our quote and add a CHECK constraint stays a name."""
    evil = _quoted('x" TEXT CHECK(0) --')
    assert node.sql(f"CREATE TABLE T6 (ID INT PRIMARY KEY, {evil} VARCHAR)") == [(0,)]
    assert node.sql(f"INSERT INTO T6 (ID, {evil}) VALUES (1, 'kept')") == [(1,)]
    assert node.sql(f"SELECT {evil} FROM T6") == [("kept",)]


def test_stray_columns_of_a_broken_store_are_removed(node: _Node) -> None:
    """A store whose entry table got columns no SQL column owns (what an injected
    clause or an older naming left) is repaired the next time SQL sees it."""
    node.sql("CREATE TABLE T7 (ID INT PRIMARY KEY, V VARCHAR)")
    node.engine.sql.catalog.refresh()
    tbl = node.engine.sql.catalog.table("PUBLIC", "T7")
    assert tbl is not None
    conn = node.engine.store.conn
    conn.execute(f'ALTER TABLE {tbl.tbl} ADD COLUMN "c_x" TEXT CHECK(c_x IS NULL)')
    conn.execute(f'CREATE INDEX "junk_ix" ON {tbl.tbl} ("c_x")')
    conn.execute(f"DROP TRIGGER {tbl.tbl}_sql")
    conn.execute(
        f"CREATE TRIGGER {tbl.tbl}_sql AFTER INSERT ON {tbl.tbl} BEGIN"
        f" UPDATE {tbl.tbl} SET c_x = 'junk' WHERE key = new.key; END"
    )
    assert node.sql("INSERT INTO T7 (ID, V) VALUES (1, 'a')") is None  # broken
    node.reopen()
    assert node.sql("INSERT INTO T7 (ID, V) VALUES (1, 'a')") == [(1,)]
    assert node.sql("INSERT INTO T7 (ID, V) VALUES (2, 'b')") == [(1,)]
    assert node.sql("SELECT ID, V FROM T7 ORDER BY ID") == [(1, "a"), (2, "b")]
    cols = {
        r[1] for r in node.engine.store.conn.execute(f"PRAGMA table_info({tbl.tbl})")
    }
    assert "c_x" not in cols


def _outcomes(address: tuple[str, int], table: str, column: str) -> list[Any]:
    """Create a table with ``column``, insert, select, and ask the node whether
    plain SQL still works: each step's rows or its error text."""
    steps = [
        (f"CREATE TABLE {table} (ID INT PRIMARY KEY, {column} VARCHAR)", []),
        (f"INSERT INTO {table} (ID, {column}) VALUES (?, ?)", [1, "v"]),
        (f"SELECT ID, {column} FROM {table}", []),
        ("SELECT 1", []),
    ]
    out: list[Any] = []
    client = Client()
    with client.connect(*address):
        for text, args in steps:
            try:
                with client.sql(text, query_args=args) as cur:
                    out.append(list(cur))
            except SQLError as exc:
                out.append(str(exc).split(";")[0])
        client.sql(f"DROP TABLE IF EXISTS {table}")
    return out


@pytest.mark.parametrize("column", ['"--;"', '"ü名 x"', '"/*"', '"' + "Q" * 300 + '"'])
def test_hostile_column_names_as_ignite_answers(
    sql_address: tuple[str, int], column: str
) -> None:
    """Names without a quote: both nodes take them and keep answering."""
    table = "HOSTILE_" + uuid.uuid4().hex[:8].upper()
    assert _outcomes(sql_address, table, column) == [[[0]], [[1]], [[1, "v"]], [[1]]]


@pytest.mark.divergence("sql-quote-in-column-name")
def test_quote_in_column_name_wedges_ignite_not_us(
    server_address: tuple[str, int], reference_sql: tuple[str, int]
) -> None:
    """The issue's statement: Ignite 2.17 accepts it, then cannot find the table
    (for the node's life); embergrid keeps the table working."""
    table = "HOSTILE_" + uuid.uuid4().hex[:8].upper()
    column = '"a""b"'
    ours = _outcomes(server_address, table, column)
    theirs = _outcomes(reference_sql, table, column)
    assert ours == [[[0]], [[1]], [[1, "v"]], [[1]]]
    assert theirs[0] == [[0]]
    assert theirs[3] == [[1]]
    assert theirs[1] == f'42000: Failed to parse query. Table "{table}" not found'

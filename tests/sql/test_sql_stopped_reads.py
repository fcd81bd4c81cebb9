"""A statement stopped while it reads fails whole: never rows with a NULL in them.

SQLite asks the engine's progress handler (deadline, budget, ``stop_when``)
every 10,000 steps of *each* statement on the connection, counted over the
statement's life, so also of a statement run inside a SQLite function of ours
on the same connection. ``eg_field`` runs one (the binary type's schema); when
that one was stopped, the function answered NULL and the outer statement
carried on: a DECIMAL projection read through it came back NULL, now and then
(test_sql_insert_paths.py's ``merge-literals``, on a loaded machine, where the
2 ms budget of a statement on the loop runs out mid-query). A DECIMAL column
is now read from a typed column of its own, and ``eg_field`` lets a failed
read of its own fail the statement.
"""

from __future__ import annotations

import sqlite3

import pytest

from embergrid.engine import Engine, EngineError
from embergrid.engine.sql.catalog import _extract
from embergrid.engine.sqltext import ident

ROWS = 1500


def _table(e: Engine) -> list[tuple[object, ...]]:
    e.sql.execute("CREATE TABLE D (id INT PRIMARY KEY, a DECIMAL(10,2), b DECIMAL)")
    values = ", ".join(f"({i}, {i}.25, {i}.5)" for i in range(ROWS))
    e.sql.execute(f"INSERT INTO D (id, a, b) VALUES {values}")
    return [(i, f"{i}.25", f"{i}.5") for i in range(ROWS)]


@pytest.mark.parametrize("at", range(2, 14))
def test_a_query_stopped_once_fails_or_answers_every_value(at: int) -> None:
    """``stop_when`` says stop once, at its ``at``-th question (whichever
    statement SQLite was stepping then): the query fails, or, where the
    question came after its last row, answers every row whole."""
    with Engine() as e:
        want = _table(e)
        asked = iter(range(1, 1 << 30))
        e.sql.stop_when = lambda: next(asked) == at
        try:
            res = e.sql.execute("SELECT id, a, b FROM D ORDER BY id")
        except EngineError:
            return
        finally:
            e.sql.stop_when = None
        assert res.rows == want


def test_eg_field_fails_the_statement_when_its_own_read_is_stopped() -> None:
    """A progress handler that stops only the read inside ``eg_field``: the
    statement calling it fails (it used to go on with NULL)."""
    with Engine() as e:
        _table(e)
        t = e.sql.catalog.table("PUBLIC", "D")
        assert t is not None
        a = t.column("A")
        assert a is not None
        reader = e.sql.catalog.reader
        lookup = reader._binary_type
        inside = [False]

        def looked_up(type_id: int) -> object:
            inside[0] = True
            try:
                return lookup(type_id)
            finally:
                inside[0] = False

        reader._binary_type = looked_up  # type: ignore[assignment]
        e.sql.conn.set_progress_handler(lambda: inside[0], 1)
        try:
            with pytest.raises(sqlite3.OperationalError):
                e.sql.conn.execute(
                    f"SELECT {_extract(a)} FROM {ident(t.tbl)}"
                ).fetchall()
        finally:
            e.sql.conn.set_progress_handler(None, 0)
            reader._binary_type = lookup  # type: ignore[assignment]

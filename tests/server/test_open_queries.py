"""Queries left open for their cursors: rows read as pages are asked for.

A query with more than one page keeps its statement open on an engine of its
own (``Node.keep_engine``), never its whole result; the node bounds how many it
keeps (``Limits.max_open_queries``, status 1010 past it) and gives each back
when its cursor is read out, closed, or its connection goes. Checked with real
pyignite against a node in this process (``Node.open_queries`` counts them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from pyignite import Client  # type: ignore[import-untyped]
from pyignite.exceptions import SQLError  # type: ignore[import-untyped]

from embergrid.server import Limits, Node, ServerThread
from embergrid.server import status_messages as msgs

ROWS = 5000
PAGE = 100
SELECT = "SELECT ID, NAME FROM OPEN_Q ORDER BY ID"


@pytest.fixture
def server() -> Iterator[ServerThread]:
    with ServerThread(Node(limits=Limits(max_open_queries=2))) as st:
        c = Client()
        with c.connect(*st.address):
            c.sql("CREATE TABLE OPEN_Q (ID INT PRIMARY KEY, NAME VARCHAR)")
            values = ", ".join(f"({i}, 'n{i}')" for i in range(ROWS))
            c.sql(f"INSERT INTO OPEN_Q (ID, NAME) VALUES {values}")
        yield st


def _eventually(cond: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_pages_come_from_the_open_query_and_it_ends_when_read_out(
    server: ServerThread,
) -> None:
    c = Client()
    with c.connect(*server.address):
        cursor = c.sql(SELECT, page_size=PAGE)
        first = next(cursor)
        assert first == [0, "n0"]
        assert server.node.open_queries == 1  # held open, not read whole
        rest = list(cursor)
        assert [first, *rest] == [[i, f"n{i}"] for i in range(ROWS)]
        assert _eventually(lambda: server.node.open_queries == 0)


def test_max_rows_ends_the_open_query_early(server: ServerThread) -> None:
    c = Client()
    with c.connect(*server.address):
        rows = list(c.sql(SELECT, page_size=PAGE, max_rows=250))
        assert rows == [[i, f"n{i}"] for i in range(250)]
        assert _eventually(lambda: server.node.open_queries == 0)


def test_closing_the_cursor_or_the_connection_gives_the_query_back(
    server: ServerThread,
) -> None:
    c = Client()
    with c.connect(*server.address):
        with c.sql(SELECT, page_size=PAGE) as cursor:
            next(cursor)
            assert server.node.open_queries == 1
        assert _eventually(lambda: server.node.open_queries == 0)
        left = c.sql(SELECT, page_size=PAGE)
        next(left)
        assert server.node.open_queries == 1
    assert _eventually(lambda: server.node.open_queries == 0)


def test_past_the_node_bound_a_query_of_many_pages_fails_with_1010(
    server: ServerThread,
) -> None:
    a, b = Client(), Client()
    with a.connect(*server.address), b.connect(*server.address):
        held = [a.sql(SELECT, page_size=PAGE), b.sql(SELECT, page_size=PAGE)]
        for cursor in held:
            next(cursor)
        with pytest.raises(SQLError) as failed:
            next(a.sql(SELECT, page_size=PAGE))
        assert str(failed.value) == msgs.too_many_open_queries(2)
        # a result of one page needs no open query
        assert list(b.sql(f"{SELECT} LIMIT 3", page_size=PAGE)) == [
            [0, "n0"],
            [1, "n1"],
            [2, "n2"],
        ]
        # the held ones still page to their end
        for cursor in held:
            assert len(list(cursor)) == ROWS - 1
        assert _eventually(lambda: server.node.open_queries == 0)
        assert len(list(a.sql(SELECT, page_size=PAGE))) == ROWS


def test_writes_after_the_query_opened_do_not_change_its_pages(
    server: ServerThread,
) -> None:
    """The open query reads the rows as they were when it started."""
    c = Client()
    with c.connect(*server.address):
        cursor = c.sql(SELECT, page_size=PAGE)
        next(cursor)
        c.sql("DELETE FROM OPEN_Q WHERE ID >= 1000")
        assert len(list(cursor)) == ROWS - 1
        assert c.sql("SELECT COUNT(*) FROM OPEN_Q").__next__() == [1000]


def test_the_next_page_is_read_before_it_is_asked_for(server: ServerThread) -> None:
    """Once a page is answered, the open query's next page is read on a worker
    thread while the client reads it: here that page is the last, so the open
    query is given back before the client asks for it."""
    c = Client()
    with c.connect(*server.address):
        cursor = c.sql(SELECT, page_size=PAGE, max_rows=PAGE + 50)
        first = next(cursor)
        assert _eventually(lambda: server.node.open_queries == 0)
        rest = list(cursor)
        assert [first, *rest] == [[i, f"n{i}"] for i in range(PAGE + 50)]


def test_an_error_of_a_page_read_ahead_is_the_answer_to_its_request(
    server: ServerThread,
) -> None:
    """The second page divides by zero: the request for it fails with H2's
    run-time error (the read-ahead met it first), and the query is given back."""
    c = Client()
    with c.connect(*server.address):
        cursor = c.sql(
            f"SELECT ID, 10 / (ID - {PAGE + 20}) FROM OPEN_Q ORDER BY ID",
            page_size=PAGE,
        )
        assert next(cursor) == [0, 0]  # Java division truncates
        for _ in range(PAGE - 1):
            next(cursor)
        with pytest.raises(SQLError, match="Division by zero"):
            next(cursor)
        assert _eventually(lambda: server.node.open_queries == 0)

"""SQL cursors read ahead: once a page with more to come is answered, the session
asks for the next page to be encoded before the client requests it. The pages a
client reads are the same whether or not the read-ahead ran, or failed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import query as m
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.server import Limits, Node

from ._wire import Pair, body

ROWS, PAGE = 2500, 1000


@pytest.fixture
def node() -> Iterator[Node]:
    n = Node(limits=Limits(workers=0))  # Pair runs no worker threads
    n.engine.sql.execute(
        "CREATE TABLE T (id INT PRIMARY KEY, s VARCHAR)", schema="PUBLIC"
    )
    n.engine.sql.execute(
        "INSERT INTO T (id, s) VALUES "
        + ", ".join(f"({i}, 's{i}')" for i in range(ROWS)),
        schema="PUBLIC",
    )
    yield n
    n.close()


def _pair(node: Node) -> Pair:
    p = Pair(node)
    p.handshake()
    return p


def _stream(p: Pair, between: Any) -> tuple[list[tuple[Any, ...]], list[bool]]:
    """Every row of ``SELECT id, s FROM T ORDER BY id``, calling ``between(p)``
    after each answer; and whether a read-ahead was pending after each answer."""
    ctx = p.client.context
    query = m.SqlFieldsQuery(
        CachePrefix(0), "PUBLIC", "SELECT id, s FROM T ORDER BY id", PAGE, -1, (), 0
    )
    first = p.ok(OpCode.QUERY_SQL_FIELDS, query)
    rows, pending = list(first.rows), [p.session.has_read_ahead]
    between(p)
    more = first.has_more
    while more:
        resp = p.call(
            OpCode.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
            body(
                OpCode.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
                m.SqlFieldsCursorGetPage(first.cursor_id),
                ctx,
            ),
        )
        assert resp.header.ok, resp.header.message
        page = m.decode_row_page_response(resp.body, ctx, 2)
        rows.extend(page.rows)
        pending.append(p.session.has_read_ahead)
        between(p)
        more = page.has_more
    return [tuple(decode(c) for c in r) for r in rows], pending


def _read_ahead(p: Pair) -> None:
    p.session.run_read_ahead()


def test_pages_are_the_same_with_and_without_read_ahead(node: Node) -> None:
    expected = [(i, f"s{i}") for i in range(ROWS)]
    ahead, pending = _stream(_pair(node), _read_ahead)
    assert ahead == expected
    assert pending == [True, True, False]  # nothing to read after the last page
    plain, _ = _stream(_pair(node), lambda p: None)
    assert plain == expected


def test_a_failing_read_ahead_is_retried_by_the_request(
    node: Node, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from embergrid.server.handlers.sql import SqlCursor

    real = SqlCursor.prepare
    calls: list[int] = []
    failures: list[int] = []

    def flaky(self: SqlCursor) -> None:
        calls.append(1)
        if len(calls) == 2:  # the first read-ahead (the first call is page one)
            failures.append(1)
            raise RuntimeError("disk on fire")
        real(self)

    monkeypatch.setattr(SqlCursor, "prepare", flaky)
    rows, _ = _stream(_pair(node), _read_ahead)
    assert failures == [1]
    assert "reading ahead failed" in caplog.text
    assert rows == [(i, f"s{i}") for i in range(ROWS)]


def test_closing_a_cursor_before_its_read_ahead_runs(node: Node) -> None:
    p = _pair(node)
    query = m.SqlFieldsQuery(
        CachePrefix(0), "PUBLIC", "SELECT id FROM T", PAGE, -1, (), 0
    )
    first = p.ok(OpCode.QUERY_SQL_FIELDS, query)
    assert first.has_more
    assert p.session.has_read_ahead
    close = p.call(OpCode.RESOURCE_CLOSE, encode(first.cursor_id)[1:9])
    assert close.header.ok, close.header.message
    p.session.run_read_ahead()
    assert not p.session.has_read_ahead
    assert p.session.cursors == {}

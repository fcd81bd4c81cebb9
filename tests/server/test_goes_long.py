"""Work that went past the loop's budget goes straight to a worker next time.

A query of more than one page always stops on the loop (``OverBudget``: it is
kept open on a worker's engine), so whether a statement ran on the loop is
known without any timing: the loop's try is the ``execute`` call with a
positive budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pyignite import Client  # type: ignore[import-untyped]

from embergrid.engine.sql.execute import SqlEngine
from embergrid.server import Node, ServerThread
from embergrid.server.goes_long import RETRY_EVERY, GoesLong

QUERY = "SELECT ID FROM LONGWORK ORDER BY ID"


def test_a_key_that_went_long_skips_the_loop_but_one_ask_in_every_16() -> None:
    hints = GoesLong()
    assert not hints.skip_loop("q")
    hints.went_long("q")
    answers = [hints.skip_loop("q") for _ in range(2 * RETRY_EVERY)]
    tries = [i for i, skip in enumerate(answers, 1) if not skip]
    assert tries == [RETRY_EVERY, 2 * RETRY_EVERY]
    hints.fit("q")
    assert not hints.skip_loop("q")


def test_the_record_keeps_the_most_recent_keys_only() -> None:
    hints = GoesLong(limit=3)
    for key in "abcd":
        hints.went_long(key)
    assert len(hints) == 3
    assert not hints.skip_loop("a")  # the oldest went
    hints.skip_loop("b")  # used: now the most recent
    hints.went_long("e")
    assert hints.skip_loop("b")
    assert not hints.skip_loop("c")


@pytest.fixture
def budgets(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each ``SqlEngine.execute`` of the query: whether it had a budget
    (the loop's try) or not (a worker's run)."""
    seen: list[bool] = []
    execute = SqlEngine.execute

    def spy(self: SqlEngine, sql: str, **kwargs: Any) -> Any:
        if sql == QUERY:
            seen.append(kwargs.get("budget_s", 0.0) > 0)
        return execute(self, sql, **kwargs)

    monkeypatch.setattr(SqlEngine, "execute", spy)
    return seen


@pytest.fixture
def client() -> Iterator[Client]:
    with ServerThread(Node()) as st:
        c = Client()
        with c.connect(*st.address):
            c.sql("CREATE TABLE LongWork (id INT PRIMARY KEY, v INT)")
            for i in range(3):
                c.sql("INSERT INTO LongWork (id, v) VALUES (?, ?)", query_args=[i, i])
            yield c


def _ids(client: Client) -> list[int]:
    with client.sql(QUERY, page_size=1) as cur:
        return [row[0] for row in cur]


def test_a_query_of_several_pages_runs_on_a_worker_without_the_loop_first(
    client: Client, budgets: list[bool]
) -> None:
    assert _ids(client) == [0, 1, 2]
    assert budgets == [True, False]  # the loop stopped at the first page
    budgets.clear()
    for _ in range(RETRY_EVERY - 1):
        assert _ids(client) == [0, 1, 2]
    assert budgets == [False] * (RETRY_EVERY - 1)
    budgets.clear()
    assert _ids(client) == [0, 1, 2]
    assert budgets == [True, False]  # the loop is tried again, still too long


def test_a_statement_that_became_short_comes_back_to_the_loop(
    client: Client, budgets: list[bool]
) -> None:
    assert _ids(client) == [0, 1, 2]
    client.sql("DELETE FROM LongWork WHERE id > 0")
    for _ in range(RETRY_EVERY - 1):
        assert _ids(client) == [0]
    budgets.clear()
    assert _ids(client) == [0]  # the try on the loop: it fits
    assert _ids(client) == [0]
    assert budgets == [True, True]

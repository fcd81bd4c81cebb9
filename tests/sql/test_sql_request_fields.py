"""Op 2004's request fields, on embergrid and on the Ignite 2.17 node: a statement of
the other kind than declared fails, a statement past its timeout is cancelled, each
with Ignite's status and text, and the connection carries on; pages (2005) of every
size, max rows (a pinned divergence), and the key-value SQL query (2002/2003)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _sqlwire import SqlFailed, SqlWire
from pyignite import Client
from pyignite.exceptions import SQLError

from embergrid.engine import FakeClock
from embergrid.engine.errors import EngineError
from embergrid.server import Node, ServerThread

MISMATCH = "42000: Given statement type does not match that declared by JDBC driver"
CANCELLED = (
    "50000: Failed to run reduce query locally."
    " The query was cancelled while executing."
)
ANY, SELECT, UPDATE = 0, 1, 2
# A three-way cross join of 400 rows runs for seconds: the timeout ends it first.
ROWS = 400
HEAVY = "SELECT COUNT(*) FROM ReqF a, ReqF b, ReqF c WHERE a.v + b.v + c.v = -1"


@pytest.fixture(scope="module")
def wall_clock_server() -> Iterator[tuple[str, int]]:
    """An embergrid server on the system clock (the session's runs on a FakeClock,
    under which no timeout would ever pass)."""
    with ServerThread(Node()) as st:
        yield st.address


@pytest.fixture(
    params=["embergrid", pytest.param("ignite-2.17", marks=pytest.mark.reference)]
)
def wire(request: pytest.FixtureRequest) -> Iterator[SqlWire]:
    fixture = "wall_clock_server" if request.param == "embergrid" else "reference_sql"
    w = SqlWire(request.getfixturevalue(fixture))
    w.query("DROP TABLE IF EXISTS ReqF")
    w.query("CREATE TABLE ReqF (id INT PRIMARY KEY, v INT)")
    w.query(
        "INSERT INTO ReqF (id, v) VALUES "
        + ", ".join(f"({i}, {i})" for i in range(ROWS))
    )
    yield w
    w.query("DROP TABLE IF EXISTS ReqF")
    w.close()


STATEMENTS = {
    "select": ("SELECT COUNT(*) FROM ReqF", True),
    "update": ("UPDATE ReqF SET v = v WHERE id = 1", False),
    "insert": ("INSERT INTO ReqF (id, v) VALUES (-1, -1)", False),
    "merge": ("MERGE INTO ReqF (id, v) VALUES (-2, -2)", False),
    "delete": ("DELETE FROM ReqF WHERE id = -3", False),
    "ddl": ("CREATE INDEX IF NOT EXISTS reqf_v ON ReqF (v)", False),
}


@pytest.mark.parametrize(
    "declared", [ANY, SELECT, UPDATE], ids=["any", "select", "update"]
)
@pytest.mark.parametrize("name", list(STATEMENTS))
def test_statement_type(wire: SqlWire, name: str, declared: int) -> None:
    sql, is_query = STATEMENTS[name]
    allowed = declared == ANY or (declared == SELECT) == is_query
    if allowed:
        wire.query(sql, statement_type=declared)
    else:
        with pytest.raises(SqlFailed) as err:
            wire.query(sql, statement_type=declared)
        assert (err.value.status, err.value.message) == (1, MISMATCH)
    assert wire.query("SELECT COUNT(*) FROM ReqF WHERE id >= 0").rows == [(ROWS,)]


def test_a_query_seen_before_is_still_checked(wire: SqlWire) -> None:
    sql = "SELECT v FROM ReqF WHERE id = ?"
    assert wire.query(sql, 7, statement_type=SELECT).rows == [(7,)]
    with pytest.raises(SqlFailed) as err:
        wire.query(sql, 7, statement_type=UPDATE)
    assert err.value.message == MISMATCH


def test_timeout_cancels_a_long_query(wire: SqlWire) -> None:
    with pytest.raises(SqlFailed) as err:
        wire.query(HEAVY, timeout_ms=200)
    assert (err.value.status, err.value.message) == (1, CANCELLED)
    # the connection and the data are fine afterwards; a quick query beats its timeout
    assert wire.query("SELECT COUNT(*) FROM ReqF", timeout_ms=5000).rows == [(ROWS,)]


def test_timeout_cancels_the_reading_of_an_update(wire: SqlWire) -> None:
    sql = f"UPDATE ReqF SET v = 0 WHERE id IN (SELECT a.id {HEAVY[16:]})"
    with pytest.raises(SqlFailed) as err:
        wire.query(sql, timeout_ms=200)
    assert err.value.message == CANCELLED
    assert wire.query("SELECT SUM(v) FROM ReqF").rows == [(ROWS * (ROWS - 1) // 2,)]


@pytest.mark.parametrize("timeout_ms", [0, -5], ids=["zero", "negative"])
def test_no_timeout(wire: SqlWire, timeout_ms: int) -> None:
    assert wire.query("SELECT COUNT(*) FROM ReqF", timeout_ms=timeout_ms).rows == [
        (ROWS,)
    ]


class _TickingClock(FakeClock):
    """A clock that moves 1 ms each time it is read."""

    def now_ms(self) -> int:
        self.advance(1)
        return super().now_ms()


def test_the_deadline_follows_the_engines_clock() -> None:
    node = Node(clock=_TickingClock())
    sql = node.engine.sql
    sql.execute("CREATE TABLE T (id INT PRIMARY KEY, v INT)")
    sql.execute(
        "INSERT INTO T (id, v) VALUES " + ", ".join(f"({i}, {i})" for i in range(300))
    )
    heavy = "SELECT COUNT(*) FROM T a, T b WHERE a.v + b.v = -1"
    assert sql.execute(heavy).rows == [(0,)]  # no timeout: it runs to the end
    with pytest.raises(EngineError) as err:
        sql.execute(heavy, timeout_ms=20)  # each look at the clock costs 1 ms
    assert err.value.message == CANCELLED
    assert sql.execute("SELECT COUNT(*) FROM T", timeout_ms=20).rows == [(300,)]
    node.close()


# -- paging (2005) and the key-value SQL query (2002/2003), on both servers ---------


@pytest.fixture(
    params=["embergrid", pytest.param("ignite-2.17", marks=pytest.mark.reference)]
)
def table_address(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """A server holding table ReqP (id INT key, v INT, s VARCHAR) of 50 rows."""
    fixture = "wall_clock_server" if request.param == "embergrid" else "reference_sql"
    address = request.getfixturevalue(fixture)
    client = Client()
    with client.connect(*address):
        client.sql("DROP TABLE IF EXISTS ReqP")
        client.sql("CREATE TABLE ReqP (id INT PRIMARY KEY, v INT, s VARCHAR)")
        client.sql(
            "INSERT INTO ReqP (id, v, s) VALUES "
            + ", ".join(f"({i}, {i % 7}, 's{i}')" for i in range(50))
        )
        yield address
        client.sql("DROP TABLE IF EXISTS ReqP")


@pytest.mark.parametrize("page_size", [1, 7, 50, 1024])
def test_fields_query_pages(table_address: tuple[str, int], page_size: int) -> None:
    with SqlWire(table_address) as w:
        got = w.query("SELECT id, s FROM ReqP ORDER BY id", page_size=page_size)
        assert got.rows == [(i, f"s{i}") for i in range(50)]


@pytest.mark.divergence("sql-max-rows")
@pytest.mark.parametrize("page_size", [3, 1024])
def test_max_rows(
    table_address: tuple[str, int], page_size: int, request: pytest.FixtureRequest
) -> None:
    on_ignite = "ignite" in request.node.callspec.id
    with SqlWire(table_address) as w:
        got = w.query(
            "SELECT id FROM ReqP ORDER BY id", page_size=page_size, max_rows=10
        )
    assert len(got.rows) == (50 if on_ignite else 10)
    assert got.rows == [(i,) for i in range(len(got.rows))]


@pytest.mark.parametrize("page_size", [1, 4, 100])
def test_sql_query_returns_key_value_rows(
    table_address: tuple[str, int], page_size: int
) -> None:
    client = Client()
    with client.connect(*table_address):
        cache = client.get_cache("SQL_PUBLIC_REQP")
        with cache.select_row("v = ? ORDER BY id", page_size, query_args=[3]) as cur:
            rows = [(k, (v.V, v.S)) for k, v in cur]
    assert rows == [(i, (3, f"s{i}")) for i in range(50) if i % 7 == 3]


def test_bare_parameter_encoders_are_kept_per_argument_types() -> None:
    """The server keys its page encoders by the encoder list: the same argument
    types must give the same list, other types another one."""
    node = Node()
    sql = node.engine.sql
    first = sql.execute("SELECT ?, ?", args=[1, "a"]).encoders
    assert sql.execute("SELECT ?, ?", args=[2, "b"]).encoders is first
    other = sql.execute("SELECT ?, ?", args=["x", "b"]).encoders
    assert other is not first
    assert other[0]("x") != first[0](1)
    node.close()


@pytest.mark.divergence("sql-error-in-a-later-page")
def test_a_row_error_past_the_first_page(
    sql_address: tuple[str, int], request: pytest.FixtureRequest
) -> None:
    on_ignite = "ignite" in request.node.callspec.id
    sql = "SELECT 100 / (x - 3000) FROM SYSTEM_RANGE(1, 5000)"
    client = Client()
    read: list[object] = []

    def read_all() -> None:
        read.extend(client.sql(sql, page_size=10))

    with client.connect(*sql_address), pytest.raises(SQLError) as failed:
        read_all()
    assert 'Division by zero: "100"' in str(failed.value)
    assert len(read) == (0 if on_ignite else 2990)

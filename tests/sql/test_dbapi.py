"""``embergrid.dbapi`` (PEP 249) against embergrid and the Ignite 2.17 SQL node.

The same statements through the driver on both servers: update counts, rows,
``description`` and its type objects, paging, parameters, and the PEP 249
class each of Ignite's SQL errors maps to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from embergrid import dbapi


@pytest.fixture
def conn(sql_address: tuple[str, int]) -> Iterator[dbapi.Connection]:
    with dbapi.connect(*sql_address) as c:
        yield c


@pytest.fixture
def table(conn: dbapi.Connection) -> Iterator[str]:
    name = f"DBAPI_{uuid.uuid4().hex[:8].upper()}"
    cur = conn.cursor()
    cur.execute(
        f"CREATE TABLE {name} (ID INT PRIMARY KEY, NAME VARCHAR, SCORE DOUBLE,"
        " PRICE DECIMAL(10, 2), DATA VARBINARY)"
    )
    yield name
    cur.execute(f"DROP TABLE IF EXISTS {name}")


def test_module_globals() -> None:
    assert (dbapi.apilevel, dbapi.paramstyle) == ("2.0", "qmark")
    assert dbapi.threadsafety in (0, 1, 2, 3)
    assert issubclass(dbapi.IntegrityError, dbapi.DatabaseError)
    assert issubclass(dbapi.DatabaseError, dbapi.Error)
    assert issubclass(dbapi.InterfaceError, dbapi.Error)


def test_rows_counts_and_description(conn: dbapi.Connection, table: str) -> None:
    cur = conn.cursor()
    insert = (
        f"INSERT INTO {table} (ID, NAME, SCORE, PRICE, DATA) VALUES (?, ?, ?, ?, ?)"
    )
    cur.executemany(
        insert,
        [(i, f"n{i}", i / 2, Decimal(f"{i}.25"), bytes([i])) for i in range(1, 26)],
    )
    assert cur.rowcount == 25
    cur.execute(f"UPDATE {table} SET NAME = ? WHERE ID > ?", ("big", 20))
    assert cur.rowcount == 5
    cur.arraysize = 10
    cur.execute(f"SELECT ID, NAME, SCORE, PRICE, DATA FROM {table} ORDER BY ID")
    assert cur.description is not None
    assert [d[0] for d in cur.description] == ["ID", "NAME", "SCORE", "PRICE", "DATA"]
    first = cur.fetchone()
    assert first == (1, "n1", 0.5, Decimal("1.25"), b"\x01")
    codes = [d[1] for d in cur.description]
    assert codes == [
        dbapi.NUMBER,
        dbapi.STRING,
        dbapi.NUMBER,
        dbapi.NUMBER,
        dbapi.BINARY,
    ]
    assert [r[0] for r in cur.fetchmany()] == list(range(2, 12))
    rest = cur.fetchall()
    assert [r[0] for r in rest] == list(range(12, 26))
    assert rest[-1][1] == "big"
    assert cur.fetchone() is None
    cur.execute(f"SELECT COUNT(*) FROM {table} WHERE NAME = ?", ("big",))
    assert list(cur) == [(5,)]


def test_pages_are_read_as_rows_are_fetched(conn: dbapi.Connection, table: str) -> None:
    cur = conn.cursor()
    values = ", ".join(f"({i}, 'n{i}')" for i in range(3000))
    cur.execute(f"INSERT INTO {table} (ID, NAME) VALUES {values}")
    assert cur.rowcount == 3000
    cur.execute(f"SELECT ID FROM {table} ORDER BY ID")
    assert [r[0] for r in cur.fetchall()] == list(range(3000))


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("SELEC 1", dbapi.ProgrammingError),
        ("SELECT * FROM NO_SUCH_TABLE_HERE", dbapi.ProgrammingError),
        ("SELECT 1 / 0", dbapi.DataError),
        ("SELECT CAST('x' AS INT)", dbapi.DataError),
    ],
)
def test_errors_map_to_pep_249_classes(
    conn: dbapi.Connection, sql: str, error: type[dbapi.Error]
) -> None:
    with pytest.raises(error):
        conn.cursor().execute(sql)


def test_a_duplicate_key_is_an_integrity_error(
    conn: dbapi.Connection, table: str
) -> None:
    cur = conn.cursor()
    cur.execute(f"INSERT INTO {table} (ID, NAME) VALUES (1, 'a')")
    with pytest.raises(dbapi.IntegrityError):
        cur.execute(f"INSERT INTO {table} (ID, NAME) VALUES (1, 'b')")


def test_transactions_and_closing(conn: dbapi.Connection) -> None:
    conn.commit()  # every statement has committed already
    with pytest.raises(dbapi.NotSupportedError):
        conn.rollback()
    cur = conn.cursor()
    cur.close()
    with pytest.raises(dbapi.InterfaceError):
        cur.execute("SELECT 1")
    conn.close()
    with pytest.raises(dbapi.InterfaceError):
        conn.cursor()


def test_no_node_is_an_operational_error() -> None:
    with pytest.raises(dbapi.OperationalError):
        dbapi.connect("127.0.0.1", 1)


def test_pandas_reads_a_query(conn: dbapi.Connection, table: str) -> None:
    import pandas as pd  # a test dependency (pyproject.toml)

    cur = conn.cursor()
    cur.executemany(
        f"INSERT INTO {table} (ID, NAME, SCORE) VALUES (?, ?, ?)",
        [(i, f"n{i}", i * 1.5) for i in range(5)],
    )
    with pytest.warns(UserWarning, match="SQLAlchemy"):  # pandas' note on DB-API
        frame = pd.read_sql(
            f"SELECT ID, NAME, SCORE FROM {table} WHERE ID > ? ORDER BY ID",
            conn,
            params=(1,),
        )
    assert list(frame.columns) == ["ID", "NAME", "SCORE"]
    assert frame.to_dict("records") == [
        {"ID": i, "NAME": f"n{i}", "SCORE": i * 1.5} for i in range(2, 5)
    ]

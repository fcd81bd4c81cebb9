"""SQL is Ignite's, not SQLite's: functions H2 does not know fail as on Ignite.

SQLite answers functions H2 has never had (``randomblob``, ``zeroblob``,
``sqlite_version``, ``printf``, ``typeof``, ``load_extension``, ...), some of
them with raw bytes no thin client can parse. embergrid checks every function
call against H2 1.4.197's names (``engine/sql/h2functions.py H2_FUNCTIONS``) and
refuses the rest with H2's "Function ... not found" (90022). Each case runs on
this session's server and on the Ignite 2.17 SQL node: same error, same text.
"""

from __future__ import annotations

import pytest
from pyignite import Client  # type: ignore[import-untyped]
from pyignite.exceptions import SQLError  # type: ignore[import-untyped]

SQLITE_ONLY = [
    "randomblob(8)",
    "zeroblob(4)",
    "sqlite_version()",
    "typeof(1)",
    "quote(1)",
    "changes()",
    "likelihood(1, 0.5)",
    "iif(1, 2, 3)",
    "unicode('a')",
    "load_extension('x')",
    "fts3_tokenizer('x')",
    "printf('%.*c', 1000000, 'x')",
]


def _outcome(address: tuple[str, int], statement: str) -> object:
    client = Client()
    with client.connect(*address):
        try:
            with client.sql(statement) as cur:
                return ("rows", list(cur))
        except SQLError as exc:
            return ("error", str(exc))


@pytest.mark.parametrize("call", SQLITE_ONLY)
def test_sqlite_only_functions_are_unknown(
    sql_address: tuple[str, int], call: str
) -> None:
    statement = f"SELECT {call}"
    name = call.split("(", 1)[0].upper()
    assert _outcome(sql_address, statement) == (
        "error",
        f'42000: Failed to parse query. Function "{name}" not found; SQL statement:\n'
        f"{statement} [90022-197]",
    )


@pytest.mark.parametrize(
    ("call", "value"), [("UPPER('a')", "A"), ("ifnull(NULL, 2)", 2), ("ABS(-3)", 3)]
)
def test_h2_functions_still_answer(
    sql_address: tuple[str, int], call: str, value: object
) -> None:
    assert _outcome(sql_address, f"SELECT {call}") == ("rows", [[value]])


def test_a_function_in_dml_is_checked_too(sql_address: tuple[str, int]) -> None:
    client = Client()
    with client.connect(*sql_address):
        client.sql("DROP TABLE IF EXISTS FN_DML")
        client.sql("CREATE TABLE FN_DML (ID INT PRIMARY KEY, V VARBINARY)")
        try:
            with pytest.raises(SQLError, match='Function "RANDOMBLOB" not found'):
                client.sql("INSERT INTO FN_DML (ID, V) VALUES (1, randomblob(8))")
            with client.sql("SELECT COUNT(*) FROM FN_DML") as cur:
                assert list(cur) == [[0]]
        finally:
            client.sql("DROP TABLE IF EXISTS FN_DML")

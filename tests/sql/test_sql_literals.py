"""The rows of an INSERT/MERGE of literals read without the tokenizer (``literals``).

A fast path: whatever it reads must be what the token path reads
(``dml._read_values_insert`` over sqlglot's tokens), cell for cell, and what it
does not read must be left to that path (None). Generated statements check the
first; the forms it leaves alone, the second. ``X'..'`` is read by the parser's
path (``bytes.fromhex``), so its value is checked against that. What the node
answers for each form is compared with Ignite in ``test_sql_corpus.py``
(``LITERALS_SCRIPT``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embergrid.engine import Engine
from embergrid.engine.sql import dml, literals
from embergrid.engine.sql.ddl import ident_tokens

_STRING = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
    max_size=12,
).map(lambda s: "'" + s.replace("'", "''") + "'")
_DIGITS = st.text("0123456789", min_size=1, max_size=25)
_NUMBER = st.builds(
    lambda minus, space, whole, frac, exp: (
        ("-" + space if minus else "") + whole + frac + exp
    ),
    st.booleans(),
    st.sampled_from(["", " ", "\n  "]),
    _DIGITS,
    st.sampled_from(["", ".0", ".5", ".25", ".000", ".1234567890123"]),
    st.sampled_from(["", "e3", "E-2", "e+10", "E0"]),
)
_WORD = st.sampled_from(["NULL", "null", "Null", "TRUE", "true", "FALSE", "fAlSe"])
_CELL = st.one_of(_STRING, _NUMBER, _WORD, st.just("?"))
_SPACE = st.sampled_from(["", " ", "  ", "\n", "\t", "\r\n "])
_HEADS = [
    "INSERT INTO t (a, b) VALUES",
    "insert into S.T(a,b)values",
    'MERGE INTO "Mixed Name" ("a""b", c) VALUES',
    "MERGE INTO t VALUES",
    "INSERT INTO t (a)\nVALUES",
]


@st.composite
def _statement(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 4))
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        cells = [draw(_SPACE) + draw(_CELL) + draw(_SPACE) for _ in range(width)]
        rows.append(draw(_SPACE) + "(" + ",".join(cells) + ")")
    return draw(st.sampled_from(_HEADS)) + ",".join(rows) + draw(_SPACE)


def _token_path(sql: str) -> Any:
    return dml._read_values_insert(ident_tokens(sql))


@given(_statement())
def test_scanned_rows_equal_the_token_path(sql: str) -> None:
    scanned = dml._scan_values_insert(sql)
    assert scanned is not None, sql
    assert _exact(scanned) == _exact(_token_path(sql))


def _exact(v: Any) -> Any:
    """Values with their types (``1 == Decimal(1) == True`` in Python)."""
    if isinstance(v, list | tuple):
        return [_exact(x) for x in v]
    return (type(v).__name__, str(v))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("X'0102ff'", bytes.fromhex("0102ff")),
        ("x''", b""),
        ("X'AbCd'", bytes.fromhex("abcd")),
    ],
)
def test_hex_literals_read_as_the_parser_reads_them(text: str, value: bytes) -> None:
    rows, params = literals.read_rows(f"({text}, 1)", 0) or ([], -1)
    assert (rows, params) == ([[(False, value), (False, 1)]], 0)


@pytest.mark.parametrize(
    "values",
    [
        "(+5)",
        "(.5)",
        "(1.)",
        "(1x)",
        "(1.5.2)",
        "(DATE '2020-01-02')",
        "(1 + 2)",
        "(-(1))",
        "(--1\n)",
        "(1) -- note",
        "(1) /* note */",
        "(1); DELETE FROM t",
        "('open)",
        "(X'123')",
        "(X'zz')",
        "(NULLS)",
        "(1)(2)",
        "(1),",
        "()",
        "(1,)",
        "(, 1)",
        "1",
        "(1) junk",
        "('a' 'b')",
        "(1\f)",
        "(\u00a01)",
        '("a")',
        "(a)",
    ],
)
def test_other_forms_are_left_to_the_token_path(values: str) -> None:
    assert literals.read_rows(values, 0) is None
    assert dml._scan_values_insert("INSERT INTO t (a) VALUES " + values) is None


@pytest.mark.parametrize(
    "head",
    [
        "SELECT 1 FROM t",
        "INSERT INTO t SELECT * FROM u",
        "INSERT INTO t (a) KEY (a) VALUES",
        "MERGE INTO t KEY (a) VALUES",
        "INSERT INTO a.b.c (x) VALUES",
        "INSERT INTO t (a, ) VALUES",
        "INSERT INTO t (a) VALUESX",
        "INSERT t (a) VALUES",
        "UPDATE t SET a = 1",
    ],
)
def test_other_heads_are_not_read(head: str) -> None:
    assert dml._scan_values_insert(head + " (1)") is None


def test_engine_writes_what_the_token_path_writes() -> None:
    """The same rows through the scanner and (a trailing comment is no literal)
    through the tokens: the same cells, the same stored objects."""
    rows = (
        " (1, 'it''s', 1.50, TRUE, X'0102', - 7),"
        " (2, '', -0.25, false, x'', 12345678901), (3, ?, 1e1, null, NULL, ?)"
    )
    out = []
    with Engine() as e:
        for t, tail in (("Fast", ""), ("Slow", " -- the token path")):
            e.sql.execute(
                f"CREATE TABLE {t} (id INT PRIMARY KEY, s VARCHAR, d DECIMAL(10,2),"
                " b BOOLEAN, v VARBINARY, n BIGINT)"
            )
            sql = f"INSERT INTO {t} (id, s, d, b, v, n) VALUES{rows}{tail}"
            e.sql.catalog.refresh()
            assert (e.sql.dml.scanned(sql, "PUBLIC") is None) == bool(tail)
            e.sql.execute(sql, args=["three", -1])
            res = e.sql.execute(f"SELECT *, _KEY, _VAL FROM {t} ORDER BY id")
            out.append([_blank_type_id(r) for r in res.rows])
    assert out[0] == out[1]
    assert [r[:6] for r in out[0]] == [
        (1, "it's", "1.50", 1, b"\x01\x02", -7),
        (2, "", "-0.25", 0, b"", 12345678901),
        (3, "three", "1E+1", None, None, -1),
    ]


def _blank_type_id(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The value object's type id (a table's own) blanked."""
    val = row[-1]
    return (*row[:-1], val[:4] + b"????" + val[8:])

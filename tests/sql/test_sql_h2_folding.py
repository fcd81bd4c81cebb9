"""H2's constant folding and column labels, without a server or a reference node.

``h2fold.optimize`` then ``h2text.label`` over a parsed projection; every
expected (label, type, value) below was observed on the Ignite 2.17 SQL node
(``test_sql_corpus.py`` compares the same rules there, on the wire).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlglot

from embergrid.engine.sql.h2fold import const, optimize
from embergrid.engine.sql.h2text import IgniteH2, label
from embergrid.engine.sql.h2values import H2Error, java_double, java_float, uuid_key
from embergrid.engine.sql.scope import normalize_identifiers

FOLDED: list[tuple[str, str, str, Any]] = [
    ("1 + 1", "2", "INT", 2),
    ("-7 / 2", "-3", "INT", -3),
    ("-7 % 2", "-1", "INT", -1),
    ("1.0 / 3", "0.33333333333333333333333333", "DECIMAL", None),
    ("1.0 / 134217728", "0.00000000745058059692382812", "DECIMAL", None),
    ("10.0 / 4", "2.5", "DECIMAL", Decimal("2.5")),
    ("10.0 / 1", "10", "DECIMAL", Decimal("1E+1")),
    ("2 * 1.5", "3.0", "DECIMAL", Decimal("3.0")),
    ("2.50 * 1.5", "3.750", "DECIMAL", Decimal("3.750")),
    ("1.5E2", "150", "DECIMAL", Decimal("1.5E+2")),
    ("-2147483648", "-2147483648", "INT", -2147483648),
    ("2147483648", "2147483648", "BIGINT", 2147483648),
    ("TRIM('  x  ')", "'x'", "VARCHAR", "x"),
    ("'a' || 'b'", "'ab'", "VARCHAR", "ab"),
    ("'é'", "STRINGDECODE('\\u00e9')", "VARCHAR", "é"),
    ("CAST(12.5 AS INT)", "13", "INT", 13),
    ("CAST(-0.5 AS INT)", "-1", "INT", -1),
    ("CAST(-2.5E0 AS DOUBLE)", "-2.5", "DOUBLE", -2.5),
    ("CAST(CAST(-2.5 AS DOUBLE) AS INT)", "-2", "INT", -2),
    ("CAST(1.45 AS DECIMAL(5,1))", "1.5", "DECIMAL", Decimal("1.5")),
    ("CAST(1e7 AS DOUBLE)", "1.0E7", "DOUBLE", 1e7),
    ("CAST(0.1 AS REAL)", "0.1", "REAL", None),
    ("ROUND(-2.5)", "-3.0", "DOUBLE", -3.0),
    ("MOD(7.5, 2)", "0", "BIGINT", 0),
    ("SUBSTRING('hello', -1)", "'o'", "VARCHAR", "o"),
    ("1 = 1", "TRUE", "BOOLEAN", True),
    ("NULL + 1", "NULL", "NULL", None),
    ("CASE 2 WHEN 1 THEN 'a' ELSE 'b' END", "'b'", "VARCHAR", "b"),
]


def _optimized(text: str) -> Any:
    node = sqlglot.parse_one(f"SELECT {text}", read=IgniteH2)
    normalize_identifiers(node)  # unresolved columns: labels use their names
    return optimize(node.expressions[0])


@pytest.mark.parametrize(("sql", "name", "type_name", "value"), FOLDED)
def test_constant_folds_to_h2_value(
    sql: str, name: str, type_name: str, value: Any
) -> None:
    e = _optimized(sql)
    v = const(e)
    assert v is not None
    assert label(e) == name
    assert v[0] == type_name
    if value is not None:
        assert v[1] == value
        assert str(v[1]) == str(value)


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("NOT b", "B = FALSE"),
        ("NOT (b AND c)", "(B = FALSE)\n    OR (C = FALSE)"),
        ("NOT (i > 1)", "I <= 1"),
        ("NOT (i IS NULL)", "I IS NOT NULL"),
        ("i NOT BETWEEN 1 AND 2", "(I < 1)\n    OR (I > 2)"),
        ("s NOT LIKE 'a%'", "NOT (S LIKE 'a%')"),
        ("1 < i", "I > 1"),
        ("i = 1 OR i = 2 OR i = 3", "I IN(1, 2, 3)"),
        ("i IN (1)", "I = 1"),
        ("s LIKE 'abc'", "S = 'abc'"),
        ("i > 1 AND b", "B\n    AND (I > 1)"),
        ("name || ' (' || code || ')'", "((NAME || ' (') || CODE) || ')'"),
        ("i + (1 + 2)", "I + 3"),
        ("- (i + 1)", "- (I + 1)"),
        ("IFNULL(s, 'none')", "IFNULL(S, 'none')"),
        ("ABS(i - 3)", "ABS((I - 3))"),
        ("CAST(d AS INT)", "CAST(D AS INTEGER)"),
        ("CAST(d AS NUMERIC)", "CAST(D AS DECIMAL(65535, 32767))"),
        ("CAST(r AS REAL)", "CAST(R AS REAL)"),
    ],
)
def test_label_is_h2s_text_of_the_optimized_expression(sql: str, name: str) -> None:
    assert label(_optimized(sql)) == name


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("1 / 0", 'Division by zero: "1"'),
        ("2147483647 + 1", 'Numeric value out of range: "2147483648"'),
        ("CAST('x' AS INT)", 'Data conversion error converting "x"'),
    ],
)
def test_folding_errors_are_h2s(sql: str, message: str) -> None:
    with pytest.raises(H2Error) as info:
        _optimized(sql)
    assert info.value.text == message


def test_java_number_text() -> None:
    assert [java_double(x) for x in (1.0, 1e7, 1e-4, 123456789.5, 0.001)] == [
        "1.0",
        "1.0E7",
        "1.0E-4",
        "1.234567895E8",
        "0.001",
    ]
    assert java_float(0.30000001192092896) == "0.3"


def test_uuid_order_is_signed() -> None:
    texts = [
        "00000000-0000-0000-0000-000000000001",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "7fffffff-ffff-ffff-ffff-ffffffffffff",
        "80000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-8000-000000000000",
    ]
    ordered = sorted(texts, key=lambda t: uuid_key(uuid.UUID(t)))
    assert ordered == [texts[3], texts[1], texts[4], texts[0], texts[2]]

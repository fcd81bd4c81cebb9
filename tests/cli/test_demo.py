"""``embergrid demo`` prints what the pyignite examples print (seed), by section."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from embergrid.cli.demo import run_demo


def _sections(out: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = "header"
    for line in out.splitlines():
        heading = re.match(r"== (.*) \((\w+)\.py\)$", line)
        if heading:
            current = heading.group(2)
            sections[current] = []
        elif line:
            sections.setdefault(current, []).append(line)
    return sections


@pytest.fixture(scope="module")
def demo_output() -> dict[str, list[str]]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert run_demo() == 0
    return _sections(buf.getvalue())


def test_header_names_the_node(demo_output: dict[str, list[str]]) -> None:
    assert re.fullmatch(
        r"embergrid node \S+ listening on 127\.0\.0\.1:\d+", demo_output["header"][0]
    )


def test_key_value(demo_output: dict[str, list[str]]) -> None:
    assert demo_output["get_and_put"] == ["42", "None", "{'my key': 42}"]


def test_type_hints(demo_output: dict[str, list[str]]) -> None:
    assert demo_output["type_hints"] == ["1", "2"]


def test_scans(demo_output: dict[str, list[str]]) -> None:
    lines = demo_output["scans"]
    assert sorted(lines[:20]) == sorted(f"key_{v} {v}" for v in range(20))
    assert eval(lines[20]) == {f"key_{v}": v for v in range(20)}


def test_collections(demo_output: dict[str, list[str]]) -> None:
    assert demo_output["get_and_put_complex"] == [
        "(2, OrderedDict([(1, 'test'), ('key', 2.0)]))",
        # Java HashMap order, as the reference node returns it; the seed's
        # "(1, {'key': 2.0, 1: 'test'})" reflects an old Python's dict order.
        "(1, {1: 'test', 'key': 2.0})",
        "(2, [1, '2', 3.0])",
        "(3, [5.6, 4, 'test'])",
        "(-1, [7, '8', 9.0])",
    ]


def test_complex_objects(demo_output: dict[str, list[str]]) -> None:
    assert demo_output["binary_basics"] == [
        "Person",
        "Person(first_name='Ivan', last_name='Ivanov', age=33, version=1)",
    ]


def test_migrate(demo_output: dict[str, list[str]]) -> None:
    old, new = demo_output["migrate_binary"]
    assert old == (
        "ExpenseVoucher(date=datetime.datetime(2017, 9, 21, 0, 0), reported=True, "
        "purpose='Praesent eget fermentum massa', sum=Decimal('666.67'), "
        "recipient='John Doe', cashier_id=8, version=1)"
    )
    assert re.fullmatch(
        r"ExpenseVoucherV2\(purpose='Praesent eget fermentum massa', "
        r"sum=Decimal\('666\.67'\), recipient='John Doe', cashier_id=8, "
        r"expense_date=datetime\.datetime\(2017, 9, 21, 0, 0\), "
        r"report_date=datetime\.datetime\(\d+, \d+, \d+, 0, 0\), version=1\)",
        new,
    )


def test_expiry(demo_output: dict[str, list[str]]) -> None:
    assert demo_output["expiry_policy"] == [
        "key = 1, value = 1",
        "key = 1, value = None",
        "key = 1, value = 1",
        "key = 1, value = None",
    ]


def test_transactions(demo_output: dict[str, list[str]]) -> None:
    lines = demo_output["transactions"]
    assert lines[:2] == ["key=1 value=success", "key=1 value=success"]
    assert re.fullmatch(
        r"Cache transaction timed out: "
        r"GridNearTxLocal\[.*timeout=1000, .*label=long-tx\]",
        lines[2],
    )
    assert lines[3:] == ["key=1 value=success"]


def test_sql(demo_output: dict[str, list[str]]) -> None:
    assert demo_output["sql"] == [
        "Most 3 populated cities:",
        "['Mumbai (Bombay)', 10500000]",
        "['Shanghai', 9696300]",
        "['New York', 8008278]",
        "['COUNTRYCODE', 'TOTAL']",
        "['CHN', 23519900]",
        "['IND', 17706704]",
        "['USA', 8008278]",
    ]

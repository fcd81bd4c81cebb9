"""``embergrid sql``: statements from -e, -f and a pipe, each output format,
the backslash commands, and an interactive session in a real terminal (tmux),
against a node in this process and against the Ignite 2.17 SQL node."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from _reference import reference_sql  # type: ignore[import-not-found, unused-ignore]
from embergrid.cli.sql_shell import split_statements

__all__ = ["reference_sql"]


@pytest.fixture(
    params=["embergrid", pytest.param("ignite-2.17", marks=pytest.mark.reference)]
)
def address(
    request: pytest.FixtureRequest, server_address: tuple[str, int]
) -> tuple[str, int]:
    if request.param == "embergrid":
        return server_address
    return request.getfixturevalue("reference_sql")  # type: ignore[no-any-return]


@pytest.fixture
def table(address: tuple[str, int]) -> Iterator[str]:
    name = f"SHELL_{uuid.uuid4().hex[:8].upper()}"
    _sql(
        address,
        "-e",
        f"CREATE TABLE {name} (ID INT PRIMARY KEY, NAME VARCHAR, POP INT)",
    )
    yield name
    _sql(address, "-e", f"DROP TABLE IF EXISTS {name}")


def _sql(
    address: tuple[str, int], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "embergrid", "sql", "--host", address[0]]
    return subprocess.run(
        [*cmd, "--port", str(address[1]), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_statements_are_split_outside_quotes_and_comments() -> None:
    done, rest = split_statements(
        "SELECT ';'; -- a; comment\nSELECT \"a;b\" FROM T;\nSELECT"
    )
    assert done == ["SELECT ';'", '-- a; comment\nSELECT "a;b" FROM T']
    assert rest == "\nSELECT"


def test_execute_prints_an_aligned_table(address: tuple[str, int], table: str) -> None:
    done = _sql(
        address,
        "-e",
        f"INSERT INTO {table} VALUES (1, 'Oslo', 700000), (2, 'Bergen', 285000);"
        f" SELECT NAME, POP FROM {table} ORDER BY POP DESC",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-5:] == [
        "NAME   | POP",
        "-------+-------",
        "Oslo   | 700000",
        "Bergen | 285000",
        "(2 rows)",
    ]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("csv", ["ID,NAME,POP", "1,Oslo,700000", "2,NULL,0"]),
        (
            "json",
            [
                '{"ID": 1, "NAME": "Oslo", "POP": 700000}',
                '{"ID": 2, "NAME": null, "POP": 0}',
            ],
        ),
    ],
)
def test_formats(
    address: tuple[str, int], table: str, fmt: str, expected: list[str]
) -> None:
    _sql(address, "-e", f"INSERT INTO {table} VALUES (1, 'Oslo', 700000), (2, NULL, 0)")
    done = _sql(address, "--format", fmt, "-e", f"SELECT * FROM {table} ORDER BY ID")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected


def test_a_file_and_the_commands(
    address: tuple[str, int], table: str, tmp_path: Path
) -> None:
    script = tmp_path / "script.sql"
    script.write_text(
        f"INSERT INTO {table} (ID, NAME, POP)\n  VALUES (7, 'x', 1);\n"
        f"\\columns {table.lower()}\n"
        f"SELECT COUNT(*) FROM {table}\n"
    )
    done = _sql(address, "--format", "csv", "-f", str(script))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "UPDATED",
        "1",
        "COLUMN,TYPE",
        "ID,java.lang.Integer",
        "NAME,java.lang.String",
        "POP,java.lang.Integer",
        "COUNT(*)",
        "1",
    ]
    tables = _sql(address, "--format", "csv", stdin="\\tables\n")
    assert f"PUBLIC,{table},SQL_PUBLIC_{table}" in tables.stdout.splitlines()


def test_a_failing_statement_stops_a_script(address: tuple[str, int]) -> None:
    done = _sql(address, "-e", "SELEC 1; SELECT 2")
    assert done.returncode == 1
    assert done.stderr.startswith("error: 42000: Failed to parse query.")
    assert done.stdout == ""


def _pane(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _type(session: str, line: str) -> None:
    """Type ``line`` and Enter (-l: literally; an argument's last ';' is tmux's
    command separator unless escaped)."""
    if line.endswith(";"):
        line = line[:-1] + "\\;"
    subprocess.run(["tmux", "send-keys", "-t", session, "-l", line], check=True)
    subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)


def _wait_for(session: str, text: str) -> str:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        pane = _pane(session)
        if text in pane:
            return pane
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never showed; the pane:\n{_pane(session)}")


def test_an_interactive_session_in_a_terminal(
    server_address: tuple[str, int], tmp_path: Path
) -> None:
    session = f"eg-sql-{uuid.uuid4().hex[:8]}"
    name = f"TTY_{uuid.uuid4().hex[:6].upper()}"
    command = (
        f"env HOME={tmp_path} {sys.executable} -m embergrid sql"
        f" --host {server_address[0]} --port {server_address[1]}"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "40", command],
        check=True,
    )
    try:
        _wait_for(session, "embergrid>")
        for line in [
            f"CREATE TABLE {name} (ID INT PRIMARY KEY, V VARCHAR);",
            f"INSERT INTO {name} VALUES (1, 'one'),",
            "  (2, 'two');",
            f"SELECT * FROM {name}",
            "  ORDER BY ID DESC;",
        ]:
            _type(session, line)
        pane = _wait_for(session, "(2 rows)")
        assert "      ...>" in pane  # the statement went on over lines
        assert "ID | V" in pane
        assert " 2 | two" in pane
        _type(session, "\\q")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            alive = subprocess.run(
                ["tmux", "has-session", "-t", session], capture_output=True
            )
            if alive.returncode != 0:
                break
            time.sleep(0.1)
        history = (tmp_path / ".embergrid_sql_history").read_text()
        assert "SELECT * FROM" in history  # kept for the next session
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)

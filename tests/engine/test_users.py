"""Users of an authenticated node (``engine/users.py``) and the parse of the user
statements (``engine/sql/users.py``): Ignite 2.18's rules and texts, hashes only in
the store, one table every engine on a data dir shares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from embergrid.engine import Engine, EngineError
from embergrid.engine.sql.users import (
    UserStatement,
    h2_user_refusal,
    parse_user_statement,
)
from embergrid.engine.users import DEFAULT_USER, Users, hash_password, password_matches

NOT_ALLOWED = "50000: User management operations are not allowed for user. [curUser={}]"
FAILED = re.compile(
    r"50000: Operation failed \[nodeId=[0-9a-f-]{36}, opId=[0-9a-f]+-[0-9a-f-]{36}, "
    r"err=class org\.apache\.ignite\.internal\.processors\.authentication\."
    r"UserManagementException: (.*)\]"
)


@pytest.fixture
def users(tmp_path: Path) -> Users:
    engine = Engine(data_dir=tmp_path)
    u = Users(engine.store)
    u.ensure_default()
    return u


def _error(fn: object, *args: str) -> str:
    assert callable(fn)
    with pytest.raises(EngineError) as info:
        fn(*args)
    return info.value.message


def _failed(fn: object, *args: str) -> str:
    match = FAILED.fullmatch(_error(fn, *args))
    assert match is not None
    return match.group(1)


def test_default_user_once(users: Users) -> None:
    assert users.names() == [DEFAULT_USER]
    assert users.authenticate("ignite", "ignite")
    assert not users.ensure_default()


@pytest.mark.parametrize(
    ("name", "password"),
    [("ignite", "wrong"), ("IGNITE", "ignite"), ("nobody", "ignite"), ("ignite", "")],
)
def test_wrong_logins(users: Users, name: str, password: str) -> None:
    assert not users.authenticate(name, password)
    assert not users.authenticate(name, None)


def test_create_alter_drop_by_the_default_user(users: Users) -> None:
    users.create("ignite", "TEST", "pw1")
    assert users.authenticate("TEST", "pw1")
    users.alter("ignite", "TEST", "pw2")
    assert not users.authenticate("TEST", "pw1")
    assert users.authenticate("TEST", "pw2")
    users.drop("ignite", "TEST")
    assert not users.authenticate("TEST", "pw2")
    assert users.names() == ["ignite"]


def test_other_users_change_only_their_own_password(users: Users) -> None:
    users.create("ignite", "A", "a")
    users.create("ignite", "B", "b")
    users.alter("A", "A", "a2")
    assert users.authenticate("A", "a2")
    for op, args in [
        (users.create, ("A", "C", "c")),
        (users.alter, ("A", "B", "x")),
        (users.alter, ("A", "ignite", "x")),
        (users.drop, ("A", "B")),
        (users.drop, ("A", "A")),
        (users.drop, ("A", "ignite")),
    ]:
        assert _error(op, *args) == NOT_ALLOWED.format("A")
    assert users.authenticate("B", "b")


def test_ignite_texts(users: Users) -> None:
    users.create("ignite", "TEST", "x")
    assert _failed(users.create, "ignite", "TEST", "y") == (
        "User already exists [login=TEST]"
    )
    assert _failed(users.drop, "ignite", "NOBODY") == (
        "User doesn't exist [userName=NOBODY]"
    )
    assert _failed(users.alter, "ignite", "NOBODY", "x") == (
        "User doesn't exist [userName=NOBODY]"
    )
    assert _error(users.drop, "ignite", "ignite") == (
        "50000: Default user cannot be removed."
    )
    assert _error(users.create, "ignite", "", "x") == "50000: User name is empty"
    assert _error(users.create, "ignite", "E", "") == "50000: Password is empty"
    # validation comes before the permission check, as in Ignite
    assert _error(users.create, "TEST", "", "x") == "50000: User name is empty"


def test_name_length_is_counted_in_utf8_bytes(users: Users) -> None:
    users.create("ignite", "a" * 59, "x")
    users.create("ignite", "é" * 29, "x")  # 58 bytes
    too_long = (
        "50000: User name is too long. "
        "The user name length must be less then 60 bytes in UTF8"
    )
    assert _error(users.create, "ignite", "a" * 60, "x") == too_long
    assert _error(users.create, "ignite", "é" * 30, "x") == too_long


def test_an_empty_password_through_alter_locks_the_user_out(users: Users) -> None:
    users.alter("ignite", "ignite", "")  # accepted, as on Ignite
    assert not users.authenticate("ignite", "")
    assert not users.authenticate("ignite", "ignite")


def test_only_salted_slow_hashes_are_stored(tmp_path: Path) -> None:
    engine = Engine(data_dir=tmp_path)
    users = Users(engine.store)
    users.ensure_default()
    users.create("ignite", "S", "very-secret-password")
    engine.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"very-secret-password" not in raw
    one, two = hash_password("same"), hash_password("same")
    assert one != two  # a fresh salt each time
    assert one.startswith("scrypt$16384$8$1$")
    assert password_matches("same", one)
    assert password_matches("same", two)
    assert not password_matches("other", one)


def test_every_engine_on_the_data_dir_sees_the_users(tmp_path: Path) -> None:
    first, second = Engine(data_dir=tmp_path), Engine(data_dir=tmp_path)
    Users(first.store).ensure_default()
    Users(first.store).create("ignite", "SHARED", "pw")
    assert not Users(second.store).ensure_default()
    assert Users(second.store).authenticate("SHARED", "pw")
    Users(second.store).drop("ignite", "SHARED")
    assert not Users(first.store).authenticate("SHARED", "pw")


def test_the_slow_half_runs_later(users: Users) -> None:
    check = users.checker("ignite", "ignite")
    users.alter("ignite", "ignite", "changed")
    assert check()  # the row was read when the check was made


# -- the statements, as Ignite's own parser reads them --------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE USER test WITH PASSWORD 'test'",
         UserStatement("CREATE", "TEST", "test")),
        ('CREATE USER "test" WITH PASSWORD \'x\'',
         UserStatement("CREATE", "test", "x")),
        ("create   user   u8   with   password   'x'",
         UserStatement("CREATE", "U8", "x")),
        ("  ALTER USER \"ignite\" WITH PASSWORD 'it''s'  ",
         UserStatement("ALTER", "ignite", "it's")),
        ("ALTER USER u WITH PASSWORD ''", UserStatement("ALTER", "U", "")),
        ("DROP USER test", UserStatement("DROP", "TEST")),
        ('DROP USER "sp ace"', UserStatement("DROP", "sp ace")),
        ("CREATE USER u10 WITH PASSWORD 'x';", UserStatement("CREATE", "U10", "x")),
        ("CREATE USER u3 -- c\n WITH PASSWORD 'x'", UserStatement("CREATE", "U3", "x")),
        ("CREATE USER _u6 WITH PASSWORD 'x'", UserStatement("CREATE", "_U6", "x")),
        ("CREATE USER u$7 WITH PASSWORD 'x'", UserStatement("CREATE", "U$7", "x")),
        ('CREATE USER "" WITH PASSWORD \'x\'', UserStatement("CREATE", "", "x")),
    ],
)  # fmt: skip
def test_user_statements_parse(sql: str, expected: UserStatement) -> None:
    assert parse_user_statement(sql) == expected


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "CREATE TABLE t (id INT PRIMARY KEY, v INT)",
        "CREATE USER u3",
        "CREATE USER u3 WITH PASSWORD x",
        "CREATE USER u3 WITH PASSWORD ?",
        "CREATE USER u3 WITH PASSWORD 'x' extra",
        'CREATE USER u3 WITH PASSWORD "x"',
        "CREATE USER u6 PASSWORD 'x'",
        "CREATE USER IF NOT EXISTS u5 WITH PASSWORD 'x'",
        "DROP USER IF EXISTS u6",
        "ALTER USER u6 SET PASSWORD 'x'",
        "CREATE USER PUBLIC.u9 WITH PASSWORD 'x'",
        "CREATE USER 5u WITH PASSWORD 'x'",
        "CREATE USER user WITH PASSWORD 'x'",
        "CREATE USER with WITH PASSWORD 'x'",
        "CREATE USER ü WITH PASSWORD 'x'",
        'CREATE USER "a""b" WITH PASSWORD \'x\'',
        "CREATE USER u8 WITH PASSWORD 'x'; CREATE USER u9 WITH PASSWORD 'y'",
        "CREATE USER u10 WITH PASSWORD 'x';;",
        "/* c */ CREATE USER u13 WITH PASSWORD 'x'",
        "CREATE USER /*c*/ u1 WITH PASSWORD 'x'",
        "CREATE USER u2 WITH PASSWORD 'x' /* c */",
        "CREATE USER u WITH PASSWORD 'unclosed",
        "DROP USER",
    ],
)
def test_not_user_statements_for_ignites_parser(sql: str) -> None:
    """These go to H2 on Ignite (a syntax error, or H2's own statements)."""
    assert parse_user_statement(sql) is None


def test_a_statement_never_prints_its_password() -> None:
    stmt = parse_user_statement("CREATE USER x WITH PASSWORD 'hunter2-secret'")
    assert stmt is not None
    assert "hunter2-secret" not in repr(stmt)


UNSUPPORTED = "0A000: Unsupported statement: "
NOT_FOUND = "42000: Failed to parse query. User {} not found; SQL statement:\n"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE USER u6 PASSWORD 'x'", UNSUPPORTED + "CREATE USER u6 PASSWORD 'x'"),
        ("  drop user if exists u6 ;", UNSUPPORTED + "drop user if exists u6"),
        ("CREATE USER u SALT X'0' HASH 1", UNSUPPORTED + "CREATE USER u SALT X'0' HASH 1"),  # noqa: E501
        ("ALTER USER u6 ADMIN x;", NOT_FOUND.format('"U6"') + "ALTER USER u6 ADMIN x; [90032-197]"),  # noqa: E501
        ("CREATE USER u6 PASSWORD 'x' junk", None),
        ("CREATE USER u6", None),
        ("DROP USER IF u6", None),
        ("ALTER USER 5u SET PASSWORD 'x'", None),
        ("SELECT 1", None),
    ],
)  # fmt: skip
def test_h2s_own_user_statements(sql: str, expected: str | None) -> None:
    """As the reference node answers them (compat/test_diff_auth.py)."""
    assert parse_user_statement(sql) is None
    assert h2_user_refusal(sql) == expected

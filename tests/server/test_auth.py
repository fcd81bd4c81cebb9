"""Authentication on an embergrid node (``Node(auth=True)``, ``server/auth.py``).

Handshake outcomes for right, wrong and missing credentials over every protocol
version; nothing served before a successful handshake (one request per op family,
``_hostile.py``); a password check never holds other connections; user statements
through SQL with Ignite's rules; no password in the store or the log. The same
handshakes and statements against the reference node:
``tests/compat/test_diff_auth.py``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyignite import Client
from pyignite.exceptions import AuthenticationError, CacheError, SQLError

import embergrid
from _auth import activate, auth_node
from _handshake import (
    closed_after,
    connect,
    handshake,
    handshake_payload,
    read_outcome,
    send,
)
from embergrid.server import Node, ServerThread
from server._hostile import GUARDED, HOSTILE, ORIGINAL, untouched

Address = tuple[str, int]
REFUSED = ("refused", 2000, "The user name or password is incorrect [userName={}]")


def refused(name: str, status: int | None = 2000) -> tuple[object, ...]:
    return ("refused", status, REFUSED[2].format(name), (0, 0, 0))


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    with ServerThread(auth_node(tmp_path_factory.mktemp("auth"))) as st:
        activate(st.address)
        client = Client(username="ignite", password="ignite")
        with client.connect(*st.address):
            client.get_or_create_cache(GUARDED).put(1, ORIGINAL)
        yield st


@pytest.fixture(scope="module")
def address(auth_server: ServerThread) -> Address:
    return auth_server.address


def admin(address: Address) -> Client:
    client = Client(username="ignite", password="ignite", use_ssl=False)
    client.connect(*address)
    return client


# -- handshakes --------------------------------------------------------------------


@pytest.mark.parametrize("minor", range(1, 8))
def test_right_credentials_on_every_version_with_them(
    address: Address, minor: int
) -> None:
    payload = handshake_payload((1, minor, 0), "ignite", "ignite")
    assert handshake(address, payload) == ("ok",)


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        (("ignite", "wrong"), refused("ignite")),
        (("nobody", "ignite"), refused("nobody")),
        (("IGNITE", "ignite"), refused("IGNITE")),
        (("ignite", None), refused("ignite")),
        (("", "ignite"), refused("")),
        ((None, None), refused("null")),
        (None, refused("null")),
    ],
)
@pytest.mark.parametrize("minor", [1, 4, 7])
def test_refused_credentials(
    address: Address,
    minor: int,
    credentials: tuple[str | None, str | None] | None,
    expected: tuple[object, ...],
) -> None:
    if credentials is None:
        payload = handshake_payload((1, minor, 0))
    else:
        payload = handshake_payload((1, minor, 0), *credentials, credentials=True)
    assert handshake(address, payload) == expected


def test_protocol_1_0_0_has_no_credentials_and_no_status(address: Address) -> None:
    payload = handshake_payload((1, 0, 0), "ignite", "ignite")
    assert handshake(address, payload) == refused("null", None)


def test_an_unsupported_version_is_refused_before_the_credentials(
    address: Address,
) -> None:
    for creds in [("ignite", "ignite"), ("ignite", "wrong"), (None, None)]:
        payload = handshake_payload((1, 8, 0), *creds)
        assert handshake(address, payload) == (
            "refused", 1, "Unsupported version: 1.8.0", (1, 7, 0),
        )  # fmt: skip


def test_a_refused_login_may_try_again_on_the_same_socket(address: Address) -> None:
    with connect(address) as sock:
        send(sock, handshake_payload((1, 7, 0), "ignite", "wrong"))
        assert read_outcome(sock) == refused("ignite")
        send(sock, handshake_payload((1, 7, 0), "ignite", "ignite"))
        assert read_outcome(sock) == ("ok",)


def test_requests_pipelined_behind_a_good_login_are_served(address: Address) -> None:
    with connect(address) as sock:
        send(
            sock,
            handshake_payload((1, 7, 0), "ignite", "ignite"),
            HOSTILE["kv-get"],
            HOSTILE["cache-names"],
        )
        assert read_outcome(sock) == ("ok",)
        assert not closed_after(sock)  # the get's answer
        assert not closed_after(sock)  # the names' answer


# -- nothing before authentication ------------------------------------------------


@pytest.mark.parametrize("request_name", HOSTILE)
@pytest.mark.parametrize("when", ["first", "after-refusal", "behind-refusal"])
def test_nothing_is_served_before_a_successful_handshake(
    address: Address, request_name: str, when: str
) -> None:
    hostile = HOSTILE[request_name]
    wrong = handshake_payload((1, 7, 0), "ignite", "wrong")
    with connect(address) as sock:
        if when == "first":
            send(sock, hostile)
        elif when == "after-refusal":
            send(sock, wrong)
            assert read_outcome(sock) == refused("ignite")
            send(sock, hostile)
        else:
            send(sock, wrong, hostile)
            assert read_outcome(sock) == refused("ignite")
        assert closed_after(sock)
    client = admin(address)
    try:
        untouched(client)
    finally:
        client.close()


def test_the_same_requests_are_served_after_a_good_login(
    tmp_path: Path,
) -> None:
    """The control: the hostile requests do act once logged in."""
    with ServerThread(auth_node(tmp_path)) as st:
        activate(st.address)
        client = admin(st.address)
        client.get_or_create_cache(GUARDED).put(1, ORIGINAL)
        with connect(st.address) as sock:
            send(sock, handshake_payload((1, 7, 0), "ignite", "ignite"))
            assert read_outcome(sock) == ("ok",)
            send(sock, HOSTILE["kv-put"])
            assert not closed_after(sock)
        assert client.get_cache(GUARDED).get(1) == "stolen"
        client.close()


def test_a_password_check_never_holds_other_connections(
    auth_server: ServerThread, address: Address
) -> None:
    """A login's hash runs on a thread: another client's gets go on meanwhile.
    The check waits until the gets are done; had they waited for the check,
    its wait would have run out first (no clock is read)."""
    auth = auth_server.node.auth
    assert auth is not None
    users = auth.users
    original: Callable[..., Callable[[], bool]] = users.checker
    checking, release = threading.Event(), threading.Event()
    released: list[bool] = []

    def slow_checker(name: str, password: str | None) -> Callable[[], bool]:
        check = original(name, password)

        def slow() -> bool:
            checking.set()
            released.append(release.wait(30))
            return check()

        return slow

    client = admin(address)
    cache = client.get_cache(GUARDED)
    users.checker = slow_checker  # type: ignore[method-assign]
    try:
        with connect(address) as sock:
            send(sock, handshake_payload((1, 7, 0), "ignite", "ignite"))
            assert checking.wait(30)
            for _ in range(20):
                assert cache.get(1) == ORIGINAL
            release.set()
            assert read_outcome(sock) == ("ok",)
            assert released == [True]
    finally:
        users.checker = original  # type: ignore[method-assign]
        client.close()


# -- user management through SQL -------------------------------------------------


def _sql(client: Client, statement: str) -> object:
    try:
        return list(client.sql(statement, include_field_names=True))
    except SQLError as exc:
        return str(exc)


def test_user_statements_with_ignites_rules(address: Address) -> None:
    root = admin(address)
    try:
        assert _sql(root, "CREATE USER alice WITH PASSWORD 'a1'") == [["UPDATED"], [0]]
        alice = Client(username="ALICE", password="a1", use_ssl=False)
        alice.connect(*address)
        assert _sql(alice, "CREATE USER bob WITH PASSWORD 'b'") == (
            "50000: User management operations are not allowed for user. "
            "[curUser=ALICE]"
        )
        assert _sql(alice, "ALTER USER alice WITH PASSWORD 'a2'") == [["UPDATED"], [0]]
        alice.close()
        with pytest.raises(AuthenticationError):
            Client(username="ALICE", password="a1").connect(*address)
        assert _sql(root, 'DROP USER "ignite"') == (
            "50000: Default user cannot be removed."
        )
        assert "User doesn't exist [userName=NOBODY]" in str(
            _sql(root, "DROP USER nobody")
        )
        assert _sql(root, "DROP USER alice") == [["UPDATED"], [0]]
        with pytest.raises(AuthenticationError):
            Client(username="ALICE", password="a2").connect(*address)
    finally:
        root.close()


def test_user_statements_through_our_client(address: Address) -> None:
    client = embergrid.Client(username="ignite", password="ignite", use_ssl=False)
    with client.connect(*address):
        assert list(client.sql("CREATE USER carol WITH PASSWORD 'c'")) == [[0]]
        assert list(client.sql("DROP USER carol")) == [[0]]


def test_user_statements_on_a_node_without_authentication(
    server_address: Address,
) -> None:
    client = Client()
    with client.connect(*server_address):
        for statement in [
            "CREATE USER test WITH PASSWORD 'test'",
            "ALTER USER \"ignite\" WITH PASSWORD 'x'",
            "DROP USER test",
        ]:
            assert _sql(client, statement) == (
                "50000: Operation cannot be performed: Ignite security disabled."
            )


def test_passwords_stay_out_of_the_log(
    address: Address, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="embergrid")
    secret = "Sup3r-s3cret-pw"
    root = admin(address)
    try:
        _sql(root, f"CREATE USER dave WITH PASSWORD '{secret}'")
        with pytest.raises(AuthenticationError):
            Client(username="DAVE", password=secret + "x", use_ssl=False).connect(
                *address
            )
        _sql(root, "DROP USER dave")
    finally:
        root.close()
    assert all(secret not in r.getMessage() for r in caplog.records)
    assert any("refused" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "flags",
    [(), ("--data-dir", "{dir}")],
    ids=["memory-only", "data-dir-without-persistence"],
)
def test_auth_without_persistence_is_refused_by_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: tuple[str, ...]
) -> None:
    from embergrid.cli.main import main

    args = [f.format(dir=tmp_path) for f in flags]
    assert main(["serve", "--auth", "--port", "0", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line
    assert err.startswith("embergrid serve: --auth needs --persistence")
    assert "Authentication can be enabled only for cluster with enabled" in err


@pytest.mark.parametrize("data_dir", [False, True])
def test_a_node_with_auth_needs_persistence(tmp_path: Path, data_dir: bool) -> None:
    with pytest.raises(ValueError, match=r"^Authentication can be enabled only for"):
        Node(data_dir=tmp_path if data_dir else None, auth=True)


def test_users_outlive_a_full_restart(tmp_path: Path) -> None:
    """What persistence is for: a user made before every node stopped logs in
    after, and the cluster resumes ACTIVE."""
    with ServerThread(auth_node(tmp_path)) as st:
        activate(st.address)
        root = admin(st.address)
        try:
            _sql(root, "CREATE USER kept WITH PASSWORD 'pw'")
        finally:
            root.close()
    with ServerThread(auth_node(tmp_path)) as st:
        payload = handshake_payload((1, 7, 0), "KEPT", "pw")
        assert handshake(st.address, payload) == ("ok",)
        assert st.node.engine.cluster.state().name == "ACTIVE"


def test_before_activation_only_login_and_the_cluster_ops_work(
    tmp_path: Path,
) -> None:
    """A new persistent cluster is INACTIVE: the default user logs in and may
    activate it; SQL, user statements and cache ops wait for that (the same
    against the reference node: compat/test_diff_auth.py)."""
    with ServerThread(auth_node(tmp_path)) as st:
        root = admin(st.address)
        try:
            assert root.get_cluster().get_state() == 0
            inactive = "50000: Can not perform the operation because the cluster is "
            assert str(_sql(root, "CREATE USER e WITH PASSWORD 'pw'")).startswith(
                inactive
            )
            assert str(_sql(root, "SELECT 1")).startswith(inactive)
            with pytest.raises(CacheError, match=r"^Can not perform the operation"):
                root.get_cache_names()
            root.get_cluster().set_state(1)
            assert _sql(root, "CREATE USER e WITH PASSWORD 'pw'") == [
                ["UPDATED"],
                [0],
            ]
        finally:
            root.close()


def test_every_node_on_the_data_dir_knows_the_users(tmp_path: Path) -> None:
    """Users live in the store: one made through one node logs in at the other."""
    with (
        ServerThread(auth_node(tmp_path)) as first,
        ServerThread(auth_node(tmp_path)) as second,
    ):
        activate(first.address)  # for every node of the cluster
        root = admin(first.address)
        try:
            assert _sql(root, "CREATE USER shared WITH PASSWORD 'pw'") == [
                ["UPDATED"],
                [0],
            ]
        finally:
            root.close()
        payload = handshake_payload((1, 7, 0), "SHARED", "pw")
        assert handshake(second.address, payload) == ("ok",)
        other = admin(second.address)
        try:
            assert _sql(other, "DROP USER shared") == [["UPDATED"], [0]]
        finally:
            other.close()
        assert handshake(first.address, payload) == refused("SHARED")

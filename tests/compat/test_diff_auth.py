"""Authentication and TLS, embergrid against the reference node, same bytes to both.

Reference nodes (``tools/reference-ignite/ReferenceNode.java``), each beside an
embergrid node set up the same way, as a user of Ignite sets one up:
authentication needs persistence, a new persistent cluster starts INACTIVE and the
default user ``ignite`` activates it (``tests/_auth.py``):

* ``--auth`` on Ignite 2.18 (plaintext; temporary persistence): handshake outcomes
  for right, wrong and missing credentials on every protocol version and an
  unsupported one; what happens to one request per op family sent before a good
  handshake, after a refused one, or behind a refused one (``server/_hostile.py``);
* ``--auth`` on Ignite 2.17 with ignite-indexing (the 2.18 node has no SQL engine):
  ``CREATE USER``, ``ALTER USER``, ``DROP USER`` as the default user and as another,
  step by step, every text compared (the node id and Ignite's operation id in
  "Operation failed" texts replaced), H2's own user statements (``CREATE USER u
  PASSWORD 'x'``, ``DROP USER IF EXISTS``, ``ALTER USER ... SET``) included;
* a new cluster on Ignite 2.17 before activation: what the default user may do
  (log in, read and change the state) and what waits for activation (caches, SQL,
  user statements), then deactivated again;
* TLS requiring a client certificate, plus ``--auth``, on Ignite 2.18: a client
  certificate and credentials get in; a plaintext client, no certificate, an
  untrusted certificate, TLS older than 1.2 and a TLS client on the plaintext port
  are refused, by a closed connection, within seconds; the Node.js client
  (``tools/nodejs/tls_auth.js``) and the Java thin client
  (``tools/java-thin/TlsAuthSmoke.java``) get in with a client certificate and
  credentials, and are refused with a wrong password, in the same words.

Known difference, kept out of the comparison: a heartbeat frame (op 1) sent after
(or right behind) a refused handshake reads as a handshake of an ODBC client; Ignite
answers it with its ODBC handshake refusal, embergrid (which serves thin clients
only) closes the connection. Neither serves anything. And a request pipelined
right behind a refused handshake: Ignite may close before its refusal is out, so
only the closing is compared there. A table created while the cluster was active
is unknown to Ignite's SQL after a deactivation ("Table not found"); embergrid
answers that the cluster is inactive: not among the steps.
"""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyignite import Client
from pyignite.exceptions import SQLError

from _auth import activate, auth_node
from _handshake import (
    Outcome,
    closed_after,
    connect,
    handshake,
    handshake_payload,
    read_outcome,
    send,
)
from _reference import (
    JVM_OPTIONS,
    LIB_DIR,
    REPO_ROOT,
    SQL_LIB_DIR,
    running_node,
    unavailable,
)
from _tls_certs import STORE_PASSWORD, Certificates
from embergrid.server import ServerThread
from embergrid.server.tls import TlsConfig, server_context
from server._hostile import GUARDED, HOSTILE, ORIGINAL, untouched

pytestmark = pytest.mark.reference

Address = tuple[str, int]
FAST_S = 30.0  # a refusal ends the connection, not a timeout (generous: loaded machine)


def _reference(
    extra: tuple[str, ...], lib_dir: Path | None = None
) -> Iterator[Address]:
    if lib_dir is None:
        with running_node(extra) as address:
            yield address
    else:
        marker = lib_dir / "ignite-indexing-2.17.0.jar"
        with running_node(extra, lib_dir=lib_dir, marker=marker) as address:
            yield address


def _guard(address: Address, **tls: object) -> None:
    client = Client(username="ignite", password="ignite", **tls)
    with client.connect(*address):
        client.get_or_create_cache(GUARDED).put(1, ORIGINAL)


# Both sides start as a user of Ignite starts them: authentication needs
# persistence, a new persistent cluster is INACTIVE, the default user activates it.
AUTH = ("--auth", "--inactive")


@pytest.fixture(scope="module")
def auth_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Address]]:
    for ignite in _reference(AUTH):
        with ServerThread(auth_node(tmp_path_factory.mktemp("auth"))) as st:
            pair = {"embergrid": st.address, "ignite": ignite}
            for address in pair.values():
                activate(address)
                _guard(address)
            yield pair


@pytest.fixture(scope="module")
def sql_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Address]]:
    for ignite in _reference(AUTH, SQL_LIB_DIR):
        with ServerThread(auth_node(tmp_path_factory.mktemp("sql"))) as st:
            pair = {"embergrid": st.address, "ignite": ignite}
            for address in pair.values():
                activate(address)
            yield pair


@pytest.fixture
def inactive_pair(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Address]]:
    """A new cluster of each, left INACTIVE (SQL: the 2.17 node)."""
    for ignite in _reference(AUTH, SQL_LIB_DIR):
        with ServerThread(auth_node(tmp_path_factory.mktemp("inactive"))) as st:
            yield {"embergrid": st.address, "ignite": ignite}


@pytest.fixture(scope="module")
def mtls_pair(
    tls_certs: Certificates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Address]]:
    extra = (*tls_certs.node_args(require_client_cert=True), *AUTH)
    for ignite in _reference(extra):
        assert tls_certs.server_chain is not None
        cfg = TlsConfig(
            str(tls_certs.server_chain),
            str(tls_certs.server_key),
            cafile=str(tls_certs.ca_cert),
            client_auth=True,
        )
        node = auth_node(tmp_path_factory.mktemp("mtls"))
        with ServerThread(node, tls=server_context(cfg)) as st:
            pair = {"embergrid": st.address, "ignite": ignite}
            for address in pair.values():
                activate(
                    address,
                    use_ssl=True,
                    ssl_certfile=str(tls_certs.client_cert),
                    ssl_keyfile=str(tls_certs.client_key),
                    ssl_ca_certfile=str(tls_certs.ca_cert),
                    ssl_cert_reqs=ssl.CERT_REQUIRED,
                )
            yield pair


def _both(pair: dict[str, Address], run: object) -> tuple[object, object]:
    assert callable(run)
    return run(pair["embergrid"]), run(pair["ignite"])


def _same(pair: dict[str, Address], run: object) -> object:
    ours, theirs = _both(pair, run)
    assert ours == theirs, f"\nembergrid: {ours!r}\nignite:    {theirs!r}"
    return ours


# -- handshakes ----------------------------------------------------------------------

CREDENTIALS: dict[str, tuple[str | None, str | None] | None] = {
    "right": ("ignite", "ignite"),
    "wrong-password": ("ignite", "wrong"),
    "unknown-user": ("nobody", "ignite"),
    "upper-case-name": ("IGNITE", "ignite"),
    "no-password": ("ignite", None),
    "empty-password": ("ignite", ""),
    "empty-name": ("", "ignite"),
    "null-both": (None, None),
    "none": None,
}


@pytest.mark.parametrize("credentials", CREDENTIALS)
@pytest.mark.parametrize(
    "version", [(1, m, 0) for m in range(8)] + [(1, 8, 0)], ids=str
)
def test_handshake_outcomes(
    auth_pair: dict[str, Address], version: tuple[int, int, int], credentials: str
) -> None:
    creds = CREDENTIALS[credentials]
    if creds is None:
        payload = handshake_payload(version)
    else:
        payload = handshake_payload(version, *creds, credentials=True)
    _same(auth_pair, lambda address: handshake(address, payload))


def test_a_second_handshake_after_a_refused_one(auth_pair: dict[str, Address]) -> None:
    def run(address: Address) -> list[Outcome]:
        with connect(address) as sock:
            send(sock, handshake_payload((1, 7, 0), "ignite", "wrong"))
            first = read_outcome(sock)
            send(sock, handshake_payload((1, 7, 0), "ignite", "ignite"))
            return [first, read_outcome(sock)]

    assert _same(auth_pair, run) == [
        ("refused", 2000, "The user name or password is incorrect [userName=ignite]",
         (0, 0, 0)),
        ("ok",),
    ]  # fmt: skip


@pytest.mark.parametrize("request_name", HOSTILE)
@pytest.mark.parametrize("when", ["first", "after-refusal", "behind-refusal"])
def test_nothing_is_served_before_a_successful_handshake(
    auth_pair: dict[str, Address], request_name: str, when: str
) -> None:
    # Ignite answers that one as an ODBC handshake (module docstring): not compared.
    compared = not (request_name == "general-heartbeat" and when != "first")
    hostile = HOSTILE[request_name]
    wrong = handshake_payload((1, 7, 0), "ignite", "wrong")

    def run(address: Address) -> list[object]:
        seen: list[object] = []
        with connect(address) as sock:
            if when == "first":
                send(sock, hostile)
            elif when == "after-refusal":
                send(sock, wrong)
                seen.append(read_outcome(sock)[0])
                send(sock, hostile)
            else:  # Ignite may close before its refusal is out: not compared
                send(sock, wrong, hostile)
                if read_outcome(sock)[0] == "closed" and compared:
                    seen.append("closed")
                    return _checked(address, seen)
            if compared:
                seen.append("closed" if closed_after(sock) else "answered")
        return _checked(address, seen)

    _same(auth_pair, run)


def _checked(address: Address, seen: list[object]) -> list[object]:
    """``seen``, once an authenticated client found nothing touched."""
    client = Client(username="ignite", password="ignite")
    with client.connect(*address):
        untouched(client)
    return seen


# -- user management through SQL (Ignite 2.17 with indexing) -------------------------

_OPERATION = re.compile(r"nodeId=[0-9a-f-]{36}, opId=[0-9a-f]+-[0-9a-f-]{36}")

# (who runs it, the statement); "ignite" is the default user.
USER_STEPS: list[tuple[str, str]] = [
    ("ignite", "CREATE USER test WITH PASSWORD 'test'"),
    ("ignite", "CREATE USER test WITH PASSWORD 'test'"),
    ("ignite", "CREATE USER \"test\" WITH PASSWORD 'other'"),
    ("TEST/test", "CREATE USER u2 WITH PASSWORD 'a'"),
    ("TEST/test", "ALTER USER test WITH PASSWORD 'b'"),
    ("TEST/test", "SELECT 1"),
    ("TEST/b", "ALTER USER \"test\" WITH PASSWORD 'c'"),
    ("TEST/b", "DROP USER TEST"),
    ("TEST/b", 'DROP USER "ignite"'),
    ("TEST/b", "ALTER USER \"ignite\" WITH PASSWORD 'b'"),
    ("test/other", "ALTER USER \"test\" WITH PASSWORD 'd'"),
    ("test/d", "SELECT 2"),
    ("ignite", "DROP USER ignite"),
    ("ignite", 'DROP USER "ignite"'),
    ("ignite", "DROP USER nobody"),
    ("ignite", "ALTER USER nobody WITH PASSWORD 'x'"),
    ("ignite", "CREATE USER e WITH PASSWORD ''"),
    ("ignite", "CREATE USER \"\" WITH PASSWORD 'x'"),
    ("ignite", "CREATE USER " + "a" * 59 + " WITH PASSWORD 'x'"),
    ("ignite", "CREATE USER " + "a" * 60 + " WITH PASSWORD 'x'"),
    ("ignite", 'CREATE USER "' + "é" * 29 + "\" WITH PASSWORD 'x'"),
    ("ignite", 'CREATE USER "' + "é" * 30 + "\" WITH PASSWORD 'x'"),
    ("ignite", "CREATE USER \"sp ace\" WITH PASSWORD 'it''s'"),
    ("sp ace/it's", "ALTER USER \"sp ace\" WITH PASSWORD 'n'"),
    ("sp ace/n", "SELECT 3"),
    ("ignite", "create   user   low  with   password   'x';"),
    ("LOW/x", "SELECT 4"),
    ("ignite", "CREATE USER u3 -- comment\n WITH PASSWORD 'x'"),
    ("U3/x", "SELECT 5"),
    ("ignite", "DROP USER TEST"),
    ("ignite", 'DROP USER "test"'),
    ("ignite", 'DROP USER "sp ace"'),
    ("TEST/c", "SELECT 6"),
    ("ignite", "CREATE USER u3"),
    ("ignite", "CREATE USER u3 WITH PASSWORD x"),
    ("ignite", "CREATE USER user WITH PASSWORD 'x'"),
    ("ignite", "/* c */ CREATE USER u13 WITH PASSWORD 'x'"),
]


# H2's own user statements: parsed by H2, then refused by Ignite (and the
# near misses, H2's syntax errors).
H2_USER_STEPS: list[tuple[str, str]] = [
    ("ignite", "CREATE USER h2u WITH PASSWORD 'h'"),
    ("ignite", "CREATE USER u4 PASSWORD 'x'"),
    ("ignite", "  create user u4 password 'x' ;"),
    ("ignite", "CREATE USER IF NOT EXISTS u4 PASSWORD 'x'"),
    ("ignite", "CREATE USER u4 PASSWORD 'x' ADMIN"),
    ("ignite", "CREATE USER u4 SALT X'00' HASH X'01'"),
    ("ignite", "CREATE USER u4 IDENTIFIED BY pw"),
    ("ignite", "CREATE USER u4 PASSWORD ?"),
    ("H2U/h", "CREATE USER u4 PASSWORD 'x'"),
    ("ignite", "DROP USER IF EXISTS u4"),
    ("ignite", 'DROP USER IF EXISTS "ignite";'),
    ("ignite", "ALTER USER u4 SET PASSWORD 'x'"),
    ("ignite", "ALTER USER \"ignite\" SET PASSWORD 'x';"),
    ("ignite", "ALTER USER u4 SET SALT X'00' HASH X'01'"),
    ("ignite", "ALTER USER u4 RENAME TO u5"),
    ("ignite", "  alter user u4 set password 'x' ;"),
    ("ignite", "ALTER USER \"h2u\" SET PASSWORD 'x'"),
    ("ignite", "ALTER USER u4 ADMIN FALSE"),
    ("ignite", "CREATE USER u4 PASSWORD 'x' junk"),
    ("ignite", "ALTER USER u4 ADMIN MAYBE"),
    ("ignite", "DROP USER IF u4"),
    ("ignite", "DROP USER h2u"),
]


def _as(address: Address, who: str) -> Client | str:
    name, _, password = who.partition("/")
    client = Client(username=name, password=password or "ignite", use_ssl=False)
    try:
        client.connect(*address)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return client


def _user_steps(
    address: Address, steps: list[tuple[str, str]] = USER_STEPS
) -> list[object]:
    seen: list[object] = []
    for who, statement in steps:
        client = _as(address, who)
        if isinstance(client, str):
            seen.append(client)
            continue
        try:
            seen.append(list(client.sql(statement, include_field_names=True)))
        except SQLError as exc:
            text = _OPERATION.sub("nodeId=<node>, opId=<op>", str(exc))
            if text.startswith("42000: Failed to parse query. Syntax error"):
                text = "42000: Failed to parse query. Syntax error ..."
            seen.append(text)
        finally:
            client.close()
    return seen


@pytest.mark.timeout(240)  # ~60 logins with slow password hashes on each side
@pytest.mark.parametrize("steps", [USER_STEPS, H2_USER_STEPS], ids=["ignites", "h2s"])
def test_user_statements_step_by_step(
    sql_pair: dict[str, Address], steps: list[tuple[str, str]]
) -> None:
    ours, theirs = _both(sql_pair, lambda address: _user_steps(address, steps))
    assert isinstance(ours, list)
    assert isinstance(theirs, list)
    diffs = [
        f"{steps[i]}:\n  embergrid: {a!r}\n  ignite:    {b!r}"
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
        if a != b
    ]
    assert not diffs, "\n".join(diffs)


# -- before activation (a new persistent cluster, Ignite 2.17 with indexing) ---------

# What the default user can do to a new cluster, step by step: log in, read the
# state, activate it; caches, SQL and user statements wait for that.
COLUMNS = "id INT PRIMARY KEY, v INT"
INACTIVE_STEPS: list[tuple[str, Callable[[Client], object]]] = [
    ("state", lambda c: c.get_cluster().get_state()),
    ("cache names", lambda c: c.get_cache_names()),
    ("create cache", lambda c: c.get_or_create_cache("early")),
    ("put to a missing cache", lambda c: c.get_cache("early").put(1, 1)),
    ("config of a missing cache", lambda c: c.get_cache("early").settings),
    ("select", lambda c: list(c.sql("SELECT 1"))),
    ("create table", lambda c: list(c.sql(f"CREATE TABLE t ({COLUMNS})"))),
    ("syntax error", lambda c: list(c.sql("SELEC 1"))),
    ("missing argument", lambda c: list(c.sql("SELECT ? + 1"))),
    ("create user", lambda c: list(c.sql("CREATE USER u WITH PASSWORD 'p'"))),
    ("empty password", lambda c: list(c.sql("CREATE USER u WITH PASSWORD ''"))),
    ("drop the default user", lambda c: list(c.sql('DROP USER "ignite"'))),
    ("h2's create user", lambda c: list(c.sql("CREATE USER u PASSWORD 'p'"))),
    ("activate", lambda c: c.get_cluster().set_state(1)),
    ("state", lambda c: c.get_cluster().get_state()),
    ("create user", lambda c: list(c.sql("CREATE USER u WITH PASSWORD 'p'"))),
    ("create cache", lambda c: c.get_or_create_cache("early").put(1, 1)),
    ("deactivate", lambda c: c.get_cluster().set_state(0)),
    ("get", lambda c: c.get_cache("early").get(1)),
    ("put", lambda c: c.get_cache("early").put(1, 2)),
    ("size", lambda c: c.get_cache("early").get_size()),
    ("scan", lambda c: list(c.get_cache("early").scan())),
    ("get from a missing cache", lambda c: c.get_cache("missing").get(1)),
    ("create another cache", lambda c: c.create_cache("late")),
    ("destroy", lambda c: c.get_cache("early").destroy()),
    ("select", lambda c: list(c.sql("SELECT 1"))),
    ("drop user", lambda c: list(c.sql("DROP USER u"))),
    ("activate", lambda c: c.get_cluster().set_state(1)),
    ("get", lambda c: c.get_cache("early").get(1)),
]  # fmt: skip


_SYNTAX = re.compile(r"(42000: Failed to parse query\. Syntax error).*", re.DOTALL)


def _inactive_steps(address: Address) -> list[object]:
    seen: list[object] = []
    wrong = Client(username="ignite", password="wrong")
    try:
        wrong.connect(*address)
        seen.append("wrong password: connected")
    except Exception as exc:
        seen.append(f"wrong password: {type(exc).__name__}: {exc}")
    client = Client(username="ignite", password="ignite")
    with client.connect(*address):
        for name, step in INACTIVE_STEPS:
            try:
                result = step(client)
                seen.append((name, None if hasattr(result, "cache_id") else result))
            except Exception as exc:
                text = f"{type(exc).__name__}: {exc}"
                seen.append((name, _SYNTAX.sub(r"\1 ...", text)))
    return seen


@pytest.mark.timeout(240)  # a reference node started for it, ~40 requests
def test_before_activation(inactive_pair: dict[str, Address]) -> None:
    ours, theirs = _both(inactive_pair, _inactive_steps)
    assert isinstance(ours, list)
    assert isinstance(theirs, list)
    diffs = [
        f"{a!r}\n  ignite: {b!r}" for a, b in zip(ours, theirs, strict=True) if a != b
    ]
    assert not diffs, "\n".join(diffs)


# -- TLS refusals (client certificate required, and authentication) -----------------


def _tls(certs: Certificates, *, cert: Path | None, key: Path | None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(str(certs.ca_cert))
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def _tls_outcome(address: Address, tls: ssl.SSLContext | None, payload: bytes) -> str:
    started = time.monotonic()
    try:
        with connect(address, tls) as sock:
            send(sock, payload)
            result = str(read_outcome(sock)[0])
    except (ssl.SSLError, ConnectionError):
        result = "closed"
    assert time.monotonic() - started < FAST_S
    return result


@pytest.mark.parametrize(
    "case",
    ["trusted-cert", "no-cert", "untrusted-cert", "plaintext", "no-credentials"],
)
def test_tls_outcomes(
    mtls_pair: dict[str, Address], tls_certs: Certificates, case: str
) -> None:
    good = handshake_payload((1, 7, 0), "ignite", "ignite")
    cert, key = tls_certs.client_cert, tls_certs.client_key
    tls: ssl.SSLContext | None = {
        "trusted-cert": _tls(tls_certs, cert=cert, key=key),
        "no-cert": _tls(tls_certs, cert=None, key=None),
        "untrusted-cert": _tls(
            tls_certs, cert=tls_certs.untrusted_client_cert, key=key
        ),
        "plaintext": None,
        "no-credentials": _tls(tls_certs, cert=cert, key=key),
    }[case]
    payload = handshake_payload((1, 7, 0)) if case == "no-credentials" else good
    expected = {"trusted-cert": "ok", "no-credentials": "refused"}.get(case, "closed")
    assert _same(mtls_pair, lambda a: _tls_outcome(a, tls, payload)) == expected


def test_a_tls_client_on_a_plaintext_port(
    auth_pair: dict[str, Address], tls_certs: Certificates
) -> None:
    tls = _tls(tls_certs, cert=None, key=None)
    payload = handshake_payload((1, 7, 0), "ignite", "ignite")
    assert _same(auth_pair, lambda a: _tls_outcome(a, tls, payload)) == "closed"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_older_than_1_2(
    mtls_pair: dict[str, Address], tls_certs: Certificates
) -> None:
    tls = _tls(tls_certs, cert=tls_certs.client_cert, key=tls_certs.client_key)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            tls.minimum_version = ssl.TLSVersion.TLSv1
            tls.maximum_version = ssl.TLSVersion.TLSv1_1
            tls.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError) as exc:
        pytest.skip(f"this OpenSSL cannot even offer TLS 1.1: {exc}")
    payload = handshake_payload((1, 7, 0), "ignite", "ignite")
    assert _same(mtls_pair, lambda a: _tls_outcome(a, tls, payload)) == "closed"


def test_seed_clients_over_tls_with_credentials(
    mtls_pair: dict[str, Address], tls_certs: Certificates
) -> None:
    """pyignite with a client certificate and credentials: a put and a get."""

    def run(address: Address) -> object:
        client = Client(
            username="ignite",
            password="ignite",
            use_ssl=True,
            ssl_certfile=str(tls_certs.client_cert),
            ssl_keyfile=str(tls_certs.client_key),
            ssl_ca_certfile=str(tls_certs.ca_cert),
            ssl_cert_reqs=ssl.CERT_REQUIRED,
        )
        with client.connect(*address):
            cache = client.get_or_create_cache("diff-tls-auth")
            cache.put(1, "both")
            return cache.get(1)

    assert _same(mtls_pair, run) == "both"


# -- the Node.js and Java thin clients over TLS with credentials --------------------


def test_nodejs_client_over_tls_with_credentials(
    mtls_pair: dict[str, Address], tls_certs: Certificates
) -> None:
    from compat.test_nodejs import NODEJS_DIR, missing_nodejs

    reason = missing_nodejs()
    if reason is not None:
        unavailable(f"Node.js thin client unavailable: {reason}")

    def run(address: Address) -> list[object]:
        done = subprocess.run(
            [
                "node", str(NODEJS_DIR / "tls_auth.js"), f"{address[0]}:{address[1]}",
                "ignite", "ignite", str(tls_certs.ca_cert),
                str(tls_certs.client_cert), str(tls_certs.client_key),
            ],
            capture_output=True, text=True, timeout=60, check=False, cwd=NODEJS_DIR,
        )  # fmt: skip
        assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
        lines = [json.loads(line) for line in done.stdout.splitlines() if line]
        port = f"{address[0]}:{address[1]}"
        return [json.dumps(line).replace(port, "<address>") for line in lines]

    assert _same(mtls_pair, run) == [
        json.dumps({"step": "right", "value": {"ok": "over tls"}}),
        json.dumps({"step": "wrong", "value": {"failed": (
            "[<address>] Protocol version mismatch: client 1.2.0 / server 0.0.0. "
            "Server details: The user name or password is incorrect [userName=ignite]"
        )}}),
    ]  # fmt: skip


def test_java_thin_client_over_tls_with_credentials(
    mtls_pair: dict[str, Address], tls_certs: Certificates
) -> None:
    source = REPO_ROOT / "tools" / "java-thin" / "TlsAuthSmoke.java"

    def run(address: Address) -> list[str]:
        done = subprocess.run(
            [
                "java", f"@{JVM_OPTIONS}", "-cp", str(LIB_DIR / "*"), str(source),
                address[0], str(address[1]), str(tls_certs.truststore),
                str(tls_certs.client_keystore), STORE_PASSWORD, "ignite", "ignite",
            ],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.splitlines()

    assert _same(mtls_pair, run) == [
        "OK right over tls",
        "REFUSED wrong The user name or password is incorrect [userName=ignite]",
        "DONE",
    ]

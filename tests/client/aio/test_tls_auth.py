"""TLS and password authentication of our client, both shells from one source, with
pyignite 0.6.1 side by side as the oracle, against our node and the real Apache
Ignite 2.18 node.

The nodes (fixtures ``tls_node``, ``mtls_node``, ``auth_node`` of
``tests/client/conftest.py``: one TLS node, one TLS node that requires client
certificates, one node with authentication on; ours in-process, then the reference
node's, each started once for the session) use certificates from
``tests/_tls_certs.py`` (keytool; openssl only for the client's PEM key).

Every case runs the same connect / put / get with each client and compares the
*outcome*: ``("ok", value)`` or ``(exception class name, message)``. pyignite 0.6.1
turns every ``OSError`` during connect (``ssl.SSLError`` included) into
``ReconnectError('Can not connect.')``; embergrid does the same. That a failure
really is the TLS check (and not, say, a refused port) is pinned separately through
the connection events, which carry the ``ssl`` error.

Must not import: embergrid internals (public API only).
"""

from __future__ import annotations

import gc
import logging
import ssl
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pyignite
import pyignite.monitoring
import pytest

import embergrid
import embergrid.monitoring
from _tls_certs import Certificates

Address = tuple[str, int]
Outcome = tuple[str, str]

LIBS: dict[str, ModuleType] = {"embergrid": embergrid, "pyignite": pyignite}
MONITORING: dict[str, ModuleType] = {
    "embergrid": embergrid.monitoring,
    "pyignite": pyignite.monitoring,
}
VALUE = "over-tls"
CANNOT_CONNECT: Outcome = ("ReconnectError", "Can not connect.")
OK: Outcome = ("ok", repr(VALUE))
USER, PASSWORD = "ignite", "ignite"  # the default user of both nodes
WRONG_PASSWORD = "The user name or password is incorrect [userName=ignite]"
NO_CREDENTIALS = "The user name or password is incorrect [userName=null]"
# Longer than the test's own timeout (pytest-timeout): a refused connection must end
# because the peer closed or answered garbage, and a client that only gave up when its
# handshake timeout ran out would fail the test instead of passing slowly.
NO_TIMEOUT_S = 600.0
PYIGNITE_CONNECTION_LOGGER = "pyignite.connection"  # its only logger


@pytest.fixture(params=sorted(LIBS))
def lib(request: pytest.FixtureRequest) -> str:
    """The client library: embergrid's, then pyignite's (the oracle)."""
    name: str = request.param
    return name


@pytest.fixture(scope="module", autouse=True)
def _pyignite_logs_keep_no_sockets() -> Iterator[None]:
    """pyignite logs a failed handshake with ``exc_info``; pytest's log capture keeps
    that record (its traceback, hence the leaked socket) until the test ends, so the
    socket's ResourceWarning would fire outside ``run``. Silence that one logger."""
    logger = logging.getLogger(PYIGNITE_CONNECTION_LOGGER)
    saved = logger.disabled
    logger.disabled = True
    yield
    logger.disabled = saved


# -- running one client ---------------------------------------------------------------


async def _roundtrip(lib: str, address: Address, kw: dict[str, Any]) -> Any:
    client = LIBS[lib].AioClient(**kw)
    async with client.connect(*address):
        c = await client.get_or_create_cache(f"tls-{lib}")
        await c.put(1, VALUE)
        return await c.get(1)


async def _attempt(lib: str, address: Address, kw: dict[str, Any]) -> Outcome:
    try:
        value = await _roundtrip(lib, address, kw)
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return "ok", repr(value)


async def run(lib: str, address: Address, **kw: Any) -> Outcome:
    """Connect, put, get with one client; the outcome.

    Sockets left open by a failed connect are collected here with ResourceWarning
    silenced (pyignite 0.6.1 leaks them; embergrid must not, see
    ``test_refused_tls_connect_leaves_no_socket_open``); otherwise the warning would
    fail whichever test runs when the GC finds them.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        outcome = await _attempt(lib, address, kw)
        gc.collect()
    return outcome


def verified(certs: Certificates, **kw: Any) -> dict[str, Any]:
    """TLS that verifies the server against our CA."""
    return {
        "use_ssl": True,
        "ssl_ca_certfile": str(certs.ca_cert),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
        **kw,
    }


def client_cert(certs: Certificates, encrypted: bool = False) -> dict[str, Any]:
    assert certs.client_cert is not None
    assert certs.client_key is not None
    key = certs.client_key_encrypted if encrypted else certs.client_key
    return {"ssl_certfile": str(certs.client_cert), "ssl_keyfile": str(key)}


# -- TLS ------------------------------------------------------------------------------


async def test_tls_verified_against_the_ca(
    lib: str, tls_certs: Certificates, tls_node: Address
) -> None:
    assert await run(lib, tls_node, **verified(tls_certs)) == OK


async def test_tls_with_an_unrelated_ca_is_refused(
    lib: str, tls_certs: Certificates, tls_node: Address
) -> None:
    kw = verified(tls_certs, ssl_ca_certfile=str(tls_certs.other_ca_cert))
    assert await run(lib, tls_node, **kw) == CANNOT_CONNECT


async def test_tls_with_cert_required_and_no_ca_is_refused(
    lib: str, tls_node: Address
) -> None:
    """CERT_REQUIRED with no CA file: the system store does not know our CA."""
    kw = {"use_ssl": True, "ssl_cert_reqs": ssl.CERT_REQUIRED}
    assert await run(lib, tls_node, **kw) == CANNOT_CONNECT


async def test_tls_without_a_ca_connects_unverified(
    lib: str, tls_node: Address
) -> None:
    """pyignite's default ``ssl_cert_reqs`` is CERT_NONE: encrypted, not verified."""
    assert await run(lib, tls_node, use_ssl=True) == OK


async def test_plaintext_client_on_the_tls_port_fails_fast(
    lib: str, tls_node: Address
) -> None:
    """No fallback either way: the node drops the plaintext handshake, no hang."""
    kw: dict[str, Any] = {"handshake_timeout": NO_TIMEOUT_S}
    assert await run(lib, tls_node, **kw) == CANNOT_CONNECT


async def test_tls_client_on_a_plaintext_port_fails_fast(
    lib: str, tls_certs: Certificates, auth_node: Address
) -> None:
    kw = verified(
        tls_certs, handshake_timeout=NO_TIMEOUT_S, username=USER, password=PASSWORD
    )
    assert await run(lib, auth_node, **kw) == CANNOT_CONNECT


@pytest.mark.filterwarnings(
    "ignore:ssl.PROTOCOL_TLSv1_2 is deprecated:DeprecationWarning"
)
async def test_tls_version_and_ciphers_are_honoured(
    lib: str, tls_certs: Certificates, tls_node: Address
) -> None:
    """TLS 1.2 with the one ECDSA suite works; an RSA-only suite cannot meet the
    node's EC certificate, so the handshake fails (the setting is really applied)."""
    tls12 = verified(tls_certs, ssl_version=ssl.PROTOCOL_TLSv1_2)
    good = await run(
        lib, tls_node, **tls12, ssl_ciphers="ECDHE-ECDSA-AES128-GCM-SHA256"
    )
    bad = await run(lib, tls_node, **tls12, ssl_ciphers="ECDHE-RSA-AES128-GCM-SHA256")
    assert (good, bad) == (OK, CANNOT_CONNECT)


async def test_client_certificate_when_the_node_requires_one(
    lib: str, tls_certs: Certificates, mtls_node: Address
) -> None:
    kw = verified(tls_certs, **client_cert(tls_certs))
    with_cert = await run(lib, mtls_node, **kw)
    without = await run(lib, mtls_node, **verified(tls_certs))
    assert (with_cert, without) == (OK, CANNOT_CONNECT)


async def test_encrypted_client_key_with_its_password(
    lib: str, tls_certs: Certificates, mtls_node: Address
) -> None:
    kw = verified(tls_certs, **client_cert(tls_certs, encrypted=True))
    password = tls_certs.client_key_password
    right = await run(lib, mtls_node, **kw, ssl_keyfile_password=password)
    wrong = await run(lib, mtls_node, **kw, ssl_keyfile_password="not-the-password")
    assert (right, wrong) == (OK, CANNOT_CONNECT)


async def test_keyfile_without_certfile(
    lib: str, tls_certs: Certificates, tls_node: Address
) -> None:
    kw = {"use_ssl": True, "ssl_keyfile": str(tls_certs.ca_cert)}
    assert await run(lib, tls_node, **kw) == (
        "ValueError",
        "certfile must be specified",
    )


class _Recorder:
    """Builds a ConnectionEventListener of either library that records events."""

    def __init__(self, lib: str) -> None:
        self.events: list[tuple[str, str]] = []
        base = MONITORING[lib].ConnectionEventListener
        record = self.events.append

        class Listener(base):  # type: ignore[misc, valid-type]
            def on_handshake_fail(self, event: Any) -> None:
                record(("handshake_fail", event.error_msg))

            def on_handshake_success(self, event: Any) -> None:
                record(("handshake_success", ""))

        self.listener = Listener()


async def test_certificate_failure_is_reported_as_a_handshake_failure(
    lib: str, tls_certs: Certificates, tls_node: Address
) -> None:
    """The refusal is the certificate check (the event carries the ssl error)."""
    rec = _Recorder(lib)
    kw = verified(tls_certs, ssl_ca_certfile=str(tls_certs.other_ca_cert))
    outcome = await run(lib, tls_node, **kw, event_listeners=[rec.listener])
    assert outcome == CANNOT_CONNECT
    assert [kind for kind, _ in rec.events] == ["handshake_fail"]
    assert "CERTIFICATE_VERIFY_FAILED" in rec.events[0][1]


@pytest.mark.parametrize("failure", ["unrelated-ca", "key-password", "keyfile-only"])
async def test_refused_tls_connect_leaves_no_socket_open(
    failure: str, tls_certs: Certificates, tls_node: Address
) -> None:
    """embergrid only (pyignite leaks in all of these): a TLS connect that fails
    closes what it opened, so the GC finds no unclosed socket."""
    if failure == "key-password" and tls_certs.openssl_missing is not None:
        pytest.skip(tls_certs.openssl_missing)
    kw: dict[str, Any] = {
        "unrelated-ca": verified(
            tls_certs, ssl_ca_certfile=str(tls_certs.other_ca_cert)
        ),
        "key-password": {"use_ssl": True, "ssl_keyfile_password": "not-the-password"},
        "keyfile-only": {"use_ssl": True, "ssl_keyfile": str(tls_certs.ca_cert)},
    }[failure]
    if failure == "key-password":
        kw.update(client_cert(tls_certs, encrypted=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert (await _attempt("embergrid", tls_node, kw))[0] != "ok"
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


# -- authentication ---------------------------------------------------------------


async def test_right_credentials(lib: str, auth_node: Address) -> None:
    assert await run(lib, auth_node, username=USER, password=PASSWORD) == OK


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        pytest.param(
            {"username": USER, "password": "wrong"}, WRONG_PASSWORD, id="wrong"
        ),
        pytest.param(
            {"username": "nobody", "password": PASSWORD},
            WRONG_PASSWORD.replace("ignite]", "nobody]"),
            id="unknown-user",
        ),
        pytest.param({}, NO_CREDENTIALS, id="none"),
    ],
)
async def test_rejected_credentials(
    lib: str, credentials: dict[str, str], message: str, auth_node: Address
) -> None:
    """AuthenticationError (not a HandshakeError/ReconnectError) with Ignite's text."""
    outcome = await run(lib, auth_node, **credentials)
    assert outcome == ("AuthenticationError", message)


async def test_username_without_password_sends_no_credentials(
    lib: str, auth_node: Address
) -> None:
    outcome = await run(lib, auth_node, username=USER)
    assert outcome == ("AuthenticationError", NO_CREDENTIALS)


async def test_authentication_failure_event(lib: str, auth_node: Address) -> None:
    """Both publish on_authentication_fail (a HandshakeFailedEvent subclass)."""
    events: list[str] = []
    base = MONITORING[lib].ConnectionEventListener

    class Listener(base):  # type: ignore[misc, valid-type]
        def on_authentication_fail(self, event: Any) -> None:
            events.append(type(event).__name__)

    await run(
        lib, auth_node, username=USER, password="wrong", event_listeners=[Listener()]
    )
    assert events == ["AuthenticationFailedEvent"]

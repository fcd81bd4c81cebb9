"""TLS on embergrid's client port (``server/tls.py``, ``Server(tls=...)``).

Real pyignite 0.6.1 and our client connect over TLS (verified against the CA or
not, with a client certificate when the node requires one, with an encrypted server
key); every refusal is a closed connection within a second and one log line: a
plaintext client on the TLS port, a TLS client on a plaintext port, no or an
untrusted client certificate, TLS older than 1.2. A peer that never finishes its TLS
handshake holds nobody else and is closed at the handshake timeout. The same
refusals against the reference node: ``tests/compat/test_diff_auth.py``.
"""

from __future__ import annotations

import gc
import logging
import socket
import ssl
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyignite.exceptions import ReconnectError

import embergrid
from _handshake import closed_after, connect, handshake_payload, read_outcome, send
from _tls_certs import Certificates
from embergrid.server import Limits, Node, ServerThread
from embergrid.server.tls import TlsConfig, server_context

Address = tuple[str, int]
FAST_S = 30.0  # a refusal ends the connection, not a timeout (generous: loaded machine)


def context(certs: Certificates, *, client_auth: bool = False) -> ssl.SSLContext:
    assert certs.server_chain is not None
    assert certs.server_key is not None
    return server_context(
        TlsConfig(
            str(certs.server_chain),
            str(certs.server_key),
            cafile=str(certs.ca_cert) if client_auth else None,
            client_auth=client_auth,
        )
    )


@pytest.fixture(scope="module")
def tls_server(tls_certs: Certificates) -> Iterator[ServerThread]:
    # 3 s: every TLS client here must finish its handshake within it, even on a
    # loaded machine (pauses of a second were seen)
    node = Node(limits=Limits(handshake_timeout=3.0))
    with ServerThread(node, tls=context(tls_certs)) as st:
        yield st


@pytest.fixture(scope="module")
def mtls_server(tls_certs: Certificates) -> Iterator[ServerThread]:
    with ServerThread(Node(), tls=context(tls_certs, client_auth=True)) as st:
        yield st


def _roundtrip(lib: Any, address: Address, **kw: Any) -> object:
    client = lib.Client(**kw)
    with client.connect(*address):
        cache = client.get_or_create_cache("tls-roundtrip")
        cache.put(1, "secret value")
        return cache.get(1)


def _outcome(lib: Any, address: Address, **kw: Any) -> object:
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            result: object = _roundtrip(lib, address, **kw)
        except (ReconnectError, embergrid.errors.ReconnectError) as exc:
            result = type(exc).__name__
        gc.collect()  # pyignite leaks the socket of a failed TLS connect
    assert time.monotonic() - started < FAST_S
    return result


LIBS = [pytest.param(__import__("pyignite"), id="pyignite"), pytest.param(embergrid)]


def _verified(certs: Certificates, **kw: Any) -> dict[str, Any]:
    return {
        "use_ssl": True,
        "ssl_ca_certfile": str(certs.ca_cert),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
        **kw,
    }


@pytest.mark.parametrize("lib", LIBS)
def test_tls_clients(
    lib: Any, tls_certs: Certificates, tls_server: ServerThread
) -> None:
    address = tls_server.address
    assert _outcome(lib, address, use_ssl=True) == "secret value"
    assert _outcome(lib, address, **_verified(tls_certs)) == "secret value"
    wrong_ca = _verified(tls_certs, ssl_ca_certfile=str(tls_certs.other_ca_cert))
    assert _outcome(lib, address, **wrong_ca) == "ReconnectError"


@pytest.mark.parametrize("lib", LIBS)
def test_client_certificates(
    lib: Any,
    tls_certs: Certificates,
    mtls_server: ServerThread,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="embergrid")
    address = mtls_server.address
    cert = {"ssl_certfile": str(tls_certs.client_cert)}
    good = _verified(tls_certs, **cert, ssl_keyfile=str(tls_certs.client_key))
    assert _outcome(lib, address, **good) == "secret value"
    assert _outcome(lib, address, **_verified(tls_certs)) == "ReconnectError"
    untrusted = _verified(
        tls_certs,
        ssl_certfile=str(tls_certs.untrusted_client_cert),
        ssl_keyfile=str(tls_certs.client_key),
    )
    assert _outcome(lib, address, **untrusted) == "ReconnectError"
    lines = _wait_for_log(caplog, "TLS handshake failed")
    assert len(lines) == 2, lines
    assert "PEER_DID_NOT_RETURN_A_CERTIFICATE" in lines[0]
    assert "CERTIFICATE_VERIFY_FAILED" in lines[1]


def _records(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def _wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    deadline = time.monotonic() + FAST_S
    while not _records(caplog, text) and time.monotonic() < deadline:
        time.sleep(0.01)
    return _records(caplog, text)


def test_a_plaintext_client_on_the_tls_port(
    tls_server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="embergrid")
    with connect(tls_server.address) as sock:
        started = time.monotonic()
        send(sock, handshake_payload((1, 7, 0)))
        assert closed_after(sock)
        assert time.monotonic() - started < FAST_S
    lines = _wait_for_log(caplog, "TLS handshake failed")
    assert len(lines) == 1
    assert "WRONG_VERSION_NUMBER" in lines[0]


def test_a_tls_client_on_a_plaintext_port(
    server_address: Address, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="embergrid")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    started = time.monotonic()
    with pytest.raises((ssl.SSLError, ConnectionError)), connect(server_address, tls):
        pass
    assert time.monotonic() - started < FAST_S
    lines = _wait_for_log(caplog, "a TLS handshake on a plaintext port")
    assert len(lines) == 1


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_older_than_1_2_is_refused(
    tls_server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="embergrid")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    try:
        tls.minimum_version = ssl.TLSVersion.TLSv1
        tls.maximum_version = ssl.TLSVersion.TLSv1_1
        tls.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError) as exc:
        pytest.skip(f"this OpenSSL cannot even offer TLS 1.1: {exc}")
    with (
        pytest.raises((ssl.SSLError, ConnectionError)),
        connect(tls_server.address, tls),
    ):
        pass
    assert len(_wait_for_log(caplog, "TLS handshake failed")) == 1


def test_a_silent_peer_holds_nobody_and_is_closed_in_time(
    tls_server: ServerThread,
) -> None:
    """A TCP connection that never starts TLS: others connect and work meanwhile;
    it is closed at the handshake timeout (3 s on this node)."""
    silent = socket.create_connection(tls_server.address, timeout=60)
    try:
        assert _outcome(embergrid, tls_server.address, use_ssl=True) == "secret value"
        assert silent.recv(1) == b""
    finally:
        silent.close()


def test_requests_over_tls_after_a_handshake(tls_server: ServerThread) -> None:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    with connect(tls_server.address, tls) as sock:
        send(sock, handshake_payload((1, 7, 0)))
        assert read_outcome(sock) == ("ok",)
        assert sock.version() in ("TLSv1.2", "TLSv1.3")


def test_an_encrypted_server_key_with_its_password(tls_certs: Certificates) -> None:
    assert tls_certs.server_chain is not None
    assert tls_certs.server_key_encrypted is not None
    cfg = TlsConfig(
        str(tls_certs.server_chain),
        str(tls_certs.server_key_encrypted),
        keyfile_password=tls_certs.client_key_password,
    )
    with ServerThread(Node(), tls=server_context(cfg)) as st:
        assert _outcome(embergrid, st.address, use_ssl=True) == "secret value"
    wrong = TlsConfig(cfg.certfile, cfg.keyfile, keyfile_password="not-it")
    with pytest.raises(ssl.SSLError):
        server_context(wrong)
    assert "not-it" not in repr(wrong)


def test_client_auth_needs_a_ca(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--ssl-cafile"):
        server_context(TlsConfig(str(tmp_path / "x.pem"), client_auth=True))

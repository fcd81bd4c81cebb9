"""The seed's "SSL/TLS" and "Password authentication" examples against
``embergrid serve`` (a process, started with the README's flags), with real pyignite
0.6.1 and with our client: over TLS, with authentication, with both.

The examples connect to ``ignite-example.com:10800`` with files under ``etc/.ssl/``;
here the address is the node's and the files are made by ``tests/_tls_certs.py``.
Credentials do not turn TLS on (the seed says they do; pyignite 0.6.1 does not).
The seed prints nothing but the greeting of a client without credentials,
``HandshakeError: Handshake error: Unauthenticated sessions are prohibited.``, which
is what Ignite < 2.9 said: Ignite 2.18 (and so embergrid) answers
``AuthenticationError: The user name or password is incorrect [userName=null]``
(``tools/reference-ignite/observed-facts.md``; the same text on the reference node
is pinned by ``tests/client/aio/test_tls_auth.py``). Also the command line's checks of
the security flags and its warning for a node reachable beyond loopback.
``--auth`` needs ``--persistence`` as Ignite needs persistence for authentication,
and a new persistent cluster starts INACTIVE: the administrator (``ignite``)
activates it once, as on Ignite, before the examples run.
"""

from __future__ import annotations

import gc
import re
import signal
import ssl
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pyignite
import pytest

import embergrid
from _auth import activate
from _tls_certs import Certificates

Address = tuple[str, int]
_LINE = re.compile(r"embergrid node \S+ listening on ([\d.]+):(\d+) \(.*\)\n")
LIBS = [pytest.param(pyignite, id="pyignite"), pytest.param(embergrid, id="embergrid")]


class Serving:
    """``embergrid serve`` with some flags, on a free port."""

    def __init__(self, *flags: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "embergrid", "serve", "--port", "0", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        match = _LINE.fullmatch(self.proc.stdout.readline())
        if match is None:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise RuntimeError(f"embergrid serve did not start: {err[-2000:]}")
        self.address: Address = (match.group(1), int(match.group(2)))

    def stop(self) -> str:
        """Stop it (SIGTERM, exit 0); its stderr."""
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=20)
        assert self.proc.returncode == 0, err[-2000:]
        return err


def _auth_flags(data_dir: Path) -> tuple[str, ...]:
    """Authentication needs persistence (as on Ignite), which needs a data dir."""
    return ("--auth", "--persistence", "--data-dir", str(data_dir))


@pytest.fixture(scope="module")
def nodes(
    tls_certs: Certificates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Serving]]:
    tls = tls_certs.serve_args()
    started: dict[str, Serving] = {}
    try:
        for name, flags in {
            "tls": tls,
            "mtls": tls_certs.serve_args(require_client_cert=True),
            "auth": (*_auth_flags(tmp_path_factory.mktemp("auth")),),
            "both": (*tls, *_auth_flags(tmp_path_factory.mktemp("both"))),
        }.items():
            started[name] = Serving(*flags)
        # A new persistent cluster is INACTIVE: its administrator activates it.
        activate(started["auth"].address)
        activate(started["both"].address, use_ssl=True)
        yield started
    finally:
        for node in started.values():
            node.stop()


def roundtrip(lib: ModuleType, address: Address, **kw: Any) -> object:
    """The example's connect, then a put and a get; the value or the error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            client = lib.Client(**kw)
            with client.connect(*address):
                cache = client.get_or_create_cache("seed-tls-auth")
                cache.put("key", "value")
                return cache.get("key")
        except Exception as exc:  # the outcome is compared
            return f"{type(exc).__name__}: {exc}"
        finally:
            gc.collect()  # pyignite leaks the socket of a failed connect


@pytest.mark.parametrize("lib", LIBS)
def test_ssl_without_certificate_validation(
    lib: ModuleType, nodes: dict[str, Serving]
) -> None:
    # client = Client(use_ssl=True); client.connect('127.0.0.1', 10800)
    assert roundtrip(lib, nodes["tls"].address, use_ssl=True) == "value"


@pytest.mark.parametrize("lib", LIBS)
def test_ssl_identifying_the_client(
    lib: ModuleType, nodes: dict[str, Serving], tls_certs: Certificates
) -> None:
    # Client(use_ssl=True, ssl_keyfile='etc/.ssl/keyfile.key',
    #        ssl_certfile='etc/.ssl/certfile.crt')
    kw = {
        "use_ssl": True,
        "ssl_keyfile": str(tls_certs.client_key),
        "ssl_certfile": str(tls_certs.client_cert),
    }
    assert roundtrip(lib, nodes["mtls"].address, **kw) == "value"
    assert roundtrip(lib, nodes["mtls"].address, use_ssl=True) == (
        "ReconnectError: Can not connect."
    )


@pytest.mark.parametrize("lib", LIBS)
def test_ssl_checking_the_server(
    lib: ModuleType, nodes: dict[str, Serving], tls_certs: Certificates
) -> None:
    # Client(use_ssl=True, ssl_ca_certfile='etc/.ssl/ca_certs',
    #        ssl_cert_reqs=ssl.CERT_REQUIRED)
    kw = {
        "use_ssl": True,
        "ssl_ca_certfile": str(tls_certs.ca_cert),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
    assert roundtrip(lib, nodes["tls"].address, **kw) == "value"
    kw["ssl_ca_certfile"] = str(tls_certs.other_ca_cert)
    assert roundtrip(lib, nodes["tls"].address, **kw) == (
        "ReconnectError: Can not connect."
    )


@pytest.mark.parametrize("lib", LIBS)
def test_password_authentication(lib: ModuleType, nodes: dict[str, Serving]) -> None:
    """The seed says credentials turn SSL on; pyignite 0.6.1 does not (its
    ``use_ssl`` stays off unless given, against any server), and neither does our
    client: the example connects in plaintext, so it runs against the node with
    authentication only, and with ``use_ssl=True`` against the one with both."""
    creds = {"username": "ignite", "password": "ignite"}
    # Client(username='ignite', password='ignite')
    assert roundtrip(lib, nodes["auth"].address, **creds) == "value"
    assert roundtrip(lib, nodes["both"].address, **creds, use_ssl=True) == "value"
    assert roundtrip(lib, nodes["both"].address, **creds) == (
        "ReconnectError: Can not connect."
    )
    # Client(username='ignite', password='ignite', use_ssl=False)
    assert roundtrip(lib, nodes["auth"].address, **creds, use_ssl=False) == "value"


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("node", ["auth", "both"])
def test_unauthenticated_greeting(
    lib: ModuleType, node: str, nodes: dict[str, Serving]
) -> None:
    kw = {"use_ssl": node == "both"}
    assert roundtrip(lib, nodes[node].address, **kw) == (
        "AuthenticationError: The user name or password is incorrect [userName=null]"
    )
    kw.update(username="ignite", password="wrong")
    assert roundtrip(lib, nodes[node].address, **kw) == (
        "AuthenticationError: The user name or password is incorrect [userName=ignite]"
    )


# -- the command line's security flags --------------------------------------------


def _refused(*flags: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "embergrid", "serve", "--port", "0", *flags],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    return done.stderr


def test_auth_needs_persistence(tmp_path: Path) -> None:
    for flags in (("--auth",), ("--auth", "--data-dir", str(tmp_path))):
        err = _refused(*flags)
        assert err.startswith("embergrid serve: --auth needs --persistence")
        assert (
            "Authentication can be enabled only for cluster with enabled persistence"
            in err
        )
        assert err.count("\n") == 1


def test_bad_tls_flags(tmp_path: Path, tls_certs: Certificates) -> None:
    assert "need --ssl-certfile" in _refused("--ssl-keyfile", "x.key")
    assert "need --ssl-certfile" in _refused("--ssl-client-auth")
    chain = str(tls_certs.server_chain)
    assert "--ssl-cafile" in _refused("--ssl-certfile", chain, "--ssl-client-auth")
    assert "cannot load" in _refused("--ssl-certfile", str(tmp_path / "missing.pem"))
    assert "cannot load" in _refused(
        "--ssl-certfile", chain, "--ssl-keyfile", str(tls_certs.server_key_encrypted),
        "--ssl-keyfile-password", "wrong",
    )  # fmt: skip


def test_an_encrypted_key_with_its_password_from_the_environment(
    tls_certs: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMBERGRID_SSL_KEYFILE_PASSWORD", tls_certs.client_key_password)
    node = Serving(
        "--ssl-certfile", str(tls_certs.server_chain),
        "--ssl-keyfile", str(tls_certs.server_key_encrypted),
    )  # fmt: skip
    try:
        assert roundtrip(embergrid, node.address, use_ssl=True) == "value"
    finally:
        node.stop()


@pytest.mark.parametrize(
    ("flags", "exposed"),
    [
        ((), ["without authentication", "without TLS"]),
        (("--auth",), ["without TLS"]),
        (("tls",), ["without authentication"]),
        (("tls", "--auth"), []),
    ],
)
def test_a_warning_says_what_a_node_beyond_loopback_exposes(
    flags: tuple[str, ...],
    exposed: list[str],
    tls_certs: Certificates,
    tmp_path: Path,
) -> None:
    args: list[str] = ["--host", "0.0.0.0"]
    for flag in flags:
        if flag == "tls":
            args += tls_certs.serve_args()
        else:
            args += _auth_flags(tmp_path)
    err = Serving(*args).stop()
    warning = [line for line in err.splitlines() if "WARNING" in line]
    if not exposed:
        assert warning == []
        return
    assert len(warning) == 1
    assert "listening on 0.0.0.0" in warning[0]
    for what in exposed:
        assert what in warning[0]


def test_no_warning_on_loopback() -> None:
    err = Serving("--host", "127.0.0.1").stop()
    assert "WARNING" not in err

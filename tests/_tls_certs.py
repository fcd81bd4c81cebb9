"""Throw-away TLS material for the TLS tests against the reference Ignite node.

Owns :func:`make_certificates`: a CA, a server certificate for ``127.0.0.1`` and
``localhost`` signed by it (in a PKCS12 key store for ``ReferenceNode.java``), a PKCS12
trust store holding the CA (given to the node, it requires client certificates), a
second unrelated CA, and, when ``openssl`` is on PATH, a client certificate signed by
the CA with its PEM key (plain and password-protected), a client certificate signed
by the unrelated CA (untrusted), and the server's key as PEM (plain and
password-protected) for ``embergrid serve --ssl-certfile/--ssl-keyfile``.

Why these tools: ``keytool`` ships with every JDK, and the reference node needs a JDK
anyway, so everything the node reads (and every certificate) is made with it. Python's
``ssl`` module needs the client's private key as a PEM file, which ``keytool`` cannot
export; that one key is made by ``openssl`` when it exists (Debian images have it; the
``cryptography`` package is not a dependency). Without ``openssl`` the client fields are
``None`` and the tests that need them skip with the reason.

Must not import: anything from ``embergrid`` (like ``tests/_reference.py``).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["STORE_PASSWORD", "Certificates", "make_certificates", "missing_keytool"]

STORE_PASSWORD = "changeit"
KEY_PASSWORD = "client-secret"
VALIDITY_DAYS = "2"
EC_KEY = ("-keyalg", "EC", "-groupname", "secp256r1")
TOOL_TIMEOUT_S = 60.0
# keytool is a short-lived JVM: C1 only and the serial GC halve its start-up time.
FAST_JVM = ("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC")


@dataclass(frozen=True, slots=True)
class Certificates:
    """Paths of the generated files (PEM unless the name says PKCS12)."""

    ca_cert: Path
    other_ca_cert: Path
    server_keystore: Path  # PKCS12: server key + chain (server cert, CA)
    truststore: Path  # PKCS12: the CA as a trusted entry
    client_cert: Path | None
    client_key: Path | None
    client_key_encrypted: Path | None
    client_key_password: str
    openssl_missing: str | None  # why the client fields are None
    server_chain: Path | None = None  # PEM: server cert + CA (embergrid serve)
    server_key: Path | None = None  # PEM
    server_key_encrypted: Path | None = None  # PEM, KEY_PASSWORD
    untrusted_client_cert: Path | None = None  # signed by the unrelated CA
    client_keystore: Path | None = None  # PKCS12: client key + cert (Java clients)

    def serve_args(self, *, require_client_cert: bool = False) -> tuple[str, ...]:
        """``embergrid serve`` flags for TLS with this material."""
        assert self.server_chain is not None
        assert self.server_key is not None
        args = ("--ssl-certfile", str(self.server_chain))
        args += ("--ssl-keyfile", str(self.server_key))
        if require_client_cert:
            args += ("--ssl-cafile", str(self.ca_cert), "--ssl-client-auth")
        return args

    def node_args(self, *, require_client_cert: bool) -> tuple[str, ...]:
        """``ReferenceNode.java`` options for TLS with this material."""
        args = (
            "--ssl-keystore",
            str(self.server_keystore),
            "--ssl-keystore-password",
            STORE_PASSWORD,
            "--ssl-keystore-type",
            "PKCS12",
        )
        if not require_client_cert:
            return args
        return (
            *args,
            "--ssl-truststore",
            str(self.truststore),
            "--ssl-truststore-password",
            STORE_PASSWORD,
        )


def missing_keytool() -> str | None:
    """Why certificates cannot be made here, or None."""
    if shutil.which("keytool") is None:
        return "`keytool` (part of the JDK) is not on PATH"
    return None


def _run(argv: Sequence[str]) -> None:
    done = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-1500:]}"
        )


def _keytool(store: Path, *args: str) -> None:
    _run(
        [
            "keytool",
            *FAST_JVM,
            *args,
            "-keystore",
            str(store),
            "-storetype",
            "PKCS12",
            "-storepass",
            STORE_PASSWORD,
            "-noprompt",
        ]
    )


def _self_signed_ca(store: Path, pem: Path, name: str) -> None:
    """A CA key pair in ``store`` and its certificate exported to ``pem``."""
    _keytool(
        store, "-genkeypair", "-alias", "ca", "-dname", f"CN={name}",
        "-ext", "bc:c", *EC_KEY, "-validity", VALIDITY_DAYS,
    )  # fmt: skip
    _keytool(store, "-exportcert", "-rfc", "-alias", "ca", "-file", str(pem))


def _sign(ca_store: Path, csr: Path, out: Path, *exts: str) -> None:
    """Sign the request ``csr`` with the CA in ``ca_store``; PEM to ``out``."""
    ext_args = [arg for ext in exts for arg in ("-ext", ext)]
    _keytool(
        ca_store, "-gencert", "-alias", "ca", "-infile", str(csr),
        "-outfile", str(out), "-rfc", "-validity", VALIDITY_DAYS, *ext_args,
    )  # fmt: skip


def _server_request(d: Path) -> None:
    """The server's key pair in its key store, and a signing request for it."""
    store = d / "server.p12"
    _keytool(
        store, "-genkeypair", "-alias", "server", "-dname", "CN=localhost",
        *EC_KEY, "-validity", VALIDITY_DAYS,
    )  # fmt: skip
    _keytool(store, "-certreq", "-alias", "server", "-file", str(d / "server.csr"))


def _install_server_cert(d: Path, store: Path, ca_store: Path, ca_pem: Path) -> None:
    """Sign the server request with the CA; put the chain into the key store."""
    _sign(
        ca_store, d / "server.csr", d / "server.pem",
        "san=ip:127.0.0.1,dns:localhost", "eku=serverAuth",
    )  # fmt: skip
    chain = d / "server-chain.pem"
    chain.write_text((d / "server.pem").read_text() + ca_pem.read_text())
    _keytool(store, "-importcert", "-alias", "server", "-file", str(chain))


def _client_request(d: Path) -> None:
    """Client key (plain and password-protected) and signing request, by openssl."""
    key = d / "client.key"
    _run(
        [
            "openssl", "req", "-new", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
            "-subj", "/CN=embergrid-test-client", "-out", str(d / "client.csr"),
        ]
    )  # fmt: skip
    _run(
        [
            "openssl", "pkey", "-in", str(key), "-aes256",
            "-passout", f"pass:{KEY_PASSWORD}", "-out", str(d / "client-encrypted.key"),
        ]
    )  # fmt: skip


def _client_keystore(d: Path) -> None:
    """The client's key and certificate as a PKCS12 key store (Java thin client)."""
    _run(
        [
            "openssl", "pkcs12", "-export", "-in", str(d / "client.pem"),
            "-inkey", str(d / "client.key"), "-certfile", str(d / "ca.pem"),
            "-name", "client", "-passout", f"pass:{STORE_PASSWORD}",
            "-out", str(d / "client.p12"),
        ]
    )  # fmt: skip


def _server_pem_key(d: Path) -> None:
    """The server's key out of its PKCS12 key store, as PEM (plain and encrypted)."""
    key = d / "server.key"
    _run(
        [
            "openssl", "pkcs12", "-in", str(d / "server.p12"), "-nocerts", "-nodes",
            "-passin", f"pass:{STORE_PASSWORD}", "-out", str(key),
        ]
    )  # fmt: skip
    _run(
        [
            "openssl", "pkey", "-in", str(key), "-aes256",
            "-passout", f"pass:{KEY_PASSWORD}", "-out", str(d / "server-encrypted.key"),
        ]
    )  # fmt: skip


def make_certificates(directory: Path) -> Certificates:
    """Generate everything under ``directory`` (keytool; openssl for the client key).

    Each keytool run starts a JVM (about half a second), so independent steps run
    side by side: the two CAs, the server request and the client key, then the
    signatures and the trust store.
    """
    d = directory
    ca_store, ca_pem, other_pem = d / "ca.p12", d / "ca.pem", d / "other-ca.pem"
    openssl = shutil.which("openssl") is not None
    with ThreadPoolExecutor(max_workers=4) as pool:
        first: list[Future[Any]] = [
            pool.submit(_self_signed_ca, ca_store, ca_pem, "embergrid-test-ca"),
            pool.submit(_self_signed_ca, d / "other.p12", other_pem, "unrelated-ca"),
            pool.submit(_server_request, d),
        ]
        if openssl:
            first.append(pool.submit(_client_request, d))
        server = d / "server.p12"
        for step in first:
            step.result()
        trust = d / "trust.p12"
        second: list[Future[Any]] = [
            pool.submit(_install_server_cert, d, server, ca_store, ca_pem),
            pool.submit(
                _keytool, trust, "-importcert", "-alias", "ca", "-file", str(ca_pem)
            ),
        ]
        if openssl:
            second.append(
                pool.submit(
                    _sign,
                    ca_store,
                    d / "client.csr",
                    d / "client.pem",
                    "eku=clientAuth",
                )
            )
            second.append(
                pool.submit(
                    _sign,
                    d / "other.p12",
                    d / "client.csr",
                    d / "client-untrusted.pem",
                    "eku=clientAuth",
                )
            )
        for step in second:
            step.result()
        if openssl:
            _server_pem_key(d)
            _client_keystore(d)
    if not openssl:
        return Certificates(
            ca_pem, other_pem, server, trust, None, None, None, KEY_PASSWORD,
            "`openssl` is not on PATH: keytool cannot export the client's PEM key",
        )  # fmt: skip
    return Certificates(
        ca_pem, other_pem, server, trust, d / "client.pem", d / "client.key",
        d / "client-encrypted.key", KEY_PASSWORD, None,
        d / "server-chain.pem", d / "server.key", d / "server-encrypted.key",
        d / "client-untrusted.pem", d / "client.p12",
    )  # fmt: skip

"""TLS on the thin-client port: the server's ``ssl.SSLContext``.

Owns ``TlsConfig`` (what ``embergrid serve``'s ``--ssl-*`` flags say) and
``server_context`` (the context ``Server.start`` listens with): TLS 1.2 or later
only, the certificate chain and its PEM key (optionally password-protected), and,
with ``client_auth``, client certificates required and checked against
``cafile``. Ignite's equivalent is ``ClientConnectorConfiguration.sslEnabled``,
``sslClientAuth`` and an ``SslContextFactory`` (reference node:
``tools/reference-ignite/ReferenceNode.java``). Imports only the standard library.

The event loop runs each connection's TLS handshake (``create_server(ssl=...)``,
with the handshake timeout as ``ssl_handshake_timeout``): a plaintext client on
a TLS port, a client without a certificate or with one the CA did not sign
gets a closed connection, a silent one is closed when the timeout passes, and
no other connection waits for any of them. The loop says nothing about a
failed handshake (asyncio and uvloop log it in debug mode only), so the
context's ``sslobject_class`` (``ssl``'s documented hook) is ``_LoggedTls``,
which logs the reason of each failed handshake once. The loop does not tell
it the peer's address. (TLS on a plaintext port is the session's to refuse:
``ServerConnection`` recognises a ClientHello.)
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field

__all__ = ["TlsConfig", "server_context"]

log = logging.getLogger("embergrid.server")


class _LoggedTls(ssl.SSLObject):
    """An ``SSLObject`` that logs a failed handshake (one line, its reason)."""

    def do_handshake(self) -> None:
        try:
            super().do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise  # not a failure: more bytes to come
        except ssl.SSLError as exc:
            log.info("closing a connection: TLS handshake failed: %s", exc)
            raise


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """PEM files of the server's TLS; ``cafile`` is what client certificates
    must be signed by (needed with ``client_auth``)."""

    certfile: str
    keyfile: str | None = None
    keyfile_password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    client_auth: bool = False


def server_context(cfg: TlsConfig) -> ssl.SSLContext:
    """The context the client port listens with.

    Raises ``ValueError`` for ``client_auth`` without ``cafile``, and
    ``OSError``/``ssl.SSLError`` for files that cannot be read or do not match.
    """
    if cfg.client_auth and not cfg.cafile:
        raise ValueError("client certificates need a CA to check them (--ssl-cafile)")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cfg.certfile, cfg.keyfile, cfg.keyfile_password)
    if cfg.cafile:
        ctx.load_verify_locations(cfg.cafile)
    ctx.verify_mode = ssl.CERT_REQUIRED if cfg.client_auth else ssl.CERT_NONE
    ctx.sslobject_class = _LoggedTls
    return ctx

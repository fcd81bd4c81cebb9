"""Where and how to connect: the address list and the settings of each connection.

Owns ``parse_connect_args`` (pyignite's ``connect()`` argument forms) and
``ConnectParams`` (per-connection settings with pyignite's names and checks);
which node to use is ``client._policy``'s. Pure: no sockets, no asyncio; imports
``embergrid.errors`` only.
"""

from __future__ import annotations

import ssl as _ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from embergrid.errors import ParameterError

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "OUT_OF_NODES",
    "ConnectParams",
    "parse_connect_args",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 10800
OUT_OF_NODES = "Can not reconnect: out of nodes."
CONNECTION_BROKEN = "Connection broken."

_SSL_PARAMS = frozenset(
    {
        "use_ssl",
        "ssl_version",
        "ssl_ciphers",
        "ssl_cert_reqs",
        "ssl_keyfile",
        "ssl_keyfile_password",
        "ssl_certfile",
        "ssl_ca_certfile",
    }
)


def parse_connect_args(*args: Any) -> list[tuple[str, int]]:
    """``()``, ``(host, port)`` or ``([(host, port), ...],)`` -> address list."""
    if not args:
        return [(DEFAULT_HOST, DEFAULT_PORT)]
    if (
        len(args) == 1
        and isinstance(args[0], Iterable)
        and not isinstance(args[0], str)
    ):
        return [(str(h), int(p)) for h, p in args[0]]
    if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], int):
        return [(args[0], args[1])]
    raise ConnectionError("Connection parameters are not valid.")


@dataclass(frozen=True)
class ConnectParams:
    """What every connection of one client is opened with."""

    username: str | None = None
    password: str | None = None
    timeout: float | None = None
    handshake_timeout: float = 10.0
    ssl: dict[str, Any] | None = None
    discovery: bool = False
    """``cluster_discovery``: learn the cluster's other nodes (client/_discovery.py)."""

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> ConnectParams:
        """pyignite's ``Client(**kwargs)``: credentials, timeouts, SSL settings."""
        kw = dict(kwargs)
        username, password = kw.pop("username", None), kw.pop("password", None)
        timeout = kw.pop("timeout", None)
        handshake_timeout = kw.pop("handshake_timeout", 10.0)
        discovery = bool(kw.pop("cluster_discovery", False))
        if handshake_timeout <= 0.0:
            raise ParameterError("handshake_timeout should be positive")
        for name in kw:
            if name not in _SSL_PARAMS:
                raise ParameterError(
                    f"Unexpected parameter for connection initialization: `{name}`"
                )
        ssl = kw or None
        return cls(username, password, timeout, handshake_timeout, ssl, discovery)

    def ssl_context(self) -> _ssl.SSLContext | None:
        """The TLS context, or ``None`` without ``use_ssl`` (pyignite turns TLS on
        only when asked: credentials alone do not enable it)."""
        p = self.ssl or {}
        if not p.get("use_ssl"):
            return None
        keyfile, certfile = p.get("ssl_keyfile"), p.get("ssl_certfile")
        if keyfile and not certfile:
            raise ValueError("certfile must be specified")
        ctx = _ssl.SSLContext(p.get("ssl_version", _ssl.PROTOCOL_TLS_CLIENT))
        cert_reqs = p.get("ssl_cert_reqs", _ssl.CERT_NONE)
        if cert_reqs == _ssl.CERT_NONE:
            ctx.check_hostname = False
        ctx.verify_mode = cert_reqs
        if p.get("ssl_ca_certfile"):
            ctx.load_verify_locations(p["ssl_ca_certfile"])
        if certfile:
            ctx.load_cert_chain(certfile, keyfile, p.get("ssl_keyfile_password"))
        if p.get("ssl_ciphers"):
            ctx.set_ciphers(p["ssl_ciphers"])
        return ctx

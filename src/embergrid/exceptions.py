"""pyignite-compatible ``exceptions`` module: the same names, from ``errors``.

Owns nothing but the re-exports (and ``SocketError``, pyignite's alias of
``OSError``), so ``from embergrid.exceptions import CacheError, SocketError`` works
as it did with pyignite. Imports only ``embergrid.errors``.
"""

from __future__ import annotations

from embergrid.errors import (
    AuthenticationError,
    BinaryTypeError,
    CacheCreationError,
    CacheError,
    ClusterError,
    HandshakeError,
    IgniteError,
    NotSupportedByClusterError,
    NotSupportedError,
    ParameterError,
    ParameterTypeError,
    ParseError,
    ReconnectError,
    ServerError,
    SQLError,
    TransactionError,
    connection_errors,
)

SocketError = OSError

__all__ = [
    "AuthenticationError",
    "BinaryTypeError",
    "CacheCreationError",
    "CacheError",
    "ClusterError",
    "HandshakeError",
    "IgniteError",
    "NotSupportedByClusterError",
    "NotSupportedError",
    "ParameterError",
    "ParameterTypeError",
    "ParseError",
    "ReconnectError",
    "SQLError",
    "ServerError",
    "SocketError",
    "TransactionError",
    "connection_errors",
]

"""The whole embergrid exception tree, shared by the client, the server and the
protocol.

Owns every exception class a user can catch. Imports nothing from embergrid.

pyignite's names and bases are kept, so code that catches ``CacheError`` or
``HandshakeError`` keeps working; a root and the server status code are added::

    IgniteError
    ├── ParseError                    malformed bytes (all protocol/ raises on input)
    ├── ParameterError (+ ValueError) bad argument; nothing was sent
    │   └── ParameterTypeError (+ TypeError)  of a type Ignite has no form for
    ├── AuthenticationError
    ├── HandshakeError (+ OSError)    handshake refused; carries the server's version
    ├── ReconnectError                no node left to connect to
    ├── NotSupportedError             the client lacks the feature
    ├── NotSupportedByClusterError    the server lacks the feature
    └── ServerError                   a response with status != 0; .status, .message
        ├── CacheError
        │   ├── CacheCreationError
        │   ├── BinaryTypeError
        │   ├── SQLError
        │   └── TransactionError
        └── ClusterError
"""

from __future__ import annotations

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
    "TransactionError",
    "connection_errors",
]


class IgniteError(Exception):
    """Root of every error embergrid raises on purpose."""


class ParseError(IgniteError):
    """Bytes that do not form a valid Ignite message or data object."""


class ParameterError(IgniteError, ValueError):
    """An argument was rejected before anything was sent."""


class ParameterTypeError(ParameterError, TypeError):
    """A value, key or hint of a type that has no Ignite form (``object()``, a
    ``complex``, a hint that is none, a str where a number is hinted): a
    ``TypeError`` as pyignite raises for the same mistakes, and a
    ``ParameterError`` (nothing was sent)."""


class AuthenticationError(IgniteError):
    """The server refused the credentials."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HandshakeError(IgniteError, OSError):
    """The server refused the handshake; ``expected_version`` is the one it offers."""

    def __init__(self, expected_version: tuple[int, int, int], message: str) -> None:
        super().__init__(message)
        self.expected_version = expected_version
        self.message = message

    def __str__(self) -> str:
        return self.message


class ReconnectError(IgniteError):
    """No node is left to connect to."""


class NotSupportedError(IgniteError):
    """The client does not support the requested operation."""


class NotSupportedByClusterError(IgniteError):
    """The server does not support the requested operation."""


class ServerError(IgniteError):
    """The server answered with a non-zero status code."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class CacheError(ServerError):
    """A remote cache operation failed."""


class CacheCreationError(CacheError):
    """A cache could not be created."""


class BinaryTypeError(CacheError):
    """A remote error in an operation on the binary type registry."""


class SQLError(CacheError):
    """An SQL query failed."""


class TransactionError(CacheError):
    """A transaction could not be started, committed or rolled back."""


class ClusterError(ServerError):
    """A remote cluster operation failed."""


connection_errors = (OSError, EOFError)

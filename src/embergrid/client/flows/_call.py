"""What a flow yields (``Call``) and what it gets back (``Reply``).

Owns the two records the drivers and the flows exchange and the ``Flow`` alias.
Imports only ``embergrid.errors`` and ``embergrid.protocol``; no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from embergrid.errors import CacheError, ServerError
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages.context import ProtocolContext

__all__ = ["Call", "Flow", "Reply"]

T = TypeVar("T")


@dataclass(slots=True)
class Call:
    """One request a flow needs answered.

    ``node`` asks for the connection to that node (partition awareness; the driver
    falls back to any live connection); ``conn`` pins the call to the connection a
    cursor or transaction lives on (the driver raises if that one is gone).
    ``error`` is the ``ServerError`` subclass a non-zero status becomes,
    ``decode`` overrides the registry's response decoder and ``encode`` its request
    encoder: given the connection's context it returns the body bytes (``message``
    is then not encoded and may be ``None``).

    Not frozen, unlike the protocol's messages: one is built per request, and a
    frozen dataclass's ``__init__`` costs several times a plain one's. Treat it as
    immutable all the same.
    """

    op: OpCode
    message: Any
    node: uuid.UUID | None = None
    conn: object | None = None
    error: type[ServerError] = CacheError
    decode: Callable[[memoryview, ProtocolContext], Any] | None = None
    encode: Callable[[ProtocolContext], bytes] | None = None


@dataclass(slots=True)
class Reply:
    """A decoded successful response and the connection that answered it (built per
    response, so not frozen either; treat it as immutable)."""

    message: Any
    conn: object


Flow = Generator[Call, Reply, T]

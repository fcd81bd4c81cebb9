"""General operations and the response shapes many ops share (reference §7.1).

Owns RESOURCE_CLOSE (0), HEARTBEAT (1), GET_IDLE_TIMEOUT (2) and the generic
response bodies: empty, one ``bool``, one ``i64``, one ``Obj``. Bodies only: the
request and response headers belong to ``protocol.headers``. Standard library only;
must not import the client, the server or the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from embergrid.protocol.messages._fields import expect_end, read_obj
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "BoolResponse",
    "EmptyResponse",
    "GetIdleTimeout",
    "GetIdleTimeoutResponse",
    "Heartbeat",
    "LongResponse",
    "ObjectResponse",
    "ResourceClose",
    "decode_bool_response",
    "decode_empty",
    "decode_get_idle_timeout",
    "decode_get_idle_timeout_response",
    "decode_heartbeat",
    "decode_long_response",
    "decode_object_response",
    "decode_resource_close",
    "encode_bool_response",
    "encode_empty",
    "encode_get_idle_timeout",
    "encode_get_idle_timeout_response",
    "encode_heartbeat",
    "encode_long_response",
    "encode_object_response",
    "encode_resource_close",
]


# -- shared response shapes ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmptyResponse:
    """A successful response without a body (put, clear, destroy, tx end...)."""


_EMPTY = EmptyResponse()


def decode_empty(body: Buffer, ctx: ProtocolContext) -> EmptyResponse:
    if len(body):
        expect_end(Reader(body))
    return _EMPTY


def encode_empty(msg: EmptyResponse, ctx: ProtocolContext) -> bytes:
    return b""


@dataclass(frozen=True, slots=True)
class BoolResponse:
    """One ``bool`` (put-if-absent, replace, contains, remove...)."""

    value: bool


def decode_bool_response(body: Buffer, ctx: ProtocolContext) -> BoolResponse:
    r = Reader(body)
    value = r.bool()
    expect_end(r)
    return BoolResponse(value)


def encode_bool_response(msg: BoolResponse, ctx: ProtocolContext) -> bytes:
    return b"\x01" if msg.value else b"\x00"


@dataclass(frozen=True, slots=True)
class LongResponse:
    """One ``i64`` (cache size)."""

    value: int


def decode_long_response(body: Buffer, ctx: ProtocolContext) -> LongResponse:
    r = Reader(body)
    value = r.i64()
    expect_end(r)
    return LongResponse(value)


def encode_long_response(msg: LongResponse, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i64(msg.value)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class ObjectResponse:
    """One data object as encoded bytes (get, get-and-put...; ``65`` = null)."""

    value: bytes


def decode_object_response(body: Buffer, ctx: ProtocolContext) -> ObjectResponse:
    r = Reader(body)
    value = read_obj(r)
    expect_end(r)
    return ObjectResponse(value)


def encode_object_response(msg: ObjectResponse, ctx: ProtocolContext) -> bytes:
    return bytes(msg.value)  # already one encoded data object (no copy for bytes)


# -- 0 RESOURCE_CLOSE ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceClose:
    """Close a cursor or another per-connection resource → ``EmptyResponse``."""

    resource_id: int


def decode_resource_close(body: Buffer, ctx: ProtocolContext) -> ResourceClose:
    r = Reader(body)
    resource_id = r.i64()
    expect_end(r)
    return ResourceClose(resource_id)


def encode_resource_close(msg: ResourceClose, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i64(msg.resource_id)
    return w.getvalue()


# -- 1 HEARTBEAT ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Keep-alive; empty body both ways."""


def decode_heartbeat(body: Buffer, ctx: ProtocolContext) -> Heartbeat:
    expect_end(Reader(body))
    return Heartbeat()


def encode_heartbeat(msg: Heartbeat, ctx: ProtocolContext) -> bytes:
    return b""


# -- 2 GET_IDLE_TIMEOUT -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetIdleTimeout:
    """Ask for the server's idle timeout."""


def decode_get_idle_timeout(body: Buffer, ctx: ProtocolContext) -> GetIdleTimeout:
    expect_end(Reader(body))
    return GetIdleTimeout()


def encode_get_idle_timeout(msg: GetIdleTimeout, ctx: ProtocolContext) -> bytes:
    return b""


@dataclass(frozen=True, slots=True)
class GetIdleTimeoutResponse:
    timeout_ms: int  # 0 = disabled


def decode_get_idle_timeout_response(
    body: Buffer, ctx: ProtocolContext
) -> GetIdleTimeoutResponse:
    r = Reader(body)
    timeout_ms = r.i64()
    expect_end(r)
    return GetIdleTimeoutResponse(timeout_ms)


def encode_get_idle_timeout_response(
    msg: GetIdleTimeoutResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.i64(msg.timeout_ms)
    return w.getvalue()

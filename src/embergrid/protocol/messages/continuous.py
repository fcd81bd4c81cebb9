"""Continuous queries: op 2006 and its event notifications, op 2007 (reference §7.10).

Owns ``ContinuousQuery`` (the request: cache prefix, page size, time interval,
include-expired, an optional remote filter object with its platform byte),
``CacheEntryEvent`` and ``EventType`` (one event of a notification) and the
notification body codec ``encode_events`` / ``decode_events``. The response to
2006 is ``general.LongResponse`` (the query's resource id).

Layouts as Ignite 2.18 reads and writes them (``ClientCacheQueryContinuousRequest``,
``ClientCacheEntryEventNotification``): the request has no initial query (the Java
thin client runs it as a query of its own) and no auto-unsubscribe flag (a query
ends with RESOURCE_CLOSE or with its connection). A notification body is
``i32 n`` and n x (``Obj key``, ``Obj oldValue``, ``Obj newValue``, ``u8 type``);
the new value is NULL for REMOVED and EXPIRED. Standard library only; must not
import the client, the server or the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from embergrid.errors import ParseError
from embergrid.protocol.messages._fields import (
    NULL_OBJECT,
    expect_end,
    read_count,
    read_obj,
    write_obj,
)
from embergrid.protocol.messages.cache import CachePrefix, read_prefix, write_prefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "EVENT_NOTIFICATION",
    "CacheEntryEvent",
    "ContinuousQuery",
    "EventType",
    "decode_continuous_query",
    "decode_events",
    "encode_continuous_query",
    "encode_events",
]


# The notification op of continuous-query events (server to client only, so not
# an ``OpCode``: no request carries it).
EVENT_NOTIFICATION = 2007


class EventType(IntEnum):
    """``javax.cache.event.EventType`` as the notification's type byte."""

    CREATED = 0
    UPDATED = 1
    REMOVED = 2
    EXPIRED = 3


@dataclass(frozen=True, slots=True)
class ContinuousQuery:
    """2006 -> ``LongResponse`` (the resource id of the query).

    ``filter`` is an encoded object (``NULL_OBJECT`` = none); ``filter_platform``
    (1 Java, 2 .NET) travels only with a filter. ``page_size`` and
    ``time_interval`` (ms) are the server-side buffer's size and flush period.
    """

    prefix: CachePrefix
    page_size: int = 1
    time_interval: int = 0
    include_expired: bool = False
    filter: bytes = NULL_OBJECT
    filter_platform: int | None = None


def decode_continuous_query(body: Buffer, ctx: ProtocolContext) -> ContinuousQuery:
    r = Reader(body)
    prefix = read_prefix(r)
    page_size, interval, expired = r.i32(), r.i64(), r.bool()
    filter_obj = read_obj(r)
    platform = None if filter_obj == NULL_OBJECT else r.u8()
    expect_end(r)
    return ContinuousQuery(prefix, page_size, interval, expired, filter_obj, platform)


def encode_continuous_query(msg: ContinuousQuery, ctx: ProtocolContext) -> bytes:
    w = Writer()
    write_prefix(w, msg.prefix)
    w.i32(msg.page_size)
    w.i64(msg.time_interval)
    w.bool(msg.include_expired)
    write_obj(w, msg.filter)
    if msg.filter != NULL_OBJECT:
        w.u8(1 if msg.filter_platform is None else msg.filter_platform)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class CacheEntryEvent:
    """One event of a 2007 notification; objects encoded (``NULL_OBJECT`` = none)."""

    key: bytes
    old_value: bytes
    value: bytes
    type: EventType


def encode_events(events: list[CacheEntryEvent]) -> bytes:
    """A 2007 notification body."""
    w = Writer()
    w.i32(len(events))
    for e in events:
        write_obj(w, e.key)
        write_obj(w, e.old_value)
        write_obj(w, NULL_OBJECT if e.type >= EventType.REMOVED else e.value)
        w.u8(e.type)
    return w.getvalue()


def decode_events(body: Buffer) -> list[CacheEntryEvent]:
    """The events of a 2007 notification body (``ParseError`` if malformed)."""
    r = Reader(body)
    n = read_count(r, 4)
    events = []
    for _ in range(n):
        key, old, new = read_obj(r), read_obj(r), read_obj(r)
        code = r.u8()
        if code > EventType.EXPIRED:
            raise ParseError(f"unknown continuous-query event type {code}")
        events.append(CacheEntryEvent(key, old, new, EventType(code)))
    expect_end(r)
    return events

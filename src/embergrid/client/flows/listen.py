"""Continuous queries, the client's half: start one and decode its events.

Owns ``CacheEvent`` and ``CacheEventType`` (what a listener is given),
``listen_start`` (a flow: op 2006 on the connection the query lives on; its
resource id) and ``events_of`` (a flow: one 2007 notification's events, decoded,
fetching unknown binary types). The shells (``client/aio/listening.py`` and the
sync one generated from it) only wait for notifications. Imports
``embergrid.protocol`` and ``embergrid.errors``; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from embergrid.client.flows._call import Call, Flow
from embergrid.client.flows._state import CacheRef, ClientState
from embergrid.client.flows.values import decode_values
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.protocol.messages.continuous import ContinuousQuery, decode_events

__all__ = ["CacheEvent", "CacheEventType", "events_of", "listen_start"]


class CacheEventType(IntEnum):
    """What happened to an entry (Ignite's ``javax.cache.event.EventType``), or
    ``INITIAL``: an entry the initial query found, given before any event."""

    INITIAL = -1
    CREATED = 0
    UPDATED = 1
    REMOVED = 2
    EXPIRED = 3


@dataclass(frozen=True, slots=True)
class CacheEvent:
    """One change of one entry. ``value`` is None for REMOVED and EXPIRED,
    ``old_value`` for CREATED and INITIAL."""

    type: CacheEventType
    key: Any
    value: Any
    old_value: Any = None


def listen_start(
    cache: CacheRef,
    conn: object,
    page_size: int = 1,
    time_interval: int = 0,
    include_expired: bool = False,
) -> Flow[int]:
    """Start a continuous query on ``conn``; its resource id."""
    msg = ContinuousQuery(
        CachePrefix(cache.cache_id), page_size, time_interval, include_expired
    )
    reply = yield Call(OpCode.QUERY_CONTINUOUS, msg, conn=conn)
    rid: int = reply.message.value
    return rid


def events_of(state: ClientState, body: bytes | memoryview) -> Flow[list[CacheEvent]]:
    """The events of one notification body, keys and values decoded."""
    raw = decode_events(body)
    objects = [o for e in raw for o in (e.key, e.value, e.old_value)]
    values = yield from decode_values(state, objects)
    return [
        CacheEvent(CacheEventType(e.type), *values[3 * i : 3 * i + 3])
        for i, e in enumerate(raw)
    ]

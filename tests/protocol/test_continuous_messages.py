"""Continuous-query layouts (op 2006, notification 2007) against the real things:
the request bytes Ignite 2.18's Java thin client writes
(``ClientCacheEntryListenerHandler.startListen``, read from its bytecode) and
notification bodies captured from the reference node."""

from __future__ import annotations

import struct

import pytest

from embergrid.errors import ParseError
from embergrid.protocol.messages._fields import NULL_OBJECT
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.continuous import (
    CacheEntryEvent,
    ContinuousQuery,
    EventType,
    decode_continuous_query,
    decode_events,
    encode_continuous_query,
    encode_events,
)

CTX = ProtocolContext()


def _java_request(
    cache_id: int, keep_binary: bool, page: int, interval: int, expired: bool
) -> bytes:
    # int cacheId, byte flags (keep binary only), int pageSize, long timeInterval,
    # boolean includeExpired, then the filter: byte 101 (NULL) when there is none.
    return struct.pack(
        "<ibiq?", cache_id, int(keep_binary), page, interval, expired
    ) + (b"\x65")


@pytest.mark.parametrize(
    ("keep_binary", "page", "interval", "expired"),
    [(False, 1, 0, False), (True, 100, 5000, True)],
)
def test_request_bytes_are_the_java_thin_clients(keep_binary, page, interval, expired):
    msg = ContinuousQuery(
        CachePrefix(-12345, int(keep_binary)), page, interval, expired
    )
    wire = _java_request(-12345, keep_binary, page, interval, expired)
    assert encode_continuous_query(msg, CTX) == wire
    assert decode_continuous_query(wire, CTX) == msg


def test_request_with_a_filter_carries_its_platform_byte():
    msg = ContinuousQuery(CachePrefix(7), 1, 0, False, b"\x03\x05\x00\x00\x00", 1)
    wire = encode_continuous_query(msg, CTX)
    assert wire.endswith(b"\x03\x05\x00\x00\x00\x01")
    assert decode_continuous_query(wire, CTX) == msg


# Bodies of notifications the reference node (Ignite 2.18) sent for put(1, "a"),
# put(1, "b") and remove(1) on a cache of int keys and string values.
CREATED_A = bytes.fromhex("010000000401000000000000006509010000006100")
UPDATED_A_B = bytes.fromhex("0100000004010000000000000009010000006109010000006201")
REMOVED_D = bytes.fromhex("010000000401000000000000000901000000646502")
KEY_1 = b"\x04\x01\x00\x00\x00\x00\x00\x00\x00"


def _s(text: str) -> bytes:
    data = text.encode()
    return b"\x09" + struct.pack("<i", len(data)) + data


@pytest.mark.parametrize(
    ("body", "event"),
    [
        (CREATED_A, CacheEntryEvent(KEY_1, NULL_OBJECT, _s("a"), EventType.CREATED)),
        (UPDATED_A_B, CacheEntryEvent(KEY_1, _s("a"), _s("b"), EventType.UPDATED)),
        (REMOVED_D, CacheEntryEvent(KEY_1, _s("d"), NULL_OBJECT, EventType.REMOVED)),
    ],
)
def test_notification_bodies_are_the_reference_nodes(body, event):
    assert decode_events(body) == [event]
    assert encode_events([event]) == body


def test_removed_and_expired_events_never_carry_a_new_value():
    event = CacheEntryEvent(KEY_1, _s("x"), _s("y"), EventType.EXPIRED)
    (back,) = decode_events(encode_events([event]))
    assert back.value == NULL_OBJECT


def test_several_events_in_one_notification_round_trip():
    events = [
        CacheEntryEvent(KEY_1, NULL_OBJECT, _s(str(i)), EventType.CREATED)
        for i in range(3)
    ]
    assert decode_events(encode_events(events)) == events


@pytest.mark.parametrize(
    "body",
    [b"", b"\x01\x00\x00\x00", CREATED_A[:-1] + b"\x04", CREATED_A + b"\x00"],
)
def test_malformed_notification_bodies_raise_parse_error(body):
    with pytest.raises(ParseError):
        decode_events(body)

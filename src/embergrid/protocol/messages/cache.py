"""Cache key-value operations 1000-1021 and the cache request prefix (reference §7.2).

Owns ``CachePrefix`` (cache id, flags, optional expiry block, optional tx id) and
one request dataclass per op, plus ``CacheGetAllResponse``; the other responses use
the shared shapes in ``general`` (see ``registry.RESPONSES``). Keys and values are
the encoded data objects' bytes, never Python values. Standard library only; must
not import the client, the server, the engine or the value codec.

Theory of operation: the 22 ops have only eight body shapes (key; key+value;
key+expected; key+expected+value; keys; entries; nothing; peek modes). Each shape
is a private base dataclass with one reader and one writer; ``_codec`` turns a
concrete op class and its shape's reader/writer into the public
``decode_x``/``encode_x`` pair, so a layout is written once.

Prefix rule (robust server rule): whatever the version, flag 0x04 means three i64
durations follow, then flag 0x02 means an i32 tx id follows.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from embergrid.protocol.codes import CacheRequestFlag
from embergrid.protocol.config import ExpiryDurations
from embergrid.protocol.messages._fields import (
    expect_end,
    read_count,
    read_obj,
    read_objs,
    write_obj,
)
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "CacheClear",
    "CacheClearKey",
    "CacheClearKeys",
    "CacheContainsKey",
    "CacheContainsKeys",
    "CacheGet",
    "CacheGetAll",
    "CacheGetAllResponse",
    "CacheGetAndPut",
    "CacheGetAndPutIfAbsent",
    "CacheGetAndRemove",
    "CacheGetAndReplace",
    "CacheGetSize",
    "CacheLocalPeek",
    "CachePrefix",
    "CachePut",
    "CachePutAll",
    "CachePutIfAbsent",
    "CacheRemoveAll",
    "CacheRemoveIfEquals",
    "CacheRemoveKey",
    "CacheRemoveKeys",
    "CacheReplace",
    "CacheReplaceIfEquals",
    "plain_prefix",
    "read_prefix",
    "write_prefix",
]  # the decode_x/encode_x pairs are public too; registry.REQUESTS lists them

_EXPIRY = int(CacheRequestFlag.WITH_EXPIRY_POLICY)
_TX = int(CacheRequestFlag.TRANSACTIONAL)
_ID_FLAGS = struct.Struct("<iB")
_PLAIN_PREFIX_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class CachePrefix:
    """Start of every cache data request.

    ``flags`` holds the flag bits other than 0x02/0x04 (e.g. 0x01 keep binary):
    those two follow from ``tx_id`` and ``expiry`` being given, on both sides.
    """

    cache_id: int
    flags: int = 0
    expiry: ExpiryDurations | None = None
    tx_id: int | None = None


# Prefixes without expiry or tx id are immutable values that repeat on every request
# of a cache; each distinct (cache id, flags) is built once (bounded, see below).
_plain_prefixes: dict[tuple[int, int], CachePrefix] = {}


def plain_prefix(cache_id: int, flags: int = 0) -> CachePrefix:
    """The shared prefix for ``cache_id`` and ``flags`` with no expiry or tx id."""
    key = (cache_id, flags)
    prefix = _plain_prefixes.get(key)
    if prefix is None:
        prefix = CachePrefix(cache_id, flags)
        if len(_plain_prefixes) < _PLAIN_PREFIX_LIMIT:
            _plain_prefixes[key] = prefix
    return prefix


def read_prefix(r: Reader) -> CachePrefix:
    cache_id, flags = _ID_FLAGS.unpack_from(r.buf, r.need(5))
    if not flags & (_EXPIRY | _TX):
        return plain_prefix(cache_id, flags)
    expiry = None
    if flags & _EXPIRY:
        expiry = ExpiryDurations(r.i64(), r.i64(), r.i64())
    tx_id = r.i32() if flags & _TX else None
    return CachePrefix(cache_id, flags & ~(_EXPIRY | _TX), expiry, tx_id)


def write_prefix(w: Writer, p: CachePrefix) -> None:
    if p.expiry is None and p.tx_id is None:
        w.out += _ID_FLAGS.pack(p.cache_id, p.flags & ~(_EXPIRY | _TX) & 0xFF)
        return
    flags = p.flags & ~(_EXPIRY | _TX) & 0xFF
    if p.expiry is not None:
        flags |= _EXPIRY
    if p.tx_id is not None:
        flags |= _TX
    w.i32(p.cache_id)
    w.u8(flags)
    if p.expiry is not None:
        w.i64(p.expiry.create)
        w.i64(p.expiry.update)
        w.i64(p.expiry.access)
    if p.tx_id is not None:
        w.i32(p.tx_id)


# -- body shapes ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prefixed:
    prefix: CachePrefix


@dataclass(frozen=True, slots=True)
class _Key(_Prefixed):
    key: bytes


@dataclass(frozen=True, slots=True)
class _KeyValue(_Prefixed):
    key: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class _KeyExpected(_Prefixed):
    key: bytes
    expected: bytes


@dataclass(frozen=True, slots=True)
class _KeyExpectedValue(_Prefixed):
    key: bytes
    expected: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class _Keys(_Prefixed):
    keys: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class _Entries(_Prefixed):
    entries: tuple[tuple[bytes, bytes], ...]


def _read_nothing(r: Reader) -> tuple[Any, ...]:
    return ()


def _write_nothing(w: Writer, m: _Prefixed) -> None:
    pass


def _read_key(r: Reader) -> tuple[Any, ...]:
    return (read_obj(r),)


def _write_key(w: Writer, m: _Key) -> None:
    write_obj(w, m.key)


def _read_two(r: Reader) -> tuple[Any, ...]:
    return (read_obj(r), read_obj(r))


def _write_key_value(w: Writer, m: _KeyValue) -> None:
    write_obj(w, m.key)
    write_obj(w, m.value)


def _write_key_expected(w: Writer, m: _KeyExpected) -> None:
    write_obj(w, m.key)
    write_obj(w, m.expected)


def _read_three(r: Reader) -> tuple[Any, ...]:
    return (read_obj(r), read_obj(r), read_obj(r))


def _write_key_expected_value(w: Writer, m: _KeyExpectedValue) -> None:
    write_obj(w, m.key)
    write_obj(w, m.expected)
    write_obj(w, m.value)


def read_objects(r: Reader) -> tuple[bytes, ...]:
    """``i32 n`` then n data objects."""
    return tuple(read_objs(r, read_count(r)))


def write_objects(w: Writer, objects: tuple[bytes, ...]) -> None:
    w.i32(len(objects))
    w.out += b"".join(objects)


def read_entries(r: Reader) -> tuple[tuple[bytes, bytes], ...]:
    """``i32 n`` then n (key, value) data object pairs."""
    flat = read_objs(r, 2 * read_count(r, 2))
    return tuple(zip(flat[::2], flat[1::2], strict=True))


def write_entries(w: Writer, entries: tuple[tuple[bytes, bytes], ...]) -> None:
    w.i32(len(entries))
    w.out += b"".join([obj for pair in entries for obj in pair])


def _read_keys(r: Reader) -> tuple[Any, ...]:
    return (read_objects(r),)


def _write_keys(w: Writer, m: _Keys) -> None:
    write_objects(w, m.keys)


def _read_entries(r: Reader) -> tuple[Any, ...]:
    return (read_entries(r),)


def _write_entries(w: Writer, m: _Entries) -> None:
    write_entries(w, m.entries)


M = TypeVar("M", bound=_Prefixed)


def _codec(
    cls: Callable[..., M],
    read: Callable[[Reader], tuple[Any, ...]],
    write: Callable[[Writer, M], None],
) -> tuple[
    Callable[[Buffer, ProtocolContext], M], Callable[[M, ProtocolContext], bytes]
]:
    """The decode/encode pair of one op: the prefix, then its shape's fields."""

    def decode(body: Buffer, ctx: ProtocolContext) -> M:
        r = Reader(body)
        prefix = read_prefix(r)
        fields = read(r)
        expect_end(r)
        return cls(prefix, *fields)

    def encode(msg: M, ctx: ProtocolContext) -> bytes:
        w = Writer()
        write_prefix(w, msg.prefix)
        write(w, msg)
        return w.getvalue()

    return decode, encode


# -- ops (request → response shape) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheGet(_Key):
    """1000 → ``ObjectResponse`` (NULL when absent)."""


@dataclass(frozen=True, slots=True)
class CachePut(_KeyValue):
    """1001 → ``EmptyResponse``."""


@dataclass(frozen=True, slots=True)
class CachePutIfAbsent(_KeyValue):
    """1002 → ``BoolResponse`` (stored)."""


@dataclass(frozen=True, slots=True)
class CacheGetAll(_Keys):
    """1003 → ``CacheGetAllResponse`` (only keys that exist)."""


@dataclass(frozen=True, slots=True)
class CachePutAll(_Entries):
    """1004 → ``EmptyResponse``."""


@dataclass(frozen=True, slots=True)
class CacheGetAndPut(_KeyValue):
    """1005 → ``ObjectResponse`` (previous value)."""


@dataclass(frozen=True, slots=True)
class CacheGetAndReplace(_KeyValue):
    """1006 → ``ObjectResponse`` (previous value; nothing stored if absent)."""


@dataclass(frozen=True, slots=True)
class CacheGetAndRemove(_Key):
    """1007 → ``ObjectResponse`` (previous value)."""


@dataclass(frozen=True, slots=True)
class CacheGetAndPutIfAbsent(_KeyValue):
    """1008 → ``ObjectResponse`` (existing value; NULL when stored)."""


@dataclass(frozen=True, slots=True)
class CacheReplace(_KeyValue):
    """1009 → ``BoolResponse``."""


@dataclass(frozen=True, slots=True)
class CacheReplaceIfEquals(_KeyExpectedValue):
    """1010 → ``BoolResponse``; ``expected`` is the current value to compare."""


@dataclass(frozen=True, slots=True)
class CacheContainsKey(_Key):
    """1011 → ``BoolResponse``."""


@dataclass(frozen=True, slots=True)
class CacheContainsKeys(_Keys):
    """1012 → ``BoolResponse`` (true only if all are present)."""


@dataclass(frozen=True, slots=True)
class CacheClear(_Prefixed):
    """1013 → ``EmptyResponse``."""


@dataclass(frozen=True, slots=True)
class CacheClearKey(_Key):
    """1014 → ``EmptyResponse``."""


@dataclass(frozen=True, slots=True)
class CacheClearKeys(_Keys):
    """1015 → ``EmptyResponse``."""


@dataclass(frozen=True, slots=True)
class CacheRemoveKey(_Key):
    """1016 → ``BoolResponse`` (removed)."""


@dataclass(frozen=True, slots=True)
class CacheRemoveIfEquals(_KeyExpected):
    """1017 → ``BoolResponse``."""


@dataclass(frozen=True, slots=True)
class CacheRemoveKeys(_Keys):
    """1018 → ``EmptyResponse``."""


@dataclass(frozen=True, slots=True)
class CacheRemoveAll(_Prefixed):
    """1019 → ``EmptyResponse``."""


@dataclass(frozen=True, slots=True)
class CacheGetSize(_Prefixed):
    """1020 → ``LongResponse``; peek modes 0 ALL, 1 NEAR, 2 PRIMARY, 3 BACKUP,
    4 ONHEAP, 5 OFFHEAP (empty = Ignite's default)."""

    peek_modes: tuple[int, ...] = ()


def _read_peek_modes(r: Reader) -> tuple[int, ...]:
    return tuple(r.u8() for _ in range(read_count(r)))


def _write_peek_modes(w: Writer, modes: tuple[int, ...]) -> None:
    w.i32(len(modes))
    for mode in modes:
        w.u8(mode)


@dataclass(frozen=True, slots=True)
class CacheLocalPeek(_Key):
    """1021 → ``ObjectResponse``.

    Ignite reads only the key; pyignite appends peek modes (``i32 n``, n bytes), so
    they are optional here: ``None`` means the body ends after the key.
    """

    peek_modes: tuple[int, ...] | None = None


def _read_local_peek(r: Reader) -> tuple[Any, ...]:
    key = read_obj(r)
    return (key, _read_peek_modes(r) if r.remaining() else None)


def _write_local_peek(w: Writer, m: CacheLocalPeek) -> None:
    write_obj(w, m.key)
    if m.peek_modes is not None:
        _write_peek_modes(w, m.peek_modes)


decode_cache_get, encode_cache_get = _codec(CacheGet, _read_key, _write_key)
decode_cache_put, encode_cache_put = _codec(CachePut, _read_two, _write_key_value)
decode_cache_put_if_absent, encode_cache_put_if_absent = _codec(
    CachePutIfAbsent, _read_two, _write_key_value
)
decode_cache_get_all, encode_cache_get_all = _codec(
    CacheGetAll, _read_keys, _write_keys
)
decode_cache_put_all, encode_cache_put_all = _codec(
    CachePutAll, _read_entries, _write_entries
)
decode_cache_get_and_put, encode_cache_get_and_put = _codec(
    CacheGetAndPut, _read_two, _write_key_value
)
decode_cache_get_and_replace, encode_cache_get_and_replace = _codec(
    CacheGetAndReplace, _read_two, _write_key_value
)
decode_cache_get_and_remove, encode_cache_get_and_remove = _codec(
    CacheGetAndRemove, _read_key, _write_key
)
decode_cache_get_and_put_if_absent, encode_cache_get_and_put_if_absent = _codec(
    CacheGetAndPutIfAbsent, _read_two, _write_key_value
)
decode_cache_replace, encode_cache_replace = _codec(
    CacheReplace, _read_two, _write_key_value
)
decode_cache_replace_if_equals, encode_cache_replace_if_equals = _codec(
    CacheReplaceIfEquals, _read_three, _write_key_expected_value
)
decode_cache_contains_key, encode_cache_contains_key = _codec(
    CacheContainsKey, _read_key, _write_key
)
decode_cache_contains_keys, encode_cache_contains_keys = _codec(
    CacheContainsKeys, _read_keys, _write_keys
)
decode_cache_clear, encode_cache_clear = _codec(
    CacheClear, _read_nothing, _write_nothing
)
decode_cache_clear_key, encode_cache_clear_key = _codec(
    CacheClearKey, _read_key, _write_key
)
decode_cache_clear_keys, encode_cache_clear_keys = _codec(
    CacheClearKeys, _read_keys, _write_keys
)
decode_cache_remove_key, encode_cache_remove_key = _codec(
    CacheRemoveKey, _read_key, _write_key
)
decode_cache_remove_if_equals, encode_cache_remove_if_equals = _codec(
    CacheRemoveIfEquals, _read_two, _write_key_expected
)
decode_cache_remove_keys, encode_cache_remove_keys = _codec(
    CacheRemoveKeys, _read_keys, _write_keys
)
decode_cache_remove_all, encode_cache_remove_all = _codec(
    CacheRemoveAll, _read_nothing, _write_nothing
)
decode_cache_get_size, encode_cache_get_size = _codec(
    CacheGetSize,
    lambda r: (_read_peek_modes(r),),
    lambda w, m: _write_peek_modes(w, m.peek_modes),
)
decode_cache_local_peek, encode_cache_local_peek = _codec(
    CacheLocalPeek, _read_local_peek, _write_local_peek
)


@dataclass(frozen=True, slots=True)
class CacheGetAllResponse:
    """1003 response: the (key, value) pairs that exist, as encoded objects."""

    entries: tuple[tuple[bytes, bytes], ...]


def decode_cache_get_all_response(
    body: Buffer, ctx: ProtocolContext
) -> CacheGetAllResponse:
    r = Reader(body)
    entries = read_entries(r)
    expect_end(r)
    return CacheGetAllResponse(entries)


def encode_cache_get_all_response(
    msg: CacheGetAllResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    write_entries(w, msg.entries)
    return w.getvalue()

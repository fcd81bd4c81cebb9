"""Key-value operations of one cache (ops 1000-1021) as flows.

Owns one flow per ``Cache``/``AioCache`` key-value method. Each encodes its keys and
values (registering complex-object classes first), builds the cache prefix (expiry
policy, the current transaction), routes keyed requests to the key's primary node
and decodes the answer. Imports ``embergrid.protocol`` and ``embergrid.errors``; no I/O.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from embergrid.client.flows._call import Call, Flow
from embergrid.client.flows._state import CURRENT_TX, CacheRef, ClientState, current_tx
from embergrid.client.flows.query import sql_cache_id
from embergrid.client.flows.routing import key_node
from embergrid.client.flows.values import (
    SCALARS,
    decode_value,
    decode_values,
    encode_value,
    encode_values,
    known_value,
    register_classes,
)
from embergrid.errors import ParameterError, ParameterTypeError
from embergrid.protocol.binary.objects import UnknownBinaryType
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.messages import cache as kv

__all__ = [
    "best_node",
    "cache_clear",
    "cache_clear_key",
    "cache_clear_keys",
    "cache_contains_key",
    "cache_contains_keys",
    "cache_get",
    "cache_get_all",
    "cache_get_and_put",
    "cache_get_and_put_if_absent",
    "cache_get_and_remove",
    "cache_get_and_replace",
    "cache_get_size",
    "cache_put",
    "cache_put_all",
    "cache_put_all_batches",
    "cache_put_if_absent",
    "cache_remove_all",
    "cache_remove_if_equals",
    "cache_remove_key",
    "cache_remove_keys",
    "cache_replace",
    "cache_replace_if_equals",
]


def _send(
    state: ClientState,
    cache: CacheRef,
    op: Op,
    build: Callable[[kv.CachePrefix], Any],
    key: bytes | None = None,
) -> Flow[Any]:
    """Yield one cache request (in the current tx, or routed by ``key``)."""
    tx = current_tx(state)
    if tx is not None:
        prefix = kv.CachePrefix(cache.cache_id, 0, cache.expiry, tx.tx_id)
        reply = yield Call(op, build(prefix), conn=tx.conn)
        return reply.message
    node = None
    if key is not None and state.routing:
        node = yield from key_node(state, cache.cache_id, key)
    reply = yield Call(op, build(cache.prefix), node=node)
    return reply.message


def _key_op(
    state: ClientState, cache: CacheRef, op: Op, key: Any, key_hint: object
) -> Flow[Any]:
    if type(key) not in SCALARS:
        yield from register_classes(state, key)
    k = encode_value(key, key_hint)
    if not state.routing and CURRENT_TX.get() is None:  # the common case: one call
        reply = yield Call(op, _KEY_MSG[op](cache.prefix, k))
        return reply.message
    return (yield from _send(state, cache, op, lambda p: _KEY_MSG[op](p, k), k))


def _kv_op(
    state: ClientState,
    cache: CacheRef,
    op: Op,
    key: Any,
    value: Any,
    key_hint: object,
    value_hint: object,
) -> Flow[Any]:
    if type(key) not in SCALARS or type(value) not in SCALARS:
        yield from register_classes(state, key, value)
    k, v = encode_value(key, key_hint), encode_value(value, value_hint)
    if not state.routing and CURRENT_TX.get() is None:  # the common case: one call
        reply = yield Call(op, _KV_MSG[op](cache.prefix, k, v))
        return reply.message
    return (yield from _send(state, cache, op, lambda p: _KV_MSG[op](p, k, v), k))


def _encode_keys(keys: Iterable[Any]) -> tuple[bytes, ...]:
    if isinstance(keys, str | bytes) or not isinstance(keys, Iterable):
        raise ParameterError("keys must be an iterable of keys")
    return tuple(encode_values(keys))


_KEY_MSG: dict[Op, Callable[[kv.CachePrefix, bytes], Any]] = {
    Op.CACHE_GET: kv.CacheGet,
    Op.CACHE_GET_AND_REMOVE: kv.CacheGetAndRemove,
    Op.CACHE_CONTAINS_KEY: kv.CacheContainsKey,
    Op.CACHE_CLEAR_KEY: kv.CacheClearKey,
    Op.CACHE_REMOVE_KEY: kv.CacheRemoveKey,
}

_KV_MSG: dict[Op, Callable[[kv.CachePrefix, bytes, bytes], Any]] = {
    Op.CACHE_PUT: kv.CachePut,
    Op.CACHE_PUT_IF_ABSENT: kv.CachePutIfAbsent,
    Op.CACHE_GET_AND_PUT: kv.CacheGetAndPut,
    Op.CACHE_GET_AND_REPLACE: kv.CacheGetAndReplace,
    Op.CACHE_GET_AND_PUT_IF_ABSENT: kv.CacheGetAndPutIfAbsent,
    Op.CACHE_REPLACE: kv.CacheReplace,
    Op.CACHE_REMOVE_IF_EQUALS: kv.CacheRemoveIfEquals,
}


def best_node(
    state: ClientState, cache: Any, key: Any = None, key_hint: object = None
) -> Flow[uuid.UUID | None]:
    """The node holding the primary copy of ``key`` in ``cache`` (a cache, its name
    or id), as keyed requests are routed; None without a key or routing."""
    if key is None or not state.routing:
        return None
    if type(key) not in SCALARS:
        yield from register_classes(state, key)
    k = encode_value(key, key_hint)
    return (yield from key_node(state, sql_cache_id(cache), k))


# -- single key -----------------------------------------------------------------


def cache_get(
    state: ClientState, cache: CacheRef, key: Any, key_hint: object = None
) -> Flow[Any]:
    resp = yield from _key_op(state, cache, Op.CACHE_GET, key, key_hint)
    try:  # known types need no nested flow
        return known_value(state, resp.value)
    except UnknownBinaryType:
        return (yield from decode_value(state, resp.value))


def cache_get_and_remove(
    state: ClientState, cache: CacheRef, key: Any, key_hint: object = None
) -> Flow[Any]:
    resp = yield from _key_op(state, cache, Op.CACHE_GET_AND_REMOVE, key, key_hint)
    try:  # known types need no nested flow
        return known_value(state, resp.value)
    except UnknownBinaryType:
        return (yield from decode_value(state, resp.value))


def cache_contains_key(
    state: ClientState, cache: CacheRef, key: Any, key_hint: object = None
) -> Flow[bool]:
    resp = yield from _key_op(state, cache, Op.CACHE_CONTAINS_KEY, key, key_hint)
    return bool(resp.value)


def cache_clear_key(
    state: ClientState, cache: CacheRef, key: Any, key_hint: object = None
) -> Flow[None]:
    yield from _key_op(state, cache, Op.CACHE_CLEAR_KEY, key, key_hint)


def cache_remove_key(
    state: ClientState, cache: CacheRef, key: Any, key_hint: object = None
) -> Flow[bool]:
    resp = yield from _key_op(state, cache, Op.CACHE_REMOVE_KEY, key, key_hint)
    return bool(resp.value)


# -- key and value --------------------------------------------------------------


def cache_put(
    state: ClientState,
    cache: CacheRef,
    key: Any,
    value: Any,
    key_hint: object = None,
    value_hint: object = None,
) -> Flow[None]:
    yield from _kv_op(state, cache, Op.CACHE_PUT, key, value, key_hint, value_hint)


def cache_put_if_absent(
    state: ClientState,
    cache: CacheRef,
    key: Any,
    value: Any,
    key_hint: object = None,
    value_hint: object = None,
) -> Flow[bool]:
    resp = yield from _kv_op(
        state, cache, Op.CACHE_PUT_IF_ABSENT, key, value, key_hint, value_hint
    )
    return bool(resp.value)


def _kv_object(
    state: ClientState,
    cache: CacheRef,
    op: Op,
    key: Any,
    value: Any,
    key_hint: object,
    value_hint: object,
) -> Flow[Any]:
    resp = yield from _kv_op(state, cache, op, key, value, key_hint, value_hint)
    try:  # known types need no nested flow
        return known_value(state, resp.value)
    except UnknownBinaryType:
        return (yield from decode_value(state, resp.value))


def cache_get_and_put(
    state: ClientState,
    cache: CacheRef,
    key: Any,
    value: Any,
    key_hint: object = None,
    value_hint: object = None,
) -> Flow[Any]:
    return (
        yield from _kv_object(
            state, cache, Op.CACHE_GET_AND_PUT, key, value, key_hint, value_hint
        )
    )


def cache_get_and_replace(
    state: ClientState,
    cache: CacheRef,
    key: Any,
    value: Any,
    key_hint: object = None,
    value_hint: object = None,
) -> Flow[Any]:
    return (
        yield from _kv_object(
            state, cache, Op.CACHE_GET_AND_REPLACE, key, value, key_hint, value_hint
        )
    )


def cache_get_and_put_if_absent(
    state: ClientState,
    cache: CacheRef,
    key: Any,
    value: Any,
    key_hint: object = None,
    value_hint: object = None,
) -> Flow[Any]:
    op = Op.CACHE_GET_AND_PUT_IF_ABSENT
    return (yield from _kv_object(state, cache, op, key, value, key_hint, value_hint))


def cache_replace(
    state: ClientState,
    cache: CacheRef,
    key: Any,
    value: Any,
    key_hint: object = None,
    value_hint: object = None,
) -> Flow[bool]:
    resp = yield from _kv_op(
        state, cache, Op.CACHE_REPLACE, key, value, key_hint, value_hint
    )
    return bool(resp.value)


def cache_remove_if_equals(
    state: ClientState,
    cache: CacheRef,
    key: Any,
    sample: Any,
    key_hint: object = None,
    sample_hint: object = None,
) -> Flow[bool]:
    resp = yield from _kv_op(
        state, cache, Op.CACHE_REMOVE_IF_EQUALS, key, sample, key_hint, sample_hint
    )
    return bool(resp.value)


def cache_replace_if_equals(
    state: ClientState,
    cache: CacheRef,
    key: Any,
    sample: Any,
    value: Any,
    key_hint: object = None,
    sample_hint: object = None,
    value_hint: object = None,
) -> Flow[bool]:
    yield from register_classes(state, key, sample, value)
    k = encode_value(key, key_hint)
    s, v = encode_value(sample, sample_hint), encode_value(value, value_hint)
    resp = yield from _send(
        state,
        cache,
        Op.CACHE_REPLACE_IF_EQUALS,
        lambda p: kv.CacheReplaceIfEquals(p, k, s, v),
        k,
    )
    return bool(resp.value)


# -- many keys ------------------------------------------------------------------


def cache_get_all(
    state: ClientState, cache: CacheRef, keys: Iterable[Any]
) -> Flow[dict[Any, Any]]:
    keys = list(keys) if not isinstance(keys, list | tuple) else keys
    yield from register_classes(state, keys)
    encoded = _encode_keys(keys)
    resp = yield from _send(
        state, cache, Op.CACHE_GET_ALL, lambda p: kv.CacheGetAll(p, encoded)
    )
    flat = yield from decode_values(state, [o for pair in resp.entries for o in pair])
    return dict(zip(flat[::2], flat[1::2], strict=True))


def cache_put_all(
    state: ClientState, cache: CacheRef, pairs: dict[Any, Any]
) -> Flow[None]:
    if not isinstance(pairs, dict):
        raise ParameterTypeError("pairs must be a dict")
    yield from register_classes(state, pairs)
    keys, values = encode_values(pairs.keys()), encode_values(pairs.values())
    entries = tuple(zip(keys, values, strict=True))
    yield from _send(
        state, cache, Op.CACHE_PUT_ALL, lambda p: kv.CachePutAll(p, entries)
    )


def cache_put_all_batches(
    state: ClientState, cache: CacheRef, pairs: Any, batch_size: int
) -> Iterator[Flow[None]]:
    """``cache_put_all`` flows of ``batch_size`` entries each, taken lazily from
    ``pairs`` (a mapping, or an iterable of (key, value) pairs): the pipelined
    loader's batches. Not inside a transaction (its calls are pinned to the
    transaction's connection, and batches may be applied in any order)."""
    if batch_size < 1:
        raise ParameterError("batch_size must be at least 1")
    if current_tx(state) is not None:
        raise ParameterError(
            "put_all_streamed cannot run inside a transaction: use put_all"
        )
    items = iter(pairs.items() if isinstance(pairs, Mapping) else pairs)
    while batch := dict(itertools.islice(items, batch_size)):
        yield cache_put_all(state, cache, batch)


def _keys_op(
    state: ClientState, cache: CacheRef, op: Op, keys: Iterable[Any]
) -> Flow[Any]:
    keys = list(keys) if not isinstance(keys, list | tuple) else keys
    yield from register_classes(state, keys)
    encoded = _encode_keys(keys)
    return (yield from _send(state, cache, op, lambda p: _KEYS_MSG[op](p, encoded)))


_KEYS_MSG: dict[Op, Callable[[kv.CachePrefix, tuple[bytes, ...]], Any]] = {
    Op.CACHE_CONTAINS_KEYS: kv.CacheContainsKeys,
    Op.CACHE_CLEAR_KEYS: kv.CacheClearKeys,
    Op.CACHE_REMOVE_KEYS: kv.CacheRemoveKeys,
}


def cache_contains_keys(
    state: ClientState, cache: CacheRef, keys: Iterable[Any]
) -> Flow[bool]:
    resp = yield from _keys_op(state, cache, Op.CACHE_CONTAINS_KEYS, keys)
    return bool(resp.value)


def cache_clear_keys(
    state: ClientState, cache: CacheRef, keys: Iterable[Any]
) -> Flow[None]:
    yield from _keys_op(state, cache, Op.CACHE_CLEAR_KEYS, keys)


def cache_remove_keys(
    state: ClientState, cache: CacheRef, keys: Iterable[Any]
) -> Flow[None]:
    yield from _keys_op(state, cache, Op.CACHE_REMOVE_KEYS, keys)


# -- whole cache ------------------------------------------------------------------


def cache_clear(
    state: ClientState, cache: CacheRef, keys: Iterable[Any] | None = None
) -> Flow[None]:
    """Clear the cache, or only ``keys`` when given (pyignite's ``clear(keys)``)."""
    if keys:
        yield from cache_clear_keys(state, cache, keys)
        return
    yield from _send(state, cache, Op.CACHE_CLEAR, kv.CacheClear)


def cache_remove_all(state: ClientState, cache: CacheRef) -> Flow[None]:
    yield from _send(state, cache, Op.CACHE_REMOVE_ALL, kv.CacheRemoveAll)


def cache_get_size(
    state: ClientState, cache: CacheRef, peek_modes: Any = None
) -> Flow[int]:
    if peek_modes is None:
        modes: tuple[int, ...] = ()
    elif isinstance(peek_modes, int):
        modes = (int(peek_modes),)
    else:
        modes = tuple(int(m) for m in peek_modes)
    resp = yield from _send(
        state, cache, Op.CACHE_GET_SIZE, lambda p: kv.CacheGetSize(p, modes)
    )
    return int(resp.value)

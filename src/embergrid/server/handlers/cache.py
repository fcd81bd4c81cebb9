"""Handlers of the key-value ops 1000-1021 (reference §7.2).

Each handler unpacks the cache prefix (cache id; expiry durations from flag
0x04, which replace the cache's policy for this request; the tx id of flag
0x02, which runs the op inside that transaction of the connection:
``Session.kv``) and calls the matching key-value method. A bulk op naming
many keys outside a transaction never reaches these handlers: it is decoded,
run and answered on a worker thread (``server/bulk.py``). NULL keys and
values are refused with status 1, as Ignite does. Imports
``embergrid.protocol.messages``, the engine and ``embergrid.server``; never
asyncio.
"""

from __future__ import annotations

from embergrid.engine import EngineError
from embergrid.engine.peek import copies_counted
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.messages import cache as m
from embergrid.protocol.messages._fields import NULL_OBJECT
from embergrid.protocol.messages.general import (
    BoolResponse,
    EmptyResponse,
    LongResponse,
    ObjectResponse,
)
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session
from embergrid.server.topology import Topology
from embergrid.server.values import returned, stored

__all__: list[str] = []  # handlers are reached through the registry

_EMPTY = EmptyResponse()
_TRUE, _FALSE = BoolResponse(True), BoolResponse(False)
_NULL = ObjectResponse(NULL_OBJECT)


def _not_null(obj: bytes, name: str) -> bytes:
    """The object as stored; NULL is refused as Ignite does."""
    if obj == NULL_OBJECT:
        raise EngineError(StatusCode.FAILED, msgs.argument_null(name))
    return stored(obj)


def _all(objs: tuple[bytes, ...]) -> list[bytes]:
    return [stored(obj) for obj in objs]


def _obj(value: bytes | None) -> ObjectResponse:
    return _NULL if value is None else ObjectResponse(returned(value))


def _bool(value: bool) -> BoolResponse:
    return _TRUE if value else _FALSE


# -- reads ------------------------------------------------------------------------


@handler(Op.CACHE_GET)
def get(s: Session, r: m.CacheGet) -> ObjectResponse:
    p = r.prefix
    return _obj(s.kv(p.tx_id).get(p.cache_id, _not_null(r.key, "key"), p.expiry))


@handler(Op.CACHE_GET_ALL)
def get_all(s: Session, r: m.CacheGetAll) -> m.CacheGetAllResponse:
    p = r.prefix
    found = s.kv(p.tx_id).get_all(p.cache_id, _all(r.keys), p.expiry)
    return m.CacheGetAllResponse(tuple((returned(k), returned(v)) for k, v in found))


@handler(Op.CACHE_CONTAINS_KEY)
def contains_key(s: Session, r: m.CacheContainsKey) -> BoolResponse:
    p = r.prefix
    return _bool(
        s.kv(p.tx_id).contains_key(p.cache_id, _not_null(r.key, "key"), p.expiry)
    )


@handler(Op.CACHE_CONTAINS_KEYS)
def contains_keys(s: Session, r: m.CacheContainsKeys) -> BoolResponse:
    p = r.prefix
    return _bool(s.kv(p.tx_id).contains_keys(p.cache_id, _all(r.keys), p.expiry))


@handler(Op.CACHE_LOCAL_PEEK)
def local_peek(s: Session, r: m.CacheLocalPeek) -> ObjectResponse:
    p = r.prefix
    return _obj(s.kv(p.tx_id).local_peek(p.cache_id, _not_null(r.key, "key"), p.expiry))


@handler(Op.CACHE_GET_SIZE)
def get_size(s: Session, r: m.CacheGetSize) -> LongResponse:
    """Entries times the copies the peek modes count on the live nodes."""
    p = r.prefix
    entries = s.kv(p.tx_id).get_size(p.cache_id, (), p.expiry)
    config = s.engine.caches.handle(p.cache_id).config
    copies = copies_counted(r.peek_modes, Topology(s.engine).backups(config))
    return LongResponse(entries * copies)


# -- single-key writes ----------------------------------------------------------------


@handler(Op.CACHE_PUT)
def put(s: Session, r: m.CachePut) -> EmptyResponse:
    p = r.prefix
    key, value = _not_null(r.key, "key"), _not_null(r.value, "val")
    s.kv(p.tx_id).put(p.cache_id, key, value, p.expiry)
    return _EMPTY


@handler(Op.CACHE_PUT_IF_ABSENT)
def put_if_absent(s: Session, r: m.CachePutIfAbsent) -> BoolResponse:
    p = r.prefix
    key, value = _not_null(r.key, "key"), _not_null(r.value, "val")
    return _bool(s.kv(p.tx_id).put_if_absent(p.cache_id, key, value, p.expiry))


@handler(Op.CACHE_GET_AND_PUT)
def get_and_put(s: Session, r: m.CacheGetAndPut) -> ObjectResponse:
    p = r.prefix
    key, value = _not_null(r.key, "key"), _not_null(r.value, "val")
    return _obj(s.kv(p.tx_id).get_and_put(p.cache_id, key, value, p.expiry))


@handler(Op.CACHE_GET_AND_REPLACE)
def get_and_replace(s: Session, r: m.CacheGetAndReplace) -> ObjectResponse:
    p = r.prefix
    key, value = _not_null(r.key, "key"), _not_null(r.value, "val")
    return _obj(s.kv(p.tx_id).get_and_replace(p.cache_id, key, value, p.expiry))


@handler(Op.CACHE_GET_AND_REMOVE)
def get_and_remove(s: Session, r: m.CacheGetAndRemove) -> ObjectResponse:
    p = r.prefix
    return _obj(
        s.kv(p.tx_id).get_and_remove(p.cache_id, _not_null(r.key, "key"), p.expiry)
    )


@handler(Op.CACHE_GET_AND_PUT_IF_ABSENT)
def get_and_put_if_absent(s: Session, r: m.CacheGetAndPutIfAbsent) -> ObjectResponse:
    p = r.prefix
    key, value = _not_null(r.key, "key"), _not_null(r.value, "val")
    return _obj(s.kv(p.tx_id).get_and_put_if_absent(p.cache_id, key, value, p.expiry))


@handler(Op.CACHE_REPLACE)
def replace(s: Session, r: m.CacheReplace) -> BoolResponse:
    p = r.prefix
    key, value = _not_null(r.key, "key"), _not_null(r.value, "val")
    return _bool(s.kv(p.tx_id).replace(p.cache_id, key, value, p.expiry))


@handler(Op.CACHE_REPLACE_IF_EQUALS)
def replace_if_equals(s: Session, r: m.CacheReplaceIfEquals) -> BoolResponse:
    p = r.prefix
    key = _not_null(r.key, "key")
    expected, value = _not_null(r.expected, "oldVal"), _not_null(r.value, "newVal")
    return _bool(
        s.kv(p.tx_id).replace_if_equals(p.cache_id, key, expected, value, p.expiry)
    )


@handler(Op.CACHE_REMOVE_KEY)
def remove_key(s: Session, r: m.CacheRemoveKey) -> BoolResponse:
    p = r.prefix
    return _bool(
        s.kv(p.tx_id).remove_key(p.cache_id, _not_null(r.key, "key"), p.expiry)
    )


@handler(Op.CACHE_REMOVE_IF_EQUALS)
def remove_if_equals(s: Session, r: m.CacheRemoveIfEquals) -> BoolResponse:
    p = r.prefix
    key, expected = _not_null(r.key, "key"), _not_null(r.expected, "oldVal")
    return _bool(s.kv(p.tx_id).remove_if_equals(p.cache_id, key, expected, p.expiry))


@handler(Op.CACHE_CLEAR_KEY)
def clear_key(s: Session, r: m.CacheClearKey) -> EmptyResponse:
    p = r.prefix
    s.kv(p.tx_id).clear_key(p.cache_id, _not_null(r.key, "key"), p.expiry)
    return _EMPTY


# -- multi-key writes ----------------------------------------------------------------


@handler(Op.CACHE_PUT_ALL)
def put_all(s: Session, r: m.CachePutAll) -> EmptyResponse:
    p = r.prefix
    entries = [(stored(k), stored(v)) for k, v in r.entries]
    s.kv(p.tx_id).put_all(p.cache_id, entries, p.expiry)
    return _EMPTY


@handler(Op.CACHE_CLEAR_KEYS)
def clear_keys(s: Session, r: m.CacheClearKeys) -> EmptyResponse:
    p = r.prefix
    s.kv(p.tx_id).clear_keys(p.cache_id, _all(r.keys), p.expiry)
    return _EMPTY


@handler(Op.CACHE_REMOVE_KEYS)
def remove_keys(s: Session, r: m.CacheRemoveKeys) -> EmptyResponse:
    p = r.prefix
    s.kv(p.tx_id).remove_keys(p.cache_id, _all(r.keys), p.expiry)
    return _EMPTY


@handler(Op.CACHE_CLEAR)
def clear(s: Session, r: m.CacheClear) -> EmptyResponse:
    p = r.prefix
    s.kv(p.tx_id).clear(p.cache_id, p.expiry)
    return _EMPTY


@handler(Op.CACHE_REMOVE_ALL)
def remove_all(s: Session, r: m.CacheRemoveAll) -> EmptyResponse:
    p = r.prefix
    s.kv(p.tx_id).remove_all(p.cache_id, p.expiry)
    return _EMPTY

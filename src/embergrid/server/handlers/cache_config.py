"""Handlers of cache management, ops 1050-1056 (reference §7.3).

Create / get-or-create by name or by configuration, names, configuration read
back exactly as stored, destroy. A create or destroy that changes the set of
caches bumps the node's affinity topology version (reference §4.3), so clients
refresh their partition maps. Imports ``embergrid.protocol``, the engine and
``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import EngineError
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import CacheConfiguration
from embergrid.protocol.messages import cache_config as m
from embergrid.protocol.messages.general import EmptyResponse
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session

__all__: list[str] = []  # handlers are reached through the registry

_EMPTY = EmptyResponse()


def _exists(s: Session, cid: int) -> bool:
    try:
        s.engine.caches.handle(cid)
    except EngineError:
        return False
    return True


def _create(s: Session, what: str | CacheConfiguration | None, *, new: bool) -> None:
    if what is None:
        raise EngineError(StatusCode.FAILED, msgs.argument_null("cacheName"))
    name = what if isinstance(what, str) else what.name
    existed = not new and _exists(s, cache_id(name))
    if new:
        s.engine.caches.create(what)
    else:
        s.engine.caches.get_or_create(what)
    if not existed:
        s.node.bump_topology()


@handler(Op.CACHE_GET_NAMES)
def get_names(s: Session, r: m.CacheGetNames) -> m.CacheGetNamesResponse:
    return m.CacheGetNamesResponse(tuple(s.engine.caches.names()))


@handler(Op.CACHE_CREATE_WITH_NAME)
def create_with_name(s: Session, r: m.CacheCreateWithName) -> EmptyResponse:
    _create(s, r.name, new=True)
    return _EMPTY


@handler(Op.CACHE_GET_OR_CREATE_WITH_NAME)
def get_or_create_with_name(s: Session, r: m.CacheGetOrCreateWithName) -> EmptyResponse:
    _create(s, r.name, new=False)
    return _EMPTY


@handler(Op.CACHE_CREATE_WITH_CONFIGURATION)
def create_with_configuration(
    s: Session, r: m.CacheCreateWithConfiguration
) -> EmptyResponse:
    _create(s, r.config, new=True)
    return _EMPTY


@handler(Op.CACHE_GET_OR_CREATE_WITH_CONFIGURATION)
def get_or_create_with_configuration(
    s: Session, r: m.CacheGetOrCreateWithConfiguration
) -> EmptyResponse:
    _create(s, r.config, new=False)
    return _EMPTY


@handler(Op.CACHE_GET_CONFIGURATION)
def get_configuration(
    s: Session, r: m.CacheGetConfiguration
) -> m.CacheGetConfigurationResponse:
    return m.CacheGetConfigurationResponse(
        s.engine.caches.configuration(r.prefix.cache_id)
    )


@handler(Op.CACHE_DESTROY)
def destroy(s: Session, r: m.CacheDestroy) -> EmptyResponse:
    s.engine.caches.destroy(r.cache_id)
    s.node.bump_topology()
    return _EMPTY

"""Cache management (ops 1050-1056) and cluster state (5000/5001) as flows.

Owns creating, getting, listing and destroying caches, reading a cache's settings,
and the cluster state calls, each with the exception class pyignite raises for it.
Imports ``embergrid.protocol`` and ``embergrid.errors``; no I/O.
"""

from __future__ import annotations

from typing import Any

from embergrid.client.flows._call import Call, Flow
from embergrid.client.flows._settings import parse_settings, settings_dict
from embergrid.client.flows._state import CacheRef, ClientState
from embergrid.errors import (
    CacheCreationError,
    CacheError,
    ClusterError,
    ParameterError,
)
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.messages import cache_config as cc
from embergrid.protocol.messages import cluster
from embergrid.protocol.messages.cache import CachePrefix

__all__ = [
    "cache_destroy",
    "cache_name",
    "cache_names",
    "cache_settings",
    "cluster_get_state",
    "cluster_set_state",
    "create_cache",
    "get_or_create_cache",
]


def _create(settings: str | dict[int, Any], if_absent: bool) -> Flow[str]:
    name, config, codes = parse_settings(settings)
    msg: Any
    if config is None:
        op = (
            Op.CACHE_GET_OR_CREATE_WITH_NAME if if_absent else Op.CACHE_CREATE_WITH_NAME
        )
        msg = (cc.CacheGetOrCreateWithName if if_absent else cc.CacheCreateWithName)(
            name
        )
    elif if_absent:
        op = Op.CACHE_GET_OR_CREATE_WITH_CONFIGURATION
        msg = cc.CacheGetOrCreateWithConfiguration(config, codes)
    else:
        op = Op.CACHE_CREATE_WITH_CONFIGURATION
        msg = cc.CacheCreateWithConfiguration(config, codes)
    yield Call(op, msg, error=CacheCreationError)
    return name


def create_cache(settings: str | dict[int, Any]) -> Flow[str]:
    """Create a cache; ``CacheCreationError`` if it exists. Returns its name."""
    return (yield from _create(settings, False))


def get_or_create_cache(settings: str | dict[int, Any]) -> Flow[str]:
    """Create a cache unless it exists. Returns its name."""
    return (yield from _create(settings, True))


def cache_name(settings: str | dict[int, Any]) -> str:
    """The name ``get_cache`` takes: a name or ``{PROP_NAME: name}`` only."""
    name, config, _ = parse_settings(settings)
    if config is not None:
        raise ParameterError("Only cache name allowed as a parameter")
    return name


def cache_names() -> Flow[list[str]]:
    reply = yield Call(Op.CACHE_GET_NAMES, cc.CacheGetNames())
    return list(reply.message.names)


def cache_destroy(cache: CacheRef) -> Flow[None]:
    yield Call(Op.CACHE_DESTROY, cc.CacheDestroy(cache.cache_id))


def cache_settings(cache: CacheRef) -> Flow[dict[int, Any]]:
    reply = yield Call(
        Op.CACHE_GET_CONFIGURATION,
        cc.CacheGetConfiguration(CachePrefix(cache.cache_id)),
        error=CacheError,
    )
    return settings_dict(reply.message.config)


def cluster_get_state(state: ClientState) -> Flow[int]:
    reply = yield Call(
        Op.CLUSTER_GET_STATE, cluster.ClusterGetState(), error=ClusterError
    )
    return int(reply.message.state)


def cluster_set_state(state: ClientState, new_state: int) -> Flow[None]:
    yield Call(
        Op.CLUSTER_CHANGE_STATE,
        cluster.ClusterChangeState(int(new_state)),
        error=ClusterError,
    )

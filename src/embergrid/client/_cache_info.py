"""``CacheInfo``: what pyignite's caches and cursors give as ``cache_info``.

Owns the small public value (cache id, expiry policy, the client's protocol context)
with pyignite's field names, and ``cache_info_of``, which builds it for
``Client.sql(cache=...)``. The flows name caches with ``flows._state.CacheRef``
instead; this is only what users read. Pure; imports ``embergrid.datatypes``,
``embergrid.protocol`` and ``client.flows.query``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embergrid.client.flows.query import sql_cache_id
from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.protocol.messages.context import ProtocolContext

__all__ = ["CacheInfo", "cache_info_of"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheInfo:
    """Cache meta info: id, expiry policy and the client's protocol context.

    :ivar cache_id: cache ID (0 for an SQL query not bound to a cache),
    :ivar expiry_policy: the expiry policy of the operations, or None,
    :ivar protocol_context: the client's protocol context when it was taken.
    """

    cache_id: int = 0
    expiry_policy: ExpiryPolicy | None = None
    protocol_context: ProtocolContext | None


def cache_info_of(cache: Any, protocol_context: ProtocolContext | None) -> CacheInfo:
    """The ``cache_info`` of an SQL query run with ``cache=...`` (a name, an id, a
    cache or None)."""
    return CacheInfo(cache_id=sql_cache_id(cache), protocol_context=protocol_context)

"""Per-cache-group WAL state (ops 5002 CHANGE_WAL_STATE / 5003 GET_WAL_STATE).

Owns ``Wal``. A persistent cluster (``embergrid serve --persistence``) is
embergrid's counterpart of Ignite native persistence: its caches start with the
WAL enabled and 5002 can switch it per cache group (a cache without
``group_name`` is a group of its own). A cluster without persistence (in
memory, with or without a data dir) answers 5003 False and refuses 5002. The
disabled flag is a ``meta`` row keyed by the group's name; ``Caches.destroy``
drops it with the group's last cache.

Behaviour observed on the Ignite 2.18 reference node
(tests/compat/test_diff_rare_ops.py):

* 5002 accepts a cache name or a cache-group name; a cache that shares its group
  with other caches can only be switched through the group's name; it answers
  whether the state changed.
* 5003 accepts cache names only and answers the state of the cache's group.
* The error texts are in ``engine.messages`` (``wal_*``); multi-name lists come
  out in ``java.util.HashSet`` order.

Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from embergrid.engine import messages
from embergrid.engine.caches import CacheHandle, Caches, wal_key
from embergrid.engine.errors import EngineError
from embergrid.engine.store import Store
from embergrid.protocol.binary import hashing
from embergrid.protocol.binary.java_values import JavaHashTable
from embergrid.protocol.codes import StatusCode

__all__ = ["Wal"]


def _group(h: CacheHandle) -> str:
    return h.config.group_name if h.config.group_name is not None else h.name


def _hash_set_order(names: list[str]) -> list[str]:
    """``names`` in the iteration order of a ``new HashSet<>()`` filled with them."""
    table: JavaHashTable[str] = JavaHashTable(0)
    for name in names:
        table.put(hashing.java_string_hash(name), name, name)
    return [entry.payload for entry in table.entries()]


def _failed(text: str) -> EngineError:
    return EngineError(StatusCode.FAILED, text)


class Wal:
    """WAL switches of every cache group in one store."""

    def __init__(self, store: Store, caches: Caches, persistent: bool) -> None:
        self._store = store
        self._caches = caches
        self._persistent = persistent

    @property
    def persistent(self) -> bool:
        """True when the cluster has native persistence (``Engine.persistent``)."""
        return self._persistent

    def _by_name(self, name: str) -> CacheHandle | None:
        try:
            h = self._caches.handle(hashing.cache_id(name))
        except EngineError:
            return None
        return h if h.name == name else None  # another name with the same hash

    def _enabled(self, group: str) -> bool:
        return self._store.meta_get(wal_key(group)) is None

    def is_enabled(self, cache_name: str | None) -> bool:
        """Op 5003: the WAL state of the cache's group (False without persistence)."""
        if cache_name is None:
            raise _failed(messages.WAL_NULL_CACHE_NAME)
        h = self._by_name(cache_name)
        if h is None:
            raise _failed(messages.wal_cache_not_found(cache_name))
        return self.persistent and self._enabled(_group(h))

    def change(self, cache_or_group: str | None, enable: bool) -> bool:
        """Op 5002: switch the WAL of a cache (alone in its group) or a group;
        True when the state changed."""
        if cache_or_group is None:
            raise _failed(messages.WAL_NULL_CACHE_OR_GROUP)
        handles = self._caches.all_handles()
        members = [h for h in handles if h.config.group_name == cache_or_group]
        if members:
            group = cache_or_group
        else:
            h = self._by_name(cache_or_group)
            if h is None:
                raise _failed(messages.wal_cache_does_not_exist(cache_or_group))
            group = _group(h)
            members = [x for x in handles if _group(x) == group]
            missing = [x.name for x in members if x.name != h.name]
            if missing:
                raise _failed(
                    messages.wal_group_incomplete(group, _hash_set_order(missing))
                )
        if not self.persistent:
            names = _hash_set_order([h.name for h in members])
            region = members[0].config.data_region_name
            raise _failed(messages.wal_not_persistent(names, region))
        if self._enabled(group) == enable:
            return False
        key = wal_key(group)
        if enable:
            self._store.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._store.meta_set(key, 1)
        return True

"""The cache registry: create, look up, configure and destroy caches (ops 1050-1056).

Owns ``Caches`` and ``CacheHandle`` and ``java_string_hash`` (cache id = Java
``String.hashCode`` of the name, reference §7.2). The registry lives in the
``caches`` table; the per-process ``_handles`` dict is only a cache of it:
a miss re-reads the table (a cache another node created), and a handle whose
entry table was dropped by another node is forgotten on first use
(``forget``) and re-read. Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from embergrid.engine import messages
from embergrid.engine._codec import decode_config, encode_config
from embergrid.engine.cluster import Cluster
from embergrid.engine.entries import EntrySql
from embergrid.engine.errors import EngineError
from embergrid.engine.store import Store
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import CacheConfiguration, ExpiryDurations

__all__ = ["CacheHandle", "Caches", "java_string_hash"]

_U16 = struct.Struct("<H")


def java_string_hash(s: str) -> int:
    """Java ``String.hashCode()``: ``h = 31*h + c`` over UTF-16 units, as int32."""
    h = 0
    for (unit,) in _U16.iter_unpack(s.encode("utf-16-le", "surrogatepass")):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - 0x1_0000_0000 if h & 0x8000_0000 else h


@dataclass(frozen=True, slots=True)
class CacheHandle:
    """What an op needs to know about one cache incarnation."""

    cache_id: int
    name: str
    config: CacheConfiguration
    table: str
    sql: EntrySql

    @property
    def expiry(self) -> ExpiryDurations | None:
        return self.config.expiry_policy


class Caches:
    """Every cache of the cluster, as recorded in the shared store."""

    def __init__(self, store: Store, cluster: Cluster) -> None:
        self._store = store
        self._cluster = cluster
        self._handles: dict[int, CacheHandle] = {}

    # -- lookup -------------------------------------------------------------

    def handle(self, cache_id: int) -> CacheHandle:
        """The cache with this id; raises ``EngineError(1000)`` if there is none."""
        h = self._handles.get(cache_id)
        return h if h is not None else self._load(cache_id)

    def _load(self, cache_id: int) -> CacheHandle:
        row = self._store.conn.execute(
            "SELECT name, config, tbl FROM caches WHERE cache_id = ?", (cache_id,)
        ).fetchone()
        if row is None:
            raise EngineError(
                StatusCode.CACHE_DOES_NOT_EXIST, messages.cache_not_found(cache_id)
            )
        name, config, tbl = row
        h = CacheHandle(
            cache_id, name, decode_config(config), tbl, EntrySql.for_table(tbl)
        )
        self._handles[cache_id] = h
        return h

    def forget(self, cache_id: int) -> None:
        """Drop the cached handle (its table vanished: destroyed by another node)."""
        self._handles.pop(cache_id, None)

    def names(self) -> list[str]:
        """Names of all caches, sorted."""
        self._cluster.check_read()
        rows = self._store.conn.execute("SELECT name FROM caches ORDER BY name")
        return [r[0] for r in rows]

    def configuration(self, cache_id: int) -> CacheConfiguration:
        """The configuration the cache was created with (always re-read)."""
        self._cluster.check_read()
        self.forget(cache_id)
        return self.handle(cache_id).config

    # -- create / destroy ---------------------------------------------------

    def create(self, what: str | CacheConfiguration) -> CacheHandle:
        """Create a cache; ``EngineError(1001)`` if one with that name exists."""
        return self._create(_config(what), must_be_new=True)

    def get_or_create(self, what: str | CacheConfiguration) -> CacheHandle:
        """The cache with that name, created (with this configuration) if missing."""
        return self._create(_config(what), must_be_new=False)

    def _create(self, cfg: CacheConfiguration, *, must_be_new: bool) -> CacheHandle:
        cache_id = java_string_hash(cfg.name)
        self._cluster.check_read()
        with self._store.atomic() as conn:
            row = conn.execute(
                "SELECT name FROM caches WHERE cache_id = ?", (cache_id,)
            ).fetchone()
            if row is not None:
                if row[0] != cfg.name:
                    raise EngineError(
                        StatusCode.FAILED, messages.cache_id_conflict(cfg.name, row[0])
                    )
                if must_be_new:
                    raise EngineError(
                        StatusCode.CACHE_EXISTS, messages.cache_exists(cfg.name)
                    )
            else:
                self._cluster.check_write(cfg.name, "start cache", cfg.group_name)
                tbl = self._store.create_entry_table()
                conn.execute(
                    "INSERT INTO caches (cache_id, name, config, tbl)"
                    " VALUES (?, ?, ?, ?)",
                    (cache_id, cfg.name, encode_config(cfg), tbl),
                )
        self.forget(cache_id)
        return self.handle(cache_id)

    def destroy(self, cache_id: int) -> None:
        """Drop the cache and its entries; ``EngineError(1000)`` if unknown."""
        with self._store.atomic() as conn:
            row = conn.execute(
                "SELECT name, tbl FROM caches WHERE cache_id = ?", (cache_id,)
            ).fetchone()
            if row is None:
                raise EngineError(
                    StatusCode.CACHE_DOES_NOT_EXIST, messages.cache_not_found(cache_id)
                )
            self._cluster.check_write(row[0], "stop cache")
            conn.execute("DELETE FROM caches WHERE cache_id = ?", (cache_id,))
            self._store.drop_entry_table(row[1])
        self.forget(cache_id)

    def update_config(self, cache_id: int, cfg: CacheConfiguration) -> None:
        """Replace the stored configuration (SQL ``ALTER TABLE`` edits the entity)."""
        self._store.conn.execute(
            "UPDATE caches SET config = ? WHERE cache_id = ?",
            (encode_config(cfg), cache_id),
        )
        self.forget(cache_id)

    def all_handles(self) -> list[CacheHandle]:
        """A fresh handle for every cache (for bulk jobs such as expiry)."""
        rows = self._store.conn.execute(
            "SELECT cache_id, name, config, tbl FROM caches"
        )
        self._handles = {
            cid: CacheHandle(
                cid, name, decode_config(cfg), tbl, EntrySql.for_table(tbl)
            )
            for cid, name, cfg, tbl in rows
        }
        return list(self._handles.values())


def _config(what: str | CacheConfiguration) -> CacheConfiguration:
    return CacheConfiguration(name=what) if isinstance(what, str) else what

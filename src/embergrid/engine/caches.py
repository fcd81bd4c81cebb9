"""The cache registry: create, look up, configure and destroy caches (ops 1050-1056).

Owns ``Caches`` and ``CacheHandle`` (cache id = ``hashing.cache_id``, Java
``String.hashCode`` of the name, reference §7.2). The registry lives in the
``caches`` table; the per-process ``_handles`` dict is only a cache of it:
a miss re-reads the table (a cache another node created), and a handle whose
entry table was dropped by another node is forgotten on first use
(``forget``) and re-read. Must not import asyncio or ``embergrid.protocol.messages``.

A new cache's configuration is stored as Ignite 2.18 returns it (observed on the
reference node, tests/compat/test_diff_caches.py): a REPLICATED cache has
``backups = Integer.MAX_VALUE`` whatever was asked, and each query entity is
normalized as Ignite's ``QueryUtils.normalizeQueryEntity`` does (``_entity``):

* every query field without an alias gets one: the part after the field name's
  last ``.``; without ``sql_escape_all`` every field's alias is then upper-cased
  (Java ``toUpperCase``, quotes kept) and aliases of unknown fields are dropped;
  with it, sent aliases are kept as they are (unknown fields included);
* the aliases come out in ``java.util.HashMap`` order: ``new HashMap<>()`` filled in
  field order, or (escaped) ``new HashMap<>(sent)`` then the new ones;
* a missing table name is the value type's simple name (after the last ``.`` and
  ``$``); without ``sql_escape_all`` the table name is upper-cased;
* a missing index name is ``<table>_<field>_<asc|desc>_..._idx`` in lower case;
  without ``sql_escape_all`` every index name is upper-cased.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from embergrid.engine import messages
from embergrid.engine._codec import decode_config, encode_config
from embergrid.engine.cluster import Cluster
from embergrid.engine.entries import EntrySql
from embergrid.engine.errors import EngineError
from embergrid.engine.partitions import partition_count
from embergrid.engine.store import Store
from embergrid.protocol.binary import hashing
from embergrid.protocol.binary.java_values import JavaHashTable
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import (
    REPLICATED,
    CacheConfiguration,
    ExpiryDurations,
    QueryEntity,
    QueryIndex,
)

__all__ = ["CacheHandle", "Caches", "wal_key"]

_INT_MAX = 2**31 - 1
_DEFAULT_TABLE = 16  # new HashMap<>()


def wal_key(group: str) -> str:
    """The ``meta`` key marking the WAL of cache group ``group`` disabled (wal.py)."""
    return f"wal_disabled:{group}"


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
        h = _handle(cache_id, *row)
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
        self.forget(cache_id)
        h = self.handle(cache_id)  # an unknown cache first, as on Ignite
        self._cluster.check_read()
        return h.config

    # -- create / destroy ---------------------------------------------------

    def create(self, what: str | CacheConfiguration) -> CacheHandle:
        """Create a cache; ``EngineError(1001)`` if one with that name exists."""
        return self._create(as_ignite_stores_it(_config(what)), must_be_new=True)

    def get_or_create(self, what: str | CacheConfiguration) -> CacheHandle:
        """The cache with that name, created (with this configuration) if missing."""
        return self._create(as_ignite_stores_it(_config(what)), must_be_new=False)

    def _create(self, cfg: CacheConfiguration, *, must_be_new: bool) -> CacheHandle:
        cache_id = hashing.cache_id(cfg.name)
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
            group = self.handle(cache_id).config.group_name
            group = row[0] if group is None else group
            conn.execute("DELETE FROM caches WHERE cache_id = ?", (cache_id,))
            self._store.drop_entry_table(row[1])
            # the group's WAL switch (engine/wal.py), if any, goes with its last cache
            switch = conn.execute(
                "SELECT 1 FROM meta WHERE key = ?", (wal_key(group),)
            ).fetchone()
            if switch and not self._group_has_caches(group):
                conn.execute("DELETE FROM meta WHERE key = ?", (wal_key(group),))
        self.forget(cache_id)

    def _group_has_caches(self, group: str) -> bool:
        for cfg in self._store.conn.execute("SELECT config FROM caches"):
            c = decode_config(cfg[0])
            if (c.group_name if c.group_name is not None else c.name) == group:
                return True
        return False

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
        self._handles = {row[0]: _handle(*row) for row in rows}
        return list(self._handles.values())


def _handle(cache_id: int, name: str, config: str, tbl: str) -> CacheHandle:
    """The handle of a row of the ``caches`` table."""
    cfg = decode_config(config)
    sql = EntrySql.for_table(tbl, partition_count(cfg))
    return CacheHandle(cache_id, name, cfg, tbl, sql)


def _config(what: str | CacheConfiguration) -> CacheConfiguration:
    return CacheConfiguration(name=what) if isinstance(what, str) else what


# -- the configuration as Ignite stores it --------------------------------------


def as_ignite_stores_it(cfg: CacheConfiguration) -> CacheConfiguration:
    """``cfg`` as a new cache's configuration reads back from Ignite 2.18."""
    escape = cfg.sql_escape_all
    return replace(
        cfg,
        backups=_INT_MAX if cfg.cache_mode == REPLICATED else cfg.backups,
        query_entities=tuple(_entity(e, escape) for e in cfg.query_entities),
    )


def _entity(e: QueryEntity, escape: bool) -> QueryEntity:
    table = e.table_name if e.table_name is not None else _simple_name(e)
    if not escape:
        table = table.upper()
    return replace(
        e,
        table_name=table,
        field_name_aliases=_aliases(e, escape),
        query_indexes=tuple(_index(i, table, escape) for i in e.query_indexes),
    )


def _simple_name(e: QueryEntity) -> str:
    """``QueryUtils.typeName`` of the value type: no package, no enclosing class."""
    name = e.value_type_name or ""
    dot = name.rfind(".")
    if 0 <= dot < len(name) - 1:
        name = name[dot + 1 :]
    if name.endswith("[]"):
        name = name[:-2] + "_array"
    return name[name.rfind("$") + 1 :]


def _aliases(e: QueryEntity, escape: bool) -> tuple[tuple[str, str], ...]:
    sent = dict(e.field_name_aliases)
    pairs: dict[str, str] = dict(sent) if escape else {}
    for f in e.query_fields:
        alias = sent.get(f.name, f.name[f.name.rfind(".") + 1 :])
        pairs[f.name] = alias if escape else alias.upper()
    first = int(len(sent) / 0.75 + 1.0) if escape and sent else _DEFAULT_TABLE
    table: JavaHashTable[tuple[str, str]] = JavaHashTable(0, table_size=first)
    for name, alias in pairs.items():
        table.put(hashing.java_string_hash(name), name, (name, alias))
    return tuple(entry.payload for entry in table.entries())


def _index(i: QueryIndex, table: str, escape: bool) -> QueryIndex:
    name = i.index_name
    if name is None:
        parts = [table] + [
            f"{f.name}_{'desc' if f.is_descending else 'asc'}" for f in i.fields
        ]
        name = "".join("_" if c.isspace() else c.lower() for c in "_".join(parts))
        name += "_idx"
    return replace(i, index_name=name if escape else name.upper())

"""Cache configuration as plain data, shared by messages, the engine and the client.

Owns ``CacheConfiguration`` and its nested records (reference §11): the values a
cache is created with (op 1053/1054 property codes) and reported with (op 1055's
fixed layout). Defaults are Ignite's. Pure data: imports nothing from embergrid,
so the engine may use it without depending on message code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "CacheConfiguration",
    "CacheKeyConfiguration",
    "ExpiryDurations",
    "QueryEntity",
    "QueryField",
    "QueryIndex",
    "QueryIndexField",
]

# Cache modes (PROP_CACHE_MODE)
LOCAL, REPLICATED, PARTITIONED = 0, 1, 2
# Atomicity modes (PROP_CACHE_ATOMICITY_MODE)
TRANSACTIONAL, ATOMIC = 0, 1

DURATION_ETERNAL = -1
DURATION_UNCHANGED = -2
DURATION_ZERO = 0


@dataclass(frozen=True, slots=True)
class ExpiryDurations:
    """Milliseconds for create/update/access; -1 eternal, -2 unchanged, 0 zero."""

    create: int = DURATION_ETERNAL
    update: int = DURATION_UNCHANGED
    access: int = DURATION_UNCHANGED


@dataclass(frozen=True, slots=True)
class QueryField:
    name: str
    type_name: str
    is_key_field: bool = False
    is_notnull_constraint_field: bool = False
    default_value: bytes | None = None  # the default as an encoded data object
    precision: int = -1
    scale: int = -1


@dataclass(frozen=True, slots=True)
class QueryIndexField:
    name: str
    is_descending: bool = False


@dataclass(frozen=True, slots=True)
class QueryIndex:
    index_name: str | None
    index_type: int = 0  # 0 SORTED, 1 FULLTEXT, 2 GEOSPATIAL
    inline_size: int = -1
    fields: tuple[QueryIndexField, ...] = ()


@dataclass(frozen=True, slots=True)
class QueryEntity:
    key_type_name: str | None
    value_type_name: str | None
    table_name: str | None = None
    key_field_name: str | None = None
    value_field_name: str | None = None
    query_fields: tuple[QueryField, ...] = ()
    field_name_aliases: tuple[tuple[str, str], ...] = ()  # (field_name, alias)
    query_indexes: tuple[QueryIndex, ...] = ()


@dataclass(frozen=True, slots=True)
class CacheKeyConfiguration:
    type_name: str
    affinity_key_field_name: str | None


@dataclass(frozen=True, slots=True)
class CacheConfiguration:
    """Every setting the thin protocol can carry, with Ignite's defaults."""

    name: str
    cache_mode: int = PARTITIONED
    atomicity_mode: int = ATOMIC
    backups: int = 0
    write_synchronization_mode: int = 2  # PRIMARY_SYNC
    copy_on_read: bool = True
    read_from_backup: bool = True
    data_region_name: str | None = None
    onheap_cache_enabled: bool = False
    query_entities: tuple[QueryEntity, ...] = ()
    query_parallelism: int = 1
    query_detail_metrics_size: int = 0
    sql_schema: str | None = None
    sql_index_max_inline_size: int = -1
    sql_escape_all: bool = False
    max_query_iterators: int = 1024
    rebalance_mode: int = 1  # ASYNC
    rebalance_delay: int = 0
    rebalance_timeout: int = 10000
    rebalance_batch_size: int = 512 * 1024
    rebalance_batches_prefetch_count: int = 3
    rebalance_order: int = 0
    rebalance_throttle: int = 0
    group_name: str | None = None
    key_configuration: tuple[CacheKeyConfiguration, ...] = ()
    default_lock_timeout: int = 0
    max_concurrent_async_operations: int = 500
    partition_loss_policy: int = 4  # IGNORE
    eager_ttl: bool = True
    statistics_enabled: bool = False
    expiry_policy: ExpiryDurations | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

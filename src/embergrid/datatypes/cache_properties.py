"""Cache configuration property markers (``PropName``, ...), pyignite's names.

Each ``Prop*`` class pairs a ``PROP_*`` code with the hint of its value; ``prop_map``
looks one up by code. Markers only: the configuration codec lives in the protocol
package. Imports only embergrid.datatypes.
"""

from __future__ import annotations

from embergrid.datatypes import prop_codes as pc
from embergrid.datatypes.cache_config import (
    CacheAtomicityMode,
    CacheMode,
    PartitionLossPolicy,
    RebalanceMode,
    WriteSynchronizationMode,
)
from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.datatypes.primitive import Bool, Int, Long
from embergrid.datatypes.standard import String

__all__ = [
    "AnyProperty",
    "PropBackupsNumber",
    "PropCacheAtomicityMode",
    "PropCacheKeyConfiguration",
    "PropCacheMode",
    "PropCopyOnRead",
    "PropDataRegionName",
    "PropDefaultLockTimeout",
    "PropEagerTTL",
    "PropExpiryPolicy",
    "PropGroupName",
    "PropIsOnheapCacheEnabled",
    "PropMaxConcurrentAsyncOperation",
    "PropMaxQueryIterators",
    "PropName",
    "PropPartitionLossPolicy",
    "PropQueryDetailMetricSize",
    "PropQueryEntities",
    "PropQueryParallelism",
    "PropReadFromBackup",
    "PropRebalanceBatchSize",
    "PropRebalanceBatchesPrefetchCount",
    "PropRebalanceDelay",
    "PropRebalanceMode",
    "PropRebalanceOrder",
    "PropRebalanceThrottle",
    "PropRebalanceTimeout",
    "PropSQLIndexInlineMaxSize",
    "PropSQLSchema",
    "PropSqlEscapeAll",
    "PropStatisticsEnabled",
    "PropWriteSynchronizationMode",
    "prop_map",
]


class PropBase:
    """A cache property: its code and the hint (or record class) of its value."""

    prop_code: int | None = None
    prop_data_class: object = None


class AnyProperty(PropBase):
    """Any property (pyignite's name)."""


class TimeoutProp(PropBase):
    prop_data_class = Long


class PropQueryEntities(PropBase):
    prop_code = pc.PROP_QUERY_ENTITIES
    prop_data_class = list


class PropCacheKeyConfiguration(PropBase):
    prop_code = pc.PROP_CACHE_KEY_CONFIGURATION
    prop_data_class = list


class PropExpiryPolicy(PropBase):
    prop_code = pc.PROP_EXPIRY_POLICY
    prop_data_class = ExpiryPolicy


class PropName(PropBase):
    prop_code = pc.PROP_NAME
    prop_data_class = String


class PropCacheMode(PropBase):
    prop_code = pc.PROP_CACHE_MODE
    prop_data_class = CacheMode


class PropCacheAtomicityMode(PropBase):
    prop_code = pc.PROP_CACHE_ATOMICITY_MODE
    prop_data_class = CacheAtomicityMode


class PropBackupsNumber(PropBase):
    prop_code = pc.PROP_BACKUPS_NUMBER
    prop_data_class = Int


class PropWriteSynchronizationMode(PropBase):
    prop_code = pc.PROP_WRITE_SYNCHRONIZATION_MODE
    prop_data_class = WriteSynchronizationMode


class PropCopyOnRead(PropBase):
    prop_code = pc.PROP_COPY_ON_READ
    prop_data_class = Bool


class PropReadFromBackup(PropBase):
    prop_code = pc.PROP_READ_FROM_BACKUP
    prop_data_class = Bool


class PropDataRegionName(PropBase):
    prop_code = pc.PROP_DATA_REGION_NAME
    prop_data_class = String


class PropIsOnheapCacheEnabled(PropBase):
    prop_code = pc.PROP_IS_ONHEAP_CACHE_ENABLED
    prop_data_class = Bool


class PropQueryParallelism(PropBase):
    prop_code = pc.PROP_QUERY_PARALLELISM
    prop_data_class = Int


class PropQueryDetailMetricSize(PropBase):
    prop_code = pc.PROP_QUERY_DETAIL_METRIC_SIZE
    prop_data_class = Int


class PropSQLSchema(PropBase):
    prop_code = pc.PROP_SQL_SCHEMA
    prop_data_class = String


class PropSQLIndexInlineMaxSize(PropBase):
    prop_code = pc.PROP_SQL_INDEX_INLINE_MAX_SIZE
    prop_data_class = Int


class PropSqlEscapeAll(PropBase):
    prop_code = pc.PROP_SQL_ESCAPE_ALL
    prop_data_class = Bool


class PropMaxQueryIterators(PropBase):
    prop_code = pc.PROP_MAX_QUERY_ITERATORS
    prop_data_class = Int


class PropRebalanceMode(PropBase):
    prop_code = pc.PROP_REBALANCE_MODE
    prop_data_class = RebalanceMode


class PropRebalanceDelay(PropBase):
    prop_code = pc.PROP_REBALANCE_DELAY
    prop_data_class = Long


class PropRebalanceTimeout(TimeoutProp):
    prop_code = pc.PROP_REBALANCE_TIMEOUT


class PropRebalanceBatchSize(PropBase):
    prop_code = pc.PROP_REBALANCE_BATCH_SIZE
    prop_data_class = Int


class PropRebalanceBatchesPrefetchCount(PropBase):
    prop_code = pc.PROP_REBALANCE_BATCHES_PREFETCH_COUNT
    prop_data_class = Long


class PropRebalanceOrder(PropBase):
    prop_code = pc.PROP_REBALANCE_ORDER
    prop_data_class = Int


class PropRebalanceThrottle(PropBase):
    prop_code = pc.PROP_REBALANCE_THROTTLE
    prop_data_class = Long


class PropGroupName(PropBase):
    prop_code = pc.PROP_GROUP_NAME
    prop_data_class = String


class PropDefaultLockTimeout(TimeoutProp):
    prop_code = pc.PROP_DEFAULT_LOCK_TIMEOUT


class PropMaxConcurrentAsyncOperation(PropBase):
    prop_code = pc.PROP_MAX_CONCURRENT_ASYNC_OPERATIONS
    prop_data_class = Int


class PropPartitionLossPolicy(PropBase):
    prop_code = pc.PROP_PARTITION_LOSS_POLICY
    prop_data_class = PartitionLossPolicy


class PropEagerTTL(PropBase):
    prop_code = pc.PROP_EAGER_TTL
    prop_data_class = Bool


class PropStatisticsEnabled(PropBase):
    prop_code = pc.PROP_STATISTICS_ENABLED
    prop_data_class = Bool


_BY_CODE: dict[int, type[PropBase]] = {
    prop.prop_code: prop
    for prop in PropBase.__subclasses__() + TimeoutProp.__subclasses__()
    if prop.prop_code is not None
}


def prop_map(code: int) -> type[PropBase]:
    """The property class for a ``PROP_*`` code (``KeyError`` if unknown)."""
    return _BY_CODE[code]

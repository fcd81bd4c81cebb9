"""Which partition a stored key is in: Ignite's rule, in Python and in SQLite.

Owns ``PARTITIONED_PARTITIONS`` / ``REPLICATED_PARTITIONS`` (the partition
counts Ignite gives a cache's default affinity), ``partition_count`` (a cache
configuration's), ``partition_of`` (an encoded key's partition) and the SQL
function ``eg_partition(key, parts)`` that the partition map of a cache
scanned by partition is kept with (``register``, called on every connection
the store opens). Imports ``embergrid.errors``, ``embergrid.protocol.binary.hashing``
and ``embergrid.protocol.config`` only; never asyncio.

Theory of operation
-------------------
A key's partition is RendezvousAffinityFunction's: the Java ``hashCode()`` of
the key as the server deserializes it (a complex object's is the hash in its
header), spread over the cache's partitions. It depends on the key's bytes
and the cache's partition count alone, never changes for a stored row, and
is the same in every process, which is what lets SQLite triggers keep a
table of it (``partition_map.py``; made by the cache's first partition scan;
an earlier version made an index on the expression instead): every write path
(key-value ops, bulk ops, SQL DML, transaction commits, expiry, other nodes
and ``--workers`` processes on the data dir) maintains the map by writing the
row, with nothing to remember. The price: each connection that writes an
entry table must have the function (``register``; an older embergrid, or the
sqlite3 shell, cannot write a mapped table), and the rule must never change
for a stored map (a changed rule would leave map rows that a later delete
cannot find).

The cache's affinity key configuration is not consulted (the whole key is
hashed); bytes that do not parse as a key land in partition 0.
"""

from __future__ import annotations

import sqlite3

from embergrid.errors import ParseError
from embergrid.protocol.binary.hashing import hash_key_bytes, partition
from embergrid.protocol.config import REPLICATED, CacheConfiguration

__all__ = [
    "PARTITIONED_PARTITIONS",
    "REPLICATED_PARTITIONS",
    "SQL_FUNCTION",
    "partition_count",
    "partition_of",
    "register",
]

PARTITIONED_PARTITIONS = 1024
"""RendezvousAffinityFunction's default partition count."""
REPLICATED_PARTITIONS = 512
"""The partition count Ignite gives a REPLICATED cache's default affinity."""
SQL_FUNCTION = "eg_partition"
"""``eg_partition(key, parts)``: ``partition_of(key, parts)`` in SQLite."""


def partition_count(config: CacheConfiguration) -> int:
    """The partitions of a cache with ``config`` (its default affinity)."""
    if config.cache_mode == REPLICATED:
        return REPLICATED_PARTITIONS
    return PARTITIONED_PARTITIONS


def partition_of(key: bytes, parts: int = PARTITIONED_PARTITIONS) -> int:
    """The partition of an encoded key among ``parts`` partitions."""
    try:
        return partition(hash_key_bytes(key), parts)
    except ParseError:
        return 0


def _sql_partition_of(key: bytes, parts: int) -> int:
    # called by SQLite for every row written: partition_of without a frame
    try:
        return partition(hash_key_bytes(key), parts)
    except (ParseError, TypeError, ValueError):  # not a key, or not a count
        return 0


def register(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the ``eg_partition`` function (deterministic, so that
    SQLite may index it)."""
    conn.create_function(SQL_FUNCTION, 2, _sql_partition_of, deterministic=True)

"""Every error text of the engine a client can see, in one place.

Differential tests compare these strings with a real Ignite node, so each one
cites where its wording comes from. Imports only ``embergrid.protocol.codes``.
"""

from __future__ import annotations

from embergrid.protocol.codes import TypeCode

__all__ = [
    "CLUSTER_INACTIVE",
    "DEFAULT_USER_NOT_REMOVABLE",
    "JAVA_CLASSES",
    "JAVA_FIELD_TYPE_NAMES",
    "PASSWORD_EMPTY",
    "SCAN_PAGE_BUSY",
    "SECURITY_DISABLED",
    "TX_ATOMIC_CACHE",
    "TX_CLEAR",
    "USER_NAME_EMPTY",
    "USER_NAME_TOO_LONG",
    "WAL_NULL_CACHE_NAME",
    "WAL_NULL_CACHE_OR_GROUP",
    "binary_type_name_unknown",
    "cache_exists",
    "cache_id_conflict",
    "cache_not_found",
    "cluster_read_only",
    "duplicate_type_name",
    "failed_to_update_key",
    "field_type_conflict",
    "java_field_type_name",
    "user_exists",
    "user_management_not_allowed",
    "user_missing",
    "user_operation_failed",
    "wal_cache_does_not_exist",
    "wal_cache_not_found",
    "wal_group_incomplete",
    "wal_not_persistent",
]

# What Ignite 2.17/2.18 answer to a cache op or SQL on an inactive cluster (seen
# from the thin client: tests/compat/test_diff_inactive.py).
CLUSTER_INACTIVE = (
    "Can not perform the operation because the cluster is inactive. Note, that the "
    "cluster is considered inactive by default if Ignite Persistent Store is used "
    "to let all the nodes join the cluster. To activate the cluster call "
    "Ignite.cluster().state(ClusterState.ACTIVE)."
)


def cache_not_found(cache_id: int) -> str:
    """Status 1000; note Ignite's space after ``=`` (reference §5, §13.23)."""
    return f"Cache does not exist [cacheId= {cache_id}]"


def cache_exists(name: str) -> str:
    """Status 1001 (reference §5, §13.23)."""
    return (
        f"Failed to start cache (a cache with the same name is already started): {name}"
    )


def cache_id_conflict(name: str, other: str) -> str:
    """Two names with one ``String.hashCode``; wording is ours [unverified]."""
    return (
        f"Cache ID conflict (change cache name) [cacheName={name}, "
        f"conflictingCacheName={other}]"
    )


def cluster_read_only(operation: str, cache_name: str, group: str | None = None) -> str:
    """A write while the cluster is ACTIVE_READ_ONLY.

    Ignite (GridDhtTopologyFutureAdapter.validateCache) formats
    ``Failed to perform cache operation (cluster is in read-only mode)
    [cacheGrp=<group>, cache=<name>]``; the start-cache path uses the same
    pattern with ``start cache``. ``cacheGrp`` is the cache group name, which is
    ``null`` for a cache without a group [believed: CacheGroupContext.name()].
    The thin-client handler prefixes the exception's class name, which differs
    for cache writes and cache starts (observed on the 2.18 reference node:
    tests/compat/test_diff_metadata.py).
    """
    exception = (
        "distributed.dht.IgniteClusterReadOnlyException"
        if operation == "start cache"
        else "CacheInvalidStateException"
    )
    return (
        f"class org.apache.ignite.internal.processors.cache.{exception}: "
        f"Failed to perform {operation} operation (cluster is in read-only mode) "
        f"[cacheGrp={'null' if group is None else group}, cache={cache_name}]"
    )


def failed_to_update_key(key_text: str | None) -> str:
    """Status 1 of a compare-and-set op (1010, 1017) whose sample and stored value
    are a complex object and something else: Ignite tries to deserialize the binary
    object into a class it does not have and reports the key's Java ``toString()``
    (observed on the 2.18 reference node: tests/compat/test_diff_compare.py). A key
    whose Java text we cannot reproduce prints as ``?`` [ours]."""
    shown = "?" if key_text is None else key_text
    return f"Failed to update keys (retry update if possible).: [{shown}]"


def binary_type_name_unknown(platform: int, type_id: int) -> str:
    """Op 3000 for an unregistered id; wording is ours [unverified vs Ignite]."""
    return f"Failed to resolve class name [platformId={platform}, typeId={type_id}]"


def duplicate_type_name(platform: int, type_id: int, old: str, new: str) -> str:
    """Op 3001 with another name for a known id [believed: MarshallerContextImpl]."""
    return (
        f"Duplicate ID [platformId={platform}, typeId={type_id}, "
        f"oldCls={old}, newCls={new}]"
    )


# BinaryUtils.FIELD_TYPE_NAMES: the Java names used in metadata conflict messages.
JAVA_FIELD_TYPE_NAMES: dict[int, str] = {
    TypeCode.BYTE: "byte",
    TypeCode.SHORT: "short",
    TypeCode.INT: "int",
    TypeCode.LONG: "long",
    TypeCode.FLOAT: "float",
    TypeCode.DOUBLE: "double",
    TypeCode.CHAR: "char",
    TypeCode.BOOL: "boolean",
    TypeCode.STRING: "String",
    TypeCode.UUID: "UUID",
    TypeCode.DATE: "Date",
    TypeCode.BYTE_ARRAY: "byte[]",
    TypeCode.SHORT_ARRAY: "short[]",
    TypeCode.INT_ARRAY: "int[]",
    TypeCode.LONG_ARRAY: "long[]",
    TypeCode.FLOAT_ARRAY: "float[]",
    TypeCode.DOUBLE_ARRAY: "double[]",
    TypeCode.CHAR_ARRAY: "char[]",
    TypeCode.BOOL_ARRAY: "boolean[]",
    TypeCode.STRING_ARRAY: "String[]",
    TypeCode.UUID_ARRAY: "UUID[]",
    TypeCode.DATE_ARRAY: "Date[]",
    TypeCode.OBJECT_ARRAY: "Object[]",
    TypeCode.COLLECTION: "Collection",
    TypeCode.MAP: "Map",
    TypeCode.BINARY_OBJECT: "Object",
    TypeCode.ENUM: "Enum",
    TypeCode.ENUM_ARRAY: "Enum[]",
    TypeCode.DECIMAL: "decimal",
    TypeCode.DECIMAL_ARRAY: "decimal[]",
    TypeCode.CLASS: "Class",
    TypeCode.TIMESTAMP: "Timestamp",
    TypeCode.TIMESTAMP_ARRAY: "Timestamp[]",
    TypeCode.TIME: "Time",
    TypeCode.TIME_ARRAY: "Time[]",
    TypeCode.COMPLEX_OBJECT: "Object",
}


def java_field_type_name(type_code: int) -> str:
    """Java's name for a field type code; unknown codes print as the number."""
    return JAVA_FIELD_TYPE_NAMES.get(type_code, str(type_code))


def field_type_conflict(
    type_name: str, type_id: int, field_name: str, old: int, new: int
) -> str:
    """Metadata merge conflict, worded as Ignite 2.18 does (observed on the reference
    node: tools/reference-ignite/observed-facts.md, fact (e))."""
    return (
        f"Type '{type_name}' with typeId {type_id} has a different/incorrect type for "
        f"field '{field_name}'. Expected '{java_field_type_name(old)}' but "
        f"'{java_field_type_name(new)}' was provided. The type of an existing field "
        "can not be changed. Use a different field name or follow this procedure to "
        "reuse the current name:\n- Delete data records that use the old field type;"
        "\n- Remove metadata by the command: "
        f"'control.sh --meta remove --typeId {type_id}'."
    )


# -- WAL state, ops 5002/5003 (observed on the reference node:
# tests/compat/test_diff_rare_ops.py) ---------------------------------------------

# 5003 with a NULL name: the node's NullPointerException text (helpful NPE message
# of its JVM), sent as status 1.
WAL_NULL_CACHE_NAME = 'Cannot invoke "Object.hashCode()" because "key" is null'
# 5002 with a NULL name: the node's argument check.
WAL_NULL_CACHE_OR_GROUP = "Ouch! Argument cannot be null: cacheOrGrpName"


def wal_cache_not_found(name: str) -> str:
    """5003 for a name that is not a cache (group names included)."""
    return f"Cache not found: {name}"


def wal_cache_does_not_exist(name: str) -> str:
    """5002 for a name that is neither a cache nor a cache group."""
    return f"Cache doesn't exist: {name}"


def wal_group_incomplete(group: str, missing: list[str]) -> str:
    """5002 by the name of a cache whose group has other caches."""
    return (
        "Cannot change WAL mode because not all cache names belonging to the group "
        f"are provided [group={group}, missingCaches=[{', '.join(missing)}]]"
    )


def _java_str(text: str | None) -> str:
    return "null" if text is None else text


def wal_not_persistent(caches: list[str], region: str | None) -> str:
    """5002 on a node without persistence (``region`` None prints as ``null``)."""
    return (
        "Cannot change WAL mode because persistence is not enabled for cache(s) "
        f"[caches=[{', '.join(caches)}], dataRegion={_java_str(region)}]"
    )


# -- transactions (ops 4000/4001 and key-value ops inside one) ------------------

TX_CONCURRENCY = ("OPTIMISTIC", "PESSIMISTIC")
TX_ISOLATION = ("READ_COMMITTED", "REPEATABLE_READ", "SERIALIZABLE")


def tx_text(
    xid: str,
    order: int,
    concurrency: int,
    isolation: int,
    state: str,
    node_id: str,
    timeout_ms: int,
    start_ms: int,
    duration_ms: int,
    label: str | None,
) -> str:
    """Ignite's ``GridNearTxLocal.toString()`` of a transaction, as its error
    texts print it (observed on the reference node)."""
    version = f"GridCacheVersion [topVer=1, order={order}, nodeOrder=1, dataCenterId=0]"
    rollback_only = "true" if state in ("ROLLED_BACK", "MARKED_ROLLBACK") else "false"
    return (
        f"GridNearTxLocal[xid={xid}, xidVersion={version}, nearXidVersion={version}, "
        f"concurrency={TX_CONCURRENCY[concurrency]}, "
        f"isolation={TX_ISOLATION[isolation]}, state={state}, invalidate=false, "
        f"rollbackOnly={rollback_only}, nodeId={node_id}, timeout={timeout_ms}, "
        f"startTime={start_ms}, duration={duration_ms}, label={_java_str(label)}]"
    )


def tx_timed_out(tx_description: str) -> str:
    """Any op or commit of a transaction whose timeout has passed."""
    return f"Cache transaction timed out: {tx_description}"


def tx_lock_timeout(timeout_ms: int, tx_description: str) -> str:
    """A lock wait (an op, or an OPTIMISTIC commit) outliving the timeout."""
    return (
        "Failed to acquire lock within provided timeout for transaction "
        f"[timeout={timeout_ms}, tx={tx_description}]"
    )


def tx_serializable_conflict(
    key: str, key_class: str, value: str | None, value_class: str | None, cache: str
) -> str:
    """OPTIMISTIC SERIALIZABLE commit after a key it read was changed: the key,
    the value now in the cache (``null``, with no class, when removed)."""
    val = "val=null" if value is None else f"val={value}, valCls={value_class}"
    return (
        f"Failed to prepare transaction, read/write conflict [key={key}, "
        f"keyCls={key_class}, {val}, cache={cache}, "
        "thread=client-connector [embergrid]]"
    )


TX_ATOMIC_CACHE = (
    "Transaction spans operations on atomic cache (don't use atomic cache inside a "
    "transaction). Since 2.15.0 atomic operations inside transactions are not "
    "allowed by default. Since 2.16.0 atomic operations inside transactions are "
    "finally forbidden."
)
TX_CLEAR = (
    "Failed to invoke a non-transactional IgniteCache clear operation within a "
    "transaction."
)

# Java's class of a stored value, by its type code (read/write conflict texts).
JAVA_CLASSES: dict[int, str] = {
    TypeCode.BYTE: "java.lang.Byte",
    TypeCode.SHORT: "java.lang.Short",
    TypeCode.INT: "java.lang.Integer",
    TypeCode.LONG: "java.lang.Long",
    TypeCode.FLOAT: "java.lang.Float",
    TypeCode.DOUBLE: "java.lang.Double",
    TypeCode.CHAR: "java.lang.Character",
    TypeCode.BOOL: "java.lang.Boolean",
    TypeCode.STRING: "java.lang.String",
    TypeCode.UUID: "java.util.UUID",
    TypeCode.DATE: "java.util.Date",
    TypeCode.DECIMAL: "java.math.BigDecimal",
    TypeCode.TIMESTAMP: "java.sql.Timestamp",
}

# A page of a scan cursor asked for while its previous page is still being read
# (on a worker thread): embergrid's own; Ignite answers such requests in turn.
SCAN_PAGE_BUSY = (
    "A page of this scan cursor is still being read; ask for the next page once "
    "it is answered"
)

# -- user management (CREATE/ALTER/DROP USER), as the Ignite 2.17 SQL node answers
# them (tools/reference-ignite/observed-facts.md, "Authentication"); the texts of
# IgniteAuthenticationProcessor behind SQL's "50000: " prefix.

SECURITY_DISABLED = "50000: Operation cannot be performed: Ignite security disabled."
USER_NAME_EMPTY = "50000: User name is empty"
PASSWORD_EMPTY = "50000: Password is empty"
USER_NAME_TOO_LONG = (
    "50000: User name is too long. "
    "The user name length must be less then 60 bytes in UTF8"
)
DEFAULT_USER_NOT_REMOVABLE = "50000: Default user cannot be removed."


def user_management_not_allowed(current_user: str) -> str:
    """Anyone but the default user managing users other than itself."""
    return (
        "50000: User management operations are not allowed for user. "
        f"[curUser={current_user}]"
    )


def user_exists(name: str) -> str:
    return f"User already exists [login={name}]"


def user_missing(name: str) -> str:
    return f"User doesn't exist [userName={name}]"


def user_operation_failed(node_id: str, op_id: str, detail: str) -> str:
    """A user operation the cluster refused: ``node_id`` is the node that ran
    it, ``op_id`` Ignite's IgniteUuid of the operation (ours: a counter and a
    per-process id)."""
    return (
        f"50000: Operation failed [nodeId={node_id}, opId={op_id}, err=class "
        "org.apache.ignite.internal.processors.authentication."
        f"UserManagementException: {detail}]"
    )

"""Every server-level message a client can see, in one place (STYLE §5).

Owns the texts of the statuses the server itself decides on: unknown op code,
cursor limit, unknown resource, ops not implemented yet, scan filters, null
arguments and unexpected handler failures. Engine errors live in
``embergrid.engine.messages``. Each text cites where its wording comes from, so
differential tests can compare it with a real Ignite node.
Imports nothing from embergrid except ``protocol.headers``.
"""

from __future__ import annotations

from embergrid.protocol.headers import invalid_op_code_message

__all__ = [
    "CONTINUOUS_FILTER_UNSUPPORTED",
    "INTERNAL_ERROR",
    "PARTITIONS_INACTIVE",
    "SCAN_FILTER_UNSUPPORTED",
    "argument_null",
    "continuous_filter_not_binary",
    "invalid_op_code",
    "invalid_page_size",
    "invalid_partition",
    "node_ids_empty",
    "not_implemented",
    "resource_not_found",
    "too_many_cursors",
    "tx_limit_exceeded",
    "tx_not_found",
    "unknown_cluster_state",
    "unknown_topology_version",
]

# Op 1101 on an inactive cluster: Ignite 2.18's ClientCachePartitionsRequest
# answers with its own text, not the cache ops' (tests/compat/test_diff_baseline.py).
PARTITIONS_INACTIVE = "Cannot perform cache operation because the cluster is inactive."

# Status 1 for a handler bug; the details go to the log, not to the client.
INTERNAL_ERROR = "Internal server error (see the embergrid node log)"

# Status 1 for a scan with a filter object: we cannot run Java/.NET predicates.
# Continuous query with a remote filter that is a binary object (a Java or .NET
# filter class): ours; Ignite would deserialize and run it.
CONTINUOUS_FILTER_UNSUPPORTED = (
    "Continuous query remote filters are not supported by embergrid (the filter "
    "would have to run as Java or .NET code on the server)"
)

# The Java class a filter of these type codes deserializes to on Ignite.
_JAVA_CLASSES = {
    1: "java.lang.Byte",
    2: "java.lang.Short",
    3: "java.lang.Integer",
    4: "java.lang.Long",
    5: "java.lang.Float",
    6: "java.lang.Double",
    7: "java.lang.Character",
    8: "java.lang.Boolean",
    9: "java.lang.String",
    10: "java.util.UUID",
    11: "java.util.Date",
    12: "[B",
}


def continuous_filter_not_binary(type_code: int) -> str | None:
    """Status 1 for a continuous query's filter that is no binary object, as
    Ignite 2.18's ClientCacheQueryContinuousRequest words it (checked against
    the reference node for Integer and String); None for a type not listed."""
    name = _JAVA_CLASSES.get(type_code)
    return None if name is None else f"Filter must be a BinaryObject: class {name}"


SCAN_FILTER_UNSUPPORTED = (
    "Scan query filters are not supported by embergrid (the filter would have to "
    "run as Java or .NET code on the server)"
)


def invalid_op_code(op_code: int) -> str:
    """Status 2 (reference §4.4, Ignite's ClientRequestHandler)."""
    return invalid_op_code_message(op_code)


def request_too_large(length: int, limit: int) -> str:
    """Status 1 for a request over the frame limit (embergrid's own: Ignite has
    no such limit); the request was dropped unread."""
    return (
        f"Request of {length} bytes is over this server's frame limit of {limit} "
        "bytes (embergrid serve --max-frame-size); nothing of it was done"
    )


def too_many_open_queries(maximum: int) -> str:
    """Status 1010 for the node-wide bound on queries kept open for their next
    pages (embergrid's own: Ignite bounds cursors per connection only)."""
    return (
        "Too many open cursors on this node (close other open cursors, fetch "
        "fewer rows per query, or raise embergrid's --max-open-queries) "
        f"[maximum={maximum}]"
    )


def too_many_cursors(maximum: int, current: int) -> str:
    """Status 1010 (reference §5, Ignite's ClientResourceRegistry; verified wording)."""
    return (
        "Too many open cursors (either close other open cursors or increase the "
        "limit through ClientConnectorConfiguration.maxOpenCursorsPerConnection) "
        f"[maximum={maximum}, current={current}]"
    )


def resource_not_found(resource_id: int) -> str:
    """Status 1011 (reference §5, Ignite's ClientResourceRegistry)."""
    return f"Failed to find resource with id: {resource_id}"


def not_implemented(op_name: str, op_code: int) -> str:
    """Status 1 for a known op the server does not implement yet (ours)."""
    return (
        f"Operation {op_name} ({op_code}) is not supported by this embergrid node yet"
    )


def argument_null(name: str) -> str:
    """Status 1 for a NULL key or value [believed: Ignite's A.notNull wording]."""
    return f"Ouch! Argument cannot be null: {name}"


def invalid_page_size(page_size: int) -> str:
    """Status 1 for a page size <= 0 (wording ours; Ignite: A.ensure(pageSize > 0))."""
    return f"Ouch! Argument is invalid: pageSize > 0 [pageSize={page_size}]"


def unknown_cluster_state(state: int) -> str:
    """Status 1 for a 5001 request with a state byte outside 0..2 (ours)."""
    return f"Unknown cluster state: {state}"


def tx_limit_exceeded(limit: int) -> str:
    """Status 1020 (Ignite's ThinClientConfiguration.maxActiveTxPerConnection)."""
    return (
        f"Active transactions per connection limit ({limit}) exceeded. To start a new "
        "transaction you need to wait for some of currently active transactions "
        "complete. To change the limit set up ThinClientConfiguration."
        "MaxActiveTxPerConnection property."
    )


def tx_not_found(tx_id: int) -> str:
    """Status 1021: a commit of a transaction id this connection does not hold."""
    return f"Transaction with id {tx_id} not found."


def invalid_partition(partition: int) -> str:
    """A scan of a partition number past the cache's partitions (a negative one
    scans them all), as Ignite 2.18 answers it."""
    return (
        "class org.apache.ignite.IgniteCheckedException: "
        f"Invalid partition number: {partition}"
    )


def node_ids_empty() -> str:
    """Status 1 for a 5101 request naming no node (Ignite 2.18's argument check)."""
    return "Ouch! Argument is invalid: ids must not be empty."


def unknown_topology_version(field: str) -> str:
    """Status 1 for a 5102 request naming a topology version the node does not
    know (in the future, or older than its history): Ignite 2.18 fails on it
    with the text of a Java NullPointerException, ``field`` "nodes" for the
    start version and "top" for the end one."""
    method = "size" if field == "nodes" else "iterator"
    return f'Cannot invoke "java.util.Collection.{method}()" because "{field}" is null'

"""Every SQL error text a client can see, worded as Ignite 2.17 (H2 1.4.197) words it.

Observed on the 2.17 SQL reference node (tools/reference-ignite/observed-facts.md,
section "SQL (2.17 reference)"); all travel with status 1 and start with the
SQLSTATE-like code Ignite prefixes. Imports nothing from embergrid.
"""

from __future__ import annotations

__all__ = [
    "EMPTY_SCHEMA",
    "column_not_found",
    "conversion_failed",
    "drop_not_ddl",
    "duplicate_keys",
    "entry_query_failed",
    "general",
    "index_exists",
    "index_not_found",
    "no_primary_key",
    "no_table_for_type",
    "null_not_allowed",
    "parameter_count",
    "prepare_failed",
    "run_failed",
    "schema_not_found",
    "select_star_only",
    "star_without_alias",
    "syntax_error",
    "table_exists",
    "table_not_found",
    "table_not_found_ddl",
    "unsupported",
    "unsupported_statement",
    "wrong_value_set",
]

# -- where a statement runs: its schema, the cache and type it names --------------

EMPTY_SCHEMA = (
    "50000: Failed to set schema for DB connection. "
    "Schema name could not be an empty string"
)


def schema_not_found(schema: str) -> str:
    """The schema a request names (or its cache's) is none H2 knows."""
    return f"50000: Failed to set schema for DB connection for thread [schema={schema}]"


def no_table_for_type(type_name: str) -> str:
    """Op 2002 names a type that is no table of the cache."""
    return f"50000: Failed to find SQL table for type: {type_name}"


def select_star_only(clause: str) -> str:
    """Op 2002's text starts with SELECT but not ``SELECT *`` or ``SELECT t.*``."""
    return (
        "50000: Only queries starting with 'SELECT *' and 'SELECT alias.*' are "
        f"supported (rewrite your query or use SqlFieldsQuery instead): {clause}"
    )


def star_without_alias(clause: str) -> str:
    """Op 2002's ``SELECT <something>*``: no ``alias.`` before the asterisk."""
    return f"50000: Invalid query (missing alias before asterisk): {clause}"


def entry_query_failed(message: str) -> str:
    """An op 2002 query fails as the same op 2004 query would, but Ignite wraps
    the error once more: its SQLSTATE becomes 50000."""
    state, sep, rest = message.partition(": ")
    return f"50000: {rest}" if sep and len(state) == 5 else message


def syntax_error(sql: str, detail: str = "") -> str:
    """H2's full text lists the expected tokens; we give the statement only."""
    quoted = sql.replace('"', '""')  # H2 quotes the statement as a name
    return (
        f'42000: Failed to parse query. Syntax error in SQL statement "{quoted}"'
        f"{'; ' + detail if detail else ''}"
    )


def prepare_failed(detail: str, code: int, sql: str) -> str:
    """An error H2 raises while preparing the statement (folding ``1 / 0``)."""
    return f"42000: Failed to parse query. {detail}; SQL statement:\n{sql} [{code}-197]"


# Ignite names the node whose map query failed; embergrid is one node without
# a cluster id of its own in the engine, so it names the nil UUID.
MAP_NODE_ID = "00000000-0000-0000-0000-000000000000"
_SQL_EXCEPTION = "org.apache.ignite.internal.processors.query.IgniteSQLException"


def run_failed(detail: str, code: int, sql: str, map_query: bool) -> str:
    """An error H2 raises running the statement (an INT overflow, ``i / 0``).

    A query Ignite runs locally (replicated tables, no table) wraps H2's text in
    its exception's class name; a map query of a partitioned table reports the
    node and the map query's text (Ignite's rewrite, ``__Z0`` aliases: we give
    the statement itself)."""
    h2 = f"{detail}; SQL statement:\n{sql} [{code}-197]"
    if map_query:
        return (
            "50000: Failed to execute map query on remote node "
            f"[nodeId={MAP_NODE_ID}, errMsg={h2}]"
        )
    return f"50000: class {_SQL_EXCEPTION}: {h2}"


def table_not_found(name: str, sql: str) -> str:
    return (
        f'42000: Failed to parse query. Table "{name}" not found; SQL statement:\n'
        f"{sql} [42102-197]"
    )


def column_not_found(name: str, sql: str) -> str:
    return (
        f'42000: Failed to parse query. Column "{name}" not found; SQL statement:\n'
        f"{sql} [42122-197]"
    )


def duplicate_keys(keys: str, rows: int) -> str:
    """An INSERT of ``rows`` rows met these present keys: a one-row INSERT fails
    with the duplicate-key state, a many-row one with the general 50000."""
    state = "23000" if rows == 1 else "50000"
    return (
        f"{state}: Failed to INSERT some keys because they are already in cache"
        f" [keys=[{keys}]]"
    )


def scale_out_of_range(column: str, maximum: int, actual: int) -> str:
    return (
        f"23000: Value for a column '{column}' is out of range. Maximum scale : "
        f"{maximum}, actual scale: {actual}"
    )


def conversion_failed(column: str, from_java: str, to_java: str) -> str:
    return (
        f"0700B: Value conversion failed [column={column}, from={from_java}, "
        f"to={to_java}]"
    )


def column_count(sql: str) -> str:
    """INSERT/MERGE values not matching its columns (MERGE without a column
    list counts the hidden ``_KEY`` and ``_VAL`` columns too)."""
    return prepare_failed("Column count does not match", 21002, sql)


# Setting ``_VAL`` of a table whose value is an object (by name or by position).
COMPOSITE_VALUE = "0A000: Update of composite value column is not supported"
NULL_KEY = "22004: Key for INSERT, COPY, or MERGE must not be null"
"""A NULL ``_KEY`` of a plain key no field names (a key field says its name)."""


def null_not_allowed(column: str) -> str:
    return f"22004: Null value is not allowed for column '{column}'"


STATEMENT_TYPE_MISMATCH = (
    "42000: Given statement type does not match that declared by JDBC driver"
)
"""A SELECT sent as an update, or any other statement sent as a SELECT."""

DML_IN_TX = (
    "50000: DML statements are not allowed inside a transaction over cache(s) with "
    "TRANSACTIONAL atomicity mode (disable this error message with system property "
    '"-DIGNITE_ALLOW_DML_INSIDE_TRANSACTION=true")'
)
"""INSERT/UPDATE/MERGE/DELETE of a TRANSACTIONAL cache's table in a transaction."""

QUERY_CANCELLED = (
    "50000: Failed to run reduce query locally."
    " The query was cancelled while executing."
)
"""The request's timeout passed while the statement ran (any statement shape)."""


def parameter_count(expected: int, actual: int) -> str:
    return (
        f"50000: Invalid number of query parameters [expected={expected}, "
        f"actual={actual}]"
    )


def table_exists(name: str) -> str:
    return f"42000: Table already exists: {name}"


def table_not_found_ddl(name: str) -> str:
    return f"42000: Table doesn't exist: {name}"


def no_primary_key() -> str:
    return "42000: No PRIMARY KEY defined for CREATE TABLE"


def drop_not_ddl(cache_name: str) -> str:
    return (
        "50000: class org.apache.ignite.IgniteCheckedException: Only cache created "
        f"with CREATE TABLE may be removed with DROP TABLE [cacheName={cache_name}]"
    )


def index_exists(name: str) -> str:
    """[believed] H2 wording for a duplicate index name."""
    return f"42000: Index already exists: {name}"


def index_not_found(name: str) -> str:
    """[believed] H2 wording for DROP INDEX of an unknown index."""
    return f"42000: Index doesn't exist: {name}"


def general(text: str) -> str:
    """``text`` (another layer's, e.g. the cluster gate's) as SQL reports it:
    under the general SQLSTATE."""
    return f"50000: {text}"


def unsupported_statement(sql: str) -> str:
    """A statement H2 parses and Ignite does not run (H2's own ``CREATE USER``)."""
    return f"0A000: Unsupported statement: {sql}"


def unsupported(what: str) -> str:
    return f"0A000: Unsupported SQL statement in embergrid: {what}"


def wrong_value_set(type_name: str, field: str, registered: str, assigned: str) -> str:
    """A row's field of another type than its binary type already registers
    (Java type names: ``byte[]``, ``Object``, ``int``...)."""
    return (
        f"50000: Wrong value has been set [typeName={type_name}, fieldName={field},"
        f" fieldType={registered}, assignedValueType={assigned}]"
    )

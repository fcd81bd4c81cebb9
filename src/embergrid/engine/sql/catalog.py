"""Tables <-> caches <-> query entities, and the typed columns making a cache a table.

Owns ``Column``, ``Table`` and ``Catalog``. A table is nothing but a cache whose
configuration has a query entity: the catalog derives every table from the
``caches`` registry (so a cache created through the key-value API with
``PROP_QUERY_ENTITIES`` is a table, and a table made by ``CREATE TABLE`` is a
cache). Must not import asyncio or ``embergrid.protocol.messages``.

Theory of operation
-------------------
Rows live only in the cache's entry table ``e_<n>`` (key blob, value blob). To
let SQLite filter, join, sort and aggregate natively, the catalog adds one typed
column per SQL column to that same table (``c_<NAME>``, SQLite affinity of the
type) and an ``AFTER INSERT`` trigger that fills them from the new key and value
blobs through the ``eg_field`` SQL function (decode one field of a binary
object, memoized per blob). Every write path (key-value put, SQL UPDATE,
another process) goes through ``Entries.write`` -> ``INSERT OR REPLACE`` and so
through the trigger; SQL INSERT and MERGE write the typed columns themselves
with the row (``typed_row``, ``entries.Columns``: the values the statement
converted, never re-read from the blobs), and the trigger, which runs only
when every typed column of the new row is NULL, leaves them be. Deletes need
nothing (the row is gone). A DECIMAL column has two: a REAL that SQLite
compares, sorts and computes with, and its exact text (``Column.exact_sqlite``,
the BigDecimal's digits and scale), which a bare DECIMAL projection reads.
Queries read the typed columns and never decode a blob. The columns are added
(and existing rows back-filled) the first time SQL sees the cache, so rows put
before that are rows too. The primary key columns get a SQLite index;
``CREATE INDEX`` and the SORTED indexes a query entity declares (made when SQL
first sees the cache) make more, listed in ``sql_indexes`` (``Catalog.indexes``).
Caches made by ``CREATE TABLE`` are remembered in ``sql_ddl_caches`` (only those
may be dropped with ``DROP TABLE``, as in Ignite).

Decision (correctness first, then speed): decode-on-write keeps reads at SQLite
speed (a point select is one index probe) at the cost of one UPDATE per write;
decode-on-query would decode every row of every table a query touches.
"""

from __future__ import annotations

import sqlite3
import struct
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from operator import call, itemgetter
from typing import Any

from embergrid.engine._codec import decode_config
from embergrid.engine.sql.types import (
    SqlType,
    decode_field,
    field_encoder,
    from_java_name,
    stored_converter,
    to_stored,
)
from embergrid.engine.sqltext import column_name, ident, literal
from embergrid.engine.store import Store
from embergrid.errors import IgniteError
from embergrid.protocol.binary.hashing import field_id, type_id
from embergrid.protocol.binary.metadata import BinaryType
from embergrid.protocol.binary.objects import parse_layout
from embergrid.protocol.codes import TypeCode
from embergrid.protocol.config import CacheConfiguration, QueryEntity

__all__ = [
    "BUILTIN_SCHEMAS",
    "Catalog",
    "Column",
    "Table",
    "schema_of",
    "type_name_of",
    "typed_row",
    "unquote",
]

_ENTRY_COLUMNS = frozenset({"key", "value", "expire_at"})  # store.py's own
_SORTED = 0  # the index type of a query entity's B-tree index (QueryIndex)
_DDL_TABLE = "CREATE TABLE IF NOT EXISTS sql_ddl_caches (name TEXT PRIMARY KEY)"
_INDEX_TABLE = (
    "CREATE TABLE IF NOT EXISTS sql_indexes (schema TEXT NOT NULL, name TEXT NOT NULL,"
    " cache_name TEXT NOT NULL, sqlite_name TEXT NOT NULL, PRIMARY KEY (schema, name))"
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # the SQL column: the field's alias as the stored entity has it
    type: SqlType
    is_key: bool
    whole_key: bool  # the key itself (single-column primary key, no key object)
    precision: int
    scale: int
    not_null: bool
    field_id: int
    java: str
    field: str = ""  # the binary object's field name (the column name when empty)
    whole_value: bool = False  # the value itself (a plain-typed value: no object)
    value_tag: bool = False  # the value's type (``value_tag``), not a SQL column
    exact: bool = False  # a DECIMAL's exact text (``exact_sqlite``), no SQL column

    @property
    def field_name(self) -> str:
        return self.field or self.name

    @property
    def affinity(self) -> str:
        """The SQLite affinity of the entry table's column holding this one."""
        return "TEXT" if self.exact else self.type.affinity

    @property
    def exact_sqlite(self) -> str:
        """The entry table's column holding a DECIMAL's exact text (BigDecimal's
        digits and scale, ``str`` of the field's ``Decimal``) beside the REAL
        that SQLite compares and computes with (``sqlite``): what a bare DECIMAL
        column reads. ``x`` before ``column_name``'s ``c_``/``cx_`` forms."""
        return "x" + column_name(self.name)

    @property
    def whole(self) -> bool:
        """The column is the key or the value itself, not a field of an object."""
        return self.whole_key or self.whole_value

    @property
    def sqlite(self) -> str:
        """The entry table's column holding this one (``sqltext.column_name``)."""
        return self.exact_sqlite if self.exact else column_name(self.name)


_TableSignature = tuple[tuple[str, str], int, str, CacheConfiguration]


@dataclass(frozen=True, slots=True)
class _ColumnState:
    missing: list[Column]  # typed columns the entry table lacks
    strays: set[str]  # entry-table columns no SQL column owns
    exists: bool  # the trigger filling the typed columns is there
    current: bool  # ... and it is this version's (``_trigger``)

    @property
    def ready(self) -> bool:
        return not self.missing and not self.strays and self.current


@dataclass(slots=True)
class Table:
    """One SQL table. Never changed once made (the catalog makes new ones), so
    what is derived from its columns is computed once, in ``__post_init__``."""

    schema: str
    name: str
    cache_id: int
    cache_name: str
    tbl: str
    entity: QueryEntity
    config: CacheConfiguration
    columns: list[Column] = field(default_factory=list)
    hidden_key: Column | None = None  # see ``_hidden_key``; never in ``columns``
    # The ``value_tag`` a value must have to be a row (``value_check``).
    value_check: int | None = field(init=False, repr=False)
    # The typed column holding each entry's ``value_tag`` (when checked).
    tag_column: Column | None = field(init=False, repr=False)
    # The typed column holding the whole key (``_KEY``), if the key is a value.
    key_column: Column | None = field(init=False, repr=False)
    # The column holding the whole value, if the value is a plain type.
    value_column: Column | None = field(init=False, repr=False)
    key_columns: list[Column] = field(init=False, repr=False)
    value_columns: list[Column] = field(init=False, repr=False)
    # Every typed column of the entry table (``columns``, the hidden key, the
    # value's tag, the exact texts of DECIMAL columns), and the entry table's
    # names of them, in that order.
    typed_columns: list[Column] = field(init=False, repr=False)
    typed_names: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        check = value_check(self.entity)
        self.value_check = None if check is None else tag_of(*check)
        self.tag_column = None if check is None else _tag_column()
        whole_keys = [c for c in self.columns if c.whole_key]
        self.key_column = whole_keys[0] if whole_keys else self.hidden_key
        whole_values = [c for c in self.columns if c.whole_value]
        self.value_column = whole_values[0] if whole_values else None
        self.key_columns = [c for c in self.columns if c.is_key]
        self.value_columns = [c for c in self.columns if not c.is_key]
        extra = [c for c in (self.hidden_key, self.tag_column) if c is not None]
        exact = [replace(c, exact=True) for c in self.columns if _is_decimal(c)]
        self.typed_columns = [*self.columns, *extra, *exact]
        self.typed_names = tuple(c.sqlite for c in self.typed_columns)

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


def _is_decimal(c: Column) -> bool:
    return c.type.name == "DECIMAL"


def _tag_column() -> Column:
    return Column(
        _TAG_NAME,
        _TYPES_BY_NAME["BIGINT"],
        False,
        False,
        -1,
        -1,
        False,
        0,
        "",
        value_tag=True,
    )


def unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1]
    return name


def schema_of(cfg: CacheConfiguration) -> str:
    """The SQL schema of a cache: its ``sql_schema`` (unquoted), else its name."""
    if cfg.sql_schema:
        s = cfg.sql_schema
        return unquote(s) if s.startswith('"') else s.upper()
    return cfg.name


# The wire type of a value of each Java class Ignite loads as a plain value type
# (a plain value is a row of such a table only if it is of that class).
_PLAIN_VALUE_CODES = {
    "java.lang.Byte": TypeCode.BYTE,
    "java.lang.Short": TypeCode.SHORT,
    "java.lang.Integer": TypeCode.INT,
    "java.lang.Long": TypeCode.LONG,
    "java.lang.Float": TypeCode.FLOAT,
    "java.lang.Double": TypeCode.DOUBLE,
    "java.lang.Character": TypeCode.CHAR,
    "java.lang.Boolean": TypeCode.BOOL,
    "java.lang.String": TypeCode.STRING,
    "java.util.UUID": TypeCode.UUID,
    "java.util.Date": TypeCode.DATE,
    "[B": TypeCode.BYTE_ARRAY,
    "java.math.BigDecimal": TypeCode.DECIMAL,
    "java.sql.Timestamp": TypeCode.TIMESTAMP,
    "java.sql.Time": TypeCode.TIME,
}


_TAG_NAME = "\0value type"  # no SQL name: a NUL ends a name in Ignite's clients
_TAG_TYPE = "VALUE_TAG"  # eg_field's type argument for the tag
_EXACT_TYPE = "DECIMAL_EXACT"  # ... for a DECIMAL's exact text


_TYPE_ID = struct.Struct("<I")  # an object's type id, unsigned (tag_of's tid bits)


def tag_of(code: int, tid: int) -> int:
    """A value's type as one integer: its type code, and an object's type id."""
    return (code << 32) | (tid & 0xFFFFFFFF)


def value_tag(blob: bytes) -> int | None:
    """The ``tag_of`` a stored value (a wrapped object: of the object inside)."""
    if not blob:
        return None
    code = blob[0]
    if code == TypeCode.BINARY_OBJECT and len(blob) > 9:  # wrapped: i32 length first
        blob = blob[5:]
        code = blob[0]
    if code == TypeCode.COMPLEX_OBJECT and len(blob) >= 8:
        tid: int = _TYPE_ID.unpack_from(blob, 4)[0]
        return (code << 32) | tid
    return code << 32  # tag_of(code, 0)


def value_check(e: QueryEntity) -> tuple[int, int] | None:
    """What an entry's value must be to be a row of the entity's table, as Ignite
    indexes an entry only under its value's type: ``(type code, 0)`` for a plain
    class, ``(COMPLEX_OBJECT, type id)`` for a binary type (any name no JVM class
    has, ``byte[]`` too: no plain value is such an object). None: not checked (a
    JDK class we do not map)."""
    name = e.value_type_name
    if not name:
        return None
    code = _PLAIN_VALUE_CODES.get(name)
    if code is not None:
        return int(code), 0
    if name.startswith("java."):
        return None
    return int(TypeCode.COMPLEX_OBJECT), type_id(name)


# Schemas every node has: Ignite's default, H2's catalog, Ignite's system views.
BUILTIN_SCHEMAS = frozenset({"PUBLIC", "INFORMATION_SCHEMA", "SYS"})


def type_name_of(e: QueryEntity) -> str:
    """Ignite's name of an entity's value type (``QueryUtils.typeName``): the class
    name without its package and enclosing classes, ``[]`` spelled ``_array``."""
    name = e.value_type_name or ""
    dot = name.rfind(".")
    if 0 <= dot < len(name) - 1:
        name = name[dot + 1 :]
    if name.endswith("[]"):
        name = name[:-2] + "_array"
    return name[name.rfind("$") + 1 :]


def _table_name(e: QueryEntity) -> str:
    if e.table_name:
        return e.table_name
    simple = (e.value_type_name or "").rsplit(".", 1)[-1]
    return simple.upper()


def _columns(e: QueryEntity) -> list[Column]:
    """The SQL columns of an entity, named by the field aliases of the stored
    configuration (which carry Ignite's normalization: upper-cased unless the
    cache escapes names, so field ``name`` of a key-value cache is column NAME)."""
    aliases = dict(e.field_name_aliases)
    cols = []
    for f in e.query_fields:
        whole = e.key_field_name is not None and f.name == e.key_field_name
        whole_value = (
            not whole
            and not f.is_key_field
            and e.value_field_name is not None
            and f.name == e.value_field_name
        )
        t = from_java_name(f.type_name)
        column = unquote(aliases.get(f.name, f.name))
        cols.append(
            Column(
                column,
                t,
                f.is_key_field or whole,
                whole,
                f.precision,
                f.scale,
                f.is_notnull_constraint_field,
                field_id(f.name),
                f.type_name,
                f.name if column != f.name else "",
                whole_value,
            )
        )
    return cols


def _hidden_key(e: QueryEntity, cols: list[Column]) -> Column | None:
    """A typed column for ``_KEY`` when the key is a plain value (a Java scalar
    type) that no query field names: SQL compares ``_KEY`` as that value."""
    if any(c.whole_key for c in cols):
        return None
    t = from_java_name(e.key_type_name or "")
    if t.name == "OTHER":
        return None
    return Column("_KEY", t, True, True, -1, -1, False, 0, e.key_type_name or "")


_SQLITE_VALUES = frozenset({int, float, str, bytes, type(None)})


# (blob, the binary type it was read under, field id -> value, field id ->
# (start, end) of its data object)
_Memo = tuple[
    bytes | None, BinaryType | None, dict[int, Any], dict[int, tuple[int, int]]
]


@dataclass(frozen=True, slots=True)
class _OneType:
    """The type registry ``parse_layout`` reads one object under: the binary
    type already looked up for it."""

    meta: BinaryType | None

    def binary_type(self, type_id: int) -> BinaryType | None:
        return self.meta

    def data_class(self, type_id: int, schema_id: int) -> type | None:
        return None


class FieldReader:
    """The ``eg_field(blob, field_id, type)`` SQL function, memoized per blob."""

    def __init__(self, binary_type: Callable[[int], BinaryType | None]) -> None:
        self._binary_type = binary_type
        # The last two blobs read and their fields (``_Memo``): a trigger reads
        # every typed column of a row from its key and value blobs, one call
        # each. One tuple, replaced whole, so a reader on another thread never
        # pairs one blob with another's fields. Found again for equal bytes
        # only under the same binary type record (the same object:
        # ``BinaryTypes.get`` hands out one per stored text), as equal bytes
        # written after a table was dropped and made again may read otherwise.
        self._memos: tuple[_Memo, _Memo] = ((None, None, {}, {}),) * 2

    def binary_type(self, type_id: int) -> BinaryType | None:
        return self._binary_type(type_id)

    def data_class(self, type_id: int, schema_id: int) -> type | None:
        return None

    def __call__(self, blob: Any, fid: int, type_name: str) -> Any:
        # Runs inside SQLite triggers on every write: no blob may make it raise,
        # nor answer what SQLite cannot hold (a value of another type than the
        # column's: an entry that is no row of the table, see ``value_check``).
        # Its own read of the binary type is a statement on the same connection:
        # if that fails (SQLite's progress handler stopped it: a deadline, a
        # budget), the calling statement fails too, never goes on with a NULL.
        try:
            v = self._field(blob, fid, type_name)
        except sqlite3.Error:
            raise
        except Exception:
            return None
        return v if type(v) in _SQLITE_VALUES else None

    def _field(self, blob: Any, fid: int, type_name: str) -> Any:
        if blob is None:
            return None
        exact = type_name == _EXACT_TYPE
        if type_name == _TAG_TYPE:
            return value_tag(bytes(blob))
        t = _TYPES_BY_NAME.get("DECIMAL" if exact else type_name)
        if t is None:
            return None
        if exact:
            return self._exact(blob, fid)
        if t.name == "OTHER":
            return self._data_object(blob, fid)
        if fid == 0:
            try:
                value, _ = decode_field(blob, 0)
            except IgniteError:
                return None
            return to_stored(value, t)
        return to_stored(self._fields_of(blob)[2].get(fid), t)

    def _data_object(self, blob: Any, fid: int) -> bytes | None:
        """A field of a class SQL does not know (OTHER) as its data object, the
        bytes Ignite sends for it (a ``byte[]`` field: its byte array)."""
        if fid == 0:
            return bytes(blob)
        _, _, fields, spans = self._fields_of(blob)
        span = spans.get(fid)
        if span is None or fields.get(fid) is None:
            return None
        return bytes(blob[span[0] : span[1]])

    def _exact(self, blob: Any, fid: int) -> str | None:
        """A DECIMAL field as its exact text (the typed column holds a REAL)."""
        if fid == 0:
            try:
                value = decode_field(blob, 0)[0]
            except IgniteError:
                return None
        else:
            value = self._fields_of(blob)[2].get(fid)
        return None if value is None else exact_text(value)

    def _fields_of(self, blob: bytes) -> _Memo:
        memos = self._memos
        for memo in memos:
            if blob == memo[0]:
                tid = _type_id_of(blob)
                if tid is not None and self._binary_type(tid) is memo[1]:
                    return memo
        memo = self._read(blob)
        self._memos = (memo, memos[0])
        return memo

    def _read(self, blob: bytes) -> _Memo:
        spans: dict[int, tuple[int, int]] = {}
        tid = _type_id_of(blob)
        if tid is None:
            return None, None, {}, spans  # (never found again)
        meta = self._binary_type(tid) if tid else None
        try:
            layout = parse_layout(blob, 0, _OneType(meta) if tid else self)
        except IgniteError:
            return blob, meta, {}, spans
        out: dict[int, Any] = {}
        mv = memoryview(blob)[: layout.fields_end]
        for fid, off in zip(layout.field_ids or (), layout.offsets, strict=False):
            try:
                out[fid], end = decode_field(mv, off)
                spans[fid] = (off, end)
            except IgniteError:
                out[fid] = None
        return (blob if tid else None), meta, out, spans


def _type_id_of(blob: bytes) -> int | None:
    """The type id in the header of a stored object (0: named by its class
    name); None for anything else."""
    if len(blob) < 8 or blob[0] != TypeCode.COMPLEX_OBJECT:
        return None
    return int.from_bytes(blob[4:8], "little", signed=True)


def _types_by_name() -> dict[str, SqlType]:
    from embergrid.engine.sql.types import TYPES

    return dict(TYPES)


_TYPES_BY_NAME = _types_by_name()


class Catalog:
    """Every table of the cluster, derived from the cache registry."""

    def __init__(self, store: Store, binary_type: Callable[[int], BinaryType | None]):
        self._store = store
        self.conn: sqlite3.Connection = store.conn
        self.reader = FieldReader(binary_type)
        self.conn.create_function("eg_field", 3, self.reader, deterministic=True)
        with store.atomic() as conn:
            conn.execute(_DDL_TABLE)
            conn.execute(_INDEX_TABLE)
        self._seen: list[tuple[int, str, str]] = []
        self._seen_indexes: list[tuple[str, str, str]] = []
        self.tables: dict[tuple[str, str], Table] = {}
        self.by_cache: dict[int, Table] = {}
        # The schemas a statement may run in (``has_schema``).
        self.schemas: frozenset[str] = BUILTIN_SCHEMAS
        self.generation = 0
        self._signature: list[_TableSignature] | None = None
        self._mark: tuple[int, int] | None = None

    # -- refresh ------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-derive the tables when the cache registry changed.

        The registry cannot have changed while no row changed on this connection
        (``total_changes``) and no other connection committed (``data_version``),
        so then the registry is not read at all. Only a state read outside a
        transaction is remembered (a rolled-back change leaves no trace in either
        counter).
        """
        mark = (self.conn.total_changes, self._store.data_version())
        if mark == self._mark:
            return
        self._read_registry()
        self._mark = None if self.conn.in_transaction else mark

    def _read_registry(self) -> None:
        rows = self.conn.execute(
            "SELECT cache_id, tbl, config FROM caches ORDER BY cache_id"
        ).fetchall()
        indexes = self._index_rows()
        if rows == self._seen and indexes == self._seen_indexes:
            return
        if rows == self._seen:  # an index made or dropped (maybe by another process):
            self._seen_indexes = indexes  # plans keep their row order by generation
            self.generation += 1
            return
        self._forget_dropped_indexes()
        tables: dict[tuple[str, str], Table] = {}
        by_cache: dict[int, Table] = {}
        schemas = set(BUILTIN_SCHEMAS)
        for cache_id, tbl, text in rows:
            cfg = decode_config(text)
            if cfg.sql_schema or cfg.query_entities:
                schemas.add(schema_of(cfg))
            for e in cfg.query_entities:
                cols = _columns(e)
                t = Table(
                    schema_of(cfg),
                    _table_name(e),
                    cache_id,
                    cfg.name,
                    tbl,
                    e,
                    cfg,
                    cols,
                    _hidden_key(e, cols),
                )
                tables[(t.schema, t.name)] = t
                by_cache.setdefault(cache_id, t)
        for t in by_cache.values():
            self._ensure_columns(t)
        # Plans stay good unless a table changed (a cache with no query entity,
        # made or destroyed, changes none) or an index did.
        signature = [(k, t.cache_id, t.tbl, t.config) for k, t in tables.items()]
        new_indexes = self._index_rows()
        if (
            signature != self._signature
            or new_indexes != self._seen_indexes
            or schemas != self.schemas  # a statement cached in a schema now gone
        ):
            self.generation += 1
        self.tables, self.by_cache, self._seen = tables, by_cache, rows
        self.schemas = frozenset(schemas)
        self._seen_indexes, self._signature = new_indexes, signature

    def _ensure_columns(self, t: Table) -> None:
        if self._columns_ready(t):
            return
        with self._store.atomic() as conn:
            # Again inside the write transaction: another process sharing the store
            # may have done it meanwhile (indexes made twice would be orphans).
            state = self._column_state(t)
            if state.ready:
                return
            self._drop_strays(t, state.strays)
            tbl = ident(t.tbl)
            for c in state.missing:
                conn.execute(
                    f"ALTER TABLE {tbl} ADD COLUMN {ident(c.sqlite)} {c.affinity}"
                )
            conn.execute(f"DROP TRIGGER IF EXISTS {ident(t.tbl + '_sql')}")
            typed = t.typed_columns
            if typed:
                conn.execute(_trigger(t))
                conn.execute(
                    f"UPDATE {tbl} SET "
                    + ", ".join(f"{ident(c.sqlite)} = {_extract(c)}" for c in typed)
                )
            keys = t.key_columns or ([t.hidden_key] if t.hidden_key else [])
            if keys:
                cols = ", ".join(ident(c.sqlite) for c in keys)
                pk = ident(t.tbl + "_pk")
                conn.execute(f"CREATE INDEX IF NOT EXISTS {pk} ON {tbl} ({cols})")
            if not state.exists:  # the first time SQL sees this cache
                self._entity_indexes(t)

    def _drop_strays(self, t: Table, strays: set[str]) -> None:
        """Remove columns of the entry table that no SQL column owns (left by a
        dropped column, an older naming of columns, or a store written before
        names were quoted), with the trigger and every index using them."""
        if not strays:
            return
        conn = self.conn
        conn.execute(f"DROP TRIGGER IF EXISTS {ident(t.tbl + '_sql')}")
        indexes = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            " AND sql IS NOT NULL",
            (t.tbl,),
        ).fetchall()
        for (name,) in indexes:
            used = {r[2] for r in conn.execute(f"PRAGMA index_info({ident(name)})")}
            if used & strays:
                conn.execute(f"DROP INDEX {ident(name)}")
                conn.execute("DELETE FROM sql_indexes WHERE sqlite_name = ?", (name,))
        for col in sorted(strays):
            conn.execute(f"ALTER TABLE {ident(t.tbl)} DROP COLUMN {ident(col)}")

    def _index_rows(self) -> list[tuple[str, str, str]]:
        return self.conn.execute(
            "SELECT schema, name, sqlite_name FROM sql_indexes ORDER BY schema, name"
        ).fetchall()

    def _forget_dropped_indexes(self) -> None:
        """Index names of caches destroyed (by any process, through any op) are
        free again; their SQLite indexes went with the entry table."""
        with self._store.atomic() as conn:
            conn.execute(
                "DELETE FROM sql_indexes"
                " WHERE cache_name NOT IN (SELECT name FROM caches)"
            )

    def _column_state(self, t: Table) -> _ColumnState:
        """How the entry table's typed columns and trigger stand against ``t``."""
        have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({ident(t.tbl)})")}
        want = {c.sqlite for c in t.typed_columns}
        missing = [c for c in t.typed_columns if c.sqlite not in have]
        trigger = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type='trigger' AND name=?",
            (f"{t.tbl}_sql",),
        ).fetchone()
        exists = trigger is not None
        current = exists and trigger[0] == _trigger(t)
        return _ColumnState(missing, have - want - _ENTRY_COLUMNS, exists, current)

    def _columns_ready(self, t: Table) -> bool:
        return self._column_state(t).ready

    # -- indexes --------------------------------------------------------------------

    def add_index(self, t: Table, name: str, cols: list[tuple[Column, bool]]) -> None:
        """Create SQL index ``name`` of ``t``: a SQLite index on the typed columns
        (each with its DESC flag), listed in ``sql_indexes``."""
        n = self.conn.execute("SELECT count(*) FROM sql_indexes").fetchone()[0]
        sqlite_name = f"{t.tbl}_ix{n}_{uuid.uuid4().hex[:6]}"
        text = ", ".join(ident(c.sqlite) + (" DESC" if d else "") for c, d in cols)
        self.conn.execute(
            f"CREATE INDEX {ident(sqlite_name)} ON {ident(t.tbl)} ({text})"
        )
        self.conn.execute(
            "INSERT INTO sql_indexes (schema, name, cache_name, sqlite_name)"
            " VALUES (?, ?, ?, ?)",
            (t.schema, name, t.cache_name, sqlite_name),
        )

    def _entity_indexes(self, t: Table) -> None:
        """The SORTED indexes the query entity declares, made when SQL first sees
        the cache (Ignite makes them with the table; a DROP INDEX of one lasts,
        though the configuration still lists it). Names are the entity's, as
        the cache registry normalized them. A name another table's index holds
        in the schema is skipped: it would be that index's to drop."""
        self.conn.execute(
            "DELETE FROM sql_indexes WHERE cache_name = ?", (t.cache_name,)
        )
        for ix in t.entity.query_indexes:
            if ix.index_type != _SORTED or not ix.index_name or not ix.fields:
                continue
            taken = self.conn.execute(
                "SELECT 1 FROM sql_indexes WHERE schema = ? AND name = ?",
                (t.schema, ix.index_name),
            ).fetchone()
            if taken:
                continue
            cols = [(_field_column(t, f.name), f.is_descending) for f in ix.fields]
            known = [(c, desc) for c, desc in cols if c is not None]
            if len(known) == len(cols):
                self.add_index(t, ix.index_name, known)

    # -- look-ups -------------------------------------------------------------------

    def table(self, schema: str, name: str) -> Table | None:
        return self.tables.get((schema, name))

    def table_of_cache(self, cache_id: int) -> Table | None:
        return self.by_cache.get(cache_id)

    def table_of_type(self, cache_id: int, type_name: str) -> Table | None:
        """The table of cache ``cache_id`` whose value type is ``type_name`` (Ignite's
        type name: the simple class name, ``type_name``), as op 2002 names it."""
        for t in self.tables.values():
            if t.cache_id == cache_id and type_name_of(t.entity) == type_name:
                return t
        return None

    def has_schema(self, schema: str) -> bool:
        """Whether H2 knows ``schema`` (exact spelling): PUBLIC, H2's own, and the
        schema of every cache with an SQL schema or a query entity."""
        return schema in self.schemas

    def indexes(self, t: Table) -> list[list[tuple[Column, bool]]]:
        """The secondary indexes of ``t`` in creation order: each its columns
        with their DESC flag (read from the SQLite index ``CREATE INDEX`` made)."""
        by_sqlite = {c.sqlite: c for c in t.columns}
        names = self.conn.execute(
            "SELECT sqlite_name FROM sql_indexes WHERE cache_name = ? ORDER BY rowid",
            (t.cache_name,),
        ).fetchall()
        out = []
        for (name,) in names:
            info = self.conn.execute(f"PRAGMA index_xinfo({ident(name)})").fetchall()
            cols = [
                (by_sqlite[r[2]], bool(r[3]))
                for r in info
                if r[5] and r[2] in by_sqlite
            ]
            if cols:
                out.append(cols)
        return out

    def created_by_ddl(self, cache_name: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM sql_ddl_caches WHERE name = ?", (cache_name,)
            ).fetchone()
            is not None
        )

    def mark_ddl(self, cache_name: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO sql_ddl_caches (name) VALUES (?)", (cache_name,)
        )

    def unmark_ddl(self, cache_name: str) -> None:
        self.conn.execute("DELETE FROM sql_ddl_caches WHERE name = ?", (cache_name,))
        self.conn.execute("DELETE FROM sql_indexes WHERE cache_name = ?", (cache_name,))


def _field_column(t: Table, name: str) -> Column | None:
    """The column of a query entity's field (by field name, else column name)."""
    for c in t.columns:
        if c.field_name == name:
            return c
    return t.column(name)


def _trigger(t: Table) -> str:
    """The trigger filling the typed columns of a new entry from its blobs,
    unless the write gave them (``entries.Columns``): then one is not NULL (a
    row SQL writes has a key column at least)."""
    tbl = ident(t.tbl)
    typed = t.typed_columns
    sets = ", ".join(f"{ident(c.sqlite)} = {_extract(c, 'new')}" for c in typed)
    unset = " AND ".join(f"new.{ident(c.sqlite)} IS NULL" for c in typed)
    return (
        f"CREATE TRIGGER {ident(t.tbl + '_sql')} AFTER INSERT ON {tbl}"
        f" WHEN {unset} BEGIN UPDATE {tbl} SET {sets} WHERE key = new.key; END"
    )


def typed_row(
    t: Table, cols: Sequence[Column]
) -> Callable[[Sequence[Any], bytes], tuple[Any, ...]]:
    """For rows SQL writes into ``t`` giving ``cols``: their typed columns
    (``typed_names``) from the field values the row wrote (in ``cols``' order)
    and its value blob, the same as the trigger's ``eg_field`` would read back
    from the blobs. Each column's step and source are chosen once: a value of
    the row, the value blob (its tag) or nothing (a column the row lacks)."""
    at = {c.name: i for i, c in enumerate(cols)}
    blob, nothing = len(cols), len(cols) + 1  # where the row's sources end
    sources: list[int] = []
    steps: list[Callable[[Any], Any]] = []
    for c in t.typed_columns:
        if c.value_tag:
            sources.append(blob)
            steps.append(value_tag)
        else:
            sources.append(at.get(c.name, nothing))
            steps.append(_typed_step(c))
    pick = itemgetter(*sources)

    def row(values: Sequence[Any], value: bytes) -> tuple[Any, ...]:
        picked = pick([*values, value, None])
        return tuple(map(call, steps, picked if len(steps) > 1 else (picked,)))

    return row


def _typed_step(c: Column) -> Callable[[Any], Any]:
    """A field value (or None) as ``c``'s typed column holds it."""
    if c.exact:
        return _none_or(exact_text)
    if c.type.name == "OTHER":
        return _none_or(field_encoder(c.type))
    return stored_converter(c.type)


def _none_or(step: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else step(v)


def exact_text(v: Any) -> str:
    """A DECIMAL field value's exact text, as ``eg_field`` reads it back from the
    stored field (which has no negative zero, as BigDecimal has none)."""
    if isinstance(v, Decimal) and v.is_zero():
        v = v.copy_abs()
    return str(v)


def _extract(c: Column, row: str = "") -> str:
    """The ``eg_field`` call reading ``c`` from the key or value blob (of the
    trigger's ``row`` alias when given)."""
    blob = "key" if c.is_key else "value"
    if row:
        blob = f"{row}.{blob}"
    fid = 0 if c.whole else c.field_id
    kind = _TAG_TYPE if c.value_tag else _EXACT_TYPE if c.exact else c.type.name
    return f"eg_field({blob}, {int(fid)}, {literal(kind)})"

"""Scan, SQL and SQL-fields queries and their cursor pages, 2000-2005 (reference §7.5).

Owns the query requests (after the cache prefix), the get-page requests
(``i64 cursorId``) and the cursor pages: entry pages (``i32 n``, n x key/value
objects, ``bool hasMore``) for scan and SQL, row pages (``i32 rows``, rows x
columns objects, ``bool hasMore``) for SQL-fields. A first response carries the
cursor id (and for SQL-fields the column block) before its page; next-page
responses carry only the page. Standard library only; must not import the
client, the server or the engine.

Layout switches: SQL-fields requests gain a partition list and an update batch
size with QRY_PARTITIONS_BATCH_SIZE (bit 7); the SQL-fields response has column
names only if the request asked for them (``include_field_names`` argument); a
row page needs the column count from the first response (``column_count``
argument; when ``None`` it is inferred from the page, whose objects must end one
byte before the body does).

Speed: a 2004 request with SQL text and no partition list (nearly all) is read
with a few struct unpacks (``_fast_sql_fields_query``); anything else, and every
malformed body, goes through the field-by-field reader. Row pages are written
with one ``b"".join`` over their cells.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, fields
from itertools import chain

from embergrid.errors import ParseError
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.codes import CacheRequestFlag, ProtocolFeature, TypeCode
from embergrid.protocol.messages._fields import (
    NULL_OBJECT,
    expect_end,
    read_count,
    read_obj,
    read_str,
    write_obj,
    write_str,
)
from embergrid.protocol.messages.cache import (
    CachePrefix,
    plain_prefix,
    read_entries,
    read_objects,
    read_prefix,
    write_entries,
    write_objects,
    write_prefix,
)
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "EntryCursorResponse",
    "EntryPageResponse",
    "RowPageResponse",
    "ScanCursorGetPage",
    "ScanQuery",
    "SqlCursorGetPage",
    "SqlFieldsCursorGetPage",
    "SqlFieldsQuery",
    "SqlFieldsResponse",
    "SqlQuery",
]

_BATCH = ProtocolFeature.QRY_PARTITIONS_BATCH_SIZE
Rows = tuple[tuple[bytes, ...], ...]
Entries = tuple[tuple[bytes, bytes], ...]


# -- cursor pages ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryCursorResponse:
    """2000/2002 response: the new cursor and its first entry page."""

    cursor_id: int
    entries: Entries
    has_more: bool


@dataclass(frozen=True, slots=True)
class EntryPageResponse:
    """2001/2003 response: the next entry page."""

    entries: Entries
    has_more: bool


def decode_entry_cursor_response(
    body: Buffer, ctx: ProtocolContext
) -> EntryCursorResponse:
    r = Reader(body)
    cursor_id, entries, has_more = r.i64(), read_entries(r), r.bool()
    expect_end(r)
    return EntryCursorResponse(cursor_id, entries, has_more)


def encode_entry_cursor_response(
    msg: EntryCursorResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.i64(msg.cursor_id)
    write_entries(w, msg.entries)
    w.bool(msg.has_more)
    return w.getvalue()


def decode_entry_page_response(body: Buffer, ctx: ProtocolContext) -> EntryPageResponse:
    r = Reader(body)
    entries, has_more = read_entries(r), r.bool()
    expect_end(r)
    return EntryPageResponse(entries, has_more)


def encode_entry_page_response(msg: EntryPageResponse, ctx: ProtocolContext) -> bytes:
    w = Writer()
    write_entries(w, msg.entries)
    w.bool(msg.has_more)
    return w.getvalue()


def _read_rows(r: Reader, columns: int) -> Rows:
    pos = r.pos
    count = read_count(r, columns)
    if count and not columns:
        raise ParseError(f"{count} rows without columns at offset {pos}")
    return tuple(tuple(read_obj(r) for _ in range(columns)) for _ in range(count))


def _infer_rows(r: Reader) -> Rows:
    """Rows when the column count is unknown: every object up to the last byte."""
    pos = r.pos
    count = read_count(r)
    objects: list[bytes] = []
    while r.remaining() > 1:
        objects.append(read_obj(r))
    if (count == 0) != (not objects) or (count and len(objects) % count):
        raise ParseError(
            f"{len(objects)} objects do not make {count} rows (offset {pos})"
        )
    columns = len(objects) // count if count else 0
    return tuple(
        tuple(objects[i : i + columns]) for i in range(0, len(objects), columns or 1)
    )


def _write_rows(w: Writer, rows: Rows) -> None:
    w.i32(len(rows))
    w.out += b"".join(chain.from_iterable(rows))  # each cell is an encoded object


@dataclass(frozen=True, slots=True)
class RowPageResponse:
    """2005 response: the next row page of a SQL-fields cursor."""

    rows: Rows
    has_more: bool


def decode_row_page_response(
    body: Buffer, ctx: ProtocolContext, column_count: int | None = None
) -> RowPageResponse:
    r = Reader(body)
    rows = _infer_rows(r) if column_count is None else _read_rows(r, column_count)
    has_more = r.bool()
    expect_end(r)
    return RowPageResponse(rows, has_more)


def encode_row_page_response(msg: RowPageResponse, ctx: ProtocolContext) -> bytes:
    w = Writer()
    _write_rows(w, msg.rows)
    w.bool(msg.has_more)
    return w.getvalue()


# -- get-page requests -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanCursorGetPage:
    """2001 → ``EntryPageResponse``."""

    cursor_id: int


@dataclass(frozen=True, slots=True)
class SqlCursorGetPage:
    """2003 → ``EntryPageResponse``."""

    cursor_id: int


@dataclass(frozen=True, slots=True)
class SqlFieldsCursorGetPage:
    """2005 → ``RowPageResponse``."""

    cursor_id: int


def _read_cursor_id(body: Buffer) -> int:
    r = Reader(body)
    cursor_id = r.i64()
    expect_end(r)
    return cursor_id


def encode_cursor_get_page(
    msg: ScanCursorGetPage | SqlCursorGetPage | SqlFieldsCursorGetPage,
    ctx: ProtocolContext,
) -> bytes:
    w = Writer()
    w.i64(msg.cursor_id)
    return w.getvalue()


def decode_scan_cursor_get_page(
    body: Buffer, ctx: ProtocolContext
) -> ScanCursorGetPage:
    return ScanCursorGetPage(_read_cursor_id(body))


def decode_sql_cursor_get_page(body: Buffer, ctx: ProtocolContext) -> SqlCursorGetPage:
    return SqlCursorGetPage(_read_cursor_id(body))


def decode_sql_fields_cursor_get_page(
    body: Buffer, ctx: ProtocolContext
) -> SqlFieldsCursorGetPage:
    return SqlFieldsCursorGetPage(_read_cursor_id(body))


encode_scan_cursor_get_page = encode_cursor_get_page
encode_sql_cursor_get_page = encode_cursor_get_page
encode_sql_fields_cursor_get_page = encode_cursor_get_page


# -- 2000 QUERY_SCAN -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanQuery:
    """2000 → ``EntryCursorResponse``.

    ``filter`` is an encoded object (``NULL_OBJECT`` = none); ``filter_platform``
    (1 Java, 2 .NET, 3 C++) travels only with a filter. A negative ``partition``
    scans all partitions.
    """

    prefix: CachePrefix
    page_size: int
    partition: int = -1
    local: bool = False
    filter: bytes = NULL_OBJECT
    filter_platform: int | None = None


def decode_scan_query(body: Buffer, ctx: ProtocolContext) -> ScanQuery:
    r = Reader(body)
    prefix = read_prefix(r)
    filter_obj = read_obj(r)
    platform = None if filter_obj == NULL_OBJECT else r.u8()
    page_size, partition, local = r.i32(), r.i32(), r.bool()
    expect_end(r)
    return ScanQuery(prefix, page_size, partition, local, filter_obj, platform)


def encode_scan_query(msg: ScanQuery, ctx: ProtocolContext) -> bytes:
    w = Writer()
    write_prefix(w, msg.prefix)
    write_obj(w, msg.filter)
    if msg.filter != NULL_OBJECT:
        w.u8(1 if msg.filter_platform is None else msg.filter_platform)
    w.i32(msg.page_size)
    w.i32(msg.partition)
    w.bool(msg.local)
    return w.getvalue()


# -- 2002 QUERY_SQL --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SqlQuery:
    """2002 → ``EntryCursorResponse``; ``args`` are encoded objects."""

    prefix: CachePrefix
    type_name: str | None
    sql: str | None
    args: tuple[bytes, ...] = ()
    distributed_joins: bool = False
    local: bool = False
    replicated_only: bool = False
    page_size: int = 1024
    timeout_ms: int = 0


def decode_sql_query(body: Buffer, ctx: ProtocolContext) -> SqlQuery:
    r = Reader(body)
    prefix = read_prefix(r)
    type_name, sql, args = read_str(r), read_str(r), read_objects(r)
    joins, local, replicated = r.bool(), r.bool(), r.bool()
    page_size, timeout_ms = r.i32(), r.i64()
    expect_end(r)
    return SqlQuery(
        prefix, type_name, sql, args, joins, local, replicated, page_size, timeout_ms
    )


def encode_sql_query(msg: SqlQuery, ctx: ProtocolContext) -> bytes:
    w = Writer()
    write_prefix(w, msg.prefix)
    write_str(w, msg.type_name)
    write_str(w, msg.sql)
    write_objects(w, msg.args)
    for flag in (msg.distributed_joins, msg.local, msg.replicated_only):
        w.bool(flag)
    w.i32(msg.page_size)
    w.i64(msg.timeout_ms)
    return w.getvalue()


# -- 2004 QUERY_SQL_FIELDS -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SqlFieldsQuery:
    """2004 → ``SqlFieldsResponse``.

    ``statement_type``: 0 ANY, 1 SELECT, 2 UPDATE. ``partitions`` (``None`` = all,
    sent as -1) and ``update_batch_size`` travel only with
    QRY_PARTITIONS_BATCH_SIZE (bit 7).
    """

    prefix: CachePrefix
    schema: str | None
    sql: str | None
    page_size: int = 1024
    max_rows: int = -1
    args: tuple[bytes, ...] = ()
    statement_type: int = 0
    distributed_joins: bool = False
    local: bool = False
    replicated_only: bool = False
    enforce_join_order: bool = False
    collocated: bool = False
    lazy: bool = False
    timeout_ms: int = 0
    include_field_names: bool = False
    partitions: tuple[int, ...] | None = None
    update_batch_size: int = 1


def _read_partitions(r: Reader) -> tuple[int, ...] | None:
    """``i32 n`` (-1 = no partition list) then n ``i32`` partitions."""
    pos = r.pos
    if r.i32() == -1:
        return None
    r.pos = pos
    return tuple(r.i32() for _ in range(read_count(r, 4)))


_I32 = struct.Struct("<i")
_II = struct.Struct("<ii")
_TAIL = struct.Struct("<B6?q?")  # statement type, six flags, timeout, names
_STR = 9
_FIXED_ARG = {int(TypeCode.INT): 5, int(TypeCode.LONG): 9}  # size from the code
_NO_PARTITIONS_BATCH = struct.Struct("<ii")  # -1 (no partition list), batch size


def _fast_str(buf: bytes, pos: int) -> tuple[str, int] | None:
    """A non-null ``Str`` at ``pos`` and the position after it, or None."""
    if buf[pos] != _STR:
        return None
    (n,) = _I32.unpack_from(buf, pos + 1)
    end = pos + 5 + n
    if n < 0 or end > len(buf):
        return None
    return buf[pos + 5 : end].decode(), end


_ID_FLAGS = struct.Struct("<iB")
_PREFIX_EXTRAS = int(
    CacheRequestFlag.WITH_EXPIRY_POLICY | CacheRequestFlag.TRANSACTIONAL
)


def _fast_prefix(buf: bytes) -> CachePrefix | None:
    """A plain five-byte prefix (no expiry policy, no transaction), else None."""
    if len(buf) < 5 or buf[4] & _PREFIX_EXTRAS:
        return None
    return plain_prefix(*_ID_FLAGS.unpack_from(buf))


def _fast_args(buf: bytes, pos: int, n: int) -> tuple[tuple[bytes, ...], int] | None:
    """``n`` data objects from ``pos`` and the position after them (None: too short)."""
    limit = len(buf)
    args = []
    for _ in range(n):
        if pos >= limit:
            return None
        size = _FIXED_ARG.get(buf[pos])
        end = pos + size if size is not None else object_end(buf, pos)
        if end > limit:
            return None
        args.append(buf[pos:end])
        pos = end
    return tuple(args), pos


# The fields of SqlFieldsQuery in order: the fast reader fills a new instance
# through the slots (a frozen dataclass's __init__ costs a call per field).
_FIELD_SETTERS = tuple(
    getattr(SqlFieldsQuery, f.name).__set__ for f in fields(SqlFieldsQuery)
)


def _new_sql_fields_query(values: tuple[object, ...]) -> SqlFieldsQuery:
    msg = object.__new__(SqlFieldsQuery)
    for set_field, value in zip(_FIELD_SETTERS, values, strict=True):
        set_field(msg, value)
    return msg


def _fast_sql_fields_query(body: Buffer, batch: bool) -> SqlFieldsQuery | None:
    """The common 2004 request (plain cache prefix, SQL text, no partition list)
    read with a few struct unpacks; None sends it to the general reader, which
    also produces every error."""
    buf = bytes(body)
    prefix = _fast_prefix(buf)
    if prefix is None:
        return None
    pos, schema = 5, None
    if buf[pos] == NULL_OBJECT[0]:
        pos += 1
    else:
        got = _fast_str(buf, pos)
        if got is None:
            return None
        schema, pos = got
    page_size, max_rows = _II.unpack_from(buf, pos)
    got = _fast_str(buf, pos + 8)
    if got is None:
        return None
    sql, pos = got
    (n,) = _I32.unpack_from(buf, pos)
    if n < 0 or n > len(buf) - pos - 4:
        return None
    read = _fast_args(buf, pos + 4, n)
    if read is None:
        return None
    args, pos = read
    if pos + _TAIL.size + (8 if batch else 0) != len(buf):
        return None
    tail = _TAIL.unpack_from(buf, pos)
    update_batch = 1
    if batch:
        parts, update_batch = _NO_PARTITIONS_BATCH.unpack_from(buf, pos + _TAIL.size)
        if parts != -1:
            return None
    return _new_sql_fields_query(
        (prefix, schema, sql, page_size, max_rows, args, *tail, None, update_batch)
    )


def decode_sql_fields_query(body: Buffer, ctx: ProtocolContext) -> SqlFieldsQuery:
    try:
        fast = _fast_sql_fields_query(body, ctx.has(_BATCH))
    except (struct.error, IndexError, UnicodeDecodeError, ParseError):
        fast = None  # the general reader raises the error, or reads what this cannot
    if fast is not None:
        return fast
    r = Reader(body)
    prefix = read_prefix(r)
    schema, page_size, max_rows, sql = read_str(r), r.i32(), r.i32(), read_str(r)
    args, statement_type = read_objects(r), r.u8()
    joins, local, replicated, join_order, collocated, lazy = (
        r.bool() for _ in range(6)
    )
    timeout_ms, include_names = r.i64(), r.bool()
    partitions, batch = None, 1
    if ctx.has(_BATCH):
        partitions, batch = _read_partitions(r), r.i32()
    expect_end(r)
    return SqlFieldsQuery(
        prefix,
        schema,
        sql,
        page_size,
        max_rows,
        args,
        statement_type,
        joins,
        local,
        replicated,
        join_order,
        collocated,
        lazy,
        timeout_ms,
        include_names,
        partitions,
        batch,
    )


_PAGE_MAX = struct.Struct("<ii")  # page size, max rows
_FIELDS_TAIL = struct.Struct("<B6?q?")  # statement type, six flags, timeout, names


def sql_fields_query_body(
    prefix: CachePrefix,
    schema: str | None,
    page_size: int,
    max_rows: int,
    sql: str | None,
    args: Sequence[bytes],
    statement_type: int = 0,
    distributed_joins: bool = False,
    local: bool = False,
    replicated_only: bool = False,
    enforce_join_order: bool = False,
    collocated: bool = False,
    lazy: bool = False,
    timeout_ms: int = 0,
    include_field_names: bool = False,
) -> bytes:
    """The 2004 body up to the feature-7 fields (``sql_fields_query_tail``): the one
    writer of this layout, used by the message encoder and by the client's SQL flow,
    which calls it without building a ``SqlFieldsQuery``."""
    w = Writer()
    write_prefix(w, prefix)
    write_str(w, schema)
    w.out += _PAGE_MAX.pack(page_size, max_rows)
    write_str(w, sql)
    w.i32(len(args))
    w.out += b"".join(args)
    w.out += _FIELDS_TAIL.pack(
        statement_type,
        distributed_joins,
        local,
        replicated_only,
        enforce_join_order,
        collocated,
        lazy,
        timeout_ms,
        include_field_names,
    )
    return bytes(w.out)


def sql_fields_query_tail(
    ctx: ProtocolContext,
    partitions: Sequence[int] | None = None,
    update_batch_size: int = 1,
) -> bytes:
    """The partition list and update batch size, sent only with feature bit 7."""
    if not ctx.has(_BATCH):
        return b""
    parts = () if partitions is None else tuple(partitions)
    count = -1 if partitions is None else len(parts)
    return struct.pack(f"<i{len(parts)}ii", count, *parts, update_batch_size)


def encode_sql_fields_query(msg: SqlFieldsQuery, ctx: ProtocolContext) -> bytes:
    return sql_fields_query_body(
        msg.prefix,
        msg.schema,
        msg.page_size,
        msg.max_rows,
        msg.sql,
        msg.args,
        msg.statement_type,
        msg.distributed_joins,
        msg.local,
        msg.replicated_only,
        msg.enforce_join_order,
        msg.collocated,
        msg.lazy,
        msg.timeout_ms,
        msg.include_field_names,
    ) + sql_fields_query_tail(ctx, msg.partitions, msg.update_batch_size)


@dataclass(frozen=True, slots=True)
class SqlFieldsResponse:
    """2004 response: cursor, columns (names only if requested), first row page."""

    cursor_id: int
    column_count: int
    field_names: tuple[str | None, ...] | None
    rows: Rows
    has_more: bool


def decode_sql_fields_response(
    body: Buffer, ctx: ProtocolContext, include_field_names: bool = False
) -> SqlFieldsResponse:
    r = Reader(body)
    cursor_id = r.i64()
    columns = read_count(r, 1 if include_field_names else 0)
    names = tuple(read_str(r) for _ in range(columns)) if include_field_names else None
    rows, has_more = _read_rows(r, columns), r.bool()
    expect_end(r)
    return SqlFieldsResponse(cursor_id, columns, names, rows, has_more)


_CURSOR_COLUMNS_ROWS = struct.Struct("<qii")
_HAS_MORE = (b"\x00", b"\x01")


def encode_sql_fields_response(msg: SqlFieldsResponse, ctx: ProtocolContext) -> bytes:
    if msg.field_names is None:  # the common case: one pack, the cells, a bool
        rows = msg.rows
        parts = [_CURSOR_COLUMNS_ROWS.pack(msg.cursor_id, msg.column_count, len(rows))]
        parts.extend(chain.from_iterable(rows))
        parts.append(_HAS_MORE[bool(msg.has_more)])
        return b"".join(parts)
    w = Writer()
    w.i64(msg.cursor_id)
    w.i32(msg.column_count if msg.field_names is None else len(msg.field_names))
    for name in msg.field_names or ():
        write_str(w, name)
    _write_rows(w, msg.rows)
    w.bool(msg.has_more)
    return w.getvalue()

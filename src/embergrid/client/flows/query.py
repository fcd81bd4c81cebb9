"""Scan, SQL and SQL-fields queries (ops 2000-2005) and their cursors, as flows.

Owns the first-page flows (``scan_open``, ``sql_open``, ``sql_fields_open``), the
next-page flows and ``cursor_close`` (op 0, only while the server still holds the
cursor). Every page is decoded here, fetching unknown binary types as needed; the
cursor shells just hold ``Page`` objects. A cursor is pinned to the connection that
opened it (``Page.conn``). Imports ``embergrid.protocol`` and ``embergrid.errors``.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from embergrid.client.flows._call import Call, Flow
from embergrid.client.flows._state import CacheRef, ClientState, current_tx
from embergrid.client.flows.admin import cache_settings
from embergrid.client.flows.values import decode_value, encode_values
from embergrid.errors import CacheError, ParameterTypeError, SQLError
from embergrid.protocol.binary import codec
from embergrid.protocol.binary.hashing import cache_id as _cache_id
from embergrid.protocol.binary.objects import UnknownBinaryType
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.messages import general
from embergrid.protocol.messages import query as qm
from embergrid.protocol.messages.cache import CachePrefix, plain_prefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer

PROP_QUERY_ENTITIES = 200

__all__ = [
    "DecodedRows",
    "Page",
    "cursor_close",
    "decode_first_page",
    "decode_next_page",
    "scan_next",
    "scan_open",
    "sql_fields_next",
    "sql_fields_open",
    "sql_next",
    "sql_open",
]


@dataclass(slots=True)
class Page:
    """One decoded page of a cursor and where to ask for the next."""

    cursor_id: int
    items: list[Any]
    more: bool
    conn: object
    column_count: int = 0


def _decode_all(state: ClientState, objects: Sequence[bytes]) -> Flow[list[Any]]:
    try:
        return [codec.decode(o, 0, state.types) for o in objects]
    except UnknownBinaryType:
        out = []
        for o in objects:
            out.append((yield from decode_value(state, o)))
        return out


def _entries(state: ClientState, entries: qm.Entries) -> Flow[list[Any]]:
    flat = yield from _decode_all(state, [x for pair in entries for x in pair])
    return list(zip(flat[::2], flat[1::2], strict=True))


def _prefix(state: ClientState, cache_id: int) -> tuple[CachePrefix, object | None]:
    tx = current_tx(state)
    if tx is None:
        return plain_prefix(cache_id), None
    return CachePrefix(cache_id, tx_id=tx.tx_id), tx.conn


# -- scan ----------------------------------------------------------------------


def scan_open(
    state: ClientState,
    cache: CacheRef,
    page_size: int = 1,
    partitions: int = -1,
    local: bool = False,
) -> Flow[Page]:
    prefix, conn = _prefix(state, cache.cache_id)
    msg = qm.ScanQuery(prefix, page_size, partitions, local)
    reply = yield Call(Op.QUERY_SCAN, msg, conn=conn)
    resp = reply.message
    items = yield from _entries(state, resp.entries)
    return Page(resp.cursor_id, items, resp.has_more, reply.conn)


def scan_next(state: ClientState, page: Page) -> Flow[Page]:
    reply = yield Call(
        Op.QUERY_SCAN_CURSOR_GET_PAGE,
        qm.ScanCursorGetPage(page.cursor_id),
        conn=page.conn,
    )
    items = yield from _entries(state, reply.message.entries)
    return Page(page.cursor_id, items, reply.message.has_more, page.conn)


# -- SQL (select_row) ------------------------------------------------------------


def sql_open(
    state: ClientState,
    cache: CacheRef,
    query_str: str,
    page_size: int = 1,
    query_args: Iterable[Any] | None = None,
    distributed_joins: bool = False,
    replicated_only: bool = False,
    local: bool = False,
    timeout: int = 0,
) -> Flow[Page]:
    settings = yield from cache_settings(cache)
    entities = settings.get(PROP_QUERY_ENTITIES) or [{}]
    type_name = entities[0].get("value_type_name")
    if not type_name:
        raise SQLError("Value type is unknown")
    prefix, conn = _prefix(state, cache.cache_id)
    args = tuple(encode_values(query_args)) if query_args else ()
    msg = qm.SqlQuery(
        prefix,
        type_name,
        query_str,
        args,
        distributed_joins,
        local,
        replicated_only,
        page_size,
        timeout,
    )
    reply = yield Call(Op.QUERY_SQL, msg, conn=conn, error=SQLError)
    resp = reply.message
    items = yield from _entries(state, resp.entries)
    return Page(resp.cursor_id, items, resp.has_more, reply.conn)


def sql_next(state: ClientState, page: Page) -> Flow[Page]:
    reply = yield Call(
        Op.QUERY_SQL_CURSOR_GET_PAGE,
        qm.SqlCursorGetPage(page.cursor_id),
        conn=page.conn,
        error=SQLError,
    )
    items = yield from _entries(state, reply.message.entries)
    return Page(page.cursor_id, items, reply.message.has_more, page.conn)


# -- SQL fields --------------------------------------------------------------------


def sql_cache_id(cache: Any) -> int:
    """The cache id ``Client.sql(cache=...)`` names: a name, an id, a cache or none."""
    if cache is None:
        return 0
    if isinstance(cache, int):
        return cache
    if isinstance(cache, str):
        return _cache_id(cache)
    return int(cache.cache_id)


def _rows(state: ClientState, rows: qm.Rows) -> Flow[list[Any]]:
    if not rows:
        return []
    width = len(rows[0])
    flat = yield from _decode_all(state, [x for row in rows for x in row])
    return [flat[i : i + width] for i in range(0, len(flat), width)]


@dataclass(slots=True)
class DecodedRows:
    """A SQL-fields response whose rows were decoded in place (the fast path).

    ``cursor_id``, ``column_count`` and ``field_names`` are set for a first page
    only (op 2004); a next page (op 2005) carries just ``rows`` and ``has_more``.
    """

    rows: list[list[Any]]
    has_more: bool
    cursor_id: int = 0
    column_count: int = 0
    field_names: tuple[str | None, ...] | None = None


_HEAD = struct.Struct("<qi")  # cursor id, column count
_I32 = struct.Struct("<i")
_STRING, _NULL = 9, 101
_decode_at = codec.decode_at
_decode_rows = codec.decode_rows


def _rows_at(
    buf: memoryview, pos: int, columns: int, types: Any
) -> tuple[list[list[Any]], bool] | None:
    """``i32 rows``, rows x columns data objects, ``bool hasMore`` ending the body,
    decoded in place; None where ``qm`` would raise or a cell is a top-level handle
    (whose target the message decoder, cutting cells apart, would not see)."""
    (count,) = _I32.unpack_from(buf, pos)
    if count < 0 or (count and columns <= 0):
        return None
    got = _decode_rows(buf, pos + 4, count, columns, types)
    if got is None:
        return None
    rows, pos = got
    if pos + 1 != len(buf):
        return None
    return rows, buf[pos] != 0


def _names_at(
    buf: memoryview, pos: int, columns: int
) -> tuple[tuple[str | None, ...], int] | None:
    names: list[str | None] = []
    for _ in range(columns):
        if buf[pos] not in (_STRING, _NULL):
            return None
        name, pos = _decode_at(buf, pos, None)
        names.append(name)  # type: ignore[arg-type]
    return tuple(names), pos


def _fast_first_page(
    body: Buffer, types: Any, include_field_names: bool
) -> DecodedRows | None:
    buf = body if type(body) is memoryview else memoryview(body)
    cursor_id, columns = _HEAD.unpack_from(buf, 0)
    if columns < 0:
        return None
    pos, names = _HEAD.size, None
    if include_field_names:
        got = _names_at(buf, pos, columns)
        if got is None:
            return None
        names, pos = got
    page = _rows_at(buf, pos, columns, types)
    if page is None:
        return None
    return DecodedRows(page[0], page[1], cursor_id, columns, names)


def decode_first_page(
    types: Any, include_field_names: bool, body: Buffer, ctx: ProtocolContext
) -> DecodedRows | qm.SqlFieldsResponse:
    """Op 2004's response decoder: rows decoded in place, or (when that path does
    not apply) ``qm.decode_sql_fields_response``, which also raises every error."""
    try:
        fast = _fast_first_page(body, types, include_field_names)
    except Exception:  # the message decoder below decides what is an error
        fast = None
    if fast is not None:
        return fast
    return qm.decode_sql_fields_response(body, ctx, include_field_names)


def decode_next_page(
    types: Any, column_count: int, body: Buffer, ctx: ProtocolContext
) -> DecodedRows | qm.RowPageResponse:
    """Op 2005's response decoder, as ``decode_first_page`` is op 2004's."""
    try:
        buf = body if type(body) is memoryview else memoryview(body)
        page = _rows_at(buf, 0, column_count, types)
    except Exception:  # the message decoder below decides what is an error
        page = None
    if page is not None:
        return DecodedRows(page[0], page[1])
    return qm.decode_row_page_response(body, ctx, column_count=column_count)


# The 2004 request body written here, byte for byte what
# ``qm.encode_sql_fields_query`` writes for the same fields (no 17-field message per
# query): everything but the two fields QRY_PARTITIONS_BATCH_SIZE adds is known when
# the flow starts; those two (no partition list, update batch size 1) are appended
# once the connection's context is.
_STR_HEAD = struct.Struct("<Bi")  # String type code, byte length
_PLAIN_PREFIX = struct.Struct("<iB")  # cache id, flags


def _with_tail(body: bytes, ctx: ProtocolContext) -> bytes:
    return body + qm.sql_fields_query_tail(ctx)


def sql_fields_open(
    state: ClientState,
    query_str: str,
    page_size: int = 1024,
    query_args: Iterable[Any] | None = None,
    schema: str | None = "PUBLIC",
    statement_type: int = 0,
    distributed_joins: bool = False,
    local: bool = False,
    replicated_only: bool = False,
    enforce_join_order: bool = False,
    collocated: bool = False,
    lazy: bool = False,
    include_field_names: bool = False,
    max_rows: int = -1,
    timeout: int = 0,
    cache: Any = None,
) -> Flow[Page]:
    """First page; with ``include_field_names`` the names come as the first item."""
    if not isinstance(query_str, str):  # pyignite fails it with a TypeError too
        raise ParameterTypeError(f"the query must be a str, not {type(query_str)}")
    cid = 0 if cache is None else sql_cache_id(cache)
    prefix, conn = _prefix(state, cid)
    body = qm.sql_fields_query_body(
        prefix,
        None if cid else schema,
        page_size,
        max_rows,
        query_str,
        tuple(encode_values(query_args)) if query_args else (),
        statement_type,
        distributed_joins,
        local,
        replicated_only,
        enforce_join_order,
        collocated,
        lazy,
        timeout,
        include_field_names,
    )
    decode = functools.partial(decode_first_page, state.types, include_field_names)
    reply = yield Call(
        Op.QUERY_SQL_FIELDS,
        None,
        conn=conn,
        error=SQLError,
        decode=decode,
        encode=functools.partial(_with_tail, body),
    )
    resp = reply.message
    if type(resp) is DecodedRows:
        items = resp.rows
    else:
        items = yield from _rows(state, resp.rows)
    if include_field_names:
        items.insert(0, list(resp.field_names or ()))
    return Page(resp.cursor_id, items, resp.has_more, reply.conn, resp.column_count)


def sql_fields_next(state: ClientState, page: Page) -> Flow[Page]:
    decode = functools.partial(decode_next_page, state.types, page.column_count)
    reply = yield Call(
        Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
        qm.SqlFieldsCursorGetPage(page.cursor_id),
        conn=page.conn,
        error=SQLError,
        decode=decode,
    )
    resp = reply.message
    if type(resp) is DecodedRows:
        items = resp.rows
    else:
        items = yield from _rows(state, resp.rows)
    return Page(page.cursor_id, items, resp.has_more, page.conn, page.column_count)


def cursor_close(page: Page) -> Flow[None]:
    """Free the server-side cursor (nothing to do once the last page came)."""
    if page.more:
        yield Call(
            Op.RESOURCE_CLOSE,
            general.ResourceClose(page.cursor_id),
            conn=page.conn,
            error=CacheError,
        )

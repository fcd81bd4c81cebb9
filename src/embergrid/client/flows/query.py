"""Scan, SQL and SQL-fields queries (ops 2000-2005) and their cursors, as flows.

Owns the first-page flows (``scan_open``, ``sql_open``, ``sql_fields_open``), the
next-page flows and ``cursor_close`` (op 0, only while the server still holds the
cursor). Every page is decoded here, fetching unknown binary types as needed; the
cursor shells just hold ``Page`` objects. A cursor is pinned to the connection that
opened it (``Page.conn``). Imports ``embergrid.protocol`` and ``embergrid.errors``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from embergrid.client.flows._call import Call, Flow
from embergrid.client.flows._state import CacheRef, ClientState, current_tx
from embergrid.client.flows.admin import cache_settings
from embergrid.client.flows.values import decode_value, encode_value
from embergrid.errors import CacheError, SQLError
from embergrid.protocol.binary import codec
from embergrid.protocol.binary.hashing import cache_id as _cache_id
from embergrid.protocol.binary.objects import UnknownBinaryType
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.messages import general
from embergrid.protocol.messages import query as qm
from embergrid.protocol.messages.cache import CachePrefix

PROP_QUERY_ENTITIES = 200

__all__ = [
    "Page",
    "cursor_close",
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
        return CachePrefix(cache_id), None
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
    args = tuple(encode_value(a) for a in query_args or ())
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
    cid = sql_cache_id(cache)
    prefix, conn = _prefix(state, cid)
    msg = qm.SqlFieldsQuery(
        prefix,
        None if cid else schema,
        query_str,
        page_size,
        max_rows,
        tuple(encode_value(a) for a in query_args or ()),
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
    decode = functools.partial(
        qm.decode_sql_fields_response, include_field_names=include_field_names
    )
    reply = yield Call(
        Op.QUERY_SQL_FIELDS, msg, conn=conn, error=SQLError, decode=decode
    )
    resp = reply.message
    items = yield from _rows(state, resp.rows)
    if include_field_names:
        items.insert(0, list(resp.field_names or ()))
    return Page(resp.cursor_id, items, resp.has_more, reply.conn, resp.column_count)


def sql_fields_next(state: ClientState, page: Page) -> Flow[Page]:
    decode = functools.partial(
        qm.decode_row_page_response, column_count=page.column_count
    )
    reply = yield Call(
        Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
        qm.SqlFieldsCursorGetPage(page.cursor_id),
        conn=page.conn,
        error=SQLError,
        decode=decode,
    )
    items = yield from _rows(state, reply.message.rows)
    return Page(
        page.cursor_id, items, reply.message.has_more, page.conn, page.column_count
    )


def cursor_close(page: Page) -> Flow[None]:
    """Free the server-side cursor (nothing to do once the last page came)."""
    if page.more:
        yield Call(
            Op.RESOURCE_CLOSE,
            general.ResourceClose(page.cursor_id),
            conn=page.conn,
            error=CacheError,
        )

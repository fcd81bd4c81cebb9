"""Handlers of SQL queries: 2002/2003 (SQL, key-value rows) and 2004/2005 (SQL fields).

A statement runs through ``Engine.sql`` (``embergrid.engine.sql``); a query of
more than one page is kept open on an engine of its own (``_run``,
``Node.keep_engine``) and its rows are read as pages are asked for, so no result
is held whole; a statement that went to a worker last time goes there at once
(``Node.goes_long``). Pages are served by a ``SqlCursor`` held in the session's
cursor table, exactly as scans are (``handlers/query.py``): the first page
travels with the new resource id, a cursor that has delivered its last page is
released at once (a result that fits one page gets a resource id and no cursor
at all; its page encoder is built once per plan). Cells are encoded page by
page, the next page made ahead while the client reads one
(``Session.read_ahead``; a page of an open query is read and encoded on a worker
thread meanwhile); stored binary objects (``_KEY``, ``_VAL``) go out wrapped in
27 as every object a response carries. A DDL statement that creates or destroys
a cache bumps the topology version, as ops 1051-1056 do. ``CREATE USER``,
``ALTER USER`` and ``DROP USER`` run as the connection's user
(``server/auth.py``); H2's own user statements are refused as Ignite refuses
them.
Request fields: schema (the cache's schema applies only when none is sent; the
cache must exist either way), page size, max rows, args, include field names,
statement type (a SELECT declared as an update, or the reverse, fails as in
Ignite) and timeout (the statement is cancelled with Ignite's text) are
honoured; the arguments' wire type codes go along with their values (a bare
``?`` projection has its argument's type); distributed joins, local, replicated
only, enforce join order, collocated, lazy, partitions and update batch size
change nothing on one node.
Imports ``embergrid.protocol``, the engine and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Hashable
from operator import call
from typing import Any

from embergrid.engine import Engine, EngineError, OverBudget
from embergrid.engine.sql import RowStream, SqlResult
from embergrid.engine.sql.types import column_cells
from embergrid.engine.sql.users import h2_user_refusal, parse_user_statement
from embergrid.errors import IgniteError
from embergrid.protocol.binary.codec import decode
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.messages import query as m
from embergrid.server import status_messages as msgs
from embergrid.server.auth import user_statement
from embergrid.server.dispatch import handler
from embergrid.server.session import Session
from embergrid.server.values import returned

__all__ = ["SqlCursor"]


Row = tuple[Any, ...]
PageEncoder = Callable[[list[Row]], tuple[Row, ...]]
Page = tuple[tuple[Row, ...], bool]  # encoded rows, whether more follow


class SqlCursor:
    """Pages of encoded rows: first those already read, then (if the query was
    left open) those its ``RowStream`` reads as pages are asked for.

    Every page is made a page ahead (``prepare``, which the session calls once
    a page is on the wire: nothing a client can see changes): rows already read
    are encoded on the loop; a page of the stream is read and encoded on a
    worker thread (``prepares_off_loop``) while the client reads the one it
    has, so the request for it finds it made. An error of that read is kept
    and raised by the request, as the read would have raised it then (the
    stream closed itself). A request that comes first reads its page on a
    worker thread (``page_ready`` false); one stream read runs at a time
    (``_lock``), so it takes the page a read-ahead was making once that ends.
    The cursor never holds more than one page of rows beside the one sent.
    """

    def __init__(
        self,
        rows: list[Row],
        page_size: int,
        encode_page: PageEncoder,
        stream: RowStream | None = None,
    ):
        self._rows = rows
        self._pos = 0
        self.page_size = page_size
        self._encode_page = encode_page
        self._prepared: tuple[Row, ...] | None = None
        self._stream = stream
        self._lock = threading.Lock()  # one read of the stream at a time
        self._ahead: Page | Exception | None = None  # the stream's next page
        self.finished = False

    @property
    def reads_stream(self) -> bool:
        """Whether the next page comes from the open query."""
        return self._pos >= len(self._rows) and self._stream is not None

    @property
    def prepares_off_loop(self) -> bool:
        """Whether ``prepare`` reads the open query (a worker thread's job)."""
        return self.reads_stream

    @property
    def page_ready(self) -> bool:
        """Whether ``next_page`` answers without reading the open query."""
        return not self.reads_stream or self._ahead is not None

    def prepare(self) -> None:
        if self.finished:
            return
        if self.reads_stream:
            self._read_ahead()
        elif self._prepared is None:
            start = self._pos
            self._prepared = self._encode_page(
                self._rows[start : start + self.page_size]
            )

    def _read_ahead(self) -> None:
        assert self._stream is not None
        with self._lock:
            if self._ahead is not None or self._stream.closed:
                return
            try:
                self._ahead = self._read_stream()
            except Exception as exc:  # the request raises it (_take_ahead)
                self._ahead = exc

    def next_page(self) -> Page:
        if self.reads_stream:
            page, has_more = self._take_ahead()
            self.finished = not has_more
            return page, has_more
        self.prepare()
        page, self._prepared = self._prepared or (), None
        self._pos = min(self._pos + self.page_size, len(self._rows))
        if self._pos >= len(self._rows):
            self._rows, self._pos = [], 0  # read: only the stream is left
        has_more = bool(self._rows) or (
            self._stream is not None and not self._stream.closed
        )
        self.finished = not has_more
        return page, has_more

    def _take_ahead(self) -> Page:
        """The page read ahead, or the next page read now (waiting for a
        read-ahead still running)."""
        with self._lock:
            ahead, self._ahead = self._ahead, None
            if ahead is None:
                return self._read_stream()
        if isinstance(ahead, Exception):
            raise ahead
        return ahead

    def _read_stream(self) -> Page:
        assert self._stream is not None
        rows, has_more = self._stream.fetch(self.page_size)
        return self._encode_page(rows), has_more

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()


def _page_encoder(encoders: list[Callable[[Any], bytes]]) -> PageEncoder:
    """Encode a page column by column (``column_cells``: the common cell types
    packed in C, the rest ``map``-ped over their cell encoder); a single row, as
    a point select answers, is one ``map`` over its cells."""
    columns_of = [column_cells(e) for e in encoders]

    def encode_page(rows: list[Row]) -> tuple[Row, ...]:
        if len(rows) == 1:
            (row,) = rows
            if len(row) != len(encoders):
                raise ValueError(f"{len(row)} cells for {len(encoders)} columns")
            return (tuple(map(call, encoders, row)),)
        if not rows:
            return ()
        columns = zip(*rows, strict=True)
        cells = [f(col) for f, col in zip(columns_of, columns, strict=True)]
        return tuple(zip(*cells, strict=True))

    return encode_page


# One page encoder per result shape: a plan's ``encoders`` list is the same object
# for every run of the plan (engine/sql/execute.py ``_plan_result``); the list is
# kept in the value so its id is not reused while the entry lives.
_page_encoders: dict[int, tuple[list[Callable[[Any], bytes]], PageEncoder]] = {}


def _row_encoder(res: SqlResult) -> PageEncoder:
    hit = _page_encoders.get(id(res.encoders))
    if hit is not None and hit[0] is res.encoders:
        return hit[1]
    encode_page = _new_row_encoder(res)
    if len(_page_encoders) > 1024:
        _page_encoders.clear()
    _page_encoders[id(res.encoders)] = (res.encoders, encode_page)
    return encode_page


def _new_row_encoder(res: SqlResult) -> PageEncoder:
    encoders = res.encoders
    if any(res.objects):
        encoders = [
            _wrapping(e) if obj else e
            for e, obj in zip(encoders, res.objects, strict=True)
        ]
    return _page_encoder(encoders)


def _wrapping(e: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    return lambda v: returned(e(v))


_entry_encoder = _page_encoder([returned, returned])


_INT_ARG = struct.Struct("<bi")  # an INT argument (code 3), what decode reads
_LONG_ARG = struct.Struct("<bq")  # a LONG argument (code 4)
_FIXED_ARGS = {(_INT_ARG.size, 3): _INT_ARG, (_LONG_ARG.size, 4): _LONG_ARG}


def _arg(a: bytes) -> Any:
    st = _FIXED_ARGS.get((len(a), a[0])) if a else None
    return st.unpack(a)[1] if st is not None else decode(a)


def _args(raw: tuple[bytes, ...]) -> list[Any]:
    try:
        return [_arg(a) for a in raw]
    except IgniteError as exc:
        raise EngineError(
            StatusCode.FAILED, f"50000: bad query argument: {exc}"
        ) from None


def _check_page_size(page_size: int) -> None:
    if page_size <= 0:
        raise EngineError(StatusCode.FAILED, msgs.invalid_page_size(page_size))


def _open(s: Session, cursor: SqlCursor) -> tuple[int, tuple[Row, ...], bool]:
    page, has_more = cursor.next_page()
    rid = s.new_resource_id()
    if has_more:
        s.cursors[rid] = cursor
        s.read_ahead(cursor)
    return rid, page, has_more


def _next_page(s: Session, cursor_id: int) -> Page:
    cursor = s.cursor_of(cursor_id, SqlCursor)
    page, has_more = s.on_worker(cursor.next_page, inline=cursor.page_ready)
    if has_more:
        s.read_ahead(cursor)
    else:
        s.drop_cursor(cursor_id)
    return page, has_more


Run = Callable[[Engine, float, int, bool], SqlResult]
"""A statement: ``run(engine, budget_s, page_size, may_split)``
(``SqlEngine.execute``)."""


def _run(s: Session, run: Run, page_size: int, key: Hashable) -> SqlResult:
    """Run a statement, a query that has more than one page left open.

    On the loop (within its budget) a query reads one page and one row more:
    if that row exists, the query runs again on a worker thread, with that
    thread's engine, which then stays with the query for the cursor's next
    pages (``Node.keep_engine``), so no result is ever held whole. A node
    without workers reads every row on the loop instead. ``key`` names the
    statement (its text and what shapes its cost): one that went to a worker
    last time goes there at once (``Session.off_loop``). On a worker, a query
    whose work splits (a long aggregate) runs as map parts on two cores and a
    reduce (``Node.map_parts``) while a second core is free, or whole where
    they cannot answer.
    """
    node = s.node

    def job(engine: Engine, budget: float) -> SqlResult:
        if budget > 0:
            res = run(engine, budget, page_size, False)
            if res.rest is not None:
                res.rest.close()
                raise OverBudget  # more than a page: to keep it open elsewhere
            return res
        if not node.can_offload:
            return run(engine, 0.0, 0, False)
        res = run(engine, 0.0, page_size, node.map_parts.wanted())
        if res.split is not None:
            rows = node.map_parts.run(engine, res.split)
            if rows is None:
                res = run(engine, 0.0, page_size, False)
            else:
                res.rows, res.split = rows, None
        rest = res.rest
        if rest is not None:
            try:
                kept = node.keep_engine(engine)
            except BaseException:
                rest.close()
                raise
            rest.on_close = lambda: node.end_loan(kept)
        return res

    return s.off_loop(job, _close_rest, key)


def _close_rest(res: SqlResult) -> None:
    if res.rest is not None:
        res.rest.close()


def _cursor(
    s: Session, res: SqlResult, page_size: int, encode_page: PageEncoder
) -> tuple[int, tuple[Row, ...], bool]:
    """The resource id, first page and has-more of a statement's result (one
    page: no cursor is kept)."""
    if res.rest is None and len(res.rows) <= page_size:
        return s.new_resource_id(), encode_page(res.rows), False
    return _open(s, SqlCursor(res.rows, page_size, encode_page, res.rest))


@handler(Op.QUERY_SQL_FIELDS)
def sql_fields(s: Session, r: m.SqlFieldsQuery) -> m.SqlFieldsResponse:
    _check_page_size(r.page_size)
    s.check_cursor_room()
    if r.sql and (user_stmt := parse_user_statement(r.sql)) is not None:
        return user_statement(s, user_stmt, r.include_field_names)  # server/auth.py
    if r.sql and (refusal := h2_user_refusal(r.sql)) is not None:
        raise EngineError(StatusCode.FAILED, refusal)  # H2's own user statements
    cache_id = r.prefix.cache_id
    args = _args(r.args)
    in_tx = s.in_tx(r.prefix.tx_id)
    res = _run(
        s,
        lambda engine, budget, page_size, may_split: engine.sql.execute(
            r.sql or "",
            schema=r.schema,
            cache_id=cache_id,
            args=args,
            max_rows=r.max_rows,
            statement_type=r.statement_type,
            timeout_ms=r.timeout_ms,
            arg_codes=[a[0] for a in r.args],  # non-empty: _args decoded them
            budget_s=budget,
            in_tx=in_tx,
            page_size=page_size,
            may_split=may_split,
        ),
        r.page_size,
        (Op.QUERY_SQL_FIELDS, r.schema, cache_id, r.sql, r.page_size, r.max_rows),
    )
    if res.caches_changed:
        s.node.bump_topology()
    rid, page, has_more = _cursor(s, res, r.page_size, _row_encoder(res))
    names = tuple(res.names) if r.include_field_names else None
    return m.SqlFieldsResponse(rid, len(res.names), names, page, has_more)


@handler(Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE)
def sql_fields_page(s: Session, r: m.SqlFieldsCursorGetPage) -> m.RowPageResponse:
    page, has_more = _next_page(s, r.cursor_id)
    return m.RowPageResponse(tuple(page), has_more)


@handler(Op.QUERY_SQL)
def sql_query(s: Session, r: m.SqlQuery) -> m.EntryCursorResponse:
    _check_page_size(r.page_size)
    s.check_cursor_room()
    args = _args(r.args)
    res = _run(
        s,
        lambda engine, budget, page_size, _may_split: engine.sql.query_entries(
            r.prefix.cache_id,
            r.type_name,
            r.sql or "",
            args,
            r.timeout_ms,
            budget,
            page_size,
        ),
        r.page_size,
        (Op.QUERY_SQL, r.prefix.cache_id, r.type_name, r.sql, r.page_size),
    )
    rid, page, has_more = _cursor(s, res, r.page_size, _entry_encoder)
    return m.EntryCursorResponse(rid, tuple(page), has_more)


@handler(Op.QUERY_SQL_CURSOR_GET_PAGE)
def sql_query_page(s: Session, r: m.SqlCursorGetPage) -> m.EntryPageResponse:
    page, has_more = _next_page(s, r.cursor_id)
    return m.EntryPageResponse(tuple(page), has_more)

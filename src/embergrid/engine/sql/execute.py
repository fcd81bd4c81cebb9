"""Running SQL statements: queries here, DML (``dml.py``) and DDL (``ddl.py``).

Owns ``SqlEngine`` (what ``Engine.sql`` is), ``SqlResult`` and ``SplitQuery`` (a
long aggregate query the engine says splits into map parts, ``aggsplit``; the
caller runs them on two engines). Queries run on the
tables' typed columns (see ``catalog.py``). DML and DDL answer
one row with one BIGINT column ``UPDATED`` (the update count; 0 for DDL), as
Ignite 2.17 does. Must not import asyncio or ``embergrid.protocol.messages``.
The SQLite functions of H2 semantics (``h2semantics``) call back
into ``h2values`` here; an H2 error one raises is kept and reported by ``_run``
as H2's run-time error (``messages.run_failed``).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from time import perf_counter
from typing import Any

import sqlglot
from sqlglot.errors import ParseError as GlotError
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token

from embergrid.engine.caches import Caches
from embergrid.engine.cluster import Cluster
from embergrid.engine.errors import ClusterInactive, EngineError, OverBudget
from embergrid.engine.kv import KeyValue
from embergrid.engine.sql import h2values as hv
from embergrid.engine.sql import messages as m
from embergrid.engine.sql.aggsplit import SORTED_GROUPS, AggSplit
from embergrid.engine.sql.catalog import Catalog, schema_of
from embergrid.engine.sql.ddl import Ddl, fail, ident_tokens
from embergrid.engine.sql.dml import Dml
from embergrid.engine.sql.h2text import IgniteH2
from embergrid.engine.sql.h2values import H2Error, uuid_key
from embergrid.engine.sql.plan import (
    ARITH_FUNCTION,
    CAST_FUNCTION,
    NOW_FUNCTION,
    UUID_COLLATION,
    ColumnNotFound,
    OutCol,
    Plan,
    RunError,
    TableNotFound,
)
from embergrid.engine.sql.rows import RowCodec
from embergrid.engine.sql.scope import stored_key_first
from embergrid.engine.sql.sqlquery import EntryQueryError, entry_query
from embergrid.engine.sql.translate import translate_query
from embergrid.engine.sql.types import (
    TYPES,
    SqlType,
    cell_encoder,
    stored_param,
    tagged_cell,
    untag,
)
from embergrid.engine.sqltext import ident
from embergrid.engine.store import Store, is_busy
from embergrid.engine.types import BinaryTypes
from embergrid.protocol.config import (
    PARTITIONED,
    CacheConfiguration,
)

__all__ = [
    "ANY_STATEMENT",
    "QUERY_STATEMENT",
    "UPDATE_STATEMENT",
    "RowStream",
    "SplitQuery",
    "SqlEngine",
    "SqlResult",
]

# What a request declares it sends (the protocol's statement type values).
ANY_STATEMENT, QUERY_STATEMENT, UPDATE_STATEMENT = 0, 1, 2
_PROGRESS_STEPS = 10_000  # SQLite VM steps between two looks at the deadline

_DDL_WORDS = frozenset({"CREATE", "DROP", "ALTER"})
_QUERY_WORDS = frozenset({"SELECT", "WITH", "(", "VALUES"})
_H2_WORDS = _DDL_WORDS | _QUERY_WORDS | {"INSERT", "MERGE", "UPDATE", "DELETE"}
UPDATED = [OutCol("UPDATED", TYPES["BIGINT"])]
_BOUND_AS_IS = frozenset({int, str, float, bytes})  # what stored_param returns as is
MAX_PART_ROWS = 65_536
"""Rows a map part may answer (groups); past them the query runs whole, its
rows read page by page, instead of held whole."""
# The key splitting an entry table's keys in two halves (read in its snapshot).
_COUNT = "SELECT COUNT(*) FROM {0}"
_MIDDLE_KEY = "SELECT key FROM {0} ORDER BY key LIMIT 1 OFFSET ?"
_PIN = "SELECT COUNT(*) FROM sqlite_master"  # a read: starts the snapshot


def _runs_in_schema(toks: Sequence[Token]) -> bool:
    """Whether H2 runs the statement (on a connection set to its schema): not
    Ignite's own commands (CREATE/DROP INDEX, ALTER TABLE), nor a text whose
    first word starts no statement (H2 fails it with a syntax error first)."""
    words = [t.text.upper() for t in toks[:2]]
    if words[0] not in _H2_WORDS:
        return False
    return words not in (["CREATE", "INDEX"], ["DROP", "INDEX"], ["ALTER", "TABLE"])


# (statement as sent, schema argument, cache id, op 2002's entries)
_StatementKey = tuple[str, str | None, int, bool]


class RowStream:
    """The rest of a query's rows, read from SQLite as they are asked for.

    Holds the statement open on its engine's connection (so that engine serves
    nothing else meanwhile) and one row read ahead, to know whether a page is
    the last. ``fetch`` may run on any thread, one at a time; ``close`` may come
    from another thread while a fetch runs: the fetch then closes the stream as
    it ends. ``on_close`` runs once, when the stream is closed or read out.
    """

    def __init__(
        self,
        sql: SqlEngine,
        cursor: sqlite3.Cursor,
        ahead: list[Any],
        left: int,
        map_query: bool,
    ) -> None:
        self.cursor = cursor
        self.map_query = map_query
        self.deadline: int | None = None  # engine clock ms (the statement's timeout)
        self.text = ""  # the statement, for error texts
        self.on_close: Callable[[], None] | None = None
        self._sql = sql
        self._ahead = ahead
        self._left = left  # rows still allowed by max rows (< 0: no limit)
        self._lock = threading.Lock()
        self._closed = False
        self._released = False

    @property
    def closed(self) -> bool:
        return self._closed

    def fetch(self, n: int) -> tuple[list[Any], bool]:
        """The next ``n`` rows and whether more follow (read out: closed)."""
        with self._lock:
            if self._closed:
                raise fail(m.QUERY_CANCELLED)
            try:
                want = n + 1 - len(self._ahead)
                if self._left >= 0:
                    want = min(want, self._left)
                more = self._sql.fetch_rest(self, want) if want > 0 else []
                if self._left >= 0:
                    self._left -= len(more)
                rows = self._ahead + more
                page, self._ahead = rows[:n], rows[n:]
                has_more = bool(self._ahead)
                if not has_more:
                    self._closed = True
            except BaseException:
                self._closed = True
                raise
            finally:
                if self._closed:
                    self._release()
        return page, has_more

    def close(self) -> None:
        """Stop reading (now, or as the running fetch ends)."""
        self._closed = True
        if self._lock.acquire(blocking=False):
            try:
                self._release()
            finally:
                self._lock.release()

    def _release(self) -> None:
        if self._released:
            return
        self._released = True
        self.cursor.close()
        if self.on_close is not None:
            self.on_close()


@dataclass(slots=True)
class SplitQuery:
    """A query whose work splits (``aggsplit``), asked with ``may_split``: its
    map parts run on two engines' connections at once, each over its range of
    keys, inside read transactions on one committed state of the store
    (``SqlEngine.begin_split``, ``run_part``, ``end_split``); ``reduce`` makes
    the query's rows of their rows. Where a part fails, the snapshots differ
    or the reduce declines, the caller runs the query whole (``execute``)."""

    split: AggSplit
    params: list[Any]
    deadline: int | None  # engine clock ms (the statement's timeout)
    max_rows: int
    map_query: bool
    split_key: Any = None  # read by ``begin_split``
    now: int = 0  # the engine clock's ms both parts see (``begin_split``)
    table_rows: int = 0  # the entry table's rows (any type), read there too

    def reduce(self, parts: Sequence[Sequence[Any]]) -> list[Any] | None:
        """The query's rows from its parts' rows (None: run it whole)."""
        rows = self.split.reduce(parts, self.table_rows)
        if rows is not None and self.max_rows > 0:
            del rows[self.max_rows :]
        return rows


@dataclass(slots=True)
class SqlResult:
    """Column names, one cell encoder per column, rows of SQLite values."""

    names: list[str]
    encoders: list[Callable[[Any], bytes]]
    objects: list[bool]  # columns holding stored binary objects (_KEY, _VAL)
    rows: list[tuple[Any, ...]]
    caches_changed: bool = False
    rest: RowStream | None = None  # the rows after ``rows`` (``page_size``)
    split: SplitQuery | None = None  # ``may_split``: rows left to its map parts


def _shape(
    cols: list[OutCol],
) -> tuple[list[str], list[Callable[[Any], bytes]], list[bool]]:
    return (
        [c.name for c in cols],
        [tagged_cell if c.alone else cell_encoder(c.type, c.scale) for c in cols],
        [c.type.name == "OTHER" and not c.param for c in cols],
    )


def _check_kind(is_query: bool, declared: int) -> None:
    """Status 1 when the statement is not of the kind the request declared."""
    if (declared == QUERY_STATEMENT and not is_query) or (
        declared == UPDATE_STATEMENT and is_query
    ):
        raise fail(m.STATEMENT_TYPE_MISMATCH)


def _result(cols: list[OutCol], rows: list[tuple[Any, ...]]) -> SqlResult:
    return SqlResult(*_shape(cols), rows)


def _plan_result(
    plan: Plan,
    rows: list[tuple[Any, ...]],
    args: Sequence[Any],
    arg_codes: Sequence[int] = (),
) -> SqlResult:
    """A query's result; its shape is computed once per plan, except the
    encoders of bare ``?`` projections, which take their argument's type."""
    if plan.shape is None:
        plan.shape = _shape(plan.columns)
    names, encoders, objects = plan.shape
    if plan.typed_by_args:
        encoders = _typed_encoders(plan, encoders, args, arg_codes)
    return SqlResult(names, encoders, objects, rows)


def _typed_encoders(
    plan: Plan,
    encoders: list[Callable[[Any], bytes]],
    args: Sequence[Any],
    arg_codes: Sequence[int],
) -> list[Callable[[Any], bytes]]:
    """The plan's encoders with each bare ``?`` column typed by its argument; one
    list per combination of argument types, so a page encoder built for the list
    is found again next time (server/handlers/sql.py keys them by the list)."""
    types = []
    for c in plan.columns:
        if c.param:
            n = c.param - 1
            code = arg_codes[n] if n < len(arg_codes) else None
            types.append(_argument_type(args[n], code))
    key = tuple(t.name for t in types)
    hit = plan.typed_encoders.get(key)
    if hit is None:
        hit = list(encoders)
        it = iter(types)
        for i, c in enumerate(plan.columns):
            if c.param:
                hit[i] = cell_encoder(next(it))
        plan.typed_encoders[key] = hit
    return hit


# The SQL type of an argument by the type code it was sent as (the Java class
# the node reads): a java.util.Date (DATE) is a TIMESTAMP, a char a VARCHAR.
_WIRE_TYPES = {
    1: "TINYINT",
    2: "SMALLINT",
    3: "INT",
    4: "BIGINT",
    5: "REAL",
    6: "DOUBLE",
    7: "VARCHAR",
    8: "BOOLEAN",
    9: "VARCHAR",
    10: "UUID",
    11: "TIMESTAMP",
    12: "VARBINARY",
    30: "DECIMAL",
    33: "TIMESTAMP",
    36: "TIME",
}

# Without its type code (an argument given to the engine directly), the type of
# the Python value: a Python int is what clients send it as, a LONG.
_ARGUMENT_TYPES = {
    bool: "BOOLEAN",
    int: "BIGINT",
    float: "DOUBLE",
    Decimal: "DECIMAL",
    str: "VARCHAR",
    bytes: "VARBINARY",
}


def _argument_type(v: Any, code: int | None = None) -> SqlType:
    """The type H2 gives a bare parameter: its argument's (``code``: the wire
    type code the argument came as, if known)."""
    if v is None:
        return TYPES["OTHER"]
    if code is not None:
        return TYPES[_WIRE_TYPES.get(code, "OTHER")]
    return TYPES[_ARGUMENT_TYPES.get(type(v), "OTHER")]


def _failed(exc: Exception) -> Exception:
    """The SQL error (``50000`` and the text) a failed statement answers. A store
    busy with another process's write is no SQL error: it is raised as it is, and
    the caller runs the statement again (``store.is_busy``; nothing was written)."""
    return exc if is_busy(exc) else fail(f"50000: {exc}")


class SqlEngine:
    """The SQL front of one engine."""

    def __init__(
        self,
        store: Store,
        caches: Caches,
        kv: KeyValue,
        types: BinaryTypes,
        now: Callable[[], int] | None = None,
        cluster: Cluster | None = None,
    ) -> None:
        self.conn = store.conn
        # The gate a query passes once it is planned and its arguments counted
        # (DML and DDL pass the key-value and cache gates as they write).
        self._cluster = cluster
        self.catalog = Catalog(store, types.get)
        self.rows = RowCodec(types.put, types.get)
        self.ddl = Ddl(self.catalog, caches)
        self.dml = Dml(self.catalog, self.rows, kv, self._run)
        self.kv = kv
        self.caches = caches
        self.conn.execute("PRAGMA case_sensitive_like = ON")
        # The clock of expiry (scope.py, step 3). "Deterministic" lets SQLite
        # evaluate it once per statement run (OP_Once) instead of once per row; the
        # key-value ops' clock unless the engine passes its own.
        clock = now if now is not None else kv._now
        self._clock = clock
        self._deadline: int | None = None  # clock ms the running statement must end by
        # perf_counter() time the running statement's reads must end by, or be
        # abandoned with ``OverBudget`` (to run again off the event loop).
        self._budget_end: float | None = None
        # Asked as statements step (and before they start): true = stop now,
        # with Ignite's cancellation error (the caller is gone or closing).
        self.stop_when: Callable[[], bool] | None = None
        self._in_tx = False  # the running statement belongs to a transaction
        self._page_size = 0  # > 0: a query reads one page, the rest stays open
        self._rest: RowStream | None = None  # what that left open
        self._may_split = False  # a query that splits is left to its map parts
        self._split: SplitQuery | None = None  # what that left to them
        self.conn.create_function(NOW_FUNCTION, 0, clock, deterministic=True)
        # H2 semantics SQLite lacks (h2semantics.py).
        self.conn.create_collation(UUID_COLLATION, _uuid_order)
        self._failure: H2Error | None = None  # what an H2 function of SQLite raised
        self.conn.create_function(ARITH_FUNCTION, 4, self._arith, deterministic=True)
        self.conn.create_function(CAST_FUNCTION, 4, self._cast, deterministic=True)
        # (schema, statement, op 2002's entries) -> (catalog generation, plan).
        self._plans: dict[tuple[str, str, bool], tuple[int, Plan]] = {}
        # (statement as sent, schema argument, cache id, entries) -> a _plans entry.
        self._statements: dict[_StatementKey, tuple[int, Plan]] = {}
        # The running query is op 2002's (``sqlquery``): its first column is the
        # stored key, not the key's typed column.
        self._entries = False

    # -- entry points -------------------------------------------------------------

    def schema_for(self, schema: str | None, cache_id: int) -> str:
        """The schema a statement runs in: ``schema`` when given (an explicit
        schema wins over the cache's), else the cache's, else PUBLIC (the caller
        has refreshed the catalog). A cache that does not exist fails."""
        if cache_id:
            cfg = self._cache_config(cache_id)
            if schema is None:
                return schema_of(cfg)
        return "PUBLIC" if schema is None else schema

    def _cache_config(self, cache_id: int) -> CacheConfiguration:
        """The cache's configuration; Ignite's SQL error if there is no such cache
        (its text behind the 50000 Ignite's SQL layer puts before it)."""
        try:
            return self.caches.handle(cache_id).config
        except EngineError as exc:
            raise EngineError(exc.status, f"50000: {exc.message}") from None

    def _check_schema(self, schema: str) -> None:
        """H2 sets the statement's schema on its connection before it parses."""
        if not schema:
            raise fail(m.EMPTY_SCHEMA)
        if not self.catalog.has_schema(schema):
            raise fail(m.schema_not_found(schema))

    def execute(
        self,
        sql: str,
        *,
        schema: str | None = None,
        cache_id: int = 0,
        args: Sequence[Any] = (),
        max_rows: int = -1,
        statement_type: int = ANY_STATEMENT,
        timeout_ms: int = 0,
        arg_codes: Sequence[int] = (),
        budget_s: float = 0.0,
        in_tx: bool = False,
        page_size: int = 0,
        entries: bool = False,
        may_split: bool = False,
    ) -> SqlResult:
        """Run one statement; ``EngineError`` (status 1, Ignite's text) on failure.

        A positive ``page_size`` reads at most that many rows of a query; if it
        has more, the statement stays open in ``SqlResult.rest`` (a
        ``RowStream``) for the caller to read on, or close.

        A positive ``budget_s`` bounds the real time the statement's reads may
        take: past it they stop and ``OverBudget`` is raised, with nothing
        written, so the caller can run the statement again without a budget
        (on another thread, over its own connection).

        ``in_tx``: the request belongs to an open transaction. A query reads the
        committed rows all the same; DML of a TRANSACTIONAL cache's table fails
        (Ignite's ``DML_IN_TX``).

        ``arg_codes`` are the wire type codes ``args`` arrived as (a bare ``?``
        projection has its argument's type: an INT is no BIGINT); without them
        an argument is typed by its Python type.

        ``statement_type`` is what the request declares (``QUERY_STATEMENT``: it
        must be a query; ``UPDATE_STATEMENT``: it must not be). A positive
        ``timeout_ms`` cancels the statement's reading once that much time of the
        engine's clock has passed. A query seen before (same text, schema and
        cache, catalog unchanged since) skips the text normalisation and the schema
        look-up and runs its plan. ``entries``: the statement is op 2002's
        (``query_entries``), its first column the stored key. ``may_split``: a
        query whose work splits (a long aggregate, ``aggsplit``) is not run:
        its result comes back without rows and with its ``SplitQuery``.
        """
        self._deadline = self._clock() + timeout_ms if timeout_ms > 0 else None
        self._budget_end = perf_counter() + budget_s if budget_s > 0 else None
        self._in_tx = in_tx
        self._page_size = page_size
        self._entries = entries
        self._may_split = may_split
        try:
            res = self._execute(
                sql, schema, cache_id, args, arg_codes, max_rows, statement_type
            )
            res.split, self._split = self._split, None
            if self._rest is not None:
                res.rest, self._rest = self._rest, None
                res.rest.deadline = self._deadline
                res.rest.text = sql.strip().rstrip(";").strip()
            return res
        except ClusterInactive as exc:  # SQL words it with its SQLSTATE
            raise fail(m.general(exc.message)) from None
        finally:
            if self._rest is not None:  # a statement that failed after its page
                self._rest.close()
                self._rest = None
            self._deadline = self._budget_end = None
            self._in_tx = False
            self._page_size = 0
            self._entries = False
            self._may_split = False
            self._split = None
            self._failure = None  # an H2 error a cancelled statement left behind

    def _execute(
        self,
        sql: str,
        schema: str | None,
        cache_id: int,
        args: Sequence[Any],
        codes: Sequence[int],
        max_rows: int,
        statement_type: int,
    ) -> SqlResult:
        self.catalog.refresh()
        key = (sql, schema, cache_id, self._entries)
        hit = self._statements.get(key)
        if hit is not None and hit[0] == self.catalog.generation:
            _check_kind(True, statement_type)
            try:
                rows = self._query(hit[1], args, max_rows)
                return _plan_result(hit[1], rows, args, codes)
            except RunError as exc:
                text = sql.strip().rstrip(";").strip()
                msg = m.run_failed(exc.text, exc.code, text, exc.map_query)
                raise fail(msg) from None
            except (sqlite3.Error, ValueError, TypeError, ArithmeticError) as exc:
                raise _failed(exc) from None
        text = sql.strip().rstrip(";").strip()
        sch = self.schema_for(schema, cache_id)
        try:
            res = self._dispatch(text, sch, list(args), codes, max_rows, statement_type)
        except TableNotFound as exc:
            raise fail(m.table_not_found(exc.name, text)) from None
        except ColumnNotFound as exc:
            raise fail(m.column_not_found(exc.name, text)) from None
        except H2Error as exc:
            raise fail(m.prepare_failed(exc.text, exc.code, text)) from None
        except RunError as exc:
            raise fail(m.run_failed(exc.text, exc.code, text, exc.map_query)) from None
        except (GlotError, TokenError):
            raise fail(m.syntax_error(text)) from None
        except (sqlite3.Error, ValueError, TypeError, ArithmeticError) as exc:
            raise _failed(exc) from None
        self._remember(key, sch, text)
        return res

    def _remember(self, key: _StatementKey, schema: str, text: str) -> None:
        """Key a query's cached plan by the statement as it arrived too."""
        hit = self._plans.get((schema, text, self._entries))
        if hit is None or hit[0] != self.catalog.generation:
            return  # not a query (DML, DDL), or planned under another catalog
        if len(self._statements) > 4096:
            self._statements.clear()
        self._statements[key] = hit

    def query_entries(
        self,
        cache_id: int,
        type_name: str | None,
        clause: str,
        args: Sequence[Any],
        timeout_ms: int = 0,
        budget_s: float = 0.0,
        page_size: int = 0,
    ) -> SqlResult:
        """Op 2002: rows of (key, value) blobs of the entries of the table of
        ``type_name`` in the cache that ``clause`` selects (``sqlquery``;
        ``budget_s`` and ``page_size`` as in ``execute``)."""
        self.catalog.refresh()
        self._cache_config(cache_id)
        t = self.catalog.table_of_type(cache_id, type_name or "")
        if t is None:
            raise fail(m.no_table_for_type(str(type_name)))
        try:
            sql = entry_query(clause, t)
        except EntryQueryError as exc:
            raise fail(str(exc)) from None
        try:
            return self.execute(
                sql,
                schema=t.schema,
                args=args,
                timeout_ms=timeout_ms,
                budget_s=budget_s,
                page_size=page_size,
                entries=True,
            )
        except EngineError as exc:
            raise EngineError(exc.status, m.entry_query_failed(exc.message)) from None

    # -- dispatch -----------------------------------------------------------------

    def _dispatch(
        self,
        sql: str,
        schema: str,
        args: list[Any],
        codes: Sequence[int],
        max_rows: int,
        kind: int,
    ) -> SqlResult:
        hit = self._plans.get((schema, sql, self._entries))
        if hit is not None and hit[0] == self.catalog.generation:  # a known query
            _check_kind(True, kind)
            rows = self._query(hit[1], args, max_rows)
            return _plan_result(hit[1], rows, args, codes)
        known = self.dml.prepared(sql, schema)  # an INSERT/MERGE read before
        if known is not None:
            _check_kind(False, kind)
            n = self.dml.run_prepared(known, args, self._in_tx)
            return _result(UPDATED, [(n,)])
        scanned = self.dml.scanned(sql, schema)  # rows of literals, no tokenizer
        if scanned is not None:
            self._check_schema(schema)
            _check_kind(False, kind)
            n = self.dml.run_prepared(scanned, args, self._in_tx)
            return _result(UPDATED, [(n,)])
        toks = ident_tokens(sql)
        if not toks:
            raise fail(m.syntax_error(sql))
        first = toks[0].text.upper()
        if _runs_in_schema(toks):
            self._check_schema(schema)
        if first in _QUERY_WORDS:
            plan = self._plan(sql, schema)  # a query that does not parse fails so
            _check_kind(True, kind)
            return _plan_result(plan, self._query(plan, args, max_rows), args, codes)
        _check_kind(False, kind)
        if first in _DDL_WORDS:
            changed = self.ddl.run(sql, schema)
            self._plans.clear()
            self._statements.clear()
            res = _result(UPDATED, [(0,)])
            res.caches_changed = changed
            return res
        n = self.dml.run(sql, toks, schema, args, self._in_tx)
        return _result(UPDATED, [(n,)])

    # -- SELECT ---------------------------------------------------------------------

    def _plan(self, sql: str, schema: str) -> Plan:
        key = (schema, sql, self._entries)
        hit = self._plans.get(key)
        gen = self.catalog.generation
        if hit is not None and hit[0] == gen:
            return hit[1]
        node = sqlglot.parse_one(sql, read=IgniteH2)
        if self._entries:
            stored_key_first(node)
        plan = translate_query(node, self.catalog, schema, answered=True)
        if len(self._plans) > 4096:
            self._plans.clear()
        self._plans[key] = (gen, plan)
        return plan

    def _run(self, plan: Plan, args: Sequence[Any], max_rows: int = -1) -> list[Any]:
        """Every row of ``plan`` (at most ``max_rows`` when positive)."""
        cur = self._open(plan, self._bind(plan, args))
        return self._fetch(cur, max_rows if max_rows > 0 else -1, _partitioned(plan))

    def _query(self, plan: Plan, args: Sequence[Any], max_rows: int) -> list[Any]:
        """A query's rows: all of them, or, when ``execute`` was given a page
        size, the first page, the rest left open in ``self._rest``."""
        params = self._bind(plan, args)
        if self._may_split and plan.split is not None:
            split = self._splits(plan, params, max_rows)
            if split is not None:
                self._split = split
                return []
        map_query = _partitioned(plan)
        cur = self._open(plan, params)
        page = self._page_size
        if page <= 0:
            return self._fetch(cur, max_rows if max_rows > 0 else -1, map_query)
        first = page + 1 if max_rows <= 0 else min(page + 1, max_rows)
        rows = self._fetch(cur, first, map_query)
        if len(rows) <= page:
            cur.close()
            return rows
        left = -1 if max_rows <= 0 else max_rows - len(rows)
        self._rest = RowStream(self, cur, rows[page:], left, map_query)
        return rows[:page]

    def _open(self, plan: Plan, params: list[Any]) -> sqlite3.Cursor:
        """``plan`` started on its bound ``params`` (its first row computed)."""
        with self._reading(_partitioned(plan)):
            return self.conn.execute(plan.sqlite, params)

    def _bind(self, plan: Plan, args: Sequence[Any]) -> list[Any]:
        """The statement's parameters, once the query may run."""
        if plan.params != len(args):
            raise fail(m.parameter_count(plan.params, len(args)))
        if self._cluster is not None:
            self._cluster.check_read()
        return [a if type(a) in _BOUND_AS_IS else stored_param(a) for a in args]

    # -- map parts (aggsplit) ----------------------------------------------------------

    def _splits(
        self, plan: Plan, params: list[Any], max_rows: int
    ) -> SplitQuery | None:
        """The split of a query asked with ``may_split`` (``params``: bound):
        not in a transaction (nor op 2002's), and, grouped, answered in key
        order when run whole (its plan, asked each time: a bound value may
        change it)."""
        split = plan.split
        if split is None or self._in_tx or self._entries or self.conn.in_transaction:
            return None
        if split.keys:
            steps = self.conn.execute("EXPLAIN QUERY PLAN " + plan.sqlite, params)
            if not any(r[3] == SORTED_GROUPS for r in steps):
                return None
        return SplitQuery(split, params, self._deadline, max_rows, _partitioned(plan))

    def begin_split(self, query: SplitQuery, helper: SqlEngine) -> bool:
        """Start read transactions on this engine's connection and then
        ``helper``'s for ``query``'s parts; whether they read one committed state
        of the store (else both are ended). ``helper``'s ``data_version`` moves
        when any other connection commits, and a read transaction sees the
        store as of its first read: unchanged from before this engine's first
        read to after ``helper``'s, nothing was committed between the two."""
        if self.conn.in_transaction or helper.conn.in_transaction:
            return False
        before = _data_version(helper.conn)
        self._pin()
        helper._pin()
        if _data_version(helper.conn) != before:
            self.end_split(helper)
            return False
        table = ident(query.split.table)
        query.table_rows = n = self.conn.execute(_COUNT.format(table)).fetchone()[0]
        row = self.conn.execute(_MIDDLE_KEY.format(table), [n // 2]).fetchone()
        query.split_key = row[0] if row is not None else None
        query.now = self._clock()
        return True

    def _pin(self) -> None:
        """Open a read transaction and read: its snapshot starts now."""
        self.conn.execute("BEGIN")
        self.conn.execute(_PIN).fetchone()

    def end_split(self, helper: SqlEngine) -> None:
        """End the read transactions ``begin_split`` started."""
        for conn in (self.conn, helper.conn):
            if conn.in_transaction:
                conn.execute("COMMIT")

    def run_part(self, query: SplitQuery, part: int) -> list[Any] | None:
        """The rows of ``query``'s map part ``part`` (0: below the split key,
        1: from it on), within the statement's deadline; None past
        ``MAX_PART_ROWS``. Errors are raised as SQLite or H2 raised them (the
        caller then runs the query whole, which answers them as Ignite)."""
        self._deadline = query.deadline
        try:
            with self._reading(query.map_query):
                cur = self.conn.execute(
                    query.split.maps[part],
                    [*query.params, query.split_key, query.now],
                )
                rows = cur.fetchmany(MAX_PART_ROWS + 1)
            cur.close()
            return rows if len(rows) <= MAX_PART_ROWS else None
        finally:
            self._deadline = None
            self._failure = None

    def _fetch(self, cur: sqlite3.Cursor, n: int, map_query: bool) -> list[Any]:
        """The next ``n`` rows of ``cur`` (every one left when ``n`` < 0)."""
        with self._reading(map_query):
            return cur.fetchmany(n) if n >= 0 else cur.fetchall()

    @contextmanager
    def _reading(self, map_query: bool) -> Iterator[None]:
        # Every read of a statement (a query, the rows a DML statement changes)
        # goes through here: SQLite looks at the deadline, the budget and
        # ``stop_when`` as it steps, and stops. Nothing is written before a
        # statement's reads end, so a statement stopped for its budget can run
        # again elsewhere. An H2 error a function of SQLite raised is H2's
        # run-time error.
        watched = not (
            self._deadline is None
            and self._budget_end is None
            and self.stop_when is None
        )
        if watched:
            self.conn.set_progress_handler(self._should_stop, _PROGRESS_STEPS)
        try:
            if self._stopped():
                raise fail(m.QUERY_CANCELLED)
            yield
        except sqlite3.OperationalError:
            failure, self._failure = self._failure, None
            if failure is not None:
                raise RunError(failure.text, failure.code, map_query) from None
            if self._past_deadline() or self._stopped():
                raise fail(m.QUERY_CANCELLED) from None
            if self._past_budget():
                raise OverBudget from None
            raise
        finally:
            if watched:
                self.conn.set_progress_handler(None, 0)

    def fetch_rest(self, stream: RowStream, n: int) -> list[Any]:
        """The next ``n`` rows of a query left open by ``execute`` (its
        ``SqlResult.rest``), with the statement's deadline and errors."""
        self._deadline = stream.deadline
        try:
            return self._fetch(stream.cursor, n, stream.map_query)
        except RunError as exc:
            raise fail(
                m.run_failed(exc.text, exc.code, stream.text, exc.map_query)
            ) from None
        except (sqlite3.Error, ValueError, TypeError, ArithmeticError) as exc:
            raise _failed(exc) from None
        finally:
            self._deadline = None
            self._failure = None

    # -- H2 computations SQLite calls (h2semantics.py) ---------------------------------

    def _arith(self, op: str, a: Any, b: Any, typ: str) -> int | None:
        """H2's integer ``a op b``; an H2 error is kept for ``_run`` to report
        (SQLite only sees that the function failed)."""
        try:
            x, y = hv.convert(_sqlite_val(a), typ), hv.convert(_sqlite_val(b), typ)
            return hv.arith(op, x, y)[1]  # type: ignore[no-any-return]
        except H2Error as exc:
            self._failure = exc
            raise
        except hv.NotFoldable:
            return None

    def _cast(self, v: Any, source: str, target: str, precision: int | None) -> Any:
        """H2's CAST of a stored value of type ``source`` to an integer or string
        type (``precision`` the declared length), or of a string to the number
        it is compared with."""
        if v is None:
            return None
        try:
            out = hv.convert(_typed_val(v, source), target, precision)
        except H2Error as exc:
            self._failure = exc
            raise
        except hv.NotFoldable:
            return v
        x = out[1]
        if isinstance(x, float | Decimal):  # a comparison's number (_h2_compare)
            return float(x)
        return x if isinstance(x, int | str) or x is None else str(x)

    def _past_deadline(self) -> bool:
        return self._deadline is not None and self._clock() > self._deadline

    def _past_budget(self) -> bool:
        return self._budget_end is not None and perf_counter() > self._budget_end

    def _stopped(self) -> bool:
        return self.stop_when is not None and self.stop_when()

    def _should_stop(self) -> bool:
        return self._past_deadline() or self._past_budget() or self._stopped()


def _uuid_order(a: str, b: str) -> int:
    """H2's UUID order over stored UUID texts (text order for anything else)."""
    try:
        x, y = uuid_key(uuid.UUID(a)), uuid_key(uuid.UUID(b))
    except ValueError:
        return (a > b) - (a < b)
    return (x > y) - (x < y)


def _sqlite_val(v: Any) -> hv.Val:
    """A SQLite value as the H2 value it most directly is."""
    if v is None:
        return hv.NULL
    if isinstance(v, int):
        return ("BIGINT", v)
    if isinstance(v, float):
        return ("DOUBLE", v)
    if isinstance(v, str):
        return ("VARCHAR", v)
    return ("VARBINARY", bytes(v))


def _typed_val(v: Any, typ: str) -> hv.Val:
    """A stored value of a column (or expression) of SQL type ``typ`` as H2's value
    (a DECIMAL's exact text or its SQLite REAL; a BOOLEAN's 0/1; a string
    expression's tagged value, a CONCAT's part of its own type: that value)."""
    if typ in ("VARCHAR", "CHAR") and (tagged := untag(v)) is not None:
        return hv.convert(("VARCHAR", tagged[1]), tagged[0].name)
    if typ == "DECIMAL" and not isinstance(v, bytes):
        return ("DECIMAL", Decimal(repr(v) if isinstance(v, float) else v))
    if typ == "BOOLEAN" and isinstance(v, int):
        return ("BOOLEAN", bool(v))
    if typ in ("DOUBLE", "REAL") and isinstance(v, int | float):
        return (typ, float(v))
    return _sqlite_val(v)


def _data_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _partitioned(plan: Plan) -> bool:
    return any(t.config.cache_mode == PARTITIONED for t in plan.tables)

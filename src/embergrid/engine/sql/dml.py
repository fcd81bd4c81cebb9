"""SQL DML: INSERT, MERGE, UPDATE and DELETE of a table's rows.

Owns ``Dml``: the rows a statement writes, made into the key and value objects of
the table's cache (``rows.RowCodec``) and written through the key-value ops
(``KeyValue.put_all_if_absent`` / ``put_all`` / ``put`` / ``remove_key``), the
single path all writes take, so a row inserted by SQL is a binary object to
``get`` and ``scan`` and a binary object put through key-value is a row. The rows
an UPDATE or DELETE touches, and an INSERT's SELECT, are read through translated
queries the caller runs (``run_plan``). An INSERT or MERGE of constants and
``?`` is read without sqlglot's parser (``Prepared``): its rows from the text
by ``literals`` (``Dml.scanned``), else from sqlglot's tokens. Must not import
asyncio, ``execute`` or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

from embergrid.engine.entries import Columns
from embergrid.engine.kv import KeyValue
from embergrid.engine.sql import literals
from embergrid.engine.sql import messages as m
from embergrid.engine.sql.catalog import Catalog, Column, Table, typed_row
from embergrid.engine.sql.ddl import fail, ident, ident_tokens
from embergrid.engine.sql.h2functions import check_functions
from embergrid.engine.sql.h2text import IgniteH2
from embergrid.engine.sql.h2values import H2Error
from embergrid.engine.sql.plan import (
    KEY_BLOB,
    ColumnNotFound,
    OutCol,
    Plan,
    TableNotFound,
)
from embergrid.engine.sql.rows import RowCodec, RowWriter
from embergrid.engine.sql.scope import normalize_identifiers
from embergrid.engine.sql.translate import translate_query
from embergrid.engine.sql.types import ValueConversion, field_converter, to_field
from embergrid.protocol.config import TRANSACTIONAL

__all__ = ["Dml"]

RunPlan = Callable[[Plan, Sequence[Any]], list[Any]]
"""Every row of a translated query with its arguments."""


_NAMES = (TokenType.VAR, TokenType.IDENTIFIER)
_CONSTANTS = {TokenType.NULL: None, TokenType.TRUE: True, TokenType.FALSE: False}
_PREPARED_MAX = 4096
_WRITES_MAX = 256


@dataclass(frozen=True, slots=True)
class _Writes:
    """What ``Dml._write`` does with each row giving ``cols`` of ``table``:
    convert and check its values (``convert``), make its key and value objects
    (``objects``) and its typed columns (``typed``; None: the table has none)."""

    table: Table
    cols: list[Column]
    convert: Callable[[Sequence[Any]], list[Any]]
    objects: RowWriter
    typed: Callable[[Sequence[Any], bytes], tuple[Any, ...]] | None


@dataclass(frozen=True, slots=True)
class Prepared:
    """An INSERT or MERGE of constants and parameters, read once from its tokens:
    what it writes, resolved under catalog ``generation``. A cell of ``rows`` is
    ``(True, n)`` for the n-th parameter or ``(False, value)``."""

    sql: str
    generation: int
    table: Table
    cols: list[Column]
    upsert: bool
    rows: list[list[tuple[bool, Any]]]
    params: int


class Dml:
    """The DML of one engine."""

    def __init__(
        self, catalog: Catalog, rows: RowCodec, kv: KeyValue, run_plan: RunPlan
    ) -> None:
        self.catalog = catalog
        self.rows = rows
        self.kv = kv
        self._run_plan = run_plan
        self._in_tx = False  # the running statement belongs to a transaction
        # (schema, statement) -> its Prepared form (statements with parameters).
        self._prepared: dict[tuple[str, str], Prepared] = {}
        # (id of the table, ids of the columns) -> the steps of their rows.
        self._writes_made: dict[tuple[int, ...], _Writes] = {}

    def prepared(self, sql: str, schema: str) -> Prepared | None:
        """The statement's Prepared form, if one was made under this catalog."""
        hit = self._prepared.get((schema, sql))
        if hit is None or hit.generation != self.catalog.generation:
            return None
        return hit

    def run_prepared(self, p: Prepared, args: list[Any], in_tx: bool) -> int:
        """Run a Prepared INSERT/MERGE with ``args``; the rows it wrote."""
        if in_tx and p.table.config.atomicity_mode == TRANSACTIONAL:
            raise fail(m.DML_IN_TX)
        if len(args) < p.params:
            raise fail(m.parameter_count(1, 0))
        if len(args) > p.params:
            raise fail(m.parameter_count(p.params, len(args)))
        rows = [[args[v] if is_arg else v for is_arg, v in r] for r in p.rows]
        return self._write(p.table, p.cols, rows, p.sql, p.upsert)

    def run(
        self, sql: str, toks: list[Any], schema: str, args: list[Any], in_tx: bool
    ) -> int:
        """Run one DML statement (``toks``: its tokens); the rows it changed.
        ``in_tx``: inside a transaction, where DML of a TRANSACTIONAL table fails."""
        self._in_tx = in_tx
        p = self._prepare(sql, toks, schema)
        if p is not None:
            return self.run_prepared(p, args, in_tx)
        if toks[0].text.upper() == "MERGE":
            merge = self._merge_as_insert(sql, toks)
            check_functions(merge)
            return self._insert(merge, schema, args, sql, upsert=True)
        node = sqlglot.parse_one(sql, read=IgniteH2)
        check_functions(node)
        if isinstance(node, exp.Insert):
            return self._insert(node, schema, args, sql, upsert=False)
        if isinstance(node, exp.Update):
            return self._update(node, schema, args)
        if isinstance(node, exp.Delete):
            return self._delete(_from_optional(node), schema, args)
        raise fail(m.unsupported(sql))

    def _merge_as_insert(self, sql: str, toks: list[Any]) -> exp.Insert:
        """``MERGE INTO t (cols) [KEY (k)] VALUES/SELECT`` read as an INSERT."""
        if len(toks) < 3 or toks[1].text.upper() != "INTO":
            raise fail(m.syntax_error(sql))
        start = toks[2].start
        parts, i = [], 2
        cut: tuple[int, int] | None = None
        while i < len(toks):
            if (
                toks[i].text.upper() == "KEY"
                and i + 1 < len(toks)
                and toks[i + 1].text == "("
            ):
                j = i
                while j < len(toks) and toks[j].text != ")":
                    j += 1
                cut = (toks[i].start, toks[j].end + 1)
                break
            i += 1
        rest = sql[start:] if cut is None else sql[start : cut[0]] + sql[cut[1] :]
        parts.append("INSERT INTO " + rest)
        node = sqlglot.parse_one(parts[0], read=IgniteH2)
        if not isinstance(node, exp.Insert):
            raise fail(m.syntax_error(sql))
        return node

    def _target(self, node: exp.Expr, schema: str) -> Table:
        normalize_identifiers(node)
        t = self.catalog.table(node.text("db") or schema, node.name)
        if t is None:
            raise TableNotFound(node.name)
        if self._in_tx and t.config.atomicity_mode == TRANSACTIONAL:
            raise fail(m.DML_IN_TX)
        return t

    def _insert(
        self, node: exp.Insert, schema: str, args: list[Any], sql: str, upsert: bool
    ) -> int:
        """INSERT (``upsert``: MERGE) of ``sql``; without a column list the
        values are the table's columns, for MERGE after ``_KEY`` and ``_VAL``
        (H2 counts them there, and ``_VAL`` of an object cannot be set)."""
        target = node.this
        normalize_identifiers(target)
        names: list[str] | None = None
        if isinstance(target, exp.Schema):
            names = [e.name for e in target.expressions]
            target = target.this
        table = self._target(target, schema)
        cols = (
            table.columns if names is None else [self._column(table, n) for n in names]
        )
        if any(k not in cols for k in _required_keys(table)):
            raise fail("50000: Failed to prepare update plan.")
        width = len(cols) + (2 if upsert and names is None else 0)
        rows = self._source_rows(node.expression, schema, args)
        return self._write(table, cols, rows, sql, upsert, width)

    def _write(
        self,
        table: Table,
        cols: list[Column],
        rows: list[list[Any]],
        sql: str,
        upsert: bool,
        width: int = -1,
    ) -> int:
        """Convert every row (``width``: the values a row must have, when not
        ``cols``'), then store them all in one go."""
        width = len(cols) if width < 0 else width
        w = self._writes(table, cols)
        own = self.catalog.table_of_cache(table.cache_id) is table
        typed = w.typed if own else None  # else another entity's columns
        pairs: list[tuple[bytes, bytes]] = []
        extra: dict[tuple[bytes, bytes], tuple[Any, ...]] = {}  # typed columns
        firsts: dict[bytes, list[Any]] = {}  # key -> its first row's values
        key_of, value_of, convert = w.objects.key, w.objects.value, w.convert
        for r in rows:  # every row converts before any is stored, as in Ignite
            if len(r) != width:
                raise fail(m.column_count(sql))
            if width != len(cols):
                raise fail(m.COMPOSITE_VALUE)
            values = convert(r)
            key, value = key_of(values), value_of(values)
            pairs.append((key, value))
            if typed is not None:
                extra[(key, value)] = typed(values, value)
            if not upsert:
                firsts.setdefault(key, values)  # named if refused
        columns = None if typed is None else Columns(table.typed_names, extra)
        refused = self._store_rows(table, pairs, upsert, columns)
        if refused:
            names = [c.name for c in cols]
            named = [dict(zip(names, firsts[k], strict=True)) for k in refused]
            keys = ", ".join(_key_text(table, v) for v in named)
            raise fail(m.duplicate_keys(keys, len(pairs)))
        return len(pairs)

    def _writes(self, table: Table, cols: list[Column]) -> _Writes:
        """``_write``'s steps for rows giving ``cols`` of ``table``, made once
        (kept while the table and columns live: the entry holds them)."""
        key = (id(table), *map(id, cols))
        hit = self._writes_made.get(key)
        if hit is None:
            if len(self._writes_made) > _WRITES_MAX:
                self._writes_made.clear()
            typed = typed_row(table, cols) if table.typed_columns else None
            convert = _converter(table, cols)
            hit = _Writes(table, cols, convert, self.rows.writer(table, cols), typed)
            self._writes_made[key] = hit
        return hit

    def scanned(self, sql: str, schema: str) -> Prepared | None:
        """``_prepare`` without the tokenizer over the rows: the statement's
        rows read by ``literals`` (a bulk INSERT/MERGE of literals); None where
        that module does not read them."""
        return self._prepared_form(sql, schema, lambda: _scan_values_insert(sql))

    def _prepare(self, sql: str, toks: list[Token], schema: str) -> Prepared | None:
        """``INSERT|MERGE INTO t [(cols)] VALUES (...), ...`` of constants and
        parameters read from its tokens (one with parameters remembered by text,
        so it is read once); None for anything else (the parser's path: its
        errors too)."""
        return self._prepared_form(sql, schema, lambda: _read_values_insert(toks))

    def _prepared_form(
        self, sql: str, schema: str, read: Callable[[], _ValuesInsert | None]
    ) -> Prepared | None:
        if len(self._prepared) > _PREPARED_MAX:
            self._prepared.clear()
        try:
            got = read()
        except (IndexError, ValueError, ArithmeticError):
            got = None
        p = None if got is None else self._resolve(sql, schema, *got)
        if p is not None and p.params:  # constants only: rarely sent twice, kept not
            self._prepared[(schema, sql)] = p
        return p

    def _resolve(
        self,
        sql: str,
        schema: str,
        upsert: bool,
        target: tuple[str | None, str],
        names: list[str] | None,
        rows: list[list[tuple[bool, Any]]],
        params: int,
    ) -> Prepared | None:
        """The Prepared statement, if every check the parser's path makes before
        reading the rows passes (else that path fails as it does)."""
        table = self.catalog.table(target[0] or schema, target[1])
        if table is None or (upsert and names is None):
            return None
        if names is None:
            resolved = table.columns
        else:
            found = [table.column(n) or self._keyless(table, n) for n in names]
            resolved = [c for c in found if c is not None]
            if len(resolved) != len(names):
                return None
        if any(k not in resolved for k in _required_keys(table)):
            return None
        if any(len(r) != len(resolved) for r in rows):
            return None
        gen = self.catalog.generation
        return Prepared(sql, gen, table, resolved, upsert, rows, params)

    @staticmethod
    def _keyless(table: Table, name: str) -> Column | None:
        return table.key_column if name == "_KEY" else None

    def _store_rows(
        self,
        table: Table,
        pairs: list[tuple[bytes, bytes]],
        upsert: bool,
        columns: Columns | None,
    ) -> list[bytes]:
        """Write an INSERT's (MERGE's) rows in one go, with their typed columns;
        the keys refused as present."""
        if upsert:  # MERGE replaces the whole value, as Ignite's does
            self.kv.put_all(table.cache_id, pairs, columns=columns)
            return []
        return self.kv.put_all_if_absent(table.cache_id, pairs, columns=columns)

    def _column(self, table: Table, name: str) -> Any:
        """A column set by name; ``_KEY`` is the key column of a plain key."""
        c = table.column(name)
        if c is None and name == "_KEY":
            c = table.key_column  # also the hidden one of a key no field names
        if c is None and name == "_VAL":
            raise fail(m.COMPOSITE_VALUE)
        if c is None:
            raise ColumnNotFound(name)
        return c

    def _source_rows(
        self, src: exp.Expr, schema: str, args: list[Any]
    ) -> list[list[Any]]:
        if isinstance(src, exp.Values):
            pos = 0
            out = []
            for tup in src.expressions:
                row = []
                for e in tup.expressions:
                    n = len(list(e.find_all(exp.Placeholder)))
                    row.append(self._value(e, args[pos : pos + n], schema))
                    pos += n
                out.append(row)
            if pos != len(args):
                raise fail(m.parameter_count(pos, len(args)))
            return out
        plan = translate_query(src, self.catalog, schema)
        cols = plan.columns
        return [
            [_plan_value(v, c) for v, c in zip(r, cols, strict=False)]
            for r in self._run_plan(plan, args)
        ]

    def _value(self, e: exp.Expr, args: list[Any], schema: str) -> Any:
        if isinstance(e, exp.Placeholder):
            if not args:
                raise fail(m.parameter_count(1, 0))
            return args[0]
        if isinstance(e, exp.Null):
            return None
        if isinstance(e, exp.Boolean):
            return bool(e.this)
        if isinstance(e, exp.HexString):
            return _hex_bytes(e.this)
        if isinstance(e, exp.Literal):
            return _literal_value(e)
        if isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal):
            return -_literal_value(e.this)
        if (
            isinstance(e, exp.Cast)
            and isinstance(e.this, exp.Literal)
            and e.this.is_string
        ):
            return e.this.this
        plan = translate_query(exp.select(e), self.catalog, schema)
        rows = self._run_plan(plan, args)
        return _plan_value(rows[0][0], plan.columns[0]) if rows else None

    def _update(self, node: exp.Update, schema: str, args: list[Any]) -> int:
        normalize_identifiers(node)
        table = self._target(node.this, schema)
        sets: list[tuple[Any, exp.Expr]] = []
        for eq in node.expressions:
            col = self._column(table, eq.this.name)
            if col.is_key:
                raise fail(
                    "50000: SQL UPDATE can't modify key or its fields: " + col.name
                )
            sets.append((col, eq.expression))
        sel = exp.select(
            exp.column(KEY_BLOB, quoted=True),
            exp.column("_VAL", quoted=True),
            *[e.copy() for _, e in sets],
        ).from_(node.this.copy())
        where = node.args.get("where")
        if where is not None:
            sel.set("where", where.copy())
        plan = translate_query(sel, self.catalog, schema)
        count = 0
        for key, old, *new in self._run_plan(plan, args):
            changed = {}
            for (c, _), v, out in zip(sets, new, plan.columns[2:], strict=True):
                try:
                    changed[c.name] = to_field(_plan_value(v, out), c.type)
                except ValueConversion as exc:
                    raise fail(
                        m.conversion_failed(c.name, exc.from_java, exc.to_java)
                    ) from None
                if c.not_null and changed[c.name] is None:
                    raise fail(m.null_not_allowed(c.name))
            value = self.rows.update_value(table, bytes(old), changed)
            self.kv.put(table.cache_id, bytes(key), value)
            count += 1
        return count

    def _delete(self, node: exp.Delete, schema: str, args: list[Any]) -> int:
        normalize_identifiers(node)
        table = self._target(node.this, schema)
        sel = exp.select(exp.column(KEY_BLOB, quoted=True)).from_(node.this.copy())
        where = node.args.get("where")
        if where is not None:
            sel.set("where", where.copy())
        plan = translate_query(sel, self.catalog, schema)
        count = 0
        for (key,) in self._run_plan(plan, args):
            if self.kv.remove_key(table.cache_id, bytes(key)):
                count += 1
        return count


_ValuesInsert = tuple[
    bool, tuple[str | None, str], list[str] | None, list[list[tuple[bool, Any]]], int
]


def _read_values_insert(toks: list[Token]) -> _ValuesInsert | None:
    """(MERGE?, (schema, table), column names, rows, parameters) of
    ``INSERT|MERGE INTO [s.]t [(c, ...)] VALUES (v, ...), ...`` whose values are
    literals, NULL, TRUE/FALSE or ``?``; None for any other statement."""
    head = _read_head(toks)
    if head is None:
        return None
    upsert, target, cols, i = head
    rows: list[list[tuple[bool, Any]]] = []
    params = 0
    i += 1
    while True:
        if toks[i].token_type != TokenType.L_PAREN:
            return None
        row, i, params = _value_list(toks, i + 1, params)
        if row is None:
            return None
        rows.append(row)
        if i == len(toks):
            return upsert, target, cols, rows, params
        if toks[i].token_type != TokenType.COMMA:
            return None
        i += 1


def _scan_values_insert(sql: str) -> _ValuesInsert | None:
    """``_read_values_insert`` of ``sql`` with its rows read by ``literals``
    (no tokenizer over them); None where that module does not read them."""
    at = literals.values_start(sql)
    if at is None:
        return None
    body = literals.read_rows(sql, at)
    if body is None:
        return None
    toks = ident_tokens(sql[:at])
    head = _read_head(toks)
    if head is None or head[3] != len(toks) - 1:
        return None
    upsert, target, cols, _ = head
    return upsert, target, cols, body[0], body[1]


_Head = tuple[bool, tuple[str | None, str], list[str] | None, int]


def _read_head(toks: list[Token]) -> _Head | None:
    """(MERGE?, (schema, table), column names, index of ``VALUES``) of
    ``INSERT|MERGE INTO [s.]t [(c, ...)] VALUES``; None for anything else."""
    words = [t.text.upper() for t in toks[:2]]
    if words not in (["INSERT", "INTO"], ["MERGE", "INTO"]):
        return None
    i = 2
    parts = [toks[i]]
    while toks[i + 1].token_type == TokenType.DOT:
        parts.append(toks[i + 2])
        i += 2
    if len(parts) > 2 or any(t.token_type not in _NAMES for t in parts):
        return None
    names = [ident(t) for t in parts]
    target = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    i += 1
    cols: list[str] | None = None
    if toks[i].token_type == TokenType.L_PAREN:
        cols, i = _name_list(toks, i + 1)
        if cols is None:
            return None
    if toks[i].token_type != TokenType.VALUES:
        return None
    return words[0] == "MERGE", target, cols, i


def _name_list(toks: list[Token], i: int) -> tuple[list[str] | None, int]:
    """Names up to the closing parenthesis; the index after it."""
    out = []
    while True:
        if toks[i].token_type not in _NAMES:
            return None, i
        out.append(ident(toks[i]))
        i += 1
        if toks[i].token_type == TokenType.R_PAREN:
            return out, i + 1
        if toks[i].token_type != TokenType.COMMA:
            return None, i
        i += 1


def _value_list(
    toks: list[Token], i: int, params: int
) -> tuple[list[tuple[bool, Any]] | None, int, int]:
    """Constants and ``?`` up to the closing parenthesis; the index after it."""
    out: list[tuple[bool, Any]] = []
    while True:
        tok = toks[i]
        kind = tok.token_type
        if kind == TokenType.PLACEHOLDER and tok.text == "?":
            out.append((True, params))
            params += 1
        elif kind in _CONSTANTS:
            out.append((False, _CONSTANTS[kind]))
        elif kind == TokenType.STRING:
            out.append((False, tok.text))
        elif kind == TokenType.NUMBER:
            out.append((False, literals.number(tok.text)))
        elif kind == TokenType.DASH and toks[i + 1].token_type == TokenType.NUMBER:
            i += 1
            out.append((False, -literals.number(toks[i].text)))
        else:
            return None, i, params
        i += 1
        if toks[i].token_type == TokenType.R_PAREN:
            return out, i + 1, params
        if toks[i].token_type != TokenType.COMMA:
            return None, i, params
        i += 1


def _hex_bytes(text: str) -> bytes:
    """The bytes of ``X'..'``; H2's parse error for an odd number of digits (the
    statement fails as prepared)."""
    if len(text) % 2:
        raise H2Error(
            f'Hexadecimal string with odd number of characters: "{text}"', 90003
        )
    return bytes.fromhex(text)


def _plan_value(v: Any, col: OutCol) -> Any:
    """A query's DECIMAL result as the BigDecimal H2 computed: exact text as it is,
    a SQLite REAL at the expression's scale (``v * 2`` of a DECIMAL(8,2) -> 4.40)."""
    if col.type.name != "DECIMAL" or v is None:
        return v
    if isinstance(v, str):
        return Decimal(v)
    if isinstance(v, float | int) and not isinstance(v, bool) and col.scale >= 0:
        exact = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
        return exact.quantize(Decimal(1).scaleb(-col.scale), ROUND_HALF_UP)
    return v


def _literal_value(e: exp.Literal) -> Any:
    return e.this if e.is_string else literals.number(e.this)


def _decimals(v: Decimal) -> int:
    """Digits after the point (0 for NaN and infinities)."""
    exponent = v.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _converter(
    table: Table, cols: list[Column]
) -> Callable[[Sequence[Any]], list[Any]]:
    """A row's values (in ``cols``' order) as the field values of their columns
    (``to_field``), checked (``_checked_columns``; H2's errors)."""
    convs = [field_converter(c.type) for c in cols]
    at = {c.name: i for i, c in enumerate(cols)}
    checks = [(at.get(c.name), c) for c in _checked_columns(table)]

    def convert(r: Sequence[Any]) -> list[Any]:
        try:
            pairs = zip(convs, r, strict=True)
            values = [None if v is None else f(v) for f, v in pairs]
        except ValueConversion:
            raise _conversion_failed(cols, r) from None
        for i, c in checks:
            v = None if i is None else values[i]
            if isinstance(v, Decimal) and c.scale >= 0 and _decimals(v) > c.scale:
                raise fail(m.scale_out_of_range(c.name, c.scale, _decimals(v)))
            if (c.is_key or c.not_null) and v is None:
                hidden = c is table.hidden_key
                raise fail(m.NULL_KEY if hidden else m.null_not_allowed(c.name))
        return values

    return convert


def _conversion_failed(cols: list[Column], r: Sequence[Any]) -> Exception:
    """The error of the first value of ``r`` its column cannot take."""
    for c, v in zip(cols, r, strict=True):
        try:
            to_field(v, c.type)
        except ValueConversion as exc:
            return fail(m.conversion_failed(c.name, exc.from_java, exc.to_java))
    raise AssertionError("no value failed")


def _checked_columns(table: Table) -> list[Column]:
    """The columns whose values ``_converter`` checks: keys and NOT NULL
    ones (a value is required), DECIMALs of a fixed scale (no more digits)."""
    return [
        c
        for c in table.typed_columns
        if not c.exact
        and (c.is_key or c.not_null or (c.type.name == "DECIMAL" and c.scale >= 0))
    ]


def _required_keys(table: Table) -> list[Column]:
    """The key columns a row must set: the key fields, else the plain key."""
    hidden = table.hidden_key
    return table.key_columns or ([hidden] if hidden is not None else [])


def _key_text(table: Table, values: dict[str, Any]) -> str:
    keys = [values.get(c.name) for c in _required_keys(table)]
    if len(keys) == 1:
        return str(keys[0])
    return ", ".join(str(k) for k in keys)


def _from_optional(node: exp.Delete) -> exp.Delete:
    """H2's ``DELETE [FROM] table [alias]``: sqlglot reads a DELETE without FROM
    as a multi-table one (its table in ``tables``, none in ``this``)."""
    tables = node.args.get("tables") or []
    if not isinstance(node.this, exp.Table) and len(tables) == 1:
        node.set("this", tables[0])
        node.set("tables", None)
    return node

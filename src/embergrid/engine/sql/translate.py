"""Ignite (H2-flavoured) SELECT -> SQLite over the tables' typed columns, via sqlglot.

Owns ``translate_query`` (a parsed SELECT/UNION -> ``Plan``: the SQLite text, the
output columns with Ignite's names and static types, the number of ``?``) and the
errors it raises: ``TableNotFound`` and ``ColumnNotFound``. Never rewrites SQL
text with regular expressions: it walks and edits the sqlglot tree.
Must not import asyncio or ``embergrid.protocol.messages``.

Theory of operation
-------------------
1. Identifiers: unquoted ones are upper-cased (Ignite/H2 rule), quoted ones kept.
2. Scopes: each SELECT resolves its FROM/JOIN sources (tables from the catalog,
   derived tables translated first), then nested subqueries with this scope as
   their outer scope (correlation), then its own column references.
3. A table becomes its cache's *live* entries under the SQL alias:
   ``(SELECT * FROM e_<n> WHERE expire_at IS NULL OR expire_at > eg_now()) AS t``,
   so an expired entry is no row, as it is no entry to ``get`` (``eg_now`` is the
   engine clock; SQLite flattens the subquery, indexes still apply, and calls
   ``eg_now`` once per statement since it is registered deterministic). A
   column becomes the typed column ``c_<NAME>`` (``_KEY``/``_VAL`` the key and
   value blobs); ``*`` and ``t.*`` expand to the declared columns in order.
4. Projections and conditions (WHERE, HAVING, ON) are optimized as H2 prepares
   them (``h2fold``): constant subexpressions fold to H2's exact values (a
   folding error is H2's error), NOT is pushed inward, comparisons put the
   column left and convert a constant to its type, ``a = 1 OR a = 2`` is an IN.
5. Every projection gets its Ignite name (alias, column name, or H2's SQL text of
   the optimized expression, ``h2text.label``) and a static type (column types,
   H2's aggregate and arithmetic rules) that chooses the result cell encoding. A
   constant projection is its value; in a query Ignite runs in two steps (map
   and reduce: a PARTITIONED table not pruned to one partition) its type is that
   of its SQL text read back (``8.0`` of a DOUBLE is a DECIMAL).
6. What SQLite computes differently is rewritten (``_h2_semantics``): UUIDs
   order through the ``eg_uuid`` collation (H2's signed order); integer
   arithmetic (``eg_arith``) and CAST to an integer or a string (``eg_cast``)
   are computed by ``h2values`` as H2 computes them: in the operands' type,
   failing on overflow and division by zero (``RunError``: H2's error at run
   time), rounding to an integer, a DECIMAL's string with its scale, a string
   cut to its declared length. A string compared with a number (two columns:
   H2 converts to the higher type at run time) goes through ``eg_cast`` to the
   number's type, so a string that is no number fails as in H2.
7. ``SYSTEM_RANGE(start, end[, step])`` in FROM is a recursive CTE with one
   BIGINT column ``X``.
8. A single-table SELECT without ORDER BY, GROUP BY, DISTINCT or aggregates
   gets an ORDER BY giving the order Ignite returns it in (``_scan_order``):
   that of the index H2's cost model picks (``_best_index``: conditions on an
   index's leading columns, an index covering every column named), a secondary
   index's columns then the key, else primary-key order (SQLite would return
   key-blob order).
9. A bare ``?`` projection is typed at run time by its argument (``OutCol.param``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError as GlotError

from embergrid.engine.sql import h2values as hv
from embergrid.engine.sql.catalog import Catalog, Column, Table
from embergrid.engine.sql.h2fold import const, const_node, optimize
from embergrid.engine.sql.h2functions import FN, cast_target, check_functions
from embergrid.engine.sql.h2text import PARAM, h2_function, label
from embergrid.engine.sql.types import TYPES, SqlType
from embergrid.engine.sqltext import column_name
from embergrid.protocol.config import PARTITIONED

__all__ = [
    "ARITH_FUNCTION",
    "CAST_FUNCTION",
    "NOW_FUNCTION",
    "UUID_COLLATION",
    "ColumnNotFound",
    "OutCol",
    "Plan",
    "RunError",
    "TableNotFound",
    "stored_key_first",
    "translate_query",
]

# The SQL function that answers the engine clock's now (ms) inside a statement.
NOW_FUNCTION = "eg_now"
# The collation ordering UUID columns as H2 does (signed most, then least
# significant 64 bits).
UUID_COLLATION = "eg_uuid"
# H2's integer arithmetic (op, a, b, result type) and CAST to an integer or a
# string (value, source type, target type, length), computed by h2values.
ARITH_FUNCTION = "eg_arith"
CAST_FUNCTION = "eg_cast"

OTHER = TYPES["OTHER"]


class TableNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class RunError(Exception):
    """An error H2 raises running (not preparing) a statement: its text and code,
    and whether it failed in a map query (a partitioned table's)."""

    def __init__(self, text: str, code: int, map_query: bool = False) -> None:
        super().__init__(text, code)
        self.text = text
        self.code = code
        self.map_query = map_query


class ColumnNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True, slots=True)
class OutCol:
    name: str
    type: SqlType
    scale: int = -1
    param: int = 0  # a bare ``?`` projection: its number (typed by its argument)


@dataclass(slots=True)
class Plan:
    sqlite: str
    columns: list[OutCol]
    params: int
    tables: list[Table] = field(default_factory=list)
    typed_by_args: bool = False  # a column is a bare ``?`` (OutCol.param)
    # The result's (names, cell encoders, object flags), built on first use.
    shape: tuple[list[str], list[Callable[[Any], bytes]], list[bool]] | None = None
    # typed_by_args: the encoders per tuple of the bare ``?`` arguments' type names.
    typed_encoders: dict[tuple[str, ...], list[Callable[[Any], bytes]]] = field(
        default_factory=dict
    )


Typed = tuple[SqlType, int]


@dataclass(slots=True)
class _Source:
    alias: str
    table: Table | None
    cols: dict[str, tuple[str, SqlType, int]]  # SQL name -> (sqlite name, type, scale)
    order: list[str]
    columns: dict[str, Column] = field(default_factory=dict)


def normalize_identifiers(node: exp.Expr) -> None:
    """Unquoted identifiers upper-cased; afterwards every identifier is quoted."""
    for ident in node.find_all(exp.Identifier):
        if not ident.quoted:
            ident.set("this", ident.name.upper())
        ident.set("quoted", True)


def translate_query(node: exp.Expr, catalog: Catalog, schema: str) -> Plan:
    """The plan of a SELECT/UNION; ``h2values.H2Error`` where H2 fails preparing."""
    check_functions(node)
    normalize_identifiers(node)
    params: list[exp.Expr] = []
    for n in list(node.walk(bfs=False)):
        if isinstance(n, exp.Placeholder):
            n.meta[PARAM] = len(params) + 1  # H2 numbers parameters ?1, ?2, ...
            params.append(n)
        elif isinstance(n, exp.Anonymous):
            mapped = h2_function(n)
            if mapped is not n:
                n.replace(mapped)
    tr = _Translator(catalog, schema, _two_step(node, catalog, schema))
    cols = tr.query(node, [])
    if isinstance(node, exp.Select):
        _scan_order(node, catalog)
    if params:  # numbered: the optimizer may reorder (or repeat) operands
        for ph in list(node.find_all(exp.Placeholder)):
            ph.replace(exp.var(f"?{ph.meta[PARAM]}"))
    by_args = any(c.param for c in cols)
    return Plan(sqlite_text(node), cols, len(params), tr.used, by_args)


def sqlite_text(node: exp.Expr) -> str:
    """The SQLite statement text of a translated tree.

    sqlglot quotes every identifier and literal (quotes doubled). SQLite text
    cannot hold a NUL, which an H2 name or string may: such a name becomes
    ``sqltext.column_name``'s hex form (every use of a name maps alike, and the
    result's labels come from the plan, not from SQLite), such a string the
    text of its UTF-8 bytes.
    """
    for ident in list(node.find_all(exp.Identifier)):
        if "\0" in ident.name:
            ident.set("this", column_name(ident.name))
    for lit in list(node.find_all(exp.Literal)):
        if lit.is_string and "\0" in lit.name:
            raw = lit.name.encode("utf-8", "surrogatepass").hex()
            lit.replace(exp.cast(exp.HexString(this=raw), exp.DataType.build("TEXT")))
    return node.sql(dialect="sqlite")


class _Translator:
    def __init__(self, catalog: Catalog, schema: str, two_step: bool) -> None:
        self.catalog = catalog
        self.schema = schema
        self.two_step = two_step
        self.used: list[Table] = []
        self.unnamed = 0  # derived tables named so far (see _sources)

    def table(self, t: exp.Table) -> Table:
        schema = t.db or self.schema
        found = self.catalog.table(schema, t.name)
        if found is None:
            raise TableNotFound(t.name if not t.db else f"{t.db}.{t.name}")
        self.used.append(found)
        return found

    # -- queries ----------------------------------------------------------------

    def query(self, node: exp.Expr, outer: list[_Source]) -> list[OutCol]:
        if isinstance(node, exp.Subquery):
            return self.query(node.this, outer)
        if isinstance(node, exp.SetOperation):
            left = self.query(node.left, outer)
            self.query(node.right, outer)
            self._order_by_outputs(node, left)
            return left
        if isinstance(node, exp.Select):
            return self.select(node, outer)
        raise TableNotFound(node.sql())

    def _order_by_outputs(self, node: exp.Expr, cols: list[OutCol]) -> None:
        """A UNION's ORDER BY names or numbers output columns: UUID ones collate."""
        order = node.args.get("order")
        for o in order.expressions if order is not None else []:
            term = o.this
            typ: SqlType | None = None
            if isinstance(term, exp.Literal) and term.is_int:
                k = int(term.this)
                typ = cols[k - 1].type if 0 < k <= len(cols) else None
            elif isinstance(term, exp.Column) and not term.table:
                typ = next((c.type for c in cols if c.name == term.name), None)
            if typ is not None and typ.name == "UUID":
                o.set("this", _uuid_order(term))

    def select(self, sel: exp.Select, outer: list[_Source]) -> list[OutCol]:
        sources = self._sources(sel, outer)
        scope = sources + outer
        self._expand_stars(sel, sources)
        for sub in list(sel.find_all(exp.Select)):
            if sub is sel or sub.meta.get("eg_done"):
                continue
            if _inside_source(sub, sel):
                continue
            self.query(sub, scope)
        aliases = {p.alias for p in sel.expressions if isinstance(p, exp.Alias)}
        for col in list(sel.find_all(exp.Column)):
            if col.meta.get("eg_done"):
                continue
            self._resolve(col, scope, aliases)
        for clause in (sel.args.get("where"), sel.args.get("having")):
            if clause is not None:  # H2 optimizes conditions too (1 / 0 fails)
                clause.set("this", optimize(clause.this))
        for join in sel.args.get("joins") or []:
            if join.args.get("on") is not None:
                join.set("on", optimize(join.args["on"]))
        out: list[OutCol] = []
        new_exprs = []
        for p in sel.expressions:
            out_col, inner = self._projection(p)
            out.append(out_col)
            name = exp.to_identifier(out_col.name, quoted=True)
            new_exprs.append(exp.alias_(inner, name))
        sel.set("expressions", new_exprs)
        _h2_semantics(sel, out)
        sel.meta["eg_done"] = True
        sel.meta["eg_sources"] = sources
        return out

    def _projection(self, p: exp.Expr) -> tuple[OutCol, exp.Expr]:
        """A projection's output column and the expression SQLite computes for it.

        An expression is first optimized as H2 does (``h2fold``): its label is H2's
        text of the result, a constant is H2's value (in a two-step query the
        value of its text read back, as Ignite's map query reads it).
        """
        alias = p.alias if isinstance(p, exp.Alias) else None
        inner = p.this if isinstance(p, exp.Alias) else p
        if not isinstance(inner, exp.Column):
            inner = optimize(inner)
        v = const(inner)
        if v is not None:
            name = alias or label(inner)
            if self.two_step:
                v = _read_back(v)
            typ = TYPES["VARCHAR" if v[0] == "CHAR" else v[0]]
            return OutCol(name, typ), _output_literal(v)
        if isinstance(inner, exp.Column):
            name = alias or str(inner.meta.get("eg_name", inner.name))
            typ, scale = infer(inner)
            return OutCol(name, typ, scale), _exact_decimal(inner)
        if isinstance(inner, exp.Placeholder):  # H2 types it by its argument
            return OutCol(alias or label(inner), OTHER, param=inner.meta[PARAM]), inner
        typ, scale = infer(inner)
        return OutCol(alias or label(inner), typ, scale), inner

    def _sources(self, sel: exp.Select, outer: list[_Source]) -> list[_Source]:
        nodes: list[exp.Expr] = []
        frm = sel.args.get("from_") or sel.args.get("from")
        if frm is not None:
            nodes.append(frm.this)
            nodes.extend(frm.expressions or [])
        for j in sel.args.get("joins") or []:
            nodes.append(j.this)
        sources = []
        for n in nodes:
            if isinstance(n, exp.Table) and _is_range(n):
                sources.append(_range_source(n))
            elif isinstance(n, exp.Table):
                sources.append(self._table_source(n))
            elif isinstance(n, exp.Subquery):
                cols = self.query(n.this, outer)
                n.meta["eg_done"] = True
                if not n.alias:  # H2 takes a derived table without a name: give one
                    self.unnamed += 1
                    name = exp.to_identifier(f"eg_derived_{self.unnamed}")
                    n.set("alias", exp.TableAlias(this=name))
                alias = n.alias_or_name
                sources.append(
                    _Source(
                        alias,
                        None,
                        {c.name: (c.name, c.type, c.scale) for c in cols},
                        [c.name for c in cols],
                    )
                )
        return sources

    def _table_source(self, node: exp.Table) -> _Source:
        t = self.table(node)
        alias = node.alias_or_name
        cols = {c.name: (c.sqlite, c.type, c.scale) for c in t.columns}
        key = t.key_column  # a plain key compares as its value, as in H2
        cols["_KEY"] = (key.sqlite, key.type, key.scale) if key else ("key", OTHER, -1)
        cols[KEY_BLOB] = ("key", OTHER, -1)
        cols["_VAL"] = ("value", OTHER, -1)
        node.replace(_live_rows(t, alias))
        return _Source(
            alias, t, cols, [c.name for c in t.columns], {c.name: c for c in t.columns}
        )

    def _expand_stars(self, sel: exp.Select, sources: list[_Source]) -> None:
        exprs: list[exp.Expr] = []
        for p in sel.expressions:
            if isinstance(p, exp.Star):
                picked = sources
            elif isinstance(p, exp.Column) and isinstance(p.this, exp.Star):
                picked = [s for s in sources if s.alias == p.table]
                if not picked:
                    raise TableNotFound(p.table)
            else:
                exprs.append(p)
                continue
            for s in picked:
                for name in s.order:
                    exprs.append(exp.column(name, table=s.alias, quoted=True))
        sel.set("expressions", exprs)

    def _resolve(
        self, col: exp.Column, scope: list[_Source], aliases: set[str]
    ) -> None:
        name, qual, db = col.name, col.table, col.text("db")
        if isinstance(col.this, exp.Star):
            return
        for s in scope:
            if qual and s.alias != qual:
                continue
            if db and (s.table is None or s.table.schema != db):
                continue
            hit = s.cols.get(name)
            if hit is not None:
                sqlite, typ, scale = hit
                col.set("this", exp.to_identifier(sqlite, quoted=True))
                col.set("table", exp.to_identifier(s.alias, quoted=True))
                col.set("db", None)
                col.meta["eg_done"] = True
                col.meta["eg_name"] = name
                col.meta["eg_qual"] = qual
                col.meta["eg_type"] = (typ, scale)
                if name in s.columns:
                    col.meta["eg_col"] = s.columns[name]
                return
            if qual:
                break
        if not qual and name in aliases:
            col.meta["eg_done"] = True
            return
        label = col.meta.get("eg_label", name)
        raise ColumnNotFound(".".join(p for p in (db, qual, label) if p))


def stored_key_first(node: exp.Expr) -> None:
    """Op 2002's SELECT (``sqlquery``): its first column, ``t._KEY``, reads the
    stored key (``KEY_BLOB``), not the key's typed column."""
    sel = node
    while isinstance(sel, exp.SetOperation):
        sel = sel.left
    first = sel.expressions[0] if isinstance(sel, exp.Select) else None
    if isinstance(first, exp.Column) and first.name.upper() == "_KEY":
        first.meta["eg_label"] = "_KEY"
        first.set("this", exp.to_identifier(KEY_BLOB, quoted=True))


def _live_rows(t: Table, alias: str) -> exp.Subquery:
    """``(SELECT * FROM e_<n> WHERE <not expired> AND <of the type>) AS alias``
    (SQLite flattens it)."""
    live: exp.Expr = exp.or_(
        exp.column("expire_at").is_(exp.null()),
        exp.GT(this=exp.column("expire_at"), expression=exp.func(NOW_FUNCTION)),
    )
    check = t.value_check
    if check is not None:
        live = exp.and_(exp.paren(live), _of_type(*check))
    inner = exp.select(exp.Star()).from_(exp.to_table(t.tbl, quoted=True)).where(live)
    for node in inner.walk():
        node.meta["eg_done"] = True  # not a query or column of the user's
    return inner.subquery(exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))


# A stored object: code 103, version, flags (2 bytes), then its type id; wrapped
# (27): code, i32 length, then the object.
_TYPE_ID_AT = {103: 5, 27: 10}


def _of_type(code: int, tid: int) -> exp.Expr:
    """The stored value is of ``code`` (an object: of type ``tid``)."""

    def head(at: int, size: int, raw: bytes) -> exp.Expr:
        part = exp.func("substr", exp.column("value"), exp.Literal.number(at), size)
        return exp.EQ(this=part, expression=exp.HexString(this=raw.hex()))

    if code != 103:
        return head(1, 1, bytes([code]))
    tid_bytes = tid.to_bytes(4, "little", signed=True)
    return exp.or_(
        *(
            exp.and_(head(1, 1, bytes([c])), head(at, 4, tid_bytes))
            for c, at in _TYPE_ID_AT.items()
        )
    )


# -- row order of a scan -----------------------------------------------------------

# H2's cost model of an index (facts observed on the 2.17 node, see
# tests/sql/test_sql_corpus.py "index-order"): ROWS is the row count H2 adds to
# every estimate; a non-unique equality keeps 1 row in 2 (selectivity 50).
_ROWS = 1000
_SCAN_EXTRA = 20  # a scan and a look-up per row both cost this much more
# Condition kinds on one column, as H2 masks them.
_EQ, _START, _END = 1, 2, 4
_RANGE = _START | _END


@dataclass(slots=True)
class _Index:
    columns: list[tuple[Column, bool]]  # (column, descending)
    unique: bool


def _scan_order(sel: exp.Select, catalog: Catalog) -> None:
    """A single-table SELECT without ORDER BY, GROUP BY, DISTINCT or aggregates
    comes back in the order of the index H2 reads it through (``_best_index``):
    the primary key's (the scan's too) or a secondary index's, whose entries are
    its columns then the key columns. A WHERE fixing every key column needs no
    order."""
    sources: list[_Source] = sel.meta.get("eg_sources") or []
    if len(sources) != 1 or sources[0].table is None or not _plain(sel):
        return
    src = sources[0]
    table = src.table
    assert table is not None
    keys = table.key_columns or ([table.hidden_key] if table.hidden_key else [])
    if not keys or any(k.type.name == "OTHER" for k in keys):
        return
    if _keys_fixed(sel, {k.sqlite for k in keys}):
        return
    secondary = [
        _Index(
            cols + [(k, False) for k in keys if all(k is not c for c, _ in cols)], False
        )
        for cols in catalog.indexes(table)
    ]
    best = _best_index(
        sel, src.alias, _Index([(k, False) for k in keys], True), secondary
    )
    if best is None:
        _key_order(sel, src.alias, keys)
    else:
        _index_order(sel, src.alias, best)


def _best_index(
    sel: exp.Select, alias: str, pk: _Index, secondary: list[_Index]
) -> _Index | None:
    """The secondary index H2 picks for ``sel``, None for the primary key or the
    scan. H2 takes the cheapest (the first of equal ones: the scan, the primary
    key, then the indexes in creation order). An index's rows: an equality on a
    leading column halves them (the last column of a unique index leaves 3), a
    range on it leaves a quarter, one bound a third (and ends the prefix). A
    look-up per row doubles them unless the index covers every column the query
    names (then it costs its column count instead of ``_SCAN_EXTRA``)."""
    if not secondary:
        return None
    masks = _condition_masks(sel, alias)
    used = _used_columns(sel, alias)
    best: _Index | None = None
    cheapest = _ROWS + _SCAN_EXTRA
    for index in [pk, *secondary]:
        cost = _index_cost(index, masks, used)
        if cost < cheapest:
            best, cheapest = index, cost
    return None if best is pk else best


def _index_cost(index: _Index, masks: dict[str, int], used: set[str] | None) -> int:
    rows = _ROWS
    selectivity = 0  # percent of the rows an equality prefix rules out
    for i, (col, _) in enumerate(index.columns):
        mask = masks.get(col.sqlite, 0)
        if mask & _EQ:
            if index.unique and i == len(index.columns) - 1:
                rows = 3
                break
            selectivity = 100 - (100 - selectivity) * 50 // 100
            distinct = max(_ROWS * selectivity // 100, 1)
            rows = 2 + max(_ROWS // distinct, 1)
        elif mask & _RANGE == _RANGE:
            rows = 2 + _ROWS // 4
            break
        elif mask & _RANGE:
            rows = 2 + _ROWS // 3
            break
        else:
            break
    names = {c.sqlite for c, _ in index.columns}
    if used is not None and used <= names:
        return rows + len(index.columns)
    return 2 * rows + _SCAN_EXTRA


def _condition_masks(sel: exp.Select, alias: str) -> dict[str, int]:
    """Per typed column of the table, the kinds of index conditions the WHERE's
    conjuncts put on it: ``=``/``IN``/``IS NULL`` a constant or parameter, a
    lower or an upper bound."""
    where = sel.args.get("where")
    masks: dict[str, int] = {}
    for cond in _conjuncts(where.this) if where is not None else []:
        col, kind = _index_condition(cond)
        if col is not None and col.table == alias:
            masks[col.name] = masks.get(col.name, 0) | kind
    return masks


_BOUNDS: dict[type[exp.Expr], int] = {
    exp.EQ: _EQ,
    exp.GT: _START,
    exp.GTE: _START,
    exp.LT: _END,
    exp.LTE: _END,
}


def _index_condition(cond: exp.Expr) -> tuple[exp.Column | None, int]:
    if isinstance(cond, exp.Is) and isinstance(cond.expression, exp.Null):
        return (cond.this, _EQ) if isinstance(cond.this, exp.Column) else (None, 0)
    if isinstance(cond, exp.In) and not cond.args.get("query"):
        if isinstance(cond.this, exp.Column) and all(
            _fixed(v) for v in cond.expressions
        ):
            return cond.this, _EQ
        return None, 0
    if isinstance(cond, exp.Like) and isinstance(cond.this, exp.Column):
        return (cond.this, _RANGE) if _like_prefix(cond) else (None, 0)
    kind = _BOUNDS.get(type(cond), 0)
    col = cond.this.this if isinstance(cond.this, exp.Collate) else cond.this
    if kind and isinstance(col, exp.Column) and _fixed(cond.expression):
        return col, kind  # (a UUID column compares through its collation)
    return None, 0


def _fixed(e: exp.Expr) -> bool:
    e = e.unnest()
    return isinstance(e, exp.Placeholder) or const(e) is not None


def _like_prefix(cond: exp.Like) -> bool:
    """``col LIKE 'abc%'``: H2 reads it as a range of the index (from the
    pattern's text before its first wildcard)."""
    v = const(cond.expression.unnest())
    return (
        v is not None
        and isinstance(v[1], str)
        and v[1][:1] not in ("", "%", "_")
        and cond.args.get("escape") is None
    )


def _used_columns(sel: exp.Select, alias: str) -> set[str] | None:
    """The typed columns of the table the query names; None when it names one no
    index holds (``_VAL``, the key blob) or both ``_KEY`` and a key column (H2
    then reads the row, as observed)."""
    used: set[str] = set()
    key_alias = key_named = False
    for col in sel.find_all(exp.Column):
        if col.table != alias:
            continue
        c = col.meta.get("eg_col")
        if col.meta.get("eg_name") == "_KEY":
            key_alias = True
        elif not isinstance(c, Column):
            return None
        elif c.is_key:
            key_named = True
        used.add(col.name)
    return None if key_alias and key_named else used


def _index_order(sel: exp.Select, alias: str, index: _Index) -> None:
    """ORDER BY a secondary index's entries: its columns (DESC where declared)
    then the key columns; an ``IN`` list on the first column is read value by
    value, ascending."""
    first = index.columns[0][0].sqlite
    where = sel.args.get("where")
    in_first = where is not None and any(
        isinstance(c, exp.In)
        and isinstance(c.this, exp.Column)
        and c.this.name == first
        for c in _conjuncts(where.this)
    )
    terms = []
    for i, (c, desc) in enumerate(index.columns):
        col: exp.Expr = exp.column(c.sqlite, table=alias, quoted=True)
        if c.type.name == "UUID":
            col = _uuid_order(col)
        down = desc and not (i == 0 and in_first)
        # H2 puts NULL first ascending, last descending (so does SQLite; say so,
        # sqlglot would write NULLS LAST)
        terms.append(exp.Ordered(this=col, desc=down, nulls_first=not down))
    sel.set("order", exp.Order(expressions=terms))


def _key_order(sel: exp.Select, alias: str, keys: list[Column]) -> None:
    """Primary-key order (numbers numerically, strings by code point, composite
    keys column by column); SQLite would return the key blobs' order. Without a
    LIMIT SQLite sorts the result (``+col`` keeps it off the key index: a sort
    of the rows read costs less than a look-up per row); with one it walks the
    key index and stops early."""
    by_index = sel.args.get("limit") is not None
    terms = []
    for k in keys:
        col: exp.Expr = exp.column(k.sqlite, table=alias, quoted=True)
        if k.type.name == "UUID":
            col = _uuid_order(col)
        elif not by_index:
            col = exp.Var(this="+" + sqlite_text(col))
        terms.append(exp.Ordered(this=col))
    sel.set("order", exp.Order(expressions=terms))


def _plain(sel: exp.Select) -> bool:
    if any(sel.args.get(k) for k in ("order", "group", "having", "distinct", "joins")):
        return False
    for p in sel.expressions:
        for n in p.walk(prune=lambda n: isinstance(n, exp.Subquery | exp.Select)):
            if isinstance(n, exp.AggFunc | exp.Window):
                return False
    return True


def _keys_fixed(sel: exp.Select, keys: set[str]) -> bool:
    """Whether the WHERE sets every key column equal to a constant or parameter."""
    where = sel.args.get("where")
    if where is None:
        return False
    fixed = set()
    for cond in _conjuncts(where.this):
        if not isinstance(cond, exp.EQ):
            continue
        for col, other in ((cond.this, cond.expression), (cond.expression, cond.this)):
            if isinstance(col, exp.Column) and (
                const(other) is not None or isinstance(other, exp.Placeholder)
            ):
                fixed.add(col.name)
    return keys <= fixed


# -- SYSTEM_RANGE(start, end[, step]) -------------------------------------------

RANGE_FUNCTION = "SYSTEM_RANGE"
_RANGE_CTE = (
    "WITH RECURSIVE eg_range(x, e, s) AS ("
    " SELECT a, b, c FROM (SELECT 1 AS a, 2 AS b, 3 AS c)"
    " WHERE (c > 0 AND a <= b) OR (c < 0 AND a >= b)"
    " UNION ALL SELECT x + s, e, s FROM eg_range"
    " WHERE (s > 0 AND x + s <= e) OR (s < 0 AND x + s >= e))"
    " SELECT x FROM eg_range"
)


def _is_range(node: exp.Expr) -> bool:
    return (
        isinstance(node, exp.Table)
        and isinstance(node.this, exp.Anonymous)
        and str(node.this.name).upper() == RANGE_FUNCTION
    )


def _range_source(node: exp.Table) -> _Source:
    """H2's ``SYSTEM_RANGE(start, end[, step])``: one BIGINT column X counting
    from start while not past end (a step below zero counts down); every
    argument is read as a BIGINT (NULL is 0, a DECIMAL rounds half up), a step
    of 0 fails preparing. SQLite counts with a recursive CTE."""
    args = list(node.this.expressions)
    if len(args) not in (2, 3):
        raise GlotError(f"{RANGE_FUNCTION} takes 2 or 3 arguments")
    bounds = [_range_bound(a) for a in args]
    if len(bounds) == 2:
        bounds.append(const_node(("BIGINT", 1)))
    if const(bounds[2]) == ("BIGINT", 0):
        raise hv.H2Error("Step size must not be zero", 90142)
    query = sqlglot.parse_one(_RANGE_CTE, read="sqlite")
    assert isinstance(query, exp.Select)
    first = query.find(exp.Select, bfs=False)
    inner = first.find(exp.Subquery) if first is not None else None
    assert inner is not None
    for alias, bound in zip(inner.this.expressions, bounds, strict=True):
        alias.set("this", bound)
    table_alias = node.args.get("alias")
    names = table_alias.columns if isinstance(table_alias, exp.TableAlias) else []
    name = names[0].name if names else "X"
    query.expressions[0].replace(exp.alias_(exp.column("x"), name, quoted=True))
    for n in query.walk():
        n.meta["eg_done"] = True  # not a query or column of the user's
    alias = node.alias_or_name or RANGE_FUNCTION
    sub = query.subquery(exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
    node.replace(sub)
    return _Source(alias, None, {name: (name, TYPES["BIGINT"], -1)}, [name])


def _range_bound(arg: exp.Expr) -> exp.Expr:
    """An argument of SYSTEM_RANGE as a BIGINT (folded when constant)."""
    x = optimize(arg)
    v = const(x)
    if v is None:  # a parameter: SQLite rounds it
        rounded = exp.Anonymous(this="round", expressions=[x])
        as_int = exp.Cast(this=rounded, to=exp.DataType.build("INTEGER"))
        return exp.func("coalesce", as_int, exp.Literal.number(0))
    try:
        converted = hv.convert(v, "BIGINT")
    except hv.H2Error as exc:  # H2 reads the arguments when it runs the query
        raise RunError(exc.text, exc.code) from None
    return const_node(("BIGINT", 0) if converted[1] is None else converted)


def _exact_decimal(e: exp.Expr) -> exp.Expr:
    """A bare DECIMAL column reads the exact value from its blob, not the REAL."""
    if not isinstance(e, exp.Column):
        return e
    col = e.meta.get("eg_col")
    if not isinstance(col, Column) or col.type.name != "DECIMAL":
        return e
    blob = exp.column("key" if col.is_key else "value", table=e.table, quoted=True)
    fid = 0 if col.whole else col.field_id
    return exp.Anonymous(
        this="eg_field",
        expressions=[
            blob,
            exp.Literal.number(fid),
            exp.Literal.string("DECIMAL_EXACT"),
        ],
    )


KEY_BLOB = "_EG_KEY"
"""The stored key bytes of a row, whatever ``_KEY`` means (DML and op 2002 use it)."""


def _inside_source(sub: exp.Select, sel: exp.Select) -> bool:
    """Whether ``sub`` is (inside) a derived table of ``sel`` (already handled)."""
    node: exp.Expr | None = sub
    while node is not None and node is not sel:
        if node.meta.get("eg_done"):
            return True
        node = node.parent
    return False


def _read_back(v: hv.Val) -> hv.Val:
    """A constant as it comes back from Ignite's map query, which holds its SQL
    text: a number is that text's decimal, an integer type when it has no
    fraction digits (``8.0`` stays DECIMAL 8.0, ``1.0E7`` is INT 10000000,
    ``1.0E20`` DECIMAL 100000000000000000000); a UUID or CHAR is a VARCHAR."""
    t, x = v
    if x is None:
        return v
    if t in ("UUID", "CHAR"):
        return ("VARCHAR", hv.string_of(v))
    if t not in hv.INTS and t not in ("DECIMAL", "DOUBLE", "REAL"):
        return v
    number = hv.literal(hv.sql_of(v))
    if number[0] == "DECIMAL" and int(number[1].as_tuple().exponent) >= 0:
        return hv.literal(str(int(number[1])))
    return number


def _output_literal(v: hv.Val) -> exp.Expr:
    """A constant result column: a DECIMAL as its exact text (the cell encoder
    keeps a text's digits and scale), anything else in its stored form."""
    if v[0] == "DECIMAL" and v[1] is not None:
        return exp.Literal.string(str(v[1]))
    return const_node(v)


# -- H2 semantics SQLite lacks -------------------------------------------------

_INT_TARGETS = ("TINYINT", "SMALLINT", "INT", "BIGINT")  # narrow to wide
_STRINGS = ("VARCHAR", "CHAR")
_STRINGIFIED = ("DECIMAL", "BOOLEAN", "DOUBLE", "REAL")
_ARITH_OPS: dict[type[exp.Expr], str] = {
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.Mod: "%",
}
_ORDERING = (exp.GT, exp.GTE, exp.LT, exp.LTE)
_COMPARISONS = (exp.EQ, exp.NEQ, *_ORDERING)
_NUMBERS = (*_INT_TARGETS, "DECIMAL", "REAL", "DOUBLE")


def _h2_semantics(sel: exp.Select, out: list[OutCol]) -> None:
    """Rewrites of ``sel``'s own expressions (not its subqueries') for what SQLite
    computes differently: UUIDs order as H2's signed (msb, lsb) pairs (ORDER BY,
    MIN/MAX, range comparisons, BETWEEN); integer arithmetic and CAST to an
    integer or a string are computed as H2 computes them (``_h2_arith``,
    ``_h2_cast``), and so is a DECIMAL/BOOLEAN/DOUBLE/REAL operand of ``||`` or
    CONCAT; a string compared with a number is converted to it
    (``_h2_compare``). (A UUID compared with a text is equal to any spelling of
    it: the optimizer converted the text to a UUID, stored spelling.)"""
    nodes = list(sel.walk(prune=lambda n: n is not sel and isinstance(n, exp.Select)))
    for node in nodes:
        if isinstance(node, exp.Ordered) and _ordinal(node.this, out) == "UUID":
            node.set("this", _uuid_order(node.this))
        elif isinstance(node, exp.Ordered | exp.Min | exp.Max | exp.Between):
            if _is_uuid(node.this):
                node.set("this", _uuid_order(node.this))
        elif isinstance(node, _COMPARISONS) and _h2_compare(node):
            pass
        elif isinstance(node, _ORDERING):
            if _is_uuid(node.this):
                node.set("this", _uuid_order(node.this))
            elif _is_uuid(node.expression):
                node.set("expression", _uuid_order(node.expression))
        elif isinstance(node, exp.Cast):
            _h2_cast(node)
        elif type(node) in _ARITH_OPS:
            _h2_arith(node)
        elif isinstance(node, exp.DPipe | exp.Concat):
            _string_operands(node)


def _h2_compare(node: exp.Expr) -> bool:
    """A string compared with a number, neither a constant (the optimizer
    converted those), is converted to the number's type (the higher one in H2's
    order) by ``CAST_FUNCTION``, as H2 converts it while comparing: a string
    that is no number fails (unless the number is NULL: no comparison is made).
    Whether ``node`` was rewritten."""
    left, right = node.this, node.expression
    if const(left) is not None or const(right) is not None:
        return False
    a, b = infer(left)[0].name, infer(right)[0].name
    if a in _STRINGS and b in _NUMBERS:
        node.set("this", _converted(left, a, right, b))
    elif b in _STRINGS and a in _NUMBERS:
        node.set("expression", _converted(right, b, left, a))
    else:
        return False
    return True


def _converted(e: exp.Expr, source: str, other: exp.Expr, target: str) -> exp.Expr:
    """``e`` converted to ``target`` where ``other`` is not NULL. For an integer
    target, text that already is a canonical integer in range is converted by
    SQLite (a join over such columns makes no Python call per row pair)."""
    null_other = exp.Is(this=other.copy(), expression=exp.Null())
    call = _cast_call(e, source, target, None)
    case = exp.Case().when(null_other, exp.Null())
    if target in _INT_TARGETS:
        as_int = exp.Cast(this=e.copy(), to=exp.DataType.build("INTEGER"))
        lo, hi = hv.RANGES[target]
        plain = exp.and_(
            exp.EQ(
                this=exp.Cast(this=as_int.copy(), to=exp.DataType.build("TEXT")),
                expression=e.copy(),
            ),
            exp.Between(
                this=as_int.copy(),
                low=exp.Literal.number(lo),
                high=exp.Literal.number(hi),
            ),
        )
        case = case.when(plain, as_int)
    return case.else_(call)


def _ordinal(e: exp.Expr, out: list[OutCol]) -> str | None:
    """The type name of the output column ``ORDER BY <k>`` numbers."""
    if isinstance(e, exp.Literal) and e.is_int and 0 < int(e.this) <= len(out):
        return out[int(e.this) - 1].type.name
    return None


def _is_uuid(e: exp.Expr | None) -> bool:
    return (
        e is not None and not isinstance(e, exp.Literal) and infer(e)[0].name == "UUID"
    )


def _uuid_order(e: exp.Expr) -> exp.Expr:
    if isinstance(e, exp.Collate):
        return e
    return exp.Collate(this=e, expression=exp.var(UUID_COLLATION))


def _h2_cast(node: exp.Cast) -> None:
    """CAST to an integer type (H2 rounds a DECIMAL half up, a DOUBLE/REAL as
    Math.round, and fails out of the type's range) or to VARCHAR/CHAR (H2's
    string form, cut to the declared length) is computed by ``CAST_FUNCTION``;
    so is a CAST of bytes (a VARBINARY, or an argument that arrives as bytes) to
    any other type, which H2 reads from the bytes' hexadecimal spelling."""
    target = cast_target(node.args["to"])
    if target is None:
        return
    name, precision, _ = target
    source = infer(node.this)[0].name
    if name in _INT_TARGETS:
        if source in _INT_TARGETS and _INT_TARGETS.index(source) <= _INT_TARGETS.index(
            name
        ):
            return  # a narrower integer always fits
    elif name in ("VARCHAR", "CHAR"):
        if source in _STRINGS and precision is None:
            return
    elif name in _FROM_BYTES and source in ("VARBINARY", "OTHER"):
        blob = exp.EQ(
            this=exp.Anonymous(this="typeof", expressions=[node.this.copy()]),
            expression=exp.Literal.string("blob"),
        )
        by_h2 = _cast_call(node.this, "VARBINARY", name, precision)
        node.replace(exp.Case().when(blob, by_h2).else_(node.copy()))
        return
    else:
        return
    node.replace(_cast_call(node.this, source, name, precision))


# CAST targets whose conversion of bytes SQLite's CAST does not make as H2 does.
_FROM_BYTES = frozenset(
    {"DOUBLE", "REAL", "DECIMAL", "BOOLEAN", "DATE", "TIME", "TIMESTAMP", "UUID"}
)


def _cast_call(
    e: exp.Expr, source: str, target: str, precision: int | None
) -> exp.Expr:
    args = [
        _exact_decimal(e),
        exp.Literal.string(source),
        exp.Literal.string(target),
        exp.Null() if precision is None else exp.Literal.number(precision),
    ]
    return exp.Anonymous(this=CAST_FUNCTION, expressions=args)


def _string_operands(node: exp.Expr) -> None:
    """``||``/CONCAT read a number or a boolean as H2's string of it."""
    keys = ("this", "expression") if isinstance(node, exp.DPipe) else ("expressions",)
    for key in keys:
        value = node.args.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, exp.Expr):
                continue
            source = infer(item)[0].name
            if source in _STRINGIFIED:
                hole = exp.Null()
                item.replace(hole)
                hole.replace(_cast_call(item, source, "VARCHAR", None))


def _h2_arith(node: exp.Expr) -> None:
    """Integer ``+ - * / %`` as H2 computes it (``ARITH_FUNCTION``): an operand
    converted to the result type, division truncating, an overflow or a division
    by zero failing the statement; SQLite would widen, or answer NULL."""
    typ = infer(node)[0].name
    if typ not in _INT_TARGETS:
        return
    op = _ARITH_OPS[type(node)]
    args = [exp.Literal.string(op), node.this, node.expression, exp.Literal.string(typ)]
    node.replace(exp.Anonymous(this=ARITH_FUNCTION, expressions=args))


# -- Ignite's two-step (map/reduce) execution ----------------------------------


def _two_step(node: exp.Expr, catalog: Catalog, schema: str) -> bool:
    """Whether Ignite runs the statement as a map and a reduce query.

    Ignite splits a query over a PARTITIONED table, unless partition pruning
    pins it to one partition (a single-partition query runs its original text).
    Modelled: the WHERE of a SELECT sets the affinity column (or ``_KEY``) of its
    partitioned tables equal to one constant or parameter (Ignite intersects the
    tables' partitions, an unconditioned table does not widen them); every
    branch of a UNION must be pinned by the same constant.
    """
    tables = []
    for t in node.find_all(exp.Table):
        found = catalog.table(t.db or schema, t.name)
        if found is not None and found.config.cache_mode == PARTITIONED:
            tables.append((t, found))
    if not tables:
        return False
    return _pinned(node, tables) is None


def _pinned(node: exp.Expr, tables: list[tuple[exp.Table, Table]]) -> str | None:
    """The constant pinning ``node`` to one partition, None if there is none."""
    if isinstance(node, exp.Subquery):
        return _pinned(node.this, tables)
    if isinstance(node, exp.SetOperation):
        left = _pinned(node.left, tables)
        right = _pinned(node.right, tables)
        return left if left is not None and left == right else None
    if not isinstance(node, exp.Select):
        return None
    mine = {t.alias_or_name: f for t, f in tables if _home(t) is node}
    inside = [t for t, _ in tables if _within(t, node)]
    where = node.args.get("where")
    if not mine or len(mine) != len(inside) or where is None:
        return None  # partitioned tables in subqueries are not modelled
    pins = set()
    for cond in _conjuncts(where.this):
        for alias, table in mine.items():
            value = _pin(cond, _affinity(table), alias, len(mine) > 1)
            if value is not None:
                pins.add(value)
    return pins.pop() if len(pins) == 1 else None


def _home(t: exp.Expr) -> exp.Expr | None:
    node = t.parent
    while node is not None and not isinstance(node, exp.Select):
        node = node.parent
    return node


def _within(t: exp.Expr, sel: exp.Expr) -> bool:
    node = t.parent
    while node is not None and node is not sel:
        node = node.parent
    return node is sel


def _affinity(t: Table) -> str | None:
    for kc in t.config.key_configuration:
        if kc.type_name == t.entity.key_type_name and kc.affinity_key_field_name:
            return kc.affinity_key_field_name
    keys = t.key_columns
    return keys[0].name if len(keys) == 1 else None


def _conjuncts(e: exp.Expr) -> list[exp.Expr]:
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.And):
        return _conjuncts(e.this) + _conjuncts(e.expression)
    return [e]


def _pin(
    cond: exp.Expr, affinity: str | None, alias: str, qualified: bool
) -> str | None:
    """The constant ``cond`` sets ``alias``'s affinity column (or _KEY) to."""
    pairs: list[tuple[exp.Expr, exp.Expr]] = []
    if isinstance(cond, exp.EQ):
        pairs = [(cond.this, cond.expression), (cond.expression, cond.this)]
    elif isinstance(cond, exp.In) and len(cond.expressions) == 1:
        pairs = [(cond.this, cond.expressions[0])]
    for col, value in pairs:
        if not isinstance(col, exp.Column) or col.name not in ("_KEY", affinity):
            continue
        if col.table != alias and (qualified or col.table):
            continue
        if isinstance(value, exp.Placeholder):
            return f"?{id(value)}"
        if isinstance(value, exp.Literal | exp.Boolean | exp.Neg):
            return value.sql()
    return None


# -- static types (H2 rules) ---------------------------------------------------

_INTS = ("TINYINT", "SMALLINT", "INT")
_STRING_FUNCS = (
    exp.Upper,
    exp.Lower,
    exp.Trim,
    exp.Substring,
    exp.Concat,
    exp.DPipe,
    exp.Initcap,
    exp.Left,
    exp.Right,
    exp.Pad,
    exp.Repeat,
)


def _t(name: str, scale: int = -1) -> Typed:
    return TYPES[name], scale


def _wider(a: Typed, b: Typed) -> Typed:
    if a[0].name == "NULL":
        return b
    if b[0].name == "NULL":
        return a
    if not (a[0].numeric and b[0].numeric):
        return a
    t = a if a[0].rank >= b[0].rank else b
    return t[0], max(a[1], b[1])


def infer(e: exp.Expr) -> Typed:
    """The static SQL type of an expression whose columns are resolved."""
    v = const(e)
    if v is not None:
        if v[0] == "DECIMAL" and v[1] is not None:
            return _t("DECIMAL", max(-int(v[1].as_tuple().exponent), 0))
        return _t("VARCHAR" if v[0] == "CHAR" else v[0])
    if isinstance(e, exp.Column):
        typed = e.meta.get("eg_type")
        return typed if typed is not None else (OTHER, -1)
    if isinstance(e, exp.Paren):
        return infer(e.this)
    if isinstance(e, exp.Distinct) and e.expressions:  # SUM(DISTINCT x)
        return infer(e.expressions[0])
    if isinstance(e, exp.Literal):
        return _literal(e)
    if isinstance(e, exp.Boolean):
        return _t("BOOLEAN")
    if isinstance(e, exp.Null):
        return _t("NULL")
    if isinstance(e, exp.Neg):
        return infer(e.this)
    if isinstance(e, exp.Count):
        return _t("BIGINT")
    if isinstance(e, exp.Sum):
        return _sum(infer(e.this))
    if isinstance(e, exp.Avg | exp.Min | exp.Max | exp.Abs):
        return infer(e.this)
    if isinstance(e, exp.Round | exp.Pow | exp.Sqrt | exp.Ceil | exp.Floor):
        return _t("DOUBLE")  # H2 computes these in double
    if isinstance(e, exp.Sign):
        return _t("INT")
    if isinstance(e, exp.Cast):
        return _cast(e)
    if isinstance(e, exp.Mod) and e.meta.get(FN):
        return _t("BIGINT")  # MOD(a, b) is H2's long remainder
    if isinstance(e, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod):
        return _arith(e)
    if isinstance(e, (*_STRING_FUNCS, exp.Replace)):
        return _t("VARCHAR")
    if isinstance(e, exp.Length):
        return _t("BIGINT")
    if isinstance(e, exp.Coalesce):
        return _first_known([e.this, *e.expressions])
    if isinstance(e, exp.Case):
        return _first_known(
            [i.args["true"] for i in e.args.get("ifs") or []] + [e.args.get("default")]
        )
    if isinstance(e, exp.If):
        return _first_known([e.args.get("true"), e.args.get("false")])
    if isinstance(e, exp.Predicate | exp.Connector | exp.Not | exp.In | exp.Between):
        return _t("BOOLEAN")
    if isinstance(e, exp.CurrentDate):
        return _t("DATE")
    if isinstance(e, exp.CurrentTimestamp):
        return _t("TIMESTAMP")
    if isinstance(e, exp.CurrentTime):
        return _t("TIME")
    if isinstance(e, exp.Year | exp.Month | exp.Day | exp.Extract):
        return _t("INT")
    if isinstance(e, exp.Subquery):
        sel = e.this
        if isinstance(sel, exp.Select) and sel.expressions:
            first = sel.expressions[0]
            return infer(first.this if isinstance(first, exp.Alias) else first)
    return OTHER, -1


def _first_known(items: list[exp.Expr | None]) -> Typed:
    for i in items:
        if i is not None:
            t = infer(i)
            if t[0].name != "NULL":
                return t
    return _t("NULL")


def _literal(e: exp.Literal) -> Typed:
    if e.is_string:
        return _t("VARCHAR")
    text = e.this
    if "." in text or "e" in text.lower():
        frac = text.split(".", 1)[1] if "." in text else ""
        return _t("DECIMAL", len(frac.lower().split("e")[0]))
    return _t("INT") if -(1 << 31) <= int(text) < (1 << 31) else _t("BIGINT")


def _sum(a: Typed) -> Typed:
    name = a[0].name
    if name in _INTS:
        return _t("BIGINT")
    if name == "BIGINT":
        return _t("DECIMAL", 0)
    if name in ("REAL", "DOUBLE"):
        return _t("DOUBLE")
    return a


def _arith(e: exp.Binary) -> Typed:
    a, b = infer(e.left), infer(e.right)
    if not (a[0].numeric and b[0].numeric):
        return a if a[0].numeric else (b if b[0].numeric else (OTHER, -1))
    t = _wider(a, b)
    if t[0].name == "DECIMAL":
        if isinstance(e, exp.Mul):
            return t[0], max(a[1], 0) + max(b[1], 0)
        if isinstance(e, exp.Div):
            return t[0], -1
    return t


def _cast(e: exp.Cast) -> Typed:
    target = cast_target(e.args["to"])
    if target is None:
        return OTHER, -1
    name, _, scale = target
    if name == "CHAR":
        return _t("VARCHAR")
    if name == "DECIMAL" and scale is None:  # DECIMAL without a scale keeps the value's
        src, src_scale = infer(e.this)
        if src.name in _INTS or src.name == "BIGINT":
            return _t("DECIMAL", 0)
        return _t("DECIMAL", src_scale if src.name == "DECIMAL" else -1)
    return _t(name, -1 if scale is None else scale)

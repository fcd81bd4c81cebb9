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
4. Every projection gets its Ignite name (alias, column name or the H2-style
   text of the expression) and a static type (column types, H2's aggregate and
   arithmetic rules) that chooses the result cell encoding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from embergrid.engine.sql.catalog import Catalog, Column, Table
from embergrid.engine.sql.types import TYPES, SqlType, from_sql_name

__all__ = [
    "NOW_FUNCTION",
    "ColumnNotFound",
    "OutCol",
    "Plan",
    "TableNotFound",
    "translate_query",
]

# The SQL function that answers the engine clock's now (ms) inside a statement.
NOW_FUNCTION = "eg_now"

OTHER = TYPES["OTHER"]


class TableNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class ColumnNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True, slots=True)
class OutCol:
    name: str
    type: SqlType
    scale: int = -1


@dataclass(slots=True)
class Plan:
    sqlite: str
    columns: list[OutCol]
    params: int
    tables: list[Table] = field(default_factory=list)
    # The result's (names, cell encoders, object flags), built on first use.
    shape: tuple[list[str], list[Callable[[Any], bytes]], list[bool]] | None = None


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
    normalize_identifiers(node)
    tr = _Translator(catalog, schema)
    cols = tr.query(node, [])
    params = len(list(node.find_all(exp.Placeholder)))
    return Plan(node.sql(dialect="sqlite"), cols, params, tr.used)


class _Translator:
    def __init__(self, catalog: Catalog, schema: str) -> None:
        self.catalog = catalog
        self.schema = schema
        self.used: list[Table] = []

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
        pass

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
        out: list[OutCol] = []
        new_exprs = []
        for p in sel.expressions:
            name = _out_name(p)
            typ, scale = infer(p.this if isinstance(p, exp.Alias) else p)
            out.append(OutCol(name, typ, scale))
            inner = p.this if isinstance(p, exp.Alias) else p
            inner = _exact_decimal(inner)
            new_exprs.append(exp.alias_(inner, exp.to_identifier(name, quoted=True)))
        sel.set("expressions", new_exprs)
        sel.meta["eg_done"] = True
        return out

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
            if isinstance(n, exp.Table):
                sources.append(self._table_source(n))
            elif isinstance(n, exp.Subquery):
                cols = self.query(n.this, outer)
                n.meta["eg_done"] = True
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
        cols["_KEY"] = ("key", OTHER, -1)
        cols["_VAL"] = ("value", OTHER, -1)
        node.replace(_live_rows(t.tbl, alias))
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
        name, qual = col.name, col.table
        if isinstance(col.this, exp.Star):
            return
        for s in scope:
            if qual and s.alias != qual:
                continue
            hit = s.cols.get(name)
            if hit is not None:
                sqlite, typ, scale = hit
                col.set("this", exp.to_identifier(sqlite, quoted=True))
                col.set("table", exp.to_identifier(s.alias, quoted=True))
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
        raise ColumnNotFound(f"{qual}.{name}" if qual else name)


def _live_rows(tbl: str, alias: str) -> exp.Subquery:
    """``(SELECT * FROM e_<n> WHERE <not expired>) AS alias`` (SQLite flattens it)."""
    live = exp.or_(
        exp.column("expire_at").is_(exp.null()),
        exp.GT(this=exp.column("expire_at"), expression=exp.func(NOW_FUNCTION)),
    )
    inner = exp.select(exp.Star()).from_(exp.to_table(tbl, quoted=True)).where(live)
    for node in inner.walk():
        node.meta["eg_done"] = True  # not a query or column of the user's
    return inner.subquery(exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))


def _exact_decimal(e: exp.Expr) -> exp.Expr:
    """A bare DECIMAL column reads the exact value from its blob, not the REAL."""
    if not isinstance(e, exp.Column):
        return e
    col = e.meta.get("eg_col")
    if not isinstance(col, Column) or col.type.name != "DECIMAL":
        return e
    blob = exp.column("key" if col.is_key else "value", table=e.table, quoted=True)
    fid = 0 if col.whole_key else col.field_id
    return exp.Anonymous(
        this="eg_field",
        expressions=[
            blob,
            exp.Literal.number(fid),
            exp.Literal.string("DECIMAL_EXACT"),
        ],
    )


def _inside_source(sub: exp.Select, sel: exp.Select) -> bool:
    """Whether ``sub`` is (inside) a derived table of ``sel`` (already handled)."""
    node: exp.Expr | None = sub
    while node is not None and node is not sel:
        if node.meta.get("eg_done"):
            return True
        node = node.parent
    return False


def _out_name(p: exp.Expr) -> str:
    if isinstance(p, exp.Alias):
        return p.alias
    if isinstance(p, exp.Column):
        return str(p.meta.get("eg_name", p.name))
    return _h2_text(p)


def _h2_text(p: exp.Expr) -> str:
    q = p.copy()
    for c in q.find_all(exp.Column):
        if "eg_name" in c.meta:
            c.set("this", exp.to_identifier(str(c.meta["eg_name"])))
            qual = c.meta.get("eg_qual")
            c.set("table", exp.to_identifier(str(qual)) if qual else None)
    for ident in q.find_all(exp.Identifier):
        ident.set("quoted", False)
    for b in list(q.find_all(exp.Binary)):
        if b is not q and not isinstance(b.parent, exp.Paren):
            b.replace(exp.Paren(this=b.copy()))
    for node in q.find_all(exp.Div, exp.Concat):
        node.set("safe", None)
        if isinstance(node, exp.Concat):
            node.set("coalesce", None)
    return q.sql()


# -- static types (H2 rules) -----------------------------------------------------------

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
    if isinstance(e, exp.Column):
        typed = e.meta.get("eg_type")
        return typed if typed is not None else (OTHER, -1)
    if isinstance(e, exp.Paren):
        return infer(e.this)
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
    if isinstance(e, exp.Round):
        return infer(e.this)
    if isinstance(e, exp.Cast):
        return _cast(e)
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
    to = e.to
    name = str(getattr(to.this, "name", to.this))
    t = from_sql_name(_DATATYPE_NAMES.get(name, name))
    if t is None:
        return OTHER, -1
    scale = -1
    params = to.expressions
    if t.name == "DECIMAL" and len(params) >= 2:
        lit = params[1].this
        scale = int(lit.this) if isinstance(lit, exp.Literal) else -1
    return t, scale


_DATATYPE_NAMES = {
    "BIGDECIMAL": "DECIMAL",
    "TEXT": "VARCHAR",
    "NCHAR": "VARCHAR",
    "NVARCHAR": "VARCHAR",
    "DATETIME": "TIMESTAMP",
    "TIMESTAMPTZ": "TIMESTAMP",
    "BOOLEAN": "BOOLEAN",
    "FLOAT": "DOUBLE",
}

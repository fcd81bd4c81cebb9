"""Name resolution of a SELECT: its sources, its columns, its projections.

Owns ``Translator``, ``normalize_identifiers`` and ``stored_key_first``.

1. Identifiers: unquoted ones are upper-cased (Ignite/H2 rule), quoted ones kept.
2. Scopes: each SELECT resolves its FROM/JOIN sources (tables from the catalog,
   derived tables translated first, ``SYSTEM_RANGE``), then nested subqueries
   with this scope as their outer scope (correlation), then its own column
   references (``schema.table.column`` too).
3. A table becomes its cache's *live* entries of its value type under the SQL
   alias: ``(SELECT * FROM e_<n> WHERE (expire_at IS NULL OR expire_at >
   eg_now()) AND <value of the type>) AS t``, so an expired entry is no row, as
   it is no entry to ``get`` (``eg_now`` is the engine clock; SQLite flattens the
   subquery, indexes still apply, and calls ``eg_now`` once per statement since
   it is registered deterministic). A column becomes the typed column ``c_<NAME>``
   (``_KEY``/``_VAL`` the key and value blobs); ``*`` and ``t.*`` expand to the
   declared columns in order.
4. Projections and conditions (WHERE, HAVING, ON) are optimized as H2 prepares
   them (``h2fold``). Every projection gets its Ignite name (alias, column name,
   or H2's SQL text of the optimized expression, ``h2text.label``) and a static
   type (``inference``). A constant projection is its value; in a two-step query
   (``mapreduce``) its type is that of its SQL text read back.
5. A bare ``?`` projection is typed at run time by its argument (``OutCol.param``);
   a CONCAT projected by the query answered to the client (or by one of its
   derived tables) may answer a part alone with that part's type, chosen per
   row, as a tagged value (``OutCol.alone``, ``types.untag``).

Must not import the row order or map/reduce modules, asyncio or
``embergrid.protocol.messages``.
"""

from __future__ import annotations

import dataclasses

from sqlglot import exp

from embergrid.engine.sql import h2values as hv
from embergrid.engine.sql.catalog import Catalog, Table
from embergrid.engine.sql.h2fold import const, const_node, optimize
from embergrid.engine.sql.h2semantics import (
    concat_parts,
    exact_decimal,
    h2_semantics,
    order_key,
    text_of_tagged,
    uuid_order,
)
from embergrid.engine.sql.h2text import PARAM, label
from embergrid.engine.sql.inference import OTHER, infer
from embergrid.engine.sql.plan import (
    ALONE,
    KEY_BLOB,
    NOW_FUNCTION,
    ColumnNotFound,
    OutCol,
    Source,
    TableNotFound,
)
from embergrid.engine.sql.sysrange import is_range, range_source
from embergrid.engine.sql.types import TAGGABLE, TYPES

__all__ = ["Translator", "normalize_identifiers", "stored_key_first"]


def normalize_identifiers(node: exp.Expr) -> None:
    """Unquoted identifiers upper-cased; afterwards every identifier is quoted."""
    for ident in node.find_all(exp.Identifier):
        if not ident.quoted:
            ident.set("this", ident.name.upper())
        ident.set("quoted", True)


class Translator:
    def __init__(
        self,
        catalog: Catalog,
        schema: str,
        two_step: bool,
        answered: exp.Expr | None = None,
    ) -> None:
        self.catalog = catalog
        self.schema = schema
        self.two_step = two_step
        # The SELECTs whose rows go to a client as cells (``_types_per_row``):
        # the query's, and its derived tables (``_read_as_text``).
        self.answered = [answered] if answered is not None else []
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

    def query(self, node: exp.Expr, outer: list[Source]) -> list[OutCol]:
        if isinstance(node, exp.Subquery):
            return self.query(node.this, outer)
        if isinstance(node, exp.SetOperation):
            cols = union_columns(
                self.query(node.left, outer), self.query(node.right, outer)
            )
            self._order_by_outputs(node, cols)
            return cols
        if isinstance(node, exp.Select):
            return self.select(node, outer)
        raise TableNotFound(node.sql())

    def _order_by_outputs(self, node: exp.Expr, cols: list[OutCol]) -> None:
        """A UNION's ORDER BY names or numbers output columns: UUID ones collate."""
        order = node.args.get("order")
        for o in order.expressions if order is not None else []:
            k = _output_named(o.this, node, cols)
            if k is not None and cols[k].type.name == "UUID":
                o.set("this", uuid_order(o.this))

    def select(self, sel: exp.Select, outer: list[Source]) -> list[OutCol]:
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
        if any(sel is a for a in self.answered):
            _types_per_row(sel, out)
        h2_semantics(sel, out)
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
            return OutCol(name, typ, scale), exact_decimal(inner)
        if isinstance(inner, exp.Placeholder):  # H2 types it by its argument
            return OutCol(alias or label(inner), OTHER, param=inner.meta[PARAM]), inner
        typ, scale = infer(inner)
        return OutCol(alias or label(inner), typ, scale), inner

    def _sources(self, sel: exp.Select, outer: list[Source]) -> list[Source]:
        nodes: list[exp.Expr] = []
        frm = sel.args.get("from_") or sel.args.get("from")
        if frm is not None:
            nodes.append(frm.this)
            nodes.extend(frm.expressions or [])
        for j in sel.args.get("joins") or []:
            nodes.append(j.this)
        sources = []
        for n in nodes:
            if isinstance(n, exp.Table) and is_range(n):
                sources.append(range_source(n))
            elif isinstance(n, exp.Table):
                sources.append(self._table_source(n))
            elif isinstance(n, exp.Subquery):
                if any(sel is a for a in self.answered):  # (_read_as_text)
                    self.answered.append(n.this)
                cols = self.query(n.this, outer)
                n.meta["eg_done"] = True
                if not n.alias:  # H2 takes a derived table without a name: give one
                    self.unnamed += 1
                    name = exp.to_identifier(f"eg_derived_{self.unnamed}")
                    n.set("alias", exp.TableAlias(this=name))
                alias = n.alias_or_name
                sources.append(
                    Source(
                        alias,
                        None,
                        {c.name: (c.name, c.type, c.scale) for c in cols},
                        [c.name for c in cols],
                        alone={c.name: c.alone for c in cols if c.alone},
                    )
                )
        return sources

    def _table_source(self, node: exp.Table) -> Source:
        t = self.table(node)
        alias = node.alias_or_name
        cols = {c.name: (c.sqlite, c.type, c.scale) for c in t.columns}
        key = t.key_column  # a plain key compares as its value, as in H2
        cols["_KEY"] = (key.sqlite, key.type, key.scale) if key else ("key", OTHER, -1)
        cols[KEY_BLOB] = ("key", OTHER, -1)
        cols["_VAL"] = ("value", OTHER, -1)
        node.replace(_live_rows(t, alias))
        return Source(
            alias, t, cols, [c.name for c in t.columns], {c.name: c for c in t.columns}
        )

    def _expand_stars(self, sel: exp.Select, sources: list[Source]) -> None:
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

    def _resolve(self, col: exp.Column, scope: list[Source], aliases: set[str]) -> None:
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
                if name in s.alone:
                    col.meta[_KINDS] = s.alone[name]
                return
            if qual:
                break
        if not qual and name in aliases:
            col.meta["eg_done"] = True
            return
        label = col.meta.get("eg_label", name)
        raise ColumnNotFound(".".join(p for p in (db, qual, label) if p))


def union_columns(left: list[OutCol], right: list[OutCol]) -> list[OutCol]:
    """A UNION's columns: named by its first SELECT; a column of numbers in
    both, or of NULL in one, is of H2's higher type of the two
    (``SelectUnion``: INT and DECIMAL make a DECIMAL, every row converted to
    it, each value keeping its own scale); any other column has the first
    SELECT's type."""
    out = list(left)
    for i, (a, b) in enumerate(zip(left, right, strict=False)):
        if a.param or b.param or a.alone or b.alone:
            continue
        nulls = "NULL" in (a.type.name, b.type.name)
        if not (nulls or (a.type.numeric and b.type.numeric)):
            continue
        if (a.type, a.scale) != (b.type, b.scale):
            higher = TYPES[hv.higher(a.type.name, b.type.name)]
            out[i] = dataclasses.replace(a, type=higher, scale=-1)
    return out


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
    tag = t.tag_column
    if tag is not None and t.value_check is not None:
        of_type = exp.EQ(
            this=exp.column(tag.sqlite, quoted=True),
            expression=exp.Literal.number(t.value_check),
        )
        live = exp.and_(exp.paren(live), of_type)
    inner = exp.select(exp.Star()).from_(exp.to_table(t.tbl, quoted=True)).where(live)
    for node in inner.walk():
        node.meta["eg_done"] = True  # not a query or column of the user's
    return inner.subquery(exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))


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


_KINDS = "eg_row_kinds"  # meta: a derived table's column whose rows may be tagged


def _types_per_row(sel: exp.Select, out: list[OutCol]) -> None:
    """H2's CONCAT and CONCAT_WS answer a row whose only non-NULL part is that
    part itself, of its own type: so do the projected ones of a query whose
    rows are answered as they are (and of their derived tables, which read
    them as text where not passed on, ``_read_as_text``), as tagged values
    (``h2semantics``); a GROUP BY term equal to one is tagged alike (equal
    tags are H2's equal values), and an ORDER BY term naming one (its name,
    number or expression) orders by ``order_key``. The column's cells then take
    their type per row (``OutCol.alone``)."""
    _read_as_text(sel)
    tagged: dict[int, exp.Expr] = {}
    for i, p in enumerate(sel.expressions):
        inner = p.this if isinstance(p, exp.Alias) else p
        kinds = _row_kinds(inner)
        if not kinds:
            continue
        if isinstance(inner, exp.Concat):
            inner.meta[ALONE] = True
            tagged[i] = inner
        out[i] = dataclasses.replace(out[i], alone=kinds)
    group = sel.args.get("group")
    for g in group.expressions if group is not None else []:
        if isinstance(g, exp.Concat) and any(g == c for c in tagged.values()):
            g.meta[ALONE] = True
    order = sel.args.get("order")
    for o in order.expressions if order is not None else []:
        k = _output_named(o.this, sel, out)
        if k is not None and out[k].alone:
            name = exp.column(exp.to_identifier(out[k].name, quoted=True))
            name.meta["eg_done"] = True  # the output column (SQLite's alias)
            o.set("this", order_key(name, out[k].alone))
        elif isinstance(o.this, exp.Column) and o.this.meta.get(_KINDS):
            o.set("this", order_key(o.this, o.this.meta[_KINDS]))


def _row_kinds(e: exp.Expr) -> tuple[str, ...]:
    """The type names a row of ``e`` may have where ``e`` is a CONCAT (or a
    column of a derived table holding one) whose row may be a part alone: each
    tagged part type, VARCHAR where a row may be a string (two parts, a string
    part, CONCAT_WS's ``''``); empty where every row is a string."""
    if isinstance(e, exp.Column):
        return tuple(e.meta.get(_KINDS, ()))
    if not isinstance(e, exp.Concat):
        return ()
    kinds: list[str] = ["VARCHAR"] if isinstance(e, exp.ConcatWs) else []
    parts = [p for p in concat_parts(e) if infer(p)[0].name != "NULL"]
    if len(parts) > 1:
        kinds.append("VARCHAR")
    for part in parts:
        inner = part.unnest()
        name = infer(part)[0].name
        found = _row_kinds(inner) if isinstance(inner, exp.Concat) else ()
        kinds.extend(found or ([name] if name in TAGGABLE else ["VARCHAR"]))
    if all(k == "VARCHAR" for k in kinds):
        return ()
    return tuple(dict.fromkeys(kinds))


def _output_named(term: exp.Expr, sel: exp.Expr, out: list[OutCol]) -> int | None:
    """The output column an ORDER BY term of ``sel`` (a SELECT or a UNION)
    names: by its alias, number or expression."""
    if isinstance(term, exp.Literal) and term.is_int:
        k = int(term.this) - 1
        return k if 0 <= k < len(out) else None
    if isinstance(term, exp.Column) and not term.table and not term.meta.get("eg_type"):
        return next((k for k, c in enumerate(out) if c.name == term.name), None)
    for k, p in enumerate(sel.expressions):
        if (p.this if isinstance(p, exp.Alias) else p) == term:
            return k
    return None


def _read_as_text(sel: exp.Select) -> None:
    """A column of a derived table whose rows may be tagged values is read as
    it is where its value is answered, grouped or ordered by; anywhere else
    (a condition, an operand) as its string, the text of a tag."""
    own = sel.walk(prune=lambda n: n is not sel and isinstance(n, exp.Select))
    for col in [n for n in own if isinstance(n, exp.Column) and n.meta.get(_KINDS)]:
        parent = col.parent
        if isinstance(parent, exp.Alias):
            parent = parent.parent
        if parent is not sel and not isinstance(parent, exp.Ordered | exp.Group):
            col.replace(text_of_tagged(col))

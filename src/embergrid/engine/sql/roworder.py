"""The order Ignite returns a plain single-table SELECT in: H2's choice of index.

Owns ``scan_order``: a single-table SELECT without ORDER BY, GROUP BY, DISTINCT or
aggregates gets an ORDER BY giving the order Ignite returns it in, that of the
index H2's cost model picks (``_best_index``: conditions on an index's leading
columns, an index covering every column named), a secondary index's columns then
the key, else primary-key order (SQLite would return key-blob order). Must not
import the scope or map/reduce modules, asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from embergrid.engine.sql.catalog import Catalog, Column
from embergrid.engine.sql.h2fold import conjuncts, const
from embergrid.engine.sql.h2semantics import uuid_order
from embergrid.engine.sql.plan import Source, sqlite_text

__all__ = ["scan_order"]


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


def scan_order(sel: exp.Select, catalog: Catalog) -> None:
    """A single-table SELECT without ORDER BY, GROUP BY, DISTINCT or aggregates
    comes back in the order of the index H2 reads it through (``_best_index``):
    the primary key's (the scan's too) or a secondary index's, whose entries are
    its columns then the key columns. A WHERE fixing every key column needs no
    order."""
    sources: list[Source] = sel.meta.get("eg_sources") or []
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
    for cond in conjuncts(where.this) if where is not None else []:
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
        for c in conjuncts(where.this)
    )
    terms = []
    for i, (c, desc) in enumerate(index.columns):
        col: exp.Expr = exp.column(c.sqlite, table=alias, quoted=True)
        if c.type.name == "UUID":
            col = uuid_order(col)
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
            col = uuid_order(col)
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
    for cond in conjuncts(where.this):
        if not isinstance(cond, exp.EQ):
            continue
        for col, other in ((cond.this, cond.expression), (cond.expression, cond.this)):
            if isinstance(col, exp.Column) and (
                const(other) is not None or isinstance(other, exp.Placeholder)
            ):
                fixed.add(col.name)
    return keys <= fixed

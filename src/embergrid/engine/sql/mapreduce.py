"""Whether Ignite runs a query in two steps (a map and a reduce query).

Owns ``two_step``: a query over a PARTITIONED table not pinned to one partition
runs as map and reduce queries, which changes its constants' types (read back
from their SQL text) and how its run-time errors are worded. Must not import the
scope, row order or semantics modules, asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from sqlglot import exp

from embergrid.engine.sql.catalog import Catalog, Table
from embergrid.engine.sql.h2fold import conjuncts
from embergrid.protocol.config import PARTITIONED

__all__ = ["two_step"]


def two_step(node: exp.Expr, catalog: Catalog, schema: str) -> bool:
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
    for cond in conjuncts(where.this):
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

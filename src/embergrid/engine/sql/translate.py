"""Ignite (H2-flavoured) SELECT -> SQLite over the tables' typed columns, via sqlglot.

Owns ``translate_query`` (a parsed SELECT/UNION -> ``plan.Plan``). Never rewrites
SQL text with regular expressions: it walks and edits the sqlglot tree, in steps
each its own module:

* ``scope``: identifiers, sources and columns resolved, projections named and
  typed (``inference``), H2's optimizer applied (``h2fold``);
* ``sysrange``: ``SYSTEM_RANGE`` in FROM;
* ``h2semantics``: what SQLite computes differently from H2;
* ``mapreduce``: whether Ignite runs the query in two steps;
* ``roworder``: the row order of a plain single-table SELECT (H2's index choice);
* ``aggsplit``: whether an aggregate query splits into map parts over key ranges.

Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from sqlglot import exp

from embergrid.engine.sql.aggsplit import agg_split
from embergrid.engine.sql.catalog import Catalog
from embergrid.engine.sql.h2functions import check_functions
from embergrid.engine.sql.h2text import PARAM, h2_function
from embergrid.engine.sql.mapreduce import two_step
from embergrid.engine.sql.plan import Plan, sqlite_text
from embergrid.engine.sql.roworder import scan_order
from embergrid.engine.sql.scope import Translator, normalize_identifiers

__all__ = ["translate_query"]


def translate_query(
    node: exp.Expr, catalog: Catalog, schema: str, *, answered: bool = False
) -> Plan:
    """The plan of a SELECT/UNION; ``h2values.H2Error`` where H2 fails preparing.
    ``answered``: its rows go to a client as cells (not into a DML statement),
    so a cell's type may be chosen per row (``scope._types_per_row``)."""
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
    tr = Translator(
        catalog, schema, two_step(node, catalog, schema), node if answered else None
    )
    cols = tr.query(node, [])
    if isinstance(node, exp.Select):
        scan_order(node, catalog)
    if params:  # numbered: the optimizer may reorder (or repeat) operands
        for ph in list(node.find_all(exp.Placeholder)):
            ph.replace(exp.var(f"?{ph.meta[PARAM]}"))
    by_args = any(c.param for c in cols)
    one = len(tr.used) == 1
    split = agg_split(node, tr.used[0].tbl, len(params), cols) if one else None
    plan = Plan(sqlite_text(node), cols, len(params), tr.used, by_args)
    plan.split = split
    return plan

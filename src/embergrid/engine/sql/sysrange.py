"""H2's ``SYSTEM_RANGE(start, end[, step])`` table function in FROM.

Owns ``is_range`` and ``range_source``: the function becomes a recursive CTE with
one BIGINT column ``X``. Must not import the scope, row order, semantics or
map/reduce modules, asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError as GlotError

from embergrid.engine.sql import h2values as hv
from embergrid.engine.sql.h2fold import const, const_node, optimize
from embergrid.engine.sql.plan import RunError, Source
from embergrid.engine.sql.types import TYPES

__all__ = ["RANGE_FUNCTION", "is_range", "range_source"]


RANGE_FUNCTION = "SYSTEM_RANGE"
_RANGE_CTE = (
    "WITH RECURSIVE eg_range(x, e, s) AS ("
    " SELECT a, b, c FROM (SELECT 1 AS a, 2 AS b, 3 AS c)"
    " WHERE (c > 0 AND a <= b) OR (c < 0 AND a >= b)"
    " UNION ALL SELECT x + s, e, s FROM eg_range"
    " WHERE (s > 0 AND x + s <= e) OR (s < 0 AND x + s >= e))"
    " SELECT x FROM eg_range"
)


def is_range(node: exp.Expr) -> bool:
    return (
        isinstance(node, exp.Table)
        and isinstance(node.this, exp.Anonymous)
        and str(node.this.name).upper() == RANGE_FUNCTION
    )


def range_source(node: exp.Table) -> Source:
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
    return Source(alias, None, {name: (name, TYPES["BIGINT"], -1)}, [name])


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

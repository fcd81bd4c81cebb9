"""H2's expression optimizer on the sqlglot tree: constant folding and rewrites.

Owns ``optimize`` (a resolved expression -> the tree H2 1.4.197 makes of it when
it prepares the statement), ``const`` (the folded value of a node),
``const_node``, ``comparison`` and ``cost``. Ignite names a result column after that
optimized tree (``h2text.label``), and the folded constants carry H2's exact
values (``1.0 / 3`` has 26 digits), so the same tree is also what SQLite runs.
Imports sqlglot and the siblings ``h2values``/``h2functions`` only; no asyncio.

Theory of operation
-------------------
``optimize`` rebuilds the tree bottom-up, reusing the resolved column nodes:

* a node whose operands are all constants becomes a constant node: a SQLite
  literal in the column's stored form, its ``Val`` in ``meta["eg_val"]``;
  what ``h2values`` does not model raises ``NotFoldable`` and stays as written;
* ``NOT x`` is pushed into ``x`` (``NOT b`` -> ``b = FALSE``, ``NOT a > 1`` ->
  ``a <= 1``, De Morgan over AND/OR, ``NOT NOT x`` -> ``x``), tried on the
  operand before it is optimized, as H2 does;
* a comparison puts the column left (``1 < i`` -> ``i > 1``) and converts a
  constant to the column's type when that is the higher type (``d = 1`` stays,
  ``ts > '2000-01-01'`` becomes a TIMESTAMP), a NULL operand makes it NULL;
* AND/OR operands are ordered by H2's cost (cheaper first), constants
  short-circuit, ``a = 1 OR a = 2`` becomes ``a IN(1, 2)``;
* BETWEEN is two comparisons, ``x IN (v)`` is ``x = v``, ``x LIKE 'abc'``
  without wildcards is ``x = 'abc'``, ``x LIKE '%'`` is ``x IS NOT NULL``.
Every rebuilt operator wraps composite operands in parentheses, so the SQLite
text keeps its grouping; the label renderer ignores parentheses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from sqlglot import exp

from embergrid.engine.sql import h2values as hv
from embergrid.engine.sql.h2functions import (
    FN,
    call,
    cast_target,
    function_args,
    function_name,
)
from embergrid.engine.sql.h2values import NULL, NotFoldable, Val

__all__ = [
    "ISNOT",
    "VAL",
    "comparison",
    "conjuncts",
    "const",
    "const_node",
    "cost",
    "optimize",
]

VAL = "eg_val"  # meta key of a folded constant's Val
ISNOT = "eg_isnot"  # meta key: NOT(x IS y) built as H2's x IS NOT y

_ARITH: dict[type[exp.Expr], str] = {
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.Mod: "%",
}
_CMP: dict[type[exp.Expr], Callable[[int], bool]] = {
    exp.EQ: lambda c: c == 0,
    exp.NEQ: lambda c: c != 0,
    exp.GT: lambda c: c > 0,
    exp.GTE: lambda c: c >= 0,
    exp.LT: lambda c: c < 0,
    exp.LTE: lambda c: c <= 0,
}
_REVERSED: dict[type[exp.Expr], type[exp.Binary]] = {
    exp.EQ: exp.EQ,
    exp.NEQ: exp.NEQ,
    exp.GT: exp.LT,
    exp.LT: exp.GT,
    exp.GTE: exp.LTE,
    exp.LTE: exp.GTE,
}
_NEGATED: dict[type[exp.Expr], type[exp.Binary]] = {
    exp.EQ: exp.NEQ,
    exp.NEQ: exp.EQ,
    exp.GT: exp.LTE,
    exp.LTE: exp.GT,
    exp.GTE: exp.LT,
    exp.LT: exp.GTE,
}


# -- constants -----------------------------------------------------------------


def const(e: exp.Expr | None) -> Val | None:
    """The folded value of an optimized node, None if it is not a constant."""
    if e is None:
        return None
    v = e.meta.get(VAL)
    return v if isinstance(v, tuple) else None


def const_node(v: Val) -> exp.Expr:
    """A SQLite literal holding ``v`` in its column's stored form."""
    t, x = v
    node: exp.Expr
    if x is None:
        node = exp.Null()
    elif t == "BOOLEAN":
        node = exp.Literal.number(1 if x else 0)
    elif t in hv.INTS:
        node = exp.Literal.number(str(x))
    elif t == "DECIMAL":
        text = format(x, "f")
        node = exp.Literal.number(text if "." in text else text + ".0")
    elif t in ("DOUBLE", "REAL"):
        node = exp.Literal.number(repr(float(x)))
    elif t == "TIMESTAMP":
        node = exp.Literal.string(x.isoformat(sep=" ", timespec="milliseconds"))
    elif t == "VARBINARY":
        node = exp.HexString(this=bytes(x).hex())
    else:  # strings, DATE, TIME, UUID
        node = exp.Literal.string(_text(x))
    node.meta[VAL] = v
    return node


def _text(x: Any) -> str:
    if isinstance(x, date | time | datetime):
        return x.isoformat()
    return str(x)


def _leaf(e: exp.Expr) -> Val | None:
    """The value of a literal as H2's parser reads it."""
    if isinstance(e, exp.Literal):
        return ("VARCHAR", e.this) if e.is_string else hv.literal(e.this)
    if isinstance(e, exp.Boolean):
        return ("BOOLEAN", bool(e.this))
    if isinstance(e, exp.Null):
        return NULL
    if isinstance(e, exp.HexString):
        try:
            return ("VARBINARY", bytes.fromhex(e.this))
        except ValueError:
            return None
    return None


def _col_type(e: exp.Expr) -> str | None:
    typed = e.meta.get("eg_type")
    if typed is None:
        return None
    name = str(typed[0].name)
    return None if name in ("OTHER", "NULL") else name


def _p(e: exp.Expr) -> exp.Expr:
    """``e`` as an operand: composite expressions in parentheses."""
    if isinstance(
        e, exp.Binary | exp.Unary | exp.Connector | exp.Predicate | exp.Between
    ) and not isinstance(e, exp.Paren):
        return exp.Paren(this=e)
    return e


def _strip(e: exp.Expr) -> exp.Expr:
    while isinstance(e, exp.Paren):
        e = e.this
    return e


def _bool(v: bool | None) -> exp.Expr:
    return const_node(NULL if v is None else ("BOOLEAN", v))


# -- the optimizer -------------------------------------------------------------


def optimize(e: exp.Expr) -> exp.Expr:
    """The tree H2 makes of the resolved expression ``e`` (nodes are reused).

    Raises ``h2values.H2Error`` where H2 fails preparing (``1 / 0``)."""
    if const(e) is not None:
        return e
    leaf = _leaf(e)
    if leaf is not None:
        return const_node(leaf)
    if isinstance(e, exp.Paren):
        return optimize(e.this)
    if isinstance(e, exp.Column | exp.Placeholder):
        return e
    if e.args.get("negate") and isinstance(e, exp.Like | exp.Is):
        positive = e.copy()  # ``a NOT LIKE b``: H2 reads NOT (a LIKE b)
        positive.set("negate", None)
        return optimize(exp.Not(this=positive))
    handler = _HANDLERS.get(type(e))
    if handler is not None:
        return handler(e)
    if isinstance(e, exp.AggFunc):
        _optimize_args(e)
        return e
    if isinstance(e, exp.Func):
        return _function(e)
    return e


def _neg(e: exp.Expr) -> exp.Expr:
    inner = e.this
    if isinstance(inner, exp.Literal) and not inner.is_string:
        return const_node(hv.literal("-" + inner.this))  # a negative literal
    x = optimize(inner)
    v = const(x)
    if v is not None:
        return _folded(lambda: hv.negate(v), lambda: exp.Neg(this=_p(x)))
    return exp.Neg(this=_p(x))


def _folded(fold: Callable[[], Val], keep: Callable[[], exp.Expr]) -> exp.Expr:
    try:
        return const_node(fold())
    except NotFoldable:
        return keep()


def _arith(e: exp.Expr) -> exp.Expr:
    if e.meta.get(FN):  # MOD(a, b): a function, not the % operator
        return _function(e)
    left, right = optimize(e.this), optimize(e.expression)
    lv, rv = const(left), const(right)
    e.set("this", _p(left))
    e.set("expression", _p(right))
    if lv is not None and rv is not None:
        op = _ARITH[type(e)]
        return _folded(lambda: hv.arith(op, lv, rv), lambda: e)
    return e


def _dpipe(e: exp.Expr) -> exp.Expr:
    left, right = optimize(e.this), optimize(e.expression)
    lv, rv = const(left), const(right)
    e.set("this", _p(left))
    e.set("expression", _p(right))
    if lv is not None and rv is not None:
        return _folded(lambda: hv.concat(lv, rv), lambda: e)
    return e


def _comparison_node(e: exp.Expr) -> exp.Expr:
    return comparison(type(e), optimize(e.this), optimize(e.expression))


def comparison(cls: type[exp.Expr], left: exp.Expr, right: exp.Expr) -> exp.Expr:
    """H2's ``Comparison.optimize`` over optimized operands."""
    if isinstance(right, exp.Column) and (
        const(left) is not None or isinstance(left, exp.Placeholder)
    ):
        left, right, cls = right, left, _REVERSED[cls]
    rv = const(right)
    if isinstance(left, exp.Column) and rv is not None and rv[1] is not None:
        right = _to_column_type(left, right, rv)
    lv, rv = const(left), const(right)
    if (lv is not None and lv[1] is None) or (rv is not None and rv[1] is None):
        return const_node(NULL)
    if lv is not None and rv is not None:
        test = _CMP[cls]
        try:
            c = hv.compare(lv, rv)
        except NotFoldable:
            pass
        else:
            return _bool(None if c is None else test(c))
    return cls(this=_p(left), expression=_p(right))


def _to_column_type(column: exp.Expr, right: exp.Expr, v: Val) -> exp.Expr:
    """The constant converted to the column's type when that is the higher one."""
    t = _col_type(column)
    if t is None or t == v[0]:
        return right
    try:
        if hv.higher(t, v[0]) != t:
            return right
        return const_node(hv.convert(v, t))
    except (NotFoldable, hv.H2Error):
        return right


def _is(e: exp.Expr) -> exp.Expr:
    if not isinstance(e.expression, exp.Null):  # IS TRUE / IS FALSE: as written
        e.set("this", _p(optimize(e.this)))
        return e
    x = optimize(e.this)
    v = const(x)
    if v is not None:
        return _bool(v[1] is None)
    return exp.Is(this=_p(x), expression=exp.Null())


def _is_not_null(x: exp.Expr) -> exp.Expr:
    return _is_not(x, exp.Null())


def _is_not(x: exp.Expr, what: exp.Expr) -> exp.Expr:
    """H2's ``x IS NOT NULL`` (``IS NOT TRUE``...): one condition, not a NOT."""
    node = exp.Not(this=exp.Is(this=_p(x), expression=what))
    node.meta[ISNOT] = True
    return node


def _not(e: exp.Expr) -> exp.Expr:
    inner = _strip(e.this)
    if e.meta.get(ISNOT):
        x = optimize(inner.this)
        v = const(x)
        if v is not None and isinstance(inner.expression, exp.Null):
            return _bool(v[1] is not None)
        return _is_not(x, inner.expression)
    negated = _negated(inner)
    if negated is not None:
        return optimize(negated)
    x = optimize(inner)
    v = const(x)
    if v is not None:
        return _folded(
            lambda: NULL if v[1] is None else ("BOOLEAN", not hv.as_bool(v)),
            lambda: exp.Not(this=_p(x)),
        )
    return exp.Not(this=_p(x))


def _negated(e: exp.Expr) -> exp.Expr | None:
    """H2's ``getNotIfPossible``: NOT e without a NOT, on the unoptimized tree."""
    e = _strip(e)
    if e.args.get("negate") and isinstance(e, exp.Like | exp.Is):
        positive = e.copy()
        positive.set("negate", None)
        return positive
    if isinstance(e, exp.Column):
        return exp.EQ(this=e, expression=const_node(("BOOLEAN", False)))
    cls = _NEGATED.get(type(e))
    if cls is not None:
        return cls(this=e.this, expression=e.expression)
    if isinstance(e, exp.Is):
        return _is_not(e.this, e.expression)
    if isinstance(e, exp.Not):
        return _strip(e.this)
    if isinstance(e, exp.And | exp.Or):
        left = _negated(e.this) or exp.Not(this=e.this)
        right = _negated(e.expression) or exp.Not(this=e.expression)
        flipped = exp.Or if isinstance(e, exp.And) else exp.And
        return flipped(this=_p(left), expression=_p(right))
    if isinstance(e, exp.Between):
        return _negated(_between(e))
    return None


def _between(e: exp.Expr) -> exp.Expr:
    """``x BETWEEN a AND b`` as H2 parses it: ``x >= a AND x <= b``."""
    x = e.this
    return exp.And(
        this=exp.Paren(this=exp.GTE(this=x.copy(), expression=e.args["low"])),
        expression=exp.Paren(this=exp.LTE(this=x, expression=e.args["high"])),
    )


def _between_node(e: exp.Expr) -> exp.Expr:
    return optimize(_between(e))


def _and_or(e: exp.Expr) -> exp.Expr:
    left, right = optimize(e.this), optimize(e.expression)
    if cost(right) < cost(left):
        left, right = right, left
    if isinstance(e, exp.Or):
        merged = _or_in(left, right)
        if merged is not None:
            return optimize(merged)
    lv, rv = const(left), const(right)
    is_and = isinstance(e, exp.And)
    if lv is not None and rv is not None:
        return _folded(lambda: _and_or_value(is_and, lv, rv), lambda: e)
    for v, other in ((lv, right), (rv, left)):
        if v is None:
            continue
        if v[1] is not None:
            truth = hv.as_bool(v)
            if truth != is_and:  # FALSE AND x, TRUE OR x
                return const_node(("BOOLEAN", truth))
            return other  # TRUE AND x, FALSE OR x
        break  # NULL AND x stays
    cls = exp.And if is_and else exp.Or
    return cls(this=_p(left), expression=_p(right))


def _and_or_value(is_and: bool, a: Val, b: Val) -> Val:
    x = None if a[1] is None else hv.as_bool(a)
    y = None if b[1] is None else hv.as_bool(b)
    if is_and:
        if x is False or y is False:
            return ("BOOLEAN", False)
    elif x is True or y is True:
        return ("BOOLEAN", True)
    if x is None or y is None:
        return NULL
    return ("BOOLEAN", is_and)


def _or_in(left: exp.Expr, right: exp.Expr) -> exp.Expr | None:
    """``a = 1 OR a = 2`` -> ``a IN(1, 2)``; ``a IN(...) OR a = 3`` appends 3."""
    if isinstance(left, exp.EQ) and isinstance(right, exp.EQ):
        for x, xv, y, yv in (
            (left.this, left.expression, right.this, right.expression),
            (left.this, left.expression, right.expression, right.this),
            (left.expression, left.this, right.this, right.expression),
            (left.expression, left.this, right.expression, right.this),
        ):
            if const(xv) is not None and const(yv) is not None and x == y:
                return exp.In(this=x, expressions=[xv, yv])
        return None
    for ins, other in ((left, right), (right, left)):
        if isinstance(ins, exp.In) and isinstance(other, exp.EQ):
            added = _if_equals(other, _strip(ins.this))
            if added is not None and (const(added) is not None or not _all_const(ins)):
                return exp.In(this=ins.this, expressions=[*ins.expressions, added])
            return None
    return None


def _if_equals(eq: exp.Expr, match: exp.Expr) -> exp.Expr | None:
    if _strip(eq.this) == match:
        return _strip(eq.expression)
    if _strip(eq.expression) == match:
        return _strip(eq.this)
    return None


def _all_const(e: exp.Expr) -> bool:
    vals = [const(v) for v in e.expressions]
    return all(v is not None for v in vals) and any(
        v is not None and v[1] is not None for v in vals
    )


def _in(e: exp.Expr) -> exp.Expr:
    if e.args.get("query") is not None or not e.expressions:
        e.set("this", _p(optimize(e.this)))
        return e
    x = optimize(e.this)
    xv = const(x)
    if xv is not None and xv[1] is None:
        return const_node(NULL)
    values = [optimize(v) for v in e.expressions]
    e.set("this", _p(x))
    e.set("expressions", values)
    consts = [c for c in (const(v) for v in values) if c is not None]
    if xv is not None and len(consts) == len(values):
        x_val = xv
        return _folded(lambda: _in_value(x_val, consts), lambda: e)
    if len(values) == 1:
        return comparison(exp.EQ, x, values[0])
    return e


def _in_value(x: Val, values: list[Val]) -> Val:
    saw_null = False
    for v in values:
        c = hv.compare(x, v)
        if c == 0:
            return ("BOOLEAN", True)
        saw_null = saw_null or c is None
    return NULL if saw_null else ("BOOLEAN", False)


def _like(e: exp.Expr) -> exp.Expr:
    like = e.this if isinstance(e, exp.Escape) else e
    if not isinstance(like, exp.Like):
        _optimize_args(e)
        return e
    left, right = optimize(like.this), optimize(like.expression)
    like.set("this", _p(left))
    like.set("expression", _p(right))
    escape: Val | None = ("VARCHAR", "\\")
    if isinstance(e, exp.Escape):
        esc = optimize(e.expression)
        e.set("expression", esc)
        escape = const(esc)
    lv, rv = const(left), const(right)
    if lv is not None and lv[1] is None:
        return const_node(NULL)
    if rv is None or escape is None:
        return e
    if rv[1] is None or escape[1] is None:
        return const_node(NULL)
    try:
        pattern = _pattern(hv.string_of(rv), hv.string_of(escape)[:1])
    except NotFoldable:
        return e
    if pattern is None:
        return const_node(NULL)  # an invalid pattern
    if lv is not None:
        return _folded(
            lambda: ("BOOLEAN", _matches(pattern, hv.string_of(lv))), lambda: e
        )
    if pattern == [("%", True)]:
        return _is_not_null(left)
    if not any(wild for _, wild in pattern):
        text = "".join(c for c, _ in pattern)
        return comparison(exp.EQ, left, const_node(("VARCHAR", text)))
    return e


def _pattern(p: str, escape: str) -> list[tuple[str, bool]] | None:
    """The pattern as (character, is wildcard) pairs; None if it is invalid."""
    out: list[tuple[str, bool]] = []
    chars = iter(p)
    for c in chars:
        if escape and c == escape:
            nxt = next(chars, None)
            if nxt is None:
                return None
            out.append((nxt, False))
        else:
            out.append((c, c in "%_"))
    return out


def _matches(pattern: list[tuple[str, bool]], s: str) -> bool:
    """LIKE matching by dynamic programming over (pattern position, text position)."""
    reach = {0}
    for c, wild in pattern:
        nxt: set[int] = set()
        for i in sorted(reach):
            if wild and c == "%":
                nxt.update(range(i, len(s) + 1))
            elif i < len(s) and (wild or s[i] == c):
                nxt.add(i + 1)
        reach = nxt
    return len(s) in reach


def _case(e: exp.Expr) -> exp.Expr:
    if e.this is not None:
        e.set("this", optimize(e.this))
    for branch in e.args.get("ifs") or []:
        branch.set("this", optimize(branch.this))
        branch.set("true", optimize(branch.args["true"]))
    if e.args.get("default") is not None:
        e.set("default", optimize(e.args["default"]))
    parts = [e.this] if e.this is not None else []
    for branch in e.args.get("ifs") or []:
        parts += [branch.this, branch.args["true"]]
    if e.args.get("default") is not None:
        parts.append(e.args["default"])
    if all(const(p) is not None for p in parts):
        return _folded(lambda: _case_value(e), lambda: e)
    return e


def _case_value(e: exp.Expr) -> Val:
    branches = e.args.get("ifs") or []
    default = e.args.get("default")
    results = [const(b.args["true"]) for b in branches]
    results.append(const(default) if default is not None else NULL)
    t = "NULL"
    for r in results:
        if r is not None and r[1] is not None:
            t = hv.higher(t, r[0])
    operand = const(e.this)
    for b, result in zip(branches, results, strict=False):
        when = const(b.this)
        if when is None or result is None:
            raise NotFoldable("CASE")
        if operand is not None:
            hit = operand[1] is not None and hv.compare(operand, when) == 0
        else:
            hit = when[1] is not None and hv.as_bool(when)
        if hit:
            return hv.convert(result, t)
    last = results[-1]
    return NULL if last is None else hv.convert(last, t)


def _cast(e: exp.Expr) -> exp.Expr:
    x = optimize(e.this)
    e.set("this", x)
    v = const(x)
    target = cast_target(e.args["to"])
    if v is None or target is None:
        return e
    return _folded(lambda: hv.convert(v, *target), lambda: e)


def _optimize_args(e: exp.Expr) -> None:
    for key, value in list(e.args.items()):
        if isinstance(value, exp.Distinct):
            value.set("expressions", [optimize(x) for x in value.expressions])
        elif isinstance(value, exp.Expr) and not isinstance(value, exp.DataType):
            e.set(key, optimize(value))
        elif isinstance(value, list):
            e.set(key, [optimize(x) if isinstance(x, exp.Expr) else x for x in value])


def _function(e: exp.Expr) -> exp.Expr:
    _optimize_args(e)
    values = [const(a) for a in function_args(e)]
    args = [v for v in values if v is not None]
    if len(args) != len(values):
        return e
    name = function_name(e)
    return _folded(lambda: call(name, args), lambda: e)


# -- cost ----------------------------------------------------------------------


def cost(e: exp.Expr) -> int:
    """H2's ``getCost`` estimate, which orders the operands of AND and OR."""
    e = _strip(e)
    if const(e) is not None or isinstance(e, exp.Placeholder):
        return 0
    if isinstance(e, exp.Column):
        return 2
    if isinstance(e, exp.Neg):
        return cost(e.this) + 1
    if isinstance(e, exp.Not):
        inner = _strip(e.this)
        if e.meta.get(ISNOT):
            return cost(inner.this) + 1
        return cost(inner)
    if isinstance(e, exp.Is):
        return cost(e.this) + 1
    if isinstance(e, exp.Connector):
        return cost(e.this) + cost(e.expression)
    if isinstance(e, exp.In):
        if _all_const(e):
            return cost(e.this)
        return cost(e.this) + sum(cost(v) for v in e.expressions)
    if isinstance(e, exp.Escape):
        return cost(e.this)
    if isinstance(e, exp.Like):
        return cost(e.this) + cost(e.expression) + 3
    if isinstance(e, exp.Binary) and not e.meta.get(FN):
        return cost(e.this) + cost(e.expression) + 1
    if isinstance(e, exp.AggFunc):
        args = function_args(e)
        return cost(args[0]) + 1 if args else 1
    if isinstance(e, exp.Func | exp.Binary):
        return 3 + sum(cost(a) for a in function_args(e))
    return 100


_HANDLERS: dict[type[exp.Expr], Callable[[exp.Expr], exp.Expr]] = {
    exp.Neg: _neg,
    **{cls: _arith for cls in _ARITH},
    exp.DPipe: _dpipe,
    **{cls: _comparison_node for cls in _CMP},
    exp.Is: _is,
    exp.Not: _not,
    exp.And: _and_or,
    exp.Or: _and_or,
    exp.Between: _between_node,
    exp.In: _in,
    exp.Like: _like,
    exp.Escape: _like,
    exp.Case: _case,
    exp.Cast: _cast,
}


def conjuncts(e: exp.Expr) -> list[exp.Expr]:
    """The conditions ``e`` ANDs (through parentheses)."""
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.And):
        return conjuncts(e.this) + conjuncts(e.expression)
    return [e]

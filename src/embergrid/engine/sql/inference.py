"""Static SQL types of expressions, by H2's rules.

Owns ``infer`` (the type and scale of a resolved expression: column types, H2's
aggregate, arithmetic, CAST and function result types), which chooses a result
column's cell encoding and which H2 semantics apply to an operand. Must not import
the scope, row order, semantics or map/reduce modules, asyncio or
``embergrid.protocol.messages``.
"""

from __future__ import annotations

from sqlglot import exp

from embergrid.engine.sql.h2fold import const
from embergrid.engine.sql.h2functions import FN, cast_target
from embergrid.engine.sql.types import TYPES, SqlType

__all__ = ["OTHER", "Typed", "infer"]


OTHER = TYPES["OTHER"]
Typed = tuple[SqlType, int]
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

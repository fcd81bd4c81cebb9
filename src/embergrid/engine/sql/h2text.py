"""H2's SQL text of an expression (Ignite's column labels) and the parser dialect.

Owns ``IgniteH2`` (the sqlglot dialect statements are read with: SQLite's grammar
plus what H2 reads differently: a function keeps the name it was written with,
``REAL`` is the 4-byte float and ``FLOAT`` the 8-byte one; ``h2_function`` maps
the H2 functions sqlglot reads as unknown, ``ISNULL(a, b)`` is ``IFNULL``) and
``label`` (the name Ignite gives a result column computed by an
expression). Imports sqlglot and the siblings ``h2fold``, ``h2functions`` and
``h2values`` only.

A label is H2's ``getSQL()`` of the optimized expression (``h2fold.optimize``)
without its outermost parentheses (``StringUtils.unEnclose``): every operator
prints itself in parentheses (``(A + 1)``, ``(A = 1)``, ``(NOT A)``, ``(- A)``,
``(A IN(1, 2))``), AND/OR break the line (``"(A\\n    AND B)"``), a function
prints ``NAME(arg, arg)`` with its arguments' own text, a constant prints the
SQL literal of its value (``h2values.sql_of``), a column its name as written
(qualified when it was), quoted where H2 would need quotes.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.sqlite import SQLite
from sqlglot.tokenizer_core import TokenType

from embergrid.engine.sql import h2values as hv
from embergrid.engine.sql.h2fold import const
from embergrid.engine.sql.h2functions import (
    FN,
    cast_target,
    function_args,
    function_name,
)

__all__ = ["PARAM", "IgniteH2", "h2_function", "label"]

PARAM = "eg_param"  # meta key: the 1-based position of a ``?`` in its statement

_OPS: dict[type[exp.Expr], str] = {
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.Mod: "%",
    exp.DPipe: "||",
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
}
_TYPE_NAMES = {"INT": "INTEGER"}
_SIZED = ("VARCHAR", "CHAR", "VARBINARY")
# Words H2 1.4.197 quotes when they name a column.
_KEYWORD_LINES = (
    "CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DISTINCT EXCEPT EXISTS",
    "FALSE FETCH FOR FROM FULL GROUP HAVING INNER INTERSECT INTERSECTS IS JOIN",
    "LIKE LIMIT MINUS NATURAL NOT NULL OFFSET ON ORDER PRIMARY ROWNUM SELECT",
    "SYSDATE SYSTIME SYSTIMESTAMP TODAY TRUE UNION UNIQUE WHERE WITH",
)
_KEYWORDS = frozenset(w for line in _KEYWORD_LINES for w in line.split())


class IgniteH2(SQLite):
    """SQLite's grammar, reading names and types as Ignite's H2 does."""

    ORIGINAL_NAME_META_KEY = FN

    class Tokenizer(SQLite.Tokenizer):
        KEYWORDS: ClassVar[dict[str, TokenType]] = {
            **SQLite.Tokenizer.KEYWORDS,
            "REAL": TokenType.FLOAT,
            "FLOAT": TokenType.DOUBLE,
        }


def h2_function(e: exp.Anonymous) -> exp.Expr:
    """A function sqlglot does not know but H2 does, as the sqlglot node of its
    meaning (sqlglot's compiled parser takes no new names): ``ISNULL(a, b)`` is
    ``IFNULL``. Anything else is returned as it is."""
    if str(e.name).upper() == "ISNULL" and len(e.expressions) == 2:
        node = exp.Coalesce(this=e.expressions[0], expressions=[e.expressions[1]])
        node.meta[FN] = "ISNULL"
        return node
    return e


def label(e: exp.Expr) -> str:
    """The column label H2 gives the optimized expression ``e``."""
    text = sql(e)
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    return text


def sql(e: exp.Expr) -> str:
    """H2's ``getSQL()`` of an optimized expression."""
    v = const(e)
    if v is not None:
        return hv.sql_of(v)
    if isinstance(e, exp.Paren):
        return sql(e.this)
    if isinstance(e, exp.Column):
        return _column(e)
    if isinstance(e, exp.Placeholder):
        return f"?{e.meta.get(PARAM, '')}"
    if isinstance(e, exp.Neg):
        return f"(- {sql(e.this)})"
    op = _OPS.get(type(e))
    if op is not None and not e.meta.get(FN):
        return f"({sql(e.this)} {op} {sql(e.expression)})"
    if isinstance(e, exp.Connector):
        word = "AND" if isinstance(e, exp.And) else "OR"
        return f"({sql(e.this)}\n    {word} {sql(e.expression)})"
    if isinstance(e, exp.Not):
        inner = _strip(e.this)
        if isinstance(inner, exp.Is) and _is_operand(inner.expression):
            return f"({sql(inner.this)} IS NOT {_is_operand(inner.expression)})"
        return f"(NOT {sql(inner)})"
    if isinstance(e, exp.Is) and _is_operand(e.expression):
        return f"({sql(e.this)} IS {_is_operand(e.expression)})"
    text = _special(e)
    if text is not None:
        return text
    if isinstance(e, exp.Func | exp.Mod):
        args = ", ".join(sql(a) for a in function_args(e))
        return f"{function_name(e)}({args})"
    return _fallback(e)


def _is_operand(e: exp.Expr) -> str | None:
    """The word after IS: NULL, TRUE or FALSE."""
    if isinstance(e, exp.Null):
        return "NULL"
    if isinstance(e, exp.Boolean):
        return "TRUE" if e.this else "FALSE"
    return None


def _strip(e: exp.Expr) -> exp.Expr:
    while isinstance(e, exp.Paren):
        e = e.this
    return e


def _special(e: exp.Expr) -> str | None:
    """Constructs whose text is not ``NAME(args)``."""
    if isinstance(e, exp.In):
        query = e.args.get("query")
        inner = _fallback(query) if query is not None else _list(e.expressions)
        return f"({sql(e.this)} IN({inner}))"
    if isinstance(e, exp.Like):
        return f"({sql(e.this)} LIKE {sql(e.expression)})"
    if isinstance(e, exp.Escape) and isinstance(e.this, exp.Like):
        like = e.this
        return (
            f"({sql(like.this)} LIKE {sql(like.expression)} ESCAPE {sql(e.expression)})"
        )
    if isinstance(e, exp.Case):
        return _case(e)
    if isinstance(e, exp.Cast):
        return f"CAST({sql(e.this)} AS {_type(e.args['to'])})"
    if isinstance(e, exp.Count) and isinstance(e.this, exp.Star):
        return "COUNT(*)"
    if isinstance(e, exp.AggFunc) and isinstance(e.this, exp.Distinct):
        return f"{function_name(e)}(DISTINCT {_list(e.this.expressions)})"
    if isinstance(e, exp.AggFunc) and not isinstance(e, exp.Anonymous):
        # an aggregate prints its operand without the operand's own parentheses
        args = ", ".join(label(a) for a in function_args(e))
        return f"{function_name(e)}({args})"
    if isinstance(e, exp.Extract):
        return f"EXTRACT({e.this.name.upper()} FROM {sql(e.expression)})"
    return None


def _list(items: list[exp.Expr]) -> str:
    return ", ".join(sql(i) for i in items)


def _case(e: exp.Expr) -> str:
    parts = ["CASE"]
    if e.this is not None:
        parts.append(sql(e.this))
    for branch in e.args.get("ifs") or []:
        parts += ["WHEN", sql(branch.this), "THEN", sql(branch.args["true"])]
    if e.args.get("default") is not None:
        parts += ["ELSE", sql(e.args["default"])]
    parts.append("END")
    return " ".join(parts)


def _type(to: exp.Expr) -> str:
    """H2's name of a CAST's data type (``Column.getCreateSQL``)."""
    target = cast_target(to)
    if target is None:
        return to.sql().upper()
    name, precision, scale = target
    if name == "DECIMAL":
        p = 65535 if precision is None else precision
        s = 32767 if scale is None else scale
        return f"DECIMAL({p}, {s})"
    if name in _SIZED and precision is not None:
        return f"{name}({precision})"
    return _TYPE_NAMES.get(name, name)


def _column(e: exp.Expr) -> str:
    name = ident(str(e.meta.get("eg_name", e.name)))
    qual = e.meta.get("eg_qual") if "eg_name" in e.meta else e.text("table")
    return f"{ident(str(qual))}.{name}" if qual else name


def ident(name: str) -> str:
    """``name`` as H2 writes an identifier: bare when H2 would read it back
    unchanged, else quoted with its quotes doubled."""
    simple = (
        name.isascii()
        and (name[:1].isalpha() or name[:1] == "_")
        and all(c.isdigit() or c.isupper() or c == "_" for c in name)
        and name not in _KEYWORDS
    )
    return name if simple else '"' + name.replace('"', '""') + '"'


def _fallback(e: exp.Expr) -> str:
    """sqlglot's text of a construct H2's text is not modelled for, with the
    user's column names."""
    q = e.copy()
    for c in q.find_all(exp.Column):
        if "eg_name" in c.meta:
            c.set("this", exp.to_identifier(str(c.meta["eg_name"])))
            qual = c.meta.get("eg_qual")
            c.set("table", exp.to_identifier(str(qual)) if qual else None)
    for ident in q.find_all(exp.Identifier):
        ident.set("quoted", False)
    return q.sql()

"""Whether an aggregate query splits into map queries over key ranges, and its reduce.

Owns ``AggSplit`` (made by ``agg_split`` from a translated tree): the SQLite text
of a query's map parts, each the query over one range of its entry table's keys
(``key < ?`` and ``key >= ?``) answering its groups' partial aggregates, and
``AggSplit.reduce``, which combines the parts' rows into the rows the query run
whole answers, or None where it cannot be sure to (the caller then runs the
query whole). Running the parts is the caller's (``execute.SplitQuery``, the
server's worker threads). Must not import the scope, row order or semantics
modules, asyncio or ``embergrid.protocol.messages``.

Theory of operation
-------------------
The class split: one SELECT over one table (the translated ``FROM (SELECT *
FROM e_N WHERE ...) AS T``), WHERE allowed, GROUP BY allowed, no HAVING, ORDER
BY, LIMIT, OFFSET, DISTINCT, window or subquery; every projection is a GROUP BY
term or ``COUNT``, ``SUM``, ``MIN`` or ``MAX`` of an expression without
DISTINCT; every expression anywhere is of the kinds SQLite computes without
allocating memory or calling back into Python (``_CHEAP``: columns, numbers,
arithmetic, comparisons, CASE, LIKE, LENGTH; no string function, no H2
function of ``h2semantics``, no collation, nothing random). A function that
makes a string per row (UPPER) allocates, and this machine's SQLite (3.40,
built with ``OMIT_LOOKASIDE`` and memory statistics on) takes one process-wide
mutex per allocation: two parts of such a query fought over it and took 3x the
CPU of the query run whole (40 ms against 14 ms over 20,000 rows); a Python
function per row takes the GIL. A map part projects
the GROUP BY terms, then per aggregate its partials: ``COUNT(x)``; ``MIN(x)``;
``MAX(x)``; ``SUM(x)``, and for a BIGINT ``x`` also ``MIN(x)``, ``MAX(x)`` and
``COUNT(x)`` (a SUM that answers BIGINT sums values of at most 32 bits, Java
ints: the columns hold them and ``h2semantics`` keeps checked arithmetic in
its type's range).

The reduce is exact, or declines:

* groups merge on equal keys; a key cell must be an integer, a text or NULL
  (under SQLite's BINARY comparison, equal is identical; a REAL or BLOB
  declines);
* SQLite's ``SUM`` of integers fails with "integer overflow" when any running
  total leaves 64 bits, which depends on the order it adds rows in: the reduce
  answers the total only where no order overflows (count x largest magnitude
  fits, or every value has one sign and the total fits; for 32-bit values, the
  entry table's rows x 2^31 fits), and declines otherwise (a REAL partial
  declines too);
* ``MIN``/``MAX`` over integers or texts (one kind per column) take the
  smallest/largest partial; anything else declines;
* rows come out as the whole query's do: without GROUP BY one row; with GROUP
  BY, sorted by the terms in order (NULL, then numbers, then texts by their
  UTF-8 bytes, which is code point order), which is what SQLite answers when it
  groups through a temporary B-tree: the caller checks that it does, each
  run (``SORTED_GROUPS`` in the query plan; an index or a WHERE fixing a term
  changes it), and otherwise does not split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from embergrid.engine.sql.plan import ARITH_FUNCTION, NOW_FUNCTION, OutCol, sqlite_text

__all__ = ["SORTED_GROUPS", "AggSplit", "agg_split"]

SORTED_GROUPS = "USE TEMP B-TREE FOR GROUP BY"
"""The query plan step after which SQLite answers groups in key order."""

_MAX = 2**63 - 1
_MIN = -(2**63)
_AGGREGATES = (exp.Count, exp.Sum, exp.Min, exp.Max)
_KINDS = {exp.Count: "count", exp.Sum: "sum", exp.Min: "min", exp.Max: "max"}
# Functions a cheap query may name: SQLite's ``typeof`` and the clock's (Python,
# computed once per statement); H2's checked arithmetic only as the ELSE of its
# CASE (``h2semantics._h2_arith``: called where SQLite's result is out of its
# type's range, an overflow, which fails the part), not as every row's.
_CHEAP_FUNCTIONS = frozenset({NOW_FUNCTION.upper(), "TYPEOF"})
_INT32 = 2**31  # the magnitude bound of a value whose SUM is a BIGINT
_SPLIT_BLOCKERS = ("having", "order", "limit", "offset", "distinct", "joins")
_CHEAP = (
    exp.Select,
    exp.From,
    exp.Subquery,
    exp.Table,
    exp.TableAlias,
    exp.Where,
    exp.Group,
    exp.Alias,
    exp.Column,
    exp.Identifier,
    exp.Star,
    exp.Literal,
    exp.Null,
    exp.Boolean,
    exp.Var,  # a numbered parameter
    exp.Paren,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.Not,
    exp.And,
    exp.Or,
    exp.Between,
    exp.In,
    exp.Case,
    exp.If,
    exp.Like,
    exp.Length,
    exp.Count,
    exp.Sum,
    exp.Min,
    exp.Max,
)


@dataclass(slots=True)
class AggSplit:
    """The map parts of an aggregate query and how their rows reduce."""

    maps: tuple[str, str]
    """SQLite text of the part below the split key and of the part from it on
    (the split key is parameter ``split_param``, the engine clock's now the
    one after it: both parts see one instant, as the whole query does)."""
    split_param: int
    table: str  # the entry table whose keys are split
    keys: int  # GROUP BY terms (the first map columns)
    outputs: list[tuple[str, int]] = field(default_factory=list)
    """Per output column: ("key", term) or (kind, first map column)."""

    def reduce(
        self, parts: Sequence[Sequence[tuple[Any, ...]]], table_rows: int
    ) -> list[Any] | None:
        """The rows the query answers whole, from its parts' rows (``table_rows``:
        at least the rows of the entry table they read); None where the reduce
        cannot be sure it answers as the whole query would."""
        merged: dict[tuple[Any, ...], list[Any]] = {}
        for rows in parts:
            for row in rows:
                key = tuple(row[: self.keys])
                if not all(v is None or type(v) in (int, str) for v in key):
                    return None
                acc = merged.get(key)
                if acc is None:
                    merged[key] = list(row[self.keys :])
                elif not self._merge(acc, row[self.keys :]):
                    return None
        out = []
        for key in sorted(merged, key=_order) if self.keys else merged:
            made = self._row(key, merged[key], table_rows)
            if made is None:
                return None
            out.append(made)
        return out

    def _merge(self, acc: list[Any], more: Sequence[Any]) -> bool:
        """Fold ``more`` (a part's partials of a group) into ``acc``."""
        for kind, col in self.outputs:
            if kind == "key":
                continue
            i = col - self.keys
            if kind == "count":
                acc[i] += more[i]
            elif kind == "min" or kind == "max":
                if not _extreme(acc, more, i, kind):
                    return False
            elif not _add(acc, more, i):
                return False
            elif kind == "sum":  # then MIN, MAX, COUNT of the argument
                if not _extreme(acc, more, i + 1, "min"):
                    return False
                if not _extreme(acc, more, i + 2, "max"):
                    return False
                acc[i + 3] += more[i + 3]
        return True

    def _row(
        self, key: tuple[Any, ...], acc: list[Any], table_rows: int
    ) -> tuple[Any, ...] | None:
        row = []
        for kind, col in self.outputs:
            if kind == "key":
                row.append(key[col])
                continue
            i = col - self.keys
            if kind == "sum" and not _exact_sum(*acc[i : i + 4]):
                return None
            if kind == "sum32" and not _exact_sum(acc[i], -_INT32, _INT32, table_rows):
                return None
            if kind in ("min", "max") and isinstance(acc[i], float):
                return None
            row.append(acc[i])
        return tuple(row)


def _extreme(acc: list[Any], more: Sequence[Any], i: int, kind: str) -> bool:
    a, b = acc[i], more[i]
    if b is None:
        return bool(a is None or type(a) in (int, str))
    if a is None:
        acc[i] = b
        return type(b) in (int, str)
    if type(a) is not type(b) or type(a) not in (int, str):
        return False
    acc[i] = min(a, b) if kind == "min" else max(a, b)
    return True


def _add(acc: list[Any], more: Sequence[Any], i: int) -> bool:
    s, t = acc[i], more[i]
    if isinstance(s, float) or isinstance(t, float):
        return False
    acc[i] = t if s is None else s if t is None else s + t
    return True


def _exact_sum(total: Any, low: Any, high: Any, n: int) -> bool:
    """Whether SQLite's SUM of ``n`` (at most) values from ``low`` to ``high`` is
    ``total`` in every order it could add them (no running total leaves 64
    bits)."""
    if n == 0 or total is None:
        return total is None
    if not all(isinstance(v, int) for v in (total, low, high)):
        return False
    if n * max(abs(low), abs(high)) <= _MAX:
        return True
    return bool((low >= 0 or high <= 0) and _MIN <= total <= _MAX)


def _order(key: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    """SQLite's BINARY order of a group's key cells (NULL, numbers, texts)."""
    return tuple(
        (0, 0) if v is None else (1, v) if type(v) is int else (2, v) for v in key
    )


def agg_split(
    node: exp.Expr, table: str, params: int, out: list[OutCol]
) -> AggSplit | None:
    """The split of a translated query over entry table ``table`` (``params``
    parameters, output columns ``out``), None if it is not of the class that
    splits."""
    if not isinstance(node, exp.Select) or any(
        node.args.get(a) for a in _SPLIT_BLOCKERS
    ):
        return None
    inner = _entry_select(node, table)
    if inner is None or not all(_cheap(n) for n in node.walk()):
        return None
    group = node.args.get("group")
    terms = list(group.expressions) if group is not None else []
    if any(t.find(exp.AggFunc) for t in terms):
        return None
    bare = [_bare(t) for t in terms]
    cols: list[exp.Expr] = [t.copy() for t in terms]
    outputs: list[tuple[str, int]] = []
    aggregated = False
    for proj, oc in zip(node.expressions, out, strict=True):
        e = proj.this if isinstance(proj, exp.Alias) else proj
        while isinstance(e, exp.Paren):
            e = e.this
        if isinstance(e, _AGGREGATES):
            arg = _argument(e)
            if arg is None:
                return None
            kind = _KINDS[type(e)]
            if kind == "sum" and oc.type.name == "BIGINT":
                kind = "sum32"
            outputs.append((kind, len(cols)))
            cols.extend(_partials(kind, e, arg))
            aggregated = True
            continue
        found = _bare(e)
        at = next((i for i, b in enumerate(bare) if b == found), None)
        if at is None:
            return None
        outputs.append(("key", at))
    if not aggregated and not terms:
        return None
    split = params + 1
    maps = (
        _map_text(node, inner, cols, exp.LT, split),
        _map_text(node, inner, cols, exp.GTE, split),
    )
    return AggSplit(maps, split, table, len(terms), outputs)


def _cheap(n: exp.Expr) -> bool:
    """Whether SQLite computes ``n`` per row without allocating or calling
    Python (the engine clock's function is computed once per statement)."""
    if isinstance(n, exp.Anonymous):
        if n.name.upper() == ARITH_FUNCTION.upper():
            return isinstance(n.parent, exp.Case) and n.arg_key == "default"
        return n.name.upper() in _CHEAP_FUNCTIONS
    return isinstance(n, _CHEAP)


def _entry_select(node: exp.Select, table: str) -> exp.Select | None:
    """The inner ``SELECT * FROM table WHERE ...`` of a one-table query."""
    src = node.args.get("from_") or node.args.get("from")
    sub = src.this if src is not None else None
    if not isinstance(sub, exp.Subquery) or not isinstance(sub.this, exp.Select):
        return None
    inner = sub.this
    inner_from = inner.args.get("from_") or inner.args.get("from")
    t = inner_from.this if inner_from is not None else None
    if not isinstance(t, exp.Table) or t.name != table or t.db:
        return None
    if any(inner.args.get(a) for a in (*_SPLIT_BLOCKERS, "group")):
        return None
    if not any(
        isinstance(n, exp.Anonymous) and n.name.upper() == NOW_FUNCTION.upper()
        for n in inner.walk()
    ):
        return None  # not the entry table's rows as scope reads them (expiry)
    if any(s is not node and s is not inner for s in node.find_all(exp.Select)):
        return None  # a subquery elsewhere
    return inner


def _argument(e: exp.Expr) -> exp.Expr | None:
    """An aggregate's argument (``*`` for ``COUNT(*)``); None if it is DISTINCT
    or holds another aggregate."""
    arg = e.this
    if not isinstance(arg, exp.Expr) or isinstance(arg, exp.Distinct):
        return None
    if e.expressions or arg.find(exp.AggFunc):
        return None
    return arg


def _partials(kind: str, e: exp.Expr, arg: exp.Expr) -> list[exp.Expr]:
    """A map part's columns for an aggregate."""
    if kind != "sum":
        return [e.copy()]
    return [
        exp.Sum(this=arg.copy()),
        exp.Min(this=arg.copy()),
        exp.Max(this=arg.copy()),
        exp.Count(this=arg.copy()),
    ]


def _bare(e: exp.Expr) -> exp.Expr:
    """``e`` without its parentheses (how a projection matches a GROUP BY term)."""
    bare = e.copy()
    for paren in list(bare.find_all(exp.Paren)):
        if paren is not bare:
            paren.replace(paren.this)
    while isinstance(bare, exp.Paren):
        bare = bare.this
    return bare


def _map_text(
    node: exp.Select,
    inner: exp.Select,
    cols: list[exp.Expr],
    op: type[exp.LT] | type[exp.GTE],
    split: int,
) -> str:
    """The query's text with ``cols`` projected, over the keys ``op`` the
    split key (``key < ?`` or ``key >= ?``), the clock's now a parameter."""
    inner.meta["eg_split"] = True
    part = node.copy()
    inner.meta.pop("eg_split")
    for sel in part.find_all(exp.Select):
        if sel.meta.pop("eg_split", False):
            cond = op(
                this=exp.column("key", quoted=True), expression=exp.var(f"?{split}")
            )
            where = sel.args.get("where")
            sel.set(
                "where",
                exp.Where(this=cond if where is None else exp.and_(cond, where.this)),
            )
    part.set(
        "expressions",
        [exp.alias_(c, f"m{i}", quoted=True) for i, c in enumerate(cols)],
    )
    for now in list(part.find_all(exp.Anonymous)):
        if now.name.upper() == NOW_FUNCTION.upper():
            now.replace(exp.var(f"?{split + 1}"))
    return sqlite_text(part)

"""Rewrites for what SQLite computes differently from H2.

Owns ``h2_semantics`` (a SELECT's own expressions rewritten), ``uuid_order`` and
``exact_decimal``: UUIDs order through the ``eg_uuid`` collation (H2's signed
order); integer arithmetic (``eg_arith``) and CAST to an integer or a string
(``eg_cast``) are computed by ``h2values`` as H2 computes them: in the operands'
type, failing on overflow and division by zero (``RunError``: H2's error at run
time), rounding to an integer, a DECIMAL's string with its scale, a string cut to
its declared length. A string compared with a number (H2 converts to the higher
type at run time; a constant only to a column's type, when it prepares) goes
through ``eg_cast`` to the number's type, so a string that is no number fails as
in H2; an expression's IN list of constants is converted to its type. CONCAT and
CONCAT_WS skip NULL parts as H2 does; where their value goes only to a place
that reads tags (a cell, an integer operation, an enclosing such CONCAT, a
grouping, ``order_key``), a row whose only non-NULL part is not a string is
that part as a tagged value (``types.untag``): the value of its own type. A
bare DECIMAL column reads its exact text (a typed column of its own,
``catalog``). Where SQLite's own expressions
give H2's result (an integer in range, a column rounded away from the edges, a
DECIMAL's text without an exponent, a BOOLEAN's name) they compute it, and
the Python functions run only on the rare path. Must not import the scope, row
order or map/reduce modules, asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from sqlglot import exp

from embergrid.engine.sql import h2values as hv
from embergrid.engine.sql.catalog import Column
from embergrid.engine.sql.h2fold import const, const_node
from embergrid.engine.sql.h2functions import cast_target
from embergrid.engine.sql.inference import infer
from embergrid.engine.sql.plan import (
    ALONE,
    ARITH_FUNCTION,
    CAST_FUNCTION,
    UUID_COLLATION,
    OutCol,
)
from embergrid.engine.sql.types import TAGGABLE, SqlType, tag_codes

__all__ = [
    "STRINGIFIED",
    "concat_parts",
    "exact_decimal",
    "h2_semantics",
    "order_key",
    "text_of_tagged",
    "uuid_order",
]


def exact_decimal(e: exp.Expr) -> exp.Expr:
    """A bare DECIMAL column reads its exact text (``Column.exact_sqlite``),
    not the REAL. (Resolved: an enclosing query does not resolve it again.)"""
    col = _decimal_column(e)
    if col is None or not isinstance(e, exp.Column):
        return e
    exact = exp.column(col.exact_sqlite, table=e.table, quoted=True)
    exact.meta["eg_done"] = True
    return exact


def _decimal_column(e: exp.Expr) -> Column | None:
    """The table's DECIMAL column ``e`` is, if it is a bare one."""
    if not isinstance(e, exp.Column):
        return None
    col = e.meta.get("eg_col")
    if not isinstance(col, Column) or col.type.name != "DECIMAL":
        return None
    return col


_INT_TARGETS = ("TINYINT", "SMALLINT", "INT", "BIGINT")  # narrow to wide
_STRINGS = ("VARCHAR", "CHAR")
STRINGIFIED = ("DECIMAL", "BOOLEAN", "DOUBLE", "REAL", "VARBINARY", "TIMESTAMP")
"""Types whose SQLite value ``||`` does not read as H2's string of them
(``_string_operands``)."""
_ARITH_OPS: dict[type[exp.Expr], str] = {
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.Mod: "%",
}
_ORDERING = (exp.GT, exp.GTE, exp.LT, exp.LTE)
_COMPARISONS = (exp.EQ, exp.NEQ, *_ORDERING)
_NUMBERS = (*_INT_TARGETS, "DECIMAL", "REAL", "DOUBLE")


def h2_semantics(sel: exp.Select, out: list[OutCol]) -> None:
    """Rewrites of ``sel``'s own expressions (not its subqueries') for what SQLite
    computes differently: UUIDs order as H2's signed (msb, lsb) pairs (ORDER BY,
    MIN/MAX, range comparisons, BETWEEN); integer arithmetic and CAST to an
    integer or a string are computed as H2 computes them (``_h2_arith``,
    ``_h2_cast``), and so is a DECIMAL/BOOLEAN/DOUBLE/REAL operand of ``||`` or
    CONCAT; a string compared with a number is converted to it
    (``_h2_compare``). (A UUID compared with a text is equal to any spelling of
    it: the optimizer converted the text to a UUID, stored spelling.)"""
    nodes = list(sel.walk(prune=lambda n: n is not sel and isinstance(n, exp.Select)))
    arith: list[tuple[exp.Expr, str]] = []  # typed before any operand is rewritten
    concats: list[exp.Concat] = []  # rewritten late: their operands are copied
    compares: list[tuple[exp.Expr, _Side]] = []  # last: they copy an operand
    for node in nodes:
        if isinstance(node, exp.Ordered) and _ordinal(node.this, out) == "UUID":
            node.set("this", uuid_order(node.this))
        elif isinstance(node, exp.Ordered | exp.Min | exp.Max | exp.Between):
            if _is_uuid(node.this):
                node.set("this", uuid_order(node.this))
        elif isinstance(node, _COMPARISONS) and (side := _compared(node)):
            compares.append((node, side))
        elif isinstance(node, _ORDERING):
            if _is_uuid(node.this):
                node.set("this", uuid_order(node.this))
            elif _is_uuid(node.expression):
                node.set("expression", uuid_order(node.expression))
        elif isinstance(node, exp.Cast):
            _h2_cast(node)
        elif isinstance(node, exp.In):
            _h2_in_constants(node)
        elif type(node) in _ARITH_OPS or _negation(node):
            typ = infer(node)[0].name
            if typ in _INT_TARGETS:
                arith.append((node, typ))
        elif isinstance(node, exp.DPipe | exp.Concat):
            if isinstance(node, exp.Concat) and (
                node.meta.get(ALONE) or _int_operand(node)
            ):
                _answers_alone(node)  # typed before its parts become strings
            _string_operands(node)
            if isinstance(node, exp.Concat):
                concats.append(node)
    for node, typ in reversed(arith):  # operands first
        if isinstance(node, exp.Neg):
            _h2_negate(node, typ)
        else:
            _h2_arith(node, typ)
    for concat in reversed(concats):  # inner ones first
        _h2_concat(concat)
    for node, side in reversed(compares):
        _convert_side(node, side)


def _h2_concat(node: exp.Concat) -> None:
    """H2's CONCAT and CONCAT_WS (``h2functions._joined``: NULLs skipped, the
    separator only before a later part that is not empty) in SQLite's own
    expressions: ``CASE WHEN a IS NULL AND ... THEN NULL ELSE coalesce(a, '')
    || <b> || ... END``, where a later part ``<b>`` is ``''`` when NULL, and
    after a non-NULL one before it and a separator that is not empty, the
    separator and ``b`` (``b`` when it is empty). CONCAT_WS of NULL parts only
    is ``''`` unless its separator is NULL. (A number or boolean part is
    already H2's string of it.) One marked ``ALONE`` answers a row whose only
    non-NULL part is not a string with that part as a tagged value
    (``_tag``), and reads a tagged part (a nested such CONCAT) as its text."""
    parts = concat_parts(node)  # two at least (h2functions.check_functions)
    kinds: list[SqlType] | None = node.meta.get(_KINDS)
    strings = [text_of_tagged(p) if _is_tagged(p) else p for p in parts]
    sep = node.expressions[0] if isinstance(node, exp.ConcatWs) else None
    every_null = exp.and_(*[_is_null(p) for p in parts])
    empty: exp.Expr = exp.Null()
    if sep is not None:
        empty = exp.Case().when(_is_null(sep), exp.Null()).else_(exp.Literal.string(""))
    case = exp.Case().when(every_null, empty)
    for k, (part, kind) in enumerate(zip(parts, kinds or [], strict=False)):
        raw = part.copy() if _is_tagged(part) else _tag(kind, strings[k])
        if raw is not None:  # a part alone is itself
            others = [_is_null(q) for j, q in enumerate(parts) if j != k]
            case = case.when(exp.and_(exp.not_(_is_null(part)), *others), raw)
    out = case.else_(_joined(parts, strings, sep))
    if kinds is not None:
        out.meta[_TAGGED] = True
    node.replace(exp.paren(out))


def _joined(
    parts: list[exp.Expr], strings: list[exp.Expr], sep: exp.Expr | None
) -> exp.Expr:
    """The parts' ``strings`` joined as H2 joins them (``_h2_concat``)."""
    text: exp.Expr = exp.Coalesce(
        this=strings[0].copy(), expressions=[exp.Literal.string("")]
    )
    for k, p in enumerate(strings[1:], 1):
        tail: exp.Expr = exp.Coalesce(
            this=p.copy(), expressions=[exp.Literal.string("")]
        )
        if sep is not None:
            after = exp.or_(*[exp.not_(_is_null(q)) for q in parts[:k]])
            spaced = exp.and_(
                after,
                exp.NEQ(this=p.copy(), expression=exp.Literal.string("")),
                exp.NEQ(this=sep.copy(), expression=exp.Literal.string("")),
            )
            joined = exp.DPipe(this=sep.copy(), expression=p.copy())
            tail = exp.Case().when(spaced, joined).else_(tail)
        text = exp.DPipe(this=text, expression=tail)
    return text


_KINDS = "eg_kinds"  # meta: an ALONE CONCAT's parts' types, before any rewrite
_TAGGED = "eg_tagged"  # meta: a rewritten CONCAT whose row may be a tagged value


def _answers_alone(node: exp.Concat) -> None:
    """Mark ``node`` as answering a part alone, as a tagged value: its parts'
    types (before ``_string_operands`` makes strings of them), and a nested
    CONCAT part answers alone too (read back as its text if joined)."""
    node.meta[ALONE] = True
    node.meta[_KINDS] = [infer(p)[0] for p in concat_parts(node)]
    for p in concat_parts(node):
        if isinstance(p.unnest(), exp.Concat):
            p.unnest().meta[ALONE] = True


def _int_operand(node: exp.Expr) -> bool:
    """Whether ``node`` is converted to an integer type by ``CAST_FUNCTION``,
    which reads a tagged value as the value of its type (as H2 converts the
    CONCAT's value of its own type: a DECIMAL 12.50 to the INT 13): an operand
    of integer arithmetic (``_h2_arith``), or a CAST to an integer type
    (``_h2_cast``: a string's always goes through it, which may have been
    made already)."""
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if isinstance(parent, exp.Anonymous) and parent.name == CAST_FUNCTION:
        source, target = (a.name for a in parent.expressions[1:3])
        return source == "VARCHAR" and target in _INT_TARGETS
    if isinstance(parent, exp.Cast):
        target = cast_target(parent.args["to"])
        return target is not None and target[0] in _INT_TARGETS
    if type(parent) not in _ARITH_OPS:
        return False
    return parent is not None and infer(parent)[0].name in _INT_TARGETS


def _is_tagged(e: exp.Expr) -> bool:
    return bool(e.unnest().meta.get(_TAGGED))


def _tag(kind: SqlType, text: exp.Expr) -> exp.Expr | None:
    """The tagged value of a part of type ``kind`` whose string (H2's) is
    ``text``: ``CAST(char(mark, code) || text AS BLOB)``; None for a type
    without one (a string is itself)."""
    if kind.name not in TAGGABLE:
        return None
    head = exp.Anonymous(
        this="char", expressions=[exp.Literal.number(c) for c in tag_codes(kind)]
    )
    return exp.Cast(
        this=exp.DPipe(this=head, expression=text.copy()),
        to=exp.DataType.build("BLOB"),
    )


def text_of_tagged(e: exp.Expr) -> exp.Expr:
    """The string of a value that may be tagged (``types.untag``): a tag's text."""
    text = exp.Cast(
        this=exp.Substring(this=e.copy(), start=exp.Literal.number(3)),
        to=exp.DataType.build("TEXT"),
    )
    return exp.paren(exp.Case().when(_is_blob(e), text).else_(e.copy()))


# SQLite's NUMERIC (sqlglot writes its own NUMERIC as REAL)
_NUMERIC = exp.DataType(this=exp.DataType.Type.USERDEFINED, kind="NUMERIC")
_NUMERIC_KINDS = (*_INT_TARGETS, "DECIMAL", "REAL", "DOUBLE", "BOOLEAN")


def order_key(e: exp.Expr, kinds: tuple[str, ...]) -> exp.Expr:
    """The ORDER BY key of a column whose rows may be tagged values of the
    types ``kinds`` (``OutCol.alone``). H2 compares two values of different
    types converted to the higher one, so a tag of a number or BOOLEAN (0/1) is
    keyed by its number, any other tag by its text (a UUID's in H2's order);
    a string is itself, unless the result holds a tag too (a window over the
    rows): then it is converted to the tags' type (``CAST_FUNCTION``), and one
    that is no such value fails as in H2. (H2 converts pair by pair: where the
    tags have several types, a string is converted to the highest.)"""
    text = exp.Cast(
        this=exp.Substring(this=e.copy(), start=exp.Literal.number(3)),
        to=exp.DataType.build("TEXT"),
    )
    typed: exp.Expr = text
    tags = [k for k in kinds if k not in _STRINGS]
    if all(k in _NUMERIC_KINDS for k in tags):
        typed = exp.Cast(this=text.copy(), to=_NUMERIC)  # an integer stays exact
        if "BOOLEAN" in tags:
            typed = (
                exp.Case(this=text.copy())
                .when(exp.Literal.string("TRUE"), exp.Literal.number(1))
                .when(exp.Literal.string("FALSE"), exp.Literal.number(0))
                .else_(typed)
            )
    string: exp.Expr = e.copy()
    if tags and len(tags) < len(kinds):
        target = tags[0]
        for k in tags[1:]:
            target = hv.higher(target, k)
        any_tag = exp.Window(this=exp.Max(this=_is_blob(e)))
        string = exp.Case().when(any_tag, _cast_call(e, "VARCHAR", target, None))
        string = string.else_(e.copy())
    key: exp.Expr = exp.paren(exp.Case().when(_is_blob(e), typed).else_(string))
    return uuid_order(key) if "UUID" in kinds else key


def _is_blob(e: exp.Expr) -> exp.Expr:
    return exp.EQ(
        this=exp.Anonymous(this="typeof", expressions=[e.copy()]),
        expression=exp.Literal.string("blob"),
    )


def concat_parts(node: exp.Expr) -> list[exp.Expr]:
    """A CONCAT's parts (CONCAT_WS's after its separator)."""
    parts = list(node.expressions)
    return parts[1:] if isinstance(node, exp.ConcatWs) else parts


def _is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=e.copy(), expression=exp.Null())


_Side = tuple[str, str, str]
"""Which operand of a comparison is converted (``this``/``expression``), from
which type to which."""


def _compared(node: exp.Expr) -> _Side | None:
    """A string compared with a number or BOOLEAN, not both constants, is
    converted to the number's type (the higher one in H2's order) by
    ``CAST_FUNCTION``, as H2
    converts it while comparing: a string that is no number fails (unless the
    number is NULL: no comparison is made). That holds for a constant side too:
    H2's optimizer converts a constant only to a *column's* type, and only
    when that type is the higher one (``h2fold.comparison``), so ``s = 10`` and
    ``CONCAT(i, NULL) = 10`` compare numbers (observed on Ignite 2.17: a string
    that is no number fails there). The side to convert, typed before any
    operand is rewritten (``_convert_side`` converts it after)."""
    left, right = node.this, node.expression
    if const(left) is not None and const(right) is not None:
        return None
    a, b = infer(left)[0].name, infer(right)[0].name
    if a in _STRINGS and b in _CONVERTED:
        return ("this", a, b)
    if b in _STRINGS and a in _CONVERTED:
        return ("expression", b, a)
    return None


_CONVERTED = (*_NUMBERS, "BOOLEAN")  # (H2: TRUE/T/YES/Y, ..., else a number)


def _h2_in_constants(node: exp.In) -> None:
    """``x IN (constants)`` of an expression ``x`` (not a column: SQLite's
    column affinity does this for those): H2 converts each constant to ``x``'s
    type when it prepares the statement (its constant-set IN), so
    ``CONCAT(i, NULL) IN (10, 11)`` looks for the strings ``'10'`` and
    ``'11'``, and ``i + 0 IN ('10')`` for the INT 10. A constant that does not
    convert is left as it is."""
    if isinstance(node.this, exp.Column) or node.args.get("query") is not None:
        return
    target = infer(node.this)[0].name
    if target not in _STRINGS and target not in _NUMBERS:
        return
    strings = target in _STRINGS
    for item in node.expressions:
        v = const(item)
        if v is None or v[1] is None or (v[0] in _STRINGS) == strings:
            continue
        try:
            item.replace(const_node(hv.convert(v, target)))
        except (hv.H2Error, hv.NotFoldable):
            continue


def _convert_side(node: exp.Expr, side: _Side) -> None:
    key, source, target = side
    other = node.expression if key == "this" else node.this
    node.set(key, _converted(node.args[key], source, other, target))


def _converted(e: exp.Expr, source: str, other: exp.Expr, target: str) -> exp.Expr:
    """``e`` converted to ``target`` where ``other`` is not NULL. For an integer
    target, text that already is a canonical integer in range is converted by
    SQLite (a join over such columns makes no Python call per row pair)."""
    null_other = _is_null(other)
    call = _cast_call(e, source, target, None)
    case = exp.Case().when(null_other, exp.Null())
    if target in _INT_TARGETS:
        as_int = exp.Cast(this=e.copy(), to=exp.DataType.build("INTEGER"))
        lo, hi = hv.RANGES[target]
        plain = exp.and_(
            exp.EQ(
                this=exp.Cast(this=as_int.copy(), to=exp.DataType.build("TEXT")),
                expression=e.copy(),
            ),
            exp.Between(
                this=as_int.copy(),
                low=exp.Literal.number(lo),
                high=exp.Literal.number(hi),
            ),
        )
        case = case.when(plain, as_int)
    return case.else_(call)


def _ordinal(e: exp.Expr, out: list[OutCol]) -> str | None:
    """The type name of the output column ``ORDER BY <k>`` numbers."""
    if isinstance(e, exp.Literal) and e.is_int and 0 < int(e.this) <= len(out):
        return out[int(e.this) - 1].type.name
    return None


def _is_uuid(e: exp.Expr | None) -> bool:
    return (
        e is not None and not isinstance(e, exp.Literal) and infer(e)[0].name == "UUID"
    )


def uuid_order(e: exp.Expr) -> exp.Expr:
    if isinstance(e, exp.Collate):
        return e
    return exp.Collate(this=e, expression=exp.var(UUID_COLLATION))


def _h2_cast(node: exp.Cast) -> None:
    """CAST to an integer type (H2 rounds a DECIMAL half up, a DOUBLE/REAL as
    Math.round, and fails out of the type's range) or to VARCHAR/CHAR (H2's
    string form, cut to the declared length) is computed by ``CAST_FUNCTION``;
    so is a CAST of bytes (a VARBINARY, or an argument that arrives as bytes) to
    any other type, which H2 reads from the bytes' hexadecimal spelling."""
    target = cast_target(node.args["to"])
    if target is None:
        return
    name, precision, _ = target
    source = infer(node.this)[0].name
    if name in _INT_TARGETS:
        if source in _INT_TARGETS and _INT_TARGETS.index(source) <= _INT_TARGETS.index(
            name
        ):
            return  # a narrower integer always fits
        if source in _INT_TARGETS and isinstance(node.this.unnest(), exp.Column):
            _checked_narrowing(node, source, name)
            return
        if source in _ROUNDED and isinstance(node.this.unnest(), exp.Column):
            _rounded(node, source, name)
            return
    elif name in ("VARCHAR", "CHAR"):
        if source in _STRINGS:
            if precision is None:
                return
            if isinstance(node.this.unnest(), exp.Column):
                _cut(node, source, name, precision)
                return
        elif source in _INT_TARGETS and precision is None and _native(node.this):
            return  # SQLite spells an integer as Java does
    elif name in _FROM_BYTES and source in ("VARBINARY", "OTHER"):
        blob = exp.EQ(
            this=exp.Anonymous(this="typeof", expressions=[node.this.copy()]),
            expression=exp.Literal.string("blob"),
        )
        by_h2 = _cast_call(node.this, "VARBINARY", name, precision)
        node.replace(exp.Case().when(blob, by_h2).else_(node.copy()))
        return
    else:
        return
    node.replace(_cast_call(node.this, source, name, precision))


def _checked_narrowing(node: exp.Cast, source: str, target: str) -> None:
    """CAST of an integer column to a narrower integer type: the value itself
    while it fits, ``CAST_FUNCTION`` (H2's out-of-range error) only when not."""
    x = node.this
    lo, hi = hv.RANGES[target]
    fits = exp.Between(
        this=x.copy(), low=exp.Literal.number(lo), high=exp.Literal.number(hi)
    )
    checked = exp.Case().when(fits, x.copy()).else_(_cast_call(x, source, target, None))
    checked.meta[_NATIVE_INT] = 1
    checked.meta[_BOUNDS] = hv.RANGES[target]
    node.replace(exp.paren(checked))


def _cut(node: exp.Cast, source: str, target: str, precision: int) -> None:
    """CAST of a string column to VARCHAR(n)/CHAR(n): the string as it is (a
    CHAR without its trailing spaces) where it is no longer than ``n``, which
    holds when its UTF-8 bytes are no more (Java counts UTF-16 units, never
    more than the bytes); ``CAST_FUNCTION`` cuts the rest."""
    x = node.this
    text: exp.Expr = x.copy()
    if target == "CHAR":
        text = exp.Anonymous(
            this="rtrim", expressions=[x.copy(), exp.Literal.string(" ")]
        )
    blob = exp.Cast(this=text.copy(), to=exp.DataType.build("BLOB"))
    short = exp.LTE(
        this=exp.Length(this=blob), expression=exp.Literal.number(precision)
    )
    checked = (
        exp.Case()
        .when(_is_null(x), exp.Null())
        .when(short, text)
        .else_(_cast_call(x, source, target, precision))
    )
    node.replace(checked)


_ROUNDED = ("DOUBLE", "REAL", "DECIMAL")
# Where a rounded value is computed by SQLite: well inside each integer type
# (the edges, where Java's rounding and range checks meet, take the rare path).
_ROUND_RANGES = {**hv.RANGES, "BIGINT": (-(1 << 62), 1 << 62)}
# How far from a half a DECIMAL's REAL must be for its rounding to be the exact
# value's: the REAL of a value below 2^31 is within 2^-22 of it.
_DECIMAL_MARGIN = 1e-6
_DECIMAL_BOUND = 1 << 31


def _rounded(node: exp.Cast, source: str, target: str) -> None:
    """CAST of a DOUBLE/REAL/DECIMAL column to an integer type: SQLite's
    truncation corrected by the fraction to H2's rounding (Math.round for a
    DOUBLE/REAL: halves up; a DECIMAL: halves away from zero). ``x - CAST(x AS
    INTEGER)`` is exact in binary floating point, so a DOUBLE/REAL rounds
    natively wherever the result is well inside the type; a DECIMAL's REAL only
    approximates its value, so it rounds natively only below 2^31 and away from
    a half by more than the REAL's error. Elsewhere ``CAST_FUNCTION`` computes
    it from the exact value (and fails out of range)."""
    x = node.this

    def whole() -> exp.Expr:
        return exp.Cast(this=x.copy(), to=exp.DataType.build("INTEGER"))

    def frac() -> exp.Expr:
        return exp.paren(exp.Sub(this=exp.paren(x.copy()), expression=whole()))

    half, minus_half = exp.Literal.number(0.5), exp.Literal.number(-0.5)
    up = exp.GTE(this=frac(), expression=half)
    if source == "DECIMAL":
        down: exp.Expr = exp.LTE(this=frac(), expression=minus_half)
        lo, hi = -_DECIMAL_BOUND, _DECIMAL_BOUND
        lo, hi = max(lo, _ROUND_RANGES[target][0]), min(hi, _ROUND_RANGES[target][1])
    else:
        down = exp.LT(this=frac(), expression=minus_half)
        lo, hi = _ROUND_RANGES[target]
    fits: exp.Expr = exp.Between(
        this=x.copy(), low=exp.Literal.number(lo), high=exp.Literal.number(hi)
    )
    if source == "DECIMAL":
        off_half = exp.GT(
            this=exp.Abs(
                this=exp.Sub(this=exp.Abs(this=frac()), expression=half.copy())
            ),
            expression=exp.Literal.number(_DECIMAL_MARGIN),
        )
        fits = exp.and_(fits, off_half)
    rounded = exp.Sub(
        this=exp.Add(this=whole(), expression=exp.paren(up)),
        expression=exp.paren(down),
    )
    null = _is_null(x)
    checked = (
        exp.Case()
        .when(null, exp.Null())
        .when(fits, rounded)
        .else_(_cast_call(x, source, target, None))
    )
    checked.meta[_NATIVE_INT] = 1
    checked.meta[_BOUNDS] = hv.RANGES[target]
    node.replace(exp.paren(checked))


# CAST targets whose conversion of bytes SQLite's CAST does not make as H2 does.
_FROM_BYTES = frozenset(
    {"DOUBLE", "REAL", "DECIMAL", "BOOLEAN", "DATE", "TIME", "TIMESTAMP", "UUID"}
)


def _cast_call(
    e: exp.Expr, source: str, target: str, precision: int | None
) -> exp.Expr:
    args = [
        exact_decimal(e),
        exp.Literal.string(source),
        exp.Literal.string(target),
        exp.Null() if precision is None else exp.Literal.number(precision),
    ]
    return exp.Anonymous(this=CAST_FUNCTION, expressions=args)


def _string_operands(node: exp.Expr) -> None:
    """``||``/CONCAT read a number or a boolean as H2's string of it."""
    keys = ("this", "expression") if isinstance(node, exp.DPipe) else ("expressions",)
    for key in keys:
        value = node.args.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, exp.Expr):
                continue
            source = infer(item)[0].name
            if source in STRINGIFIED:
                hole = exp.Null()
                item.replace(hole)
                hole.replace(_string_of(item, source))


def _string_of(e: exp.Expr, source: str) -> exp.Expr:
    """H2's string of a ``STRINGIFIED`` operand of ``||``/CONCAT. A constant's
    is folded (a DECIMAL literal keeps its scale: ``2.50``); a BOOLEAN is
    ``TRUE``/``FALSE``; bytes their lower-case hexadecimal digits; a TIMESTAMP
    column's text without the fraction's trailing zeros (none: no point); a
    bare DECIMAL column its exact text where that has no exponent
    (BigDecimal's plain string then is the same text); the rest (Java's
    spelling of a double, a DECIMAL's plain string of an exponent) by
    ``CAST_FUNCTION``."""
    v = const(e)
    if v is not None:
        try:
            return const_node(hv.convert(v, "VARCHAR"))
        except (hv.H2Error, hv.NotFoldable):
            pass
    call = _cast_call(e, source, "VARCHAR", None)
    if source == "VARBINARY":  # (an expression's hex() reads it once per row)
        hexed = exp.Lower(this=exp.Hex(this=e))
        return exp.Case().when(_is_null(e.copy()), exp.Null()).else_(hexed)
    if not isinstance(e, exp.Column):  # (copies of an expression would miss
        return e if source == "TIMESTAMP" else call  # the rewrites still to come)
    null = _is_null(e)
    if source == "TIMESTAMP":
        fraction = exp.GT(
            this=exp.Anonymous(
                this="instr", expressions=[e.copy(), exp.Literal.string(".")]
            ),
            expression=exp.Literal.number(0),
        )
        trimmed = exp.Anonymous(
            this="rtrim",
            expressions=[
                exp.Anonymous(
                    this="rtrim", expressions=[e.copy(), exp.Literal.string("0")]
                ),
                exp.Literal.string("."),
            ],
        )
        return exp.Case().when(fraction, trimmed).else_(e.copy())
    if source == "BOOLEAN":
        spelled = (
            exp.Case(this=e.copy())
            .when(exp.Literal.number(1), exp.Literal.string("TRUE"))
            .when(exp.Literal.number(0), exp.Literal.string("FALSE"))
        )
        return exp.Case().when(null, exp.Null()).else_(spelled.else_(call))
    if _decimal_column(e) is None:
        return call
    text = exact_decimal(e)
    plain = exp.EQ(
        this=exp.Anonymous(
            this="instr", expressions=[text.copy(), exp.Literal.string("E")]
        ),
        expression=exp.Literal.number(0),
    )
    return exp.Case().when(plain, text).when(null, exp.Null()).else_(call)


def _h2_arith(node: exp.Expr, typ: str) -> None:
    """Integer ``+ - * / %`` of result type ``typ`` as H2 computes it: an operand
    converted to the result type, division truncating, an overflow or a division
    by zero failing the statement (SQLite would widen to REAL, or answer NULL).

    Where both operands are integers SQLite holds as such (``_native``), SQLite
    computes it and ``ARITH_FUNCTION`` (Python) is called only when the result is
    not an integer in ``typ``'s range (an overflow, NULL, a division by zero):
    ``CASE WHEN r BETWEEN lo AND hi THEN r WHEN a IS NULL OR b IS NULL THEN
    NULL ELSE eg_arith(...) END`` (a NULL operand is a NULL result, but SQLite's
    division by zero is NULL too, so the test is the operands'). Operands of
    a narrower type than BIGINT cannot overflow SQLite's 64 bits; a BIGINT's
    overflow makes SQLite's result a REAL, so there the test is its ``typeof``.
    Otherwise (a parameter, a value of another type) every row calls it. Each
    level copies its operands three times, so past ``_NATIVE_DEPTH`` nested
    levels the outer operations call it too."""
    op = _ARITH_OPS[type(node)]
    for key in ("this", "expression"):  # a CONCAT's value of its own type
        if node.args[key].unnest().meta.get(ALONE):
            node.set(key, _cast_call(node.args[key], "VARCHAR", typ, None))
    a, b = node.this, node.expression
    call = exp.Anonymous(
        this=ARITH_FUNCTION,
        expressions=[exp.Literal.string(op), a, b, exp.Literal.string(typ)],
    )
    depth = 1 + max(_native_depth(a), _native_depth(b))
    if not (_native(a) and _native(b)) or depth > _NATIVE_DEPTH:
        node.replace(call)
        return
    native = type(node)(this=exp.paren(a.copy()), expression=exp.paren(b.copy()))
    if isinstance(native, exp.Div):
        native.set("typed", True)  # SQLite's integer division, not a REAL one
    bounds = _result_bounds(op, _bounds(a), _bounds(b))
    lo, hi = hv.RANGES[typ]
    if bounds is not None and lo <= bounds[0] and bounds[1] <= hi:
        # cannot leave the type (nor fail): ``val % 10 + grp / 10``
        native.meta[_NATIVE_INT] = max(1, depth - 1)
        native.meta[_BOUNDS] = bounds
        node.replace(exp.paren(native))
        return
    if _within_dividend(node):
        native.meta[_NATIVE_INT] = max(1, _native_depth(a))
        node.replace(exp.paren(native))
        return
    if typ == "BIGINT":
        kind = exp.Anonymous(this="typeof", expressions=[native.copy()])
        fits: exp.Expr = exp.EQ(this=kind, expression=exp.Literal.string("integer"))
    else:
        lo, hi = hv.RANGES[typ]
        fits = exp.Between(
            this=native.copy(), low=exp.Literal.number(lo), high=exp.Literal.number(hi)
        )
    either_null = exp.or_(
        exp.Is(this=exp.paren(a.copy()), expression=exp.Null()),
        exp.Is(this=exp.paren(b.copy()), expression=exp.Null()),
    )
    checked = exp.Case().when(fits, native).when(either_null, exp.Null()).else_(call)
    checked.meta[_NATIVE_INT] = depth
    checked.meta[_BOUNDS] = hv.RANGES[typ]
    node.replace(exp.paren(checked))


_BOUNDS = "eg_bounds"  # meta: (lo, hi) a native integer expression stays within


def _bounds(e: exp.Expr) -> tuple[int, int] | None:
    """The values a native integer operand can take: a constant's own, an
    integer column's type range, a rewritten expression's (``_BOUNDS``)."""
    e = e.unnest()
    known = e.meta.get(_BOUNDS)
    if known is not None:
        return known  # type: ignore[no-any-return]
    c = _int_constant(e)
    if c is not None:
        return c, c
    if isinstance(e, exp.Column):
        return hv.RANGES.get(infer(e)[0].name)
    return None


def _result_bounds(
    op: str, a: tuple[int, int] | None, b: tuple[int, int] | None
) -> tuple[int, int] | None:
    """The values ``a op b`` can take (Java's truncating ``/`` and ``%``, by a
    constant other than 0 and -1 only); None when not known."""
    if a is None or b is None:
        return None
    (alo, ahi), (blo, bhi) = a, b
    if op == "+":
        return alo + blo, ahi + bhi
    if op == "-":
        return alo - bhi, ahi - blo
    if op == "*":
        products = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
        return min(products), max(products)
    if blo != bhi or blo in (0, -1):
        return None
    m, c = max(abs(alo), abs(ahi)), abs(blo)
    r = min(m, c - 1) if op == "%" else m // c
    return -r, r


def _within_dividend(node: exp.Expr) -> bool:
    """``x / c`` or ``x % c`` by an integer constant other than 0 and -1: the
    result is no larger than ``x``, so it cannot leave the type (nor fail), and
    SQLite's integer ``/`` and ``%`` truncate as Java's do: no check needed."""
    if not isinstance(node, exp.Div | exp.Mod):
        return False
    c = _int_constant(node.expression)
    return c is not None and c not in (0, -1)


def _int_constant(e: exp.Expr) -> int | None:
    """An integer constant's value: folded, or a literal as written (GROUP BY's
    terms are not folded)."""
    e = e.unnest()
    v = const(e)
    if v is not None:
        return v[1] if v[0] in _INT_TARGETS and isinstance(v[1], int) else None
    if isinstance(e, exp.Literal) and not e.is_string and e.this.isdigit():
        return int(e.this)
    return None


def _negation(node: exp.Expr) -> bool:
    return isinstance(node, exp.Neg) and const(node) is None


def _h2_negate(node: exp.Neg, typ: str) -> None:
    """``-x`` of an integer type: only its type's MIN has no negation in it, H2's
    overflow (from ``x * -1`` on the rare path: the same error and text)."""
    x = node.this
    call = exp.Anonymous(
        this=ARITH_FUNCTION,
        expressions=[
            exp.Literal.string("*"),
            x,
            exp.Literal.number(-1),
            exp.Literal.string(typ),
        ],
    )
    if not _native(x):
        node.replace(call)
        return
    lo = hv.RANGES[typ][0]
    fits = exp.NEQ(this=exp.paren(x.copy()), expression=exp.Literal.number(lo))
    native = exp.Neg(this=exp.paren(x.copy()))
    null = exp.Is(this=exp.paren(x.copy()), expression=exp.Null())
    checked = exp.Case().when(fits, native).when(null, exp.Null()).else_(call)
    checked.meta[_NATIVE_INT] = _native_depth(x) + 1
    checked.meta[_BOUNDS] = hv.RANGES[typ]
    node.replace(exp.paren(checked))


_NATIVE_INT = "eg_native_int"  # meta: checked integer arithmetic, its depth
_NATIVE_DEPTH = 3


def _native_depth(e: exp.Expr) -> int:
    return int(e.unnest().meta.get(_NATIVE_INT, 0))


def _native(e: exp.Expr) -> bool:
    """Whether SQLite holds ``e``'s value as an integer of its H2 type (or NULL):
    an integer column or constant, or integer arithmetic already checked."""
    e = e.unnest()
    if e.meta.get(_NATIVE_INT):
        return True
    if isinstance(e, exp.Column | exp.Literal) or const(e) is not None:
        return infer(e)[0].name in _INT_TARGETS  # (GROUP BY's are not folded)
    return False

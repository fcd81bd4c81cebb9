"""H2's functions: their names, CAST's target types, and functions of constants.

Owns ``function_name`` (the name H2 prints for a sqlglot function node: as
written, else H2's name of sqlglot's class), ``function_args``, ``cast_target``
(the H2 type, precision and scale a CAST's sqlglot data type means) and ``call``
(the value of a deterministic H2 function of constant arguments, computed as
H2 1.4.197 does; ``NotFoldable`` for a function not modelled here).
Imports sqlglot and the sibling ``h2values`` only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sqlglot import exp

from embergrid.engine.sql import h2values as hv
from embergrid.engine.sql.h2values import NULL, NotFoldable, Val

__all__ = [
    "FN",
    "H2_FUNCTIONS",
    "call",
    "cast_target",
    "check_functions",
    "function_args",
    "function_name",
]

FN = "eg_fn"  # meta key of a function's name as written (see h2text.IgniteH2)

# H2's function names of sqlglot's function classes (when no name was recorded).
_NAMES: dict[type[exp.Expr], str] = {
    exp.Upper: "UPPER",
    exp.Lower: "LOWER",
    exp.Length: "LENGTH",
    exp.Substring: "SUBSTRING",
    exp.Replace: "REPLACE",
    exp.Concat: "CONCAT",
    exp.Left: "LEFT",
    exp.Right: "RIGHT",
    exp.Abs: "ABS",
    exp.Sign: "SIGN",
    exp.Pow: "POWER",
    exp.Sqrt: "SQRT",
    exp.Ceil: "CEILING",
    exp.Floor: "FLOOR",
    exp.Round: "ROUND",
    exp.Coalesce: "COALESCE",
    exp.Nullif: "NULLIF",
    exp.Chr: "CHAR",
}
_TRIMS = {"LEADING": "LTRIM", "TRAILING": "RTRIM"}

# Every function name H2 1.4.197 (Ignite's SQL engine) knows: its built-in
# functions (org.h2.expression.Function), aggregates (Aggregate) and the ones
# its parser reads as functions. SQL is Ignite's, not SQLite's: a function
# called by any other name fails as H2 fails, "Function ... not found", even
# where SQLite has one (randomblob, zeroblob, sqlite_version, printf, typeof,
# load_extension, ...).
_H2_FUNCTION_NAMES = """
    ABS ACOS ASIN ATAN ATAN2 BITAND BITGET BITNOT BITOR BITXOR CEIL CEILING COS
    COSH COT DEGREES EXP FLOOR LOG LN LOG10 MOD PI POWER RADIANS RAND RANDOM
    RANDOM_UUID UUID ROUND ROUNDMAGIC SECURE_RAND SIGN SIN SINH SQRT TAN TANH
    TRUNCATE TRUNC HASH ENCRYPT DECRYPT COMPRESS EXPAND ZERO ORA_HASH
    ASCII BIT_LENGTH CHAR CHR CHAR_LENGTH CHARACTER_LENGTH LENGTH CONCAT CONCAT_WS
    DIFFERENCE HEXTORAW INSERT LCASE LOWER LEFT LOCATE INSTR POSITION LPAD LTRIM
    OCTET_LENGTH RAWTOHEX REPEAT REPLACE RIGHT RPAD RTRIM SOUNDEX SPACE SUBSTR
    SUBSTRING UCASE UPPER STRINGENCODE STRINGDECODE STRINGTOUTF8 UTF8TOSTRING
    XMLATTR XMLNODE XMLCOMMENT XMLCDATA XMLSTARTDOC XMLTEXT REGEXP_REPLACE
    REGEXP_LIKE TRIM TO_CHAR TRANSLATE ARRAY_GET ARRAY_LENGTH ARRAY_CONTAINS
    CURRENT_DATE CURDATE SYSDATE TODAY CURRENT_TIME CURTIME CURRENT_TIMESTAMP NOW
    LOCALTIME LOCALTIMESTAMP SYSTIMESTAMP DATEADD TIMESTAMPADD DATEDIFF
    TIMESTAMPDIFF DAYNAME DAY_OF_MONTH DAYOFMONTH DAY_OF_WEEK DAYOFWEEK
    DAY_OF_YEAR DAYOFYEAR EXTRACT FORMATDATETIME HOUR MINUTE MONTH MONTHNAME
    PARSEDATETIME QUARTER SECOND WEEK ISO_WEEK YEAR ISO_YEAR ISO_DAY_OF_WEEK
    TO_DATE TO_TIMESTAMP ADD_MONTHS TO_TIMESTAMP_TZ DATE_TRUNC
    DATABASE USER CURRENT_USER IDENTITY SCOPE_IDENTITY AUTOCOMMIT READONLY
    DATABASE_PATH LOCK_TIMEOUT DISK_SPACE_USED IFNULL ISNULL CASEWHEN CONVERT
    CAST COALESCE NVL NVL2 NULLIF DECODE CURRVAL NEXTVAL TABLE TABLE_DISTINCT
    H2VERSION LEAST GREATEST SESSION_ID LOCK_MODE TRANSACTION_ID TRUNCATE_VALUE
    ROW_NUMBER SET MEMORY_FREE MEMORY_USED SIGNAL FILE_READ FILE_WRITE
    COUNT SUM MIN MAX AVG GROUP_CONCAT LISTAGG STDDEV_POP STDDEV_SAMP VAR_POP
    VAR_SAMP BOOL_AND BOOL_OR EVERY SOME BIT_AND BIT_OR SELECTIVITY HISTOGRAM
    MEDIAN MODE ARRAY_AGG ENVELOPE SYSTEM_RANGE
"""
H2_FUNCTIONS = frozenset(_H2_FUNCTION_NAMES.split())


def function_args(e: exp.Expr) -> list[exp.Expr]:
    """A function's operands in the order SQL writes them."""
    out: list[exp.Expr] = []
    for key in e.arg_types:
        value = e.args.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, exp.Expr) and not isinstance(item, exp.DataType):
                out.append(item)
    return out


def function_name(e: exp.Expr) -> str:
    """The function's H2 name: as written, else H2's name of sqlglot's class."""
    written = e.meta.get(FN)
    if isinstance(written, str):
        return written.upper()
    if isinstance(e, exp.Trim):
        return _TRIMS.get(str(e.args.get("position") or "").upper(), "TRIM")
    if isinstance(e, exp.Anonymous):
        return str(e.name).upper()
    if isinstance(e, exp.Func):
        return _NAMES.get(type(e)) or e.sql_name()
    return _NAMES.get(type(e)) or type(e).__name__.upper()


# -- CAST targets --------------------------------------------------------------

_DTYPES = {
    "INT": "INT",
    "BIGINT": "BIGINT",
    "SMALLINT": "SMALLINT",
    "TINYINT": "TINYINT",
    "DECIMAL": "DECIMAL",
    "DOUBLE": "DOUBLE",
    "FLOAT": "REAL",
    "BOOLEAN": "BOOLEAN",
    "VARCHAR": "VARCHAR",
    "NVARCHAR": "VARCHAR",
    "TEXT": "VARCHAR",
    "CHAR": "CHAR",
    "NCHAR": "CHAR",
    "DATE": "DATE",
    "TIME": "TIME",
    "TIMESTAMP": "TIMESTAMP",
    "DATETIME": "TIMESTAMP",
    "UUID": "UUID",
    "VARBINARY": "VARBINARY",
    "BINARY": "VARBINARY",
}


def cast_target(to: exp.Expr) -> tuple[str, int | None, int | None] | None:
    """(type, precision, scale) of a CAST's data type; None when not modelled."""
    if not isinstance(to, exp.DataType):
        return None
    name = _DTYPES.get(str(getattr(to.this, "name", to.this)))
    if name is None:
        return None
    params: list[int] = []
    for p in to.expressions:
        lit = p.this if isinstance(p, exp.DataTypeParam) else p
        if not (isinstance(lit, exp.Literal) and lit.this.isdigit()):
            return None
        params.append(int(lit.this))
    if name == "DECIMAL":
        if not params:
            return name, None, None
        return name, params[0], params[1] if len(params) > 1 else 0
    return name, params[0] if params else None, None


# -- functions of constants ----------------------------------------------------


def _null_in(args: list[Val]) -> bool:
    return any(a[1] is None for a in args)


def _strings(fn: Callable[[str], str]) -> Callable[[list[Val]], Val]:
    def call(args: list[Val]) -> Val:
        if _null_in(args):
            return NULL
        return ("VARCHAR", fn(hv.string_of(args[0])))

    return call


def _length(args: list[Val]) -> Val:
    return NULL if _null_in(args) else ("BIGINT", len(hv.string_of(args[0])))


def _trim(leading: bool, trailing: bool) -> Callable[[list[Val]], Val]:
    def call(args: list[Val]) -> Val:
        if _null_in(args):
            return NULL
        s = hv.string_of(args[0])
        chars = hv.string_of(args[1])[:1] if len(args) > 1 else " "
        if chars:
            s = s.lstrip(chars) if leading else s
            s = s.rstrip(chars) if trailing else s
        return ("VARCHAR", s)

    return call


def _substring(args: list[Val]) -> Val:
    """H2's SUBSTRING: a negative start counts from the end, 0 is 1."""
    if _null_in(args):
        return NULL
    s = hv.string_of(args[0])
    start = hv.convert(args[1], "INT")[1]
    length = hv.convert(args[2], "INT")[1] if len(args) > 2 else len(s)
    if start < 0:
        start += len(s) + 1
    first = min(max(start - 1, 0), len(s))
    return ("VARCHAR", s[first : first + max(length, 0)])


def _char(args: list[Val]) -> Val:
    if _null_in(args):
        return NULL
    code = hv.convert(args[0], "INT")[1]
    if not 0 <= code <= 0xFFFF:
        raise NotFoldable("CHAR code")
    return ("VARCHAR", chr(code))


def _replace(args: list[Val]) -> Val:
    if _null_in(args):
        return NULL
    s, old = hv.string_of(args[0]), hv.string_of(args[1])
    new = hv.string_of(args[2]) if len(args) > 2 else ""
    return ("VARCHAR", s.replace(old, new) if old else s)


def _concat(args: list[Val]) -> Val:
    """H2's CONCAT: ``_joined`` with no separator."""
    return _joined("", args)


def _concat_ws(args: list[Val]) -> Val:
    """H2's CONCAT_WS: the first argument the separator (NULL: none), the rest
    ``_joined``; every part NULL is ``''`` (NULL when the separator is NULL)."""
    sep = None if args[0][1] is None else hv.string_of(args[0])
    got = _joined(sep or "", args[1:])
    return ("VARCHAR", "") if got[1] is None and sep is not None else got


def _joined(sep: str, args: list[Val]) -> Val:
    """NULLs skipped; the first part left is that value itself, of its own type
    (H2 starts from it and makes a string only to append the next); each later
    part is appended after ``sep``, unless the part is an empty string (or the
    separator is)."""
    parts = [a for a in args if a[1] is not None]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return NULL
    texts = [hv.string_of(p) for p in parts]
    tail = "".join(sep + t if sep and t else t for t in texts[1:])
    return ("VARCHAR", texts[0] + tail)


def _left_right(left: bool) -> Callable[[list[Val]], Val]:
    def call(args: list[Val]) -> Val:
        if _null_in(args):
            return NULL
        s, n = hv.string_of(args[0]), hv.convert(args[1], "INT")[1]
        if n < 0:
            raise NotFoldable("negative length")
        return ("VARCHAR", s[:n] if left else s[len(s) - n :] if n else "")

    return call


def _abs(args: list[Val]) -> Val:
    (v,) = args
    if v[1] is None:
        return NULL
    if v[0] not in hv.INTS and v[0] not in ("DECIMAL", "DOUBLE", "REAL"):
        raise NotFoldable(v[0])
    return hv.negate(v) if v[1] < 0 else v


def _sign(args: list[Val]) -> Val:
    (v,) = args
    if v[1] is None:
        return NULL
    if v[0] not in hv.INTS and v[0] not in ("DECIMAL", "DOUBLE", "REAL"):
        raise NotFoldable(v[0])
    return ("INT", (v[1] > 0) - (v[1] < 0))


def _mod(args: list[Val]) -> Val:
    if _null_in(args):
        return NULL
    a, b = hv.convert(args[0], "BIGINT"), hv.convert(args[1], "BIGINT")
    if b[1] == 0:  # H2 names the whole call
        text = f"MOD({hv.sql_of(args[0])}, {hv.sql_of(args[1])})"
        raise hv.H2Error(f'Division by zero: "{text}"', 22012)
    return ("BIGINT", abs(a[1]) % abs(b[1]) * (-1 if a[1] < 0 else 1))


def _double(fn: Callable[..., float]) -> Callable[[list[Val]], Val]:
    def call(args: list[Val]) -> Val:
        if _null_in(args):
            return NULL
        try:
            r = fn(*(hv.convert(a, "DOUBLE")[1] for a in args))
        except (ValueError, OverflowError, ZeroDivisionError):
            raise NotFoldable("math") from None
        if not math.isfinite(r):
            raise NotFoldable("non-finite")
        return ("DOUBLE", float(r))

    return call


def _round(x: float, digits: float = 0.0) -> float:
    """H2's ROUND: scale by 10^digits, Math.round the magnitude, scale back."""
    f = math.pow(10.0, int(digits))
    scaled = x * f
    sign = 1 if scaled > 0 else -1
    return hv.java_round(abs(scaled)) / f * sign


def _coalesce(args: list[Val]) -> Val:
    t = "NULL"
    for a in args:
        if a[1] is not None:
            t = hv.higher(t, a[0])
    for a in args:
        if a[1] is not None:
            return hv.convert(a, t)
    return NULL


def _nullif(args: list[Val]) -> Val:
    a, b = args
    return NULL if hv.compare(a, b) == 0 else a


_CALLS: dict[str, Callable[[list[Val]], Val]] = {
    "UPPER": _strings(str.upper),
    "UCASE": _strings(str.upper),
    "LOWER": _strings(str.lower),
    "LCASE": _strings(str.lower),
    "LENGTH": _length,
    "CHAR_LENGTH": _length,
    "CHARACTER_LENGTH": _length,
    "TRIM": _trim(True, True),
    "LTRIM": _trim(True, False),
    "RTRIM": _trim(False, True),
    "SUBSTRING": _substring,
    "SUBSTR": _substring,
    "REPLACE": _replace,
    "CHAR": _char,
    "CONCAT": _concat,
    "CONCAT_WS": _concat_ws,
    "LEFT": _left_right(True),
    "RIGHT": _left_right(False),
    "ABS": _abs,
    "SIGN": _sign,
    "MOD": _mod,
    "POWER": _double(math.pow),
    "SQRT": _double(math.sqrt),
    "CEILING": _double(lambda x: float(math.ceil(x))),
    "CEIL": _double(lambda x: float(math.ceil(x))),
    "FLOOR": _double(lambda x: float(math.floor(x))),
    "ROUND": _double(_round),
    "COALESCE": _coalesce,
    "NVL": _coalesce,
    "IFNULL": _coalesce,
    "ISNULL": _coalesce,
    "NULLIF": _nullif,
}


def call(name: str, args: list[Val]) -> Val:
    """The value of H2's function ``name`` of the constants ``args``."""
    fn = _CALLS.get(name)
    if fn is None:
        raise NotFoldable(name)
    return fn(args)


def check_functions(node: exp.Expr) -> None:
    """``h2values.H2Error`` (90022, as H2 words it) for the first function
    called by a name H2 does not know (see ``H2_FUNCTIONS``)."""
    for n in node.walk():
        if not isinstance(n, exp.Func):
            continue
        written = n.meta.get(FN)
        if isinstance(written, str):
            name = written.upper()
        elif isinstance(n, exp.Anonymous):
            name = str(n.name).upper()
        else:
            continue  # syntax, not a call (CAST, CASE, EXTRACT, ...)
        if name not in H2_FUNCTIONS:
            raise hv.H2Error(f'Function "{name}" not found', 90022)
        least = _LEAST_ARGS.get(name)
        if least is not None and len(_arguments(n)) < least:
            raise hv.H2Error(
                f'Invalid parameter count for "{name}", expected count:'
                f' "{least}..2147483647"',
                7001,
            )


# The fewest arguments H2 takes for a function of any number of them (below
# it: 7001 as H2 words it, observed for CONCAT and CONCAT_WS on Ignite 2.17).
_LEAST_ARGS = {"CONCAT": 2, "CONCAT_WS": 2}


def _arguments(n: exp.Func) -> list[exp.Expr]:
    """A call's arguments as written (sqlglot keeps a first one in ``this``
    for some functions, the rest, or all, in ``expressions``)."""
    first = n.args.get("this")
    rest = list(n.expressions)
    return rest if first is None else [first, *rest]

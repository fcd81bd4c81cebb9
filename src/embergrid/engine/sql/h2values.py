"""H2 1.4.197 values, as the SQL engine of Ignite 2.17 computes with them.

Owns ``Val`` (a typed constant: the canonical SQL type name of ``types.TYPES`` and
its Python value), ``H2Error`` (an error H2 raises while preparing a statement)
and ``NotFoldable``, and the operations constant folding needs: ``literal``,
``convert`` (CAST and implicit conversions), ``higher`` (H2's type order),
``arith``, ``negate``, ``concat``, ``compare``, ``as_bool``, ``string_of`` and
``sql_of`` (the text H2 prints for a value: column labels are made of it).
Imports only ``embergrid.engine.sql.types``; no asyncio, no protocol messages.

Python forms: integers ``int``; DECIMAL ``Decimal`` (its exponent is the
BigDecimal scale); REAL/DOUBLE ``float`` (REAL rounded to 4 bytes); BOOLEAN
``bool``; VARCHAR/CHAR ``str``; DATE ``date``; TIME ``time``; TIMESTAMP
``datetime``; UUID ``UUID``; VARBINARY ``bytes``; a NULL is ``("NULL", None)``.
Anything outside what is modelled raises ``NotFoldable`` and the caller leaves
the expression to SQLite, so an unknown case costs a label, never a wrong value.
"""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, time
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
    localcontext,
)
from typing import Any

from embergrid.engine.sql.types import to_f32

__all__ = [
    "NULL",
    "RANGES",
    "H2Error",
    "NotFoldable",
    "Val",
    "arith",
    "as_bool",
    "compare",
    "concat",
    "convert",
    "higher",
    "java_double",
    "java_float",
    "java_round",
    "literal",
    "negate",
    "quote",
    "sql_of",
    "string_of",
    "uuid_key",
]

Val = tuple[str, Any]
NULL: Val = ("NULL", None)

INTS = ("TINYINT", "SMALLINT", "INT", "BIGINT")
RANGES = {
    "TINYINT": (-(1 << 7), (1 << 7) - 1),
    "SMALLINT": (-(1 << 15), (1 << 15) - 1),
    "INT": (-(1 << 31), (1 << 31) - 1),
    "BIGINT": (-(1 << 63), (1 << 63) - 1),
}
_BYTES = {"TINYINT": 1, "SMALLINT": 2, "INT": 4, "BIGINT": 8}
# H2's conversion order: the "higher" of two types is the one both convert to.
_ORDER = {
    "NULL": 1,
    "CHAR": 9,
    "VARCHAR": 10,
    "BOOLEAN": 20,
    "TINYINT": 21,
    "SMALLINT": 22,
    "INT": 23,
    "BIGINT": 24,
    "DECIMAL": 25,
    "REAL": 26,
    "DOUBLE": 27,
    "TIME": 30,
    "DATE": 31,
    "TIMESTAMP": 32,
    "VARBINARY": 40,
    "OTHER": 42,
    "UUID": 43,
}
# BigDecimal division keeps the dividend's scale plus this many digits.
_DIVIDE_SCALE_ADD = 25
# Exact decimal arithmetic: enough digits that nothing is ever rounded.
_EXACT = Context(prec=100_000, Emax=1_000_000, Emin=-1_000_000)


class H2Error(Exception):
    """An error H2 raises while preparing (optimizing) a statement."""

    def __init__(self, text: str, code: int) -> None:
        super().__init__(text, code)
        self.text = text
        self.code = code


class NotFoldable(Exception):
    """A constant expression this module does not model; SQLite computes it."""


def out_of_range(text: str) -> H2Error:
    return H2Error(f'Numeric value out of range: "{text}"', 22003)


def conversion_error(text: str) -> H2Error:
    return H2Error(f"Data conversion error converting {_quoted(text)}", 22018)


def division_by_zero(v: Val) -> H2Error:
    return H2Error(f'Division by zero: "{sql_of(v)}"', 22012)


# -- literals ------------------------------------------------------------------


def literal(text: str) -> Val:
    """A numeric literal as H2's parser types it (optionally signed)."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if body.isascii() and body.isdigit():
        n = int(text)
        if _in_range(n, "INT"):
            return ("INT", n)
        if _in_range(n, "BIGINT"):
            return ("BIGINT", n)
        return ("DECIMAL", Decimal(n))
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise NotFoldable(text) from None
    if not d.is_finite():
        raise NotFoldable(text)
    return ("DECIMAL", _no_negative_zero(d))


def _in_range(n: int, t: str) -> bool:
    lo, hi = RANGES[t]
    return lo <= n <= hi


def _no_negative_zero(d: Decimal) -> Decimal:
    return d.copy_abs() if d.is_zero() else d


_f32 = to_f32


# -- type order and conversion -------------------------------------------------


def higher(a: str, b: str) -> str:
    """The type H2 converts both operands to (``Value.getHigherOrder``)."""
    if a == b:
        return a
    if a not in _ORDER or b not in _ORDER:
        raise NotFoldable(f"{a}/{b}")
    return a if _ORDER[a] > _ORDER[b] else b


def convert(
    v: Val, to: str, precision: int | None = None, scale: int | None = None
) -> Val:
    """``v`` as type ``to`` (CAST semantics); ``precision``/``scale`` as declared."""
    t, x = v
    if t == "NULL" or x is None:
        return NULL
    if t == "VARBINARY" and to != "VARBINARY":
        return _from_bytes(bytes(x), to, precision, scale)
    if to in INTS:
        out: Val = (to, _to_int(v, to))
    elif to == "DECIMAL":
        out = ("DECIMAL", _to_decimal(v, scale))
    elif to == "DOUBLE":
        out = ("DOUBLE", _to_float(v))
    elif to == "REAL":
        out = ("REAL", _f32(_to_float(v)))
    elif to == "BOOLEAN":
        out = ("BOOLEAN", as_bool(v))
    elif to in ("VARCHAR", "CHAR"):
        s = string_of(v)
        if to == "CHAR":
            s = s.rstrip(" ")
        if precision is not None and len(s) > precision:
            s = s[:precision]
        out = (to, s)
    elif to in ("DATE", "TIME", "TIMESTAMP"):
        out = (to, _to_moment(v, to))
    elif to == "UUID":
        out = ("UUID", _to_uuid(v))
    elif to == "VARBINARY":
        data = _to_bytes(v)
        out = ("VARBINARY", data[:precision] if precision is not None else data)
    else:
        raise NotFoldable(to)
    return out


# H2 1.4.197 reads bytes as the hexadecimal number they spell: for BIGINT an
# unsigned 64-bit one, for INT a signed long, for SMALLINT and TINYINT a signed
# int (larger: a conversion error), then narrows it as Java narrows.
_HEX_LIMIT = {
    "BIGINT": 1 << 64,
    "INT": 1 << 63,
    "SMALLINT": 1 << 31,
    "TINYINT": 1 << 31,
}
_WIDTH = {"BIGINT": 64, "INT": 32, "SMALLINT": 16, "TINYINT": 8}


def _from_bytes(data: bytes, to: str, precision: int | None, scale: int | None) -> Val:
    """CAST of bytes: integers read their hexadecimal spelling (``_HEX_LIMIT``),
    a UUID its last 32 hex digits, every other type the hex string."""
    text = data.hex()
    if to in INTS:
        n = int(text, 16) if text else -1
        if n < 0 or n >= _HEX_LIMIT[to]:
            raise conversion_error(text)
        width = _WIDTH[to]
        n &= (1 << width) - 1
        return (to, n - (1 << width) if n >> (width - 1) else n)
    if to == "UUID":
        return ("UUID", uuid.UUID(int=int(text or "0", 16) & ((1 << 128) - 1)))
    if to == "BOOLEAN":
        raise conversion_error(text)
    if to in ("DATE", "TIME", "TIMESTAMP"):
        raise H2Error(f'Cannot parse "{to}" constant {_quoted(text)}', 22007)
    if to in ("DOUBLE", "REAL", "DECIMAL") and not text:
        raise conversion_error(text)
    try:
        return convert(("VARCHAR", text), to, precision, scale)
    except NotFoldable:
        raise conversion_error(text) from None


def _quoted(text: str) -> str:
    """A value in H2's error texts: in double quotes, unless it is empty."""
    return f'"{text}"' if text else ""


def _to_int(v: Val, to: str) -> int:
    t, x = v
    if t == "BOOLEAN":
        n = int(x)
    elif t in INTS:
        n = x
    elif t == "DECIMAL":
        if not -_TWO_63 <= x <= _LONG_MAX:  # H2 converts through a long first
            raise _out_of_range(str(x))
        n = int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT))
    elif t in ("DOUBLE", "REAL"):
        if not math.isfinite(x):
            raise NotFoldable("non-finite")
        if not -_TWO_63 <= x <= _TWO_63:  # (Math.round saturates at the ends)
            raise _out_of_range(java_double(x))
        n = max(min(java_round(x), _LONG_MAX), -_TWO_63)
    elif t in ("VARCHAR", "CHAR"):
        s = x.strip()
        body = s[1:] if s[:1] in ("+", "-") else s
        if not (body.isascii() and body.isdigit()):
            raise conversion_error(x)
        n = int(s)
    else:
        raise NotFoldable(t)
    if not _in_range(n, to):
        raise _out_of_range(str(n))
    return int(n)


_TWO_63 = 1 << 63
_LONG_MAX = _TWO_63 - 1


def _out_of_range(text: str) -> H2Error:
    """H2's error for a number that does not fit (``text``: as H2 prints the
    value: a long, a double's Java spelling, a BigDecimal's string)."""
    return H2Error(f'Numeric value out of range: "{text}" in column ', 22004)


def java_round(x: float) -> int:
    """Java's ``Math.round(double)``: the nearest integer, halves up (floor(x+0.5))."""
    return int((Decimal(x) + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR))


def _to_decimal(v: Val, scale: int | None) -> Decimal:
    t, x = v
    if t == "DECIMAL":
        d = x
    elif t in INTS:
        d = Decimal(x)
    elif t == "BOOLEAN":
        d = Decimal(int(x))
    elif t == "DOUBLE":
        if not math.isfinite(x):
            raise NotFoldable("non-finite")
        d = Decimal(java_double(x))
    elif t in ("VARCHAR", "CHAR"):
        try:
            d = Decimal(x.strip())
        except InvalidOperation:
            raise conversion_error(x) from None
        if not d.is_finite():
            raise conversion_error(x)
    else:
        raise NotFoldable(t)  # REAL -> DECIMAL: H2's digits are not modelled
    if scale is not None and d.as_tuple().exponent != -scale:
        d = d.quantize(
            Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=_EXACT
        )
    return _no_negative_zero(d)


def _to_float(v: Val) -> float:
    t, x = v
    if t in INTS or t in ("DECIMAL", "DOUBLE", "REAL"):
        return float(x)
    if t == "BOOLEAN":
        return 1.0 if x else 0.0
    if t in ("VARCHAR", "CHAR"):
        try:
            d = Decimal(x.strip())
        except InvalidOperation:
            raise conversion_error(x) from None
        if not d.is_finite():
            raise NotFoldable(x)
        return float(d)
    raise NotFoldable(t)


def as_bool(v: Val) -> bool:
    """A non-NULL value as BOOLEAN, as H2 converts it."""
    t, x = v
    if t == "BOOLEAN":
        return bool(x)
    if t in INTS or t in ("DECIMAL", "DOUBLE", "REAL"):
        return bool(x != 0)
    if t in ("VARCHAR", "CHAR"):
        s = x.strip().upper()
        if s in ("TRUE", "T", "YES", "Y"):
            return True
        if s in ("FALSE", "F", "NO", "N"):
            return False
        try:
            return not Decimal(s).is_zero()
        except InvalidOperation:
            raise conversion_error(x) from None
    raise NotFoldable(t)


def _to_moment(v: Val, to: str) -> Any:
    t, x = v
    if t == to:
        return x
    if t in ("VARCHAR", "CHAR"):
        s = x.strip()
        try:
            if to == "DATE" and len(s) == 10:
                return date.fromisoformat(s)
            if to == "TIME" and len(s) == 8:
                return time.fromisoformat(s)
            if to == "TIMESTAMP" and (len(s) == 10 or 19 <= len(s) <= 26):
                return datetime.fromisoformat(s)
        except ValueError:
            pass
        raise NotFoldable(s)
    if to == "TIMESTAMP" and t == "DATE":
        return datetime.combine(x, time())
    if to == "DATE" and t == "TIMESTAMP":
        return x.date()
    raise NotFoldable(t)


def _to_uuid(v: Val) -> uuid.UUID:
    t, x = v
    if t in ("VARCHAR", "CHAR"):
        try:
            return uuid.UUID(x.strip())
        except ValueError:
            raise NotFoldable(x) from None
    raise NotFoldable(t)


def _to_bytes(v: Val) -> bytes:
    t, x = v
    if t == "VARBINARY":
        return bytes(x)
    if t in _BYTES:
        return int(x).to_bytes(_BYTES[t], "big", signed=True)
    if t in ("VARCHAR", "CHAR"):
        try:
            return bytes.fromhex(x)
        except ValueError:
            raise NotFoldable(x) from None
    raise NotFoldable(t)


# -- arithmetic ----------------------------------------------------------------


def arith(op: str, a: Val, b: Val) -> Val:
    """``a op b`` for op in ``+ - * / %``, both converted to their higher type."""
    if a[0] == "NULL" or b[0] == "NULL" or a[1] is None or b[1] is None:
        return NULL
    t = higher(a[0], b[0])
    if t not in INTS and t not in ("DECIMAL", "DOUBLE", "REAL"):
        raise NotFoldable(t)
    x, y = convert(a, t), convert(b, t)
    if t in INTS:
        return (t, _int_op(op, x, y, t))
    if t == "DECIMAL":
        return ("DECIMAL", _decimal_op(op, x, y))
    r = _float_op(op, x, y)
    return (t, _f32(r) if t == "REAL" else r)


def _int_op(op: str, a: Val, b: Val, t: str) -> int:
    x, y = a[1], b[1]
    if op in ("/", "%") and y == 0:
        raise division_by_zero(a)
    if op == "+":
        n = x + y
    elif op == "-":
        n = x - y
    elif op == "*":
        n = x * y
    elif op == "/":
        n = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
        return _wrap(n, t)  # Java's division wraps: MIN / -1 is MIN
    else:  # Java's remainder takes the sign of the dividend
        n = abs(x) % abs(y) * (-1 if x < 0 else 1)
    if not _in_range(n, t):  # BIGINT names its left operand, the others the result
        raise out_of_range(str(x if t == "BIGINT" else n))
    return int(n)


def _wrap(n: int, t: str) -> int:
    """``n`` cut to ``t``'s width as Java's narrowing cast cuts it."""
    lo, hi = RANGES[t]
    return (n - lo) % (hi - lo + 1) + lo


def _decimal_op(op: str, a: Val, b: Val) -> Decimal:
    x, y = a[1], b[1]
    if op in ("/", "%") and y.is_zero():
        raise division_by_zero(a)
    with localcontext(_EXACT):
        if op == "+":
            d = x + y
        elif op == "-":
            d = x - y
        elif op == "*":
            d = x * y
        elif op == "/":
            d = _divide(x, y)
        else:
            d = x % y  # the sign of the dividend, as BigDecimal.remainder
    return _no_negative_zero(d)


def _unscaled(d: Decimal) -> tuple[int, int]:
    """(unscaled value, scale) of a finite decimal, as BigDecimal holds it."""
    sign, digits, exponent = d.as_tuple()
    n = int("".join(map(str, digits)) or "0")
    return (-n if sign else n), -int(exponent)


def _divide(x: Decimal, y: Decimal) -> Decimal:
    """BigDecimal ``x.divide(y, x.scale() + 25, HALF_DOWN)``; then, as H2 does,
    trailing zeros are stripped when the unscaled result is even."""
    ux, sx = _unscaled(x)
    uy, sy = _unscaled(y)
    scale = sx + _DIVIDE_SCALE_ADD
    shift = scale - sx + sy  # x / y * 10^scale == ux * 10^shift / uy
    num, den = (ux * 10**shift, uy) if shift >= 0 else (ux, uy * 10**-shift)
    q, r = divmod(abs(num), abs(den))
    if 2 * r > abs(den):  # HALF_DOWN: an exact half rounds toward zero
        q += 1
    if (num < 0) != (den < 0):
        q = -q
    if q == 0:
        return Decimal(0)
    d = Decimal(q).scaleb(-scale, _EXACT)
    if scale > 0 and q % 2 == 0:
        d = d.normalize(_EXACT)  # BigDecimal.stripTrailingZeros (10 -> 1E+1)
    return d


def _float_op(op: str, a: Val, b: Val) -> float:
    x, y = float(a[1]), float(b[1])
    if op in ("/", "%") and y == 0.0:
        raise division_by_zero(a)
    if op == "+":
        r = x + y
    elif op == "-":
        r = x - y
    elif op == "*":
        r = x * y
    elif op == "/":
        r = x / y
    else:
        r = math.fmod(x, y)
    if not math.isfinite(r):
        raise NotFoldable("non-finite")
    return r


def negate(v: Val) -> Val:
    t, x = v
    if x is None:
        return NULL
    if t in INTS:
        if not _in_range(-x, t):
            raise out_of_range(str(-x))
        return (t, -x)
    if t == "DECIMAL":
        return (t, _no_negative_zero(-x))
    if t in ("DOUBLE", "REAL"):
        return (t, -x)
    raise NotFoldable(t)


def concat(a: Val, b: Val) -> Val:
    """``a || b``: NULL when either is NULL."""
    if a[1] is None or b[1] is None:
        return NULL
    return ("VARCHAR", string_of(a) + string_of(b))


# -- comparison ----------------------------------------------------------------


def compare(a: Val, b: Val) -> int | None:
    """-1, 0 or 1 comparing ``a`` with ``b`` in their higher type; None with a NULL."""
    if a[1] is None or b[1] is None:
        return None
    t = higher(a[0], b[0])
    if t == "VARBINARY" or t == "OTHER":
        raise NotFoldable(t)
    x, y = convert(a, t)[1], convert(b, t)[1]
    if t == "UUID":
        x, y = uuid_key(x), uuid_key(y)
    return int(x > y) - int(x < y)


def uuid_key(u: uuid.UUID) -> tuple[int, int]:
    """H2's UUID order: most then least significant 64 bits, each signed."""
    n = u.int
    hi, lo = n >> 64, n & ((1 << 64) - 1)
    return (hi - (1 << 64) if hi >> 63 else hi, lo - (1 << 64) if lo >> 63 else lo)


# -- text ----------------------------------------------------------------------


def string_of(v: Val) -> str:
    """The value's string form (H2 ``getString``): CAST to VARCHAR, ``||``."""
    t, x = v
    if t in ("VARCHAR", "CHAR"):
        return str(x)
    if t in INTS:
        return str(x)
    if t == "BOOLEAN":
        return "TRUE" if x else "FALSE"
    if t == "DECIMAL":
        return _decimal_text(x)
    if t == "DOUBLE":
        return java_double(x)
    if t == "REAL":
        return java_float(x)
    if t in ("DATE", "TIME"):
        return str(x.isoformat())
    if t == "TIMESTAMP":  # the fraction without trailing zeros; none: no point
        text = str(x.isoformat(sep=" "))
        return text.rstrip("0") if x.microsecond else text
    if t == "UUID":
        return str(x)
    if t == "VARBINARY":
        return bytes(x).hex()
    raise NotFoldable(t)


def sql_of(v: Val) -> str:
    """The SQL text H2 prints for a value (``Value.getSQL``)."""
    t, x = v
    if x is None:
        return "NULL"
    if t in ("VARCHAR", "CHAR", "UUID"):
        return quote(string_of(v))
    if t == "DATE":
        return f"DATE '{x.isoformat()}'"
    if t == "TIME":
        return f"TIME '{x.isoformat()}'"
    if t == "TIMESTAMP":
        text = x.isoformat(sep=" ")
        if x.microsecond:
            text = text.rstrip("0")
        return f"TIMESTAMP '{text}'"
    if t == "VARBINARY":
        return f"X'{bytes(x).hex()}'"
    if t in ("DOUBLE", "REAL") and not math.isfinite(x):
        raise NotFoldable("non-finite")
    return string_of(v)


def quote(s: str) -> str:
    """H2's string literal: quotes doubled; control or non-ASCII characters make
    it ``STRINGDECODE('...')`` with Java escapes."""
    if all(" " <= c <= "\x7f" for c in s):
        return "'" + s.replace("'", "''") + "'"
    return "STRINGDECODE(" + quote(_java_escape(s)) + ")"


_ESCAPES = {
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    "\b": "\\b",
    '"': '\\"',
    "\\": "\\\\",
}


def _java_escape(s: str) -> str:
    out = []
    for c in s:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif " " <= c <= "\x7f":
            out.append(c)
        else:
            data = c.encode("utf-16-be")
            for i in range(0, len(data), 2):
                out.append(f"\\u{data[i]:02x}{data[i + 1]:02x}")
    return "".join(out)


def _decimal_text(d: Decimal) -> str:
    """BigDecimal's ``toPlainString`` below 40 characters, else ``toString``."""
    plain = format(d, "f")
    return plain if len(plain) < 40 else str(d)


def java_double(x: float) -> str:
    """Java's ``Double.toString`` (shortest digits)."""
    return _java_float_text(repr(x), x)


def java_float(x: float) -> str:
    """Java's ``Float.toString`` of a 4-byte float."""
    for p in range(1, 10):
        s = f"{x:.{p}g}"
        if _f32(float(s)) == x:
            return _java_float_text(s, x)
    return _java_float_text(repr(x), x)


def _java_float_text(shortest: str, x: float) -> str:
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign, digits, exp = Decimal(shortest).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + int(exp)  # position of the decimal point in ``digits``
    prefix = "-" if sign else ""
    if 1e-3 <= abs(x) < 1e7:
        if point <= 0:
            return f"{prefix}0.{'0' * -point}{ds}"
        whole = ds[:point].ljust(point, "0")
        frac = ds[point:] or "0"
        return f"{prefix}{whole}.{frac}"
    return f"{prefix}{ds[0]}.{ds[1:] or '0'}E{point - 1}"

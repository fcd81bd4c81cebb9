"""SQL column types: SQL names <-> Java type names <-> binary type codes <-> SQLite.

Owns ``SqlType`` (one canonical type such as INT or DECIMAL), the look-ups
``from_sql_name`` / ``from_java_name``, the converters between the three value
forms and the cell encoder of result rows (``cell_encoder``, and ``column_cells``
for a page's column at once):

* a *field value* is what the binary codec decodes or encodes (``int``,
  ``Decimal``, ``datetime``, ``(datetime, nanos)``, ``timedelta``, ``UUID``...);
* a *stored value* is what the typed SQLite column holds (``int``, ``float``,
  ``str`` (ISO dates, canonical UUIDs), ``bytes``) so that SQLite compares,
  sorts and aggregates it natively;
* a *cell* is the encoded data object of a result row, with the type code
  Ignite 2.17 sends (verified on the reference node, see
  tools/reference-ignite/observed-facts.md): INT 3, BIGINT 4, SMALLINT 2,
  TINYINT 1, BOOLEAN 8, DECIMAL 30, DOUBLE 6, REAL 5, VARCHAR/CHAR 9, TIME 36,
  TIMESTAMP 33, UUID 10, VARBINARY 12 and DATE as a ``java.sql.Date`` written by
  Ignite's optimized marshaller (code 254, which pyignite cannot read either).
  A DECIMAL cell carries the BigDecimal's scale (``3.0`` is not ``3``): an exact
  text keeps its own, a REAL SQLite computed gets the expression's static scale;
* a *tagged value* is a value of its own type in a column of strings (H2's
  CONCAT of one non-NULL part): a BLOB of a mark, the type code and the value's
  text (``untag``, ``tagged_cell``).

Imports only ``embergrid.protocol`` and ``embergrid.errors``; must not import asyncio or
``embergrid.protocol.messages``.
"""

from __future__ import annotations

import functools
import math
import re
import struct
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import repeat
from operator import add
from typing import Any

from embergrid.errors import ParseError
from embergrid.protocol.binary.codec import decode_at, encode
from embergrid.protocol.binary.span import OPTIMIZED, object_end
from embergrid.protocol.codes import TypeCode as T

__all__ = [
    "NULL_CELL",
    "TYPES",
    "SqlType",
    "ValueConversion",
    "column_cells",
    "from_java_name",
    "from_sql_name",
    "to_f32",
]

NULL_CELL = bytes([T.NULL])
# java.sql.Date through OptimizedMarshaller: code 254, length 15, then a fixed
# class header (observed on Ignite 2.17) and the i64 epoch milliseconds.
_SQL_DATE_HEAD = bytes.fromhex("fe0f000000663aded5409766")
_I64 = struct.Struct("<q")
_EPOCH = datetime(1970, 1, 1)


class ValueConversion(Exception):
    """A value cannot become the column's type (Ignite: SQLSTATE 0700B)."""

    def __init__(self, from_java: str, to_java: str) -> None:
        super().__init__(from_java, to_java)
        self.from_java = from_java
        self.to_java = to_java


@dataclass(frozen=True, slots=True)
class SqlType:
    """One canonical SQL type."""

    name: str  # canonical SQL name, e.g. INT
    java: str  # Java class name in query entities
    code: int  # type code of the binary field / result cell
    affinity: str  # SQLite column affinity
    rank: int  # numeric widening order (0 = not numeric)

    @property
    def numeric(self) -> bool:
        return self.rank > 0


def _t(name: str, java: str, code: int, affinity: str, rank: int = 0) -> SqlType:
    return SqlType(name, java, code, affinity, rank)


TYPES: dict[str, SqlType] = {
    t.name: t
    for t in (
        _t("TINYINT", "java.lang.Byte", T.BYTE, "INTEGER", 1),
        _t("SMALLINT", "java.lang.Short", T.SHORT, "INTEGER", 2),
        _t("INT", "java.lang.Integer", T.INT, "INTEGER", 3),
        _t("BIGINT", "java.lang.Long", T.LONG, "INTEGER", 4),
        _t("DECIMAL", "java.math.BigDecimal", T.DECIMAL, "REAL", 5),
        _t("REAL", "java.lang.Float", T.FLOAT, "REAL", 6),
        _t("DOUBLE", "java.lang.Double", T.DOUBLE, "REAL", 7),
        _t("BOOLEAN", "java.lang.Boolean", T.BOOL, "INTEGER"),
        _t("VARCHAR", "java.lang.String", T.STRING, "TEXT"),
        _t("CHAR", "java.lang.Character", T.CHAR, "TEXT"),
        _t("DATE", "java.sql.Date", T.DATE, "TEXT"),
        _t("TIME", "java.sql.Time", T.TIME, "TEXT"),
        _t("TIMESTAMP", "java.sql.Timestamp", T.TIMESTAMP, "TEXT"),
        _t("UUID", "java.util.UUID", T.UUID, "TEXT"),
        _t("VARBINARY", "[B", T.BYTE_ARRAY, "BLOB"),
        _t("OTHER", "java.lang.Object", T.COMPLEX_OBJECT, "BLOB"),
        _t("NULL", "java.lang.Object", T.NULL, "BLOB"),
    )
}

_SQL_NAMES: dict[str, str] = {
    **{n: "INT" for n in ("INT", "INTEGER", "MEDIUMINT", "INT4", "SIGNED")},
    **{n: "BIGINT" for n in ("BIGINT", "INT8", "LONG")},
    **{n: "SMALLINT" for n in ("SMALLINT", "INT2", "YEAR")},
    "TINYINT": "TINYINT",
    **{n: "BOOLEAN" for n in ("BOOLEAN", "BOOL", "BIT")},
    **{n: "DECIMAL" for n in ("DECIMAL", "NUMERIC", "DEC", "NUMBER")},
    **{n: "DOUBLE" for n in ("DOUBLE", "FLOAT", "FLOAT8", "DOUBLE PRECISION")},
    **{n: "REAL" for n in ("REAL", "FLOAT4")},
    **{
        n: "VARCHAR"
        for n in (
            "VARCHAR",
            "CHAR",
            "CHARACTER",
            "VARCHAR2",
            "NVARCHAR",
            "NVARCHAR2",
            "NCHAR",
            "TEXT",
            "VARCHAR_IGNORECASE",
            "LONGVARCHAR",
            "VARCHAR_CASESENSITIVE",
            "STRING",
            "CLOB",
        )
    },
    "DATE": "DATE",
    "TIME": "TIME",
    **{n: "TIMESTAMP" for n in ("TIMESTAMP", "DATETIME", "SMALLDATETIME")},
    "UUID": "UUID",
    **{
        n: "VARBINARY"
        for n in ("VARBINARY", "BINARY", "BLOB", "BYTEA", "LONGVARBINARY", "RAW")
    },
    "OTHER": "OTHER",
}

_JAVA_NAMES: dict[str, str] = {
    **{t.java: t.name for t in TYPES.values() if t.name not in ("NULL", "CHAR")},
    "int": "INT",
    "long": "BIGINT",
    "short": "SMALLINT",
    "byte": "TINYINT",
    "boolean": "BOOLEAN",
    "double": "DOUBLE",
    "float": "REAL",
    "java.util.Date": "TIMESTAMP",
    "java.time.LocalDate": "DATE",
    "java.time.LocalTime": "TIME",
    "java.time.LocalDateTime": "TIMESTAMP",
    "java.lang.Character": "VARCHAR",
    "java.lang.Object": "OTHER",
}


def from_sql_name(name: str) -> SqlType | None:
    """The canonical type of a SQL type name (``INT(11)`` is passed as ``INT``)."""
    canon = _SQL_NAMES.get(name.upper())
    return None if canon is None else TYPES[canon]


def from_java_name(java: str) -> SqlType:
    """The SQL type of a query field's Java type name (unknown classes: OTHER)."""
    return TYPES[_JAVA_NAMES.get(java, "OTHER")]


# -- field value -> stored value ----------------------------------------------------


def _fmt_time(v: timedelta) -> str:
    total = int(v.total_seconds())
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}"


def _fmt_timestamp(v: datetime) -> str:
    return v.isoformat(sep=" ", timespec="milliseconds")


def to_stored(v: Any, t: SqlType) -> Any:
    """A field value (decoded from a binary object) as the typed column stores it."""
    if v is None:
        return None
    name = t.name
    if name in ("INT", "BIGINT", "SMALLINT", "TINYINT"):
        return int(v) if isinstance(v, int | float | Decimal) else v
    if name == "BOOLEAN":
        return 1 if v else 0
    if name in ("DECIMAL", "DOUBLE", "REAL"):
        return float(v) if isinstance(v, int | float | Decimal) else v
    if name == "TIMESTAMP":
        moment = v[0] if isinstance(v, tuple) else v
        return _fmt_timestamp(moment) if isinstance(moment, datetime) else str(moment)
    if name == "DATE":
        return v.date().isoformat() if isinstance(v, datetime) else str(v)
    if name == "TIME":
        return _fmt_time(v) if isinstance(v, timedelta) else str(v)
    if name == "UUID":
        return str(v)
    if name == "VARCHAR":
        return v if isinstance(v, str) else str(v)
    return v if isinstance(v, int | float | str | bytes) else None


@functools.lru_cache(maxsize=64)
def stored_converter(t: SqlType) -> Callable[[Any], Any]:
    """``to_stored`` of type ``t`` as a value SQLite holds (anything else is
    None), chosen once per type: an int of an integer type, a float of DOUBLE
    or REAL and a str of VARCHAR are stored as they are."""
    exact = _STORED_AS_IS.get(t.name)

    def store(v: Any) -> Any:
        if type(v) is exact:
            return v
        out = to_stored(v, t)
        return out if type(out) in _SQLITE_TYPES else None

    return store


_SQLITE_TYPES = frozenset({int, float, str, bytes, type(None)})


_STORED_AS_IS: dict[str, type] = {
    "INT": int,
    "BIGINT": int,
    "SMALLINT": int,
    "TINYINT": int,
    "DOUBLE": float,
    "REAL": float,
    "VARCHAR": str,
}


# -- any Python value -> field value of a column (INSERT / UPDATE / MERGE) -----------

_PY_JAVA: dict[type, str] = {
    int: "java.lang.Integer",
    float: "java.lang.Double",
    str: "java.lang.String",
    bool: "java.lang.Boolean",
    Decimal: "java.math.BigDecimal",
    bytes: "[B",
    uuid.UUID: "java.util.UUID",
    datetime: "java.sql.Timestamp",
    date: "java.sql.Date",
    timedelta: "java.sql.Time",
}

_RANGES = {
    "TINYINT": (-(1 << 7), (1 << 7) - 1),
    "SMALLINT": (-(1 << 15), (1 << 15) - 1),
    "INT": (-(1 << 31), (1 << 31) - 1),
    "BIGINT": (-(1 << 63), (1 << 63) - 1),
}


def _java_of(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        return (
            "java.lang.Long" if not -(1 << 31) <= v < (1 << 31) else "java.lang.Integer"
        )
    return _PY_JAVA.get(type(v), "java.lang.Object")


def to_field(v: Any, t: SqlType) -> Any:
    """``v`` converted to the field value of type ``t``; ``ValueConversion`` if not."""
    return None if v is None else field_converter(t)(v)


_CONVERSION_ERRORS = (ValueError, TypeError, InvalidOperation, OverflowError, KeyError)


@functools.lru_cache(maxsize=64)
def field_converter(t: SqlType) -> Callable[[Any], Any]:
    """``to_field`` of type ``t`` for a value that is not None, chosen once per
    type: a value already of the field's Python type (an int in range, a str,
    a float) is the field value as it is; ``ValueConversion`` if it cannot be."""
    convert = _CONVERT.get(t.name)
    exact, lo, hi = _AS_IS.get(t.name, (type(None), 0, 0))

    def conv(v: Any) -> Any:
        given = type(v)
        if given is exact and (given is not int or lo <= v <= hi):
            return v
        try:
            if convert is None:
                raise KeyError(t.name)
            return convert(v)
        except _CONVERSION_ERRORS:
            raise ValueConversion(_java_of(v), t.java) from None

    return conv


# Values ``_CONVERT`` returns unchanged: (Python type, range of an int).
_AS_IS: dict[str, tuple[type, int, int]] = {
    **{name: (int, lo, hi) for name, (lo, hi) in _RANGES.items()},
    "DOUBLE": (float, 0, 0),
    "VARCHAR": (str, 0, 0),
    "CHAR": (str, 0, 0),
}


# A string converts to a number as Java parses it (Integer.parseInt, new
# BigDecimal(String), Double.parseDouble) after String.trim(): observed on
# Ignite 2.17 for literals and arguments alike (tests/sql/test_sql_corpus.py,
# LITERALS_SCRIPT); anything else is a conversion error (0700B).
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DOUBLE_TEXT = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)"
)


def _java_trim(s: str) -> str:
    """``String.trim()``: every character up to U+0020 off both ends."""
    start, end = 0, len(s)
    while start < end and s[start] <= " ":
        start += 1
    while end > start and s[end - 1] <= " ":
        end -= 1
    return s[start:end]


def _parsed(s: str, pattern: re.Pattern[str]) -> str:
    """``s`` trimmed, if it is a number of ``pattern``'s form; ValueError if not."""
    text = _java_trim(s)
    if not pattern.fullmatch(text):
        raise ValueError(s)
    return text


def _int_of(name: str) -> Callable[[Any], Any]:
    lo, hi = _RANGES[name]

    def conv(v: Any) -> int:
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, str):
            v = int(_parsed(v, _INT_TEXT))
        n = int(v)
        if isinstance(v, float | Decimal) and n != v:
            n = int(Decimal(v).to_integral_value())
        if not lo <= n <= hi:
            raise ValueError(n)
        return n

    return conv


def _bool(v: Any) -> bool:
    if isinstance(v, bool | int | float | Decimal):
        return bool(v)
    s = str(v).strip().upper()
    if s in ("TRUE", "T", "1", "YES", "Y"):
        return True
    if s in ("FALSE", "F", "0", "NO", "N"):
        return False
    raise ValueError(v)


def _decimal(v: Any) -> Decimal:
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, int | Decimal):
        return Decimal(v)
    if isinstance(v, str):
        return Decimal(_parsed(v, _DECIMAL_TEXT))
    raise TypeError(v)


def _float(v: Any) -> float:
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, str):
        text = _parsed(v, _DOUBLE_TEXT)
        return float(text[:-1] if text[-1] in "fFdD" else text)
    return float(v)


def _string(v: Any) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return repr(v)
    return v if isinstance(v, str) else str(v)


_F32 = struct.Struct("<f")


def to_f32(x: float) -> float:
    """``x`` rounded to the 4-byte float a REAL holds (past its range: an
    infinity, as Java's cast gives)."""
    try:
        return float(_F32.unpack(_F32.pack(x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


def _timestamp(v: Any) -> tuple[datetime, int]:
    if isinstance(v, tuple):
        return v
    if isinstance(v, datetime):
        return v, 0
    if isinstance(v, date):
        return datetime.combine(v, time()), 0
    if isinstance(v, str):
        return datetime.fromisoformat(v.strip()), 0
    raise TypeError(v)


def _date(v: Any) -> datetime:
    if isinstance(v, tuple):
        v = v[0]
    if isinstance(v, datetime):
        return datetime.combine(v.date(), time())
    if isinstance(v, date):
        return datetime.combine(v, time())
    if isinstance(v, str):
        return datetime.combine(date.fromisoformat(v.strip()[:10]), time())
    raise TypeError(v)


def _time(v: Any) -> timedelta:
    if isinstance(v, timedelta):
        return v
    if isinstance(v, str):
        t = time.fromisoformat(v.strip())
        return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)
    if isinstance(v, datetime):
        return timedelta(hours=v.hour, minutes=v.minute, seconds=v.second)
    raise TypeError(v)


def _uuid(v: Any) -> uuid.UUID:
    return v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))


def _bytes(v: Any) -> bytes:
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v)
    if isinstance(v, str):
        return bytes.fromhex(v)
    raise TypeError(v)


def _other(v: Any) -> Any:
    """Only bytes pass into a column of an unknown Java class, and H2 hands them
    to Ignite's marshaller: the one data object they start with is the value
    (bytes after it are ignored; a BOOLEAN is true only for byte 1, as Java
    reads it), no bytes at all an empty byte array. Bytes that are no such
    object, or a NULL, a handle or a JVM-serialized object, fail to convert
    (observed on Ignite 2.17, ``tests/sql/test_sql_corpus.py``)."""
    if not isinstance(v, bytes):
        raise TypeError(v)
    if not v:
        return _EMPTY_BYTE_ARRAY
    if v[0] in _NOT_UNMARSHALLED:
        raise ValueError(v)
    try:
        end = object_end(v, 0)
    except ParseError:
        raise ValueError(v) from None
    if v[0] == T.BOOL:
        return bytes((T.BOOL, v[1] == 1))
    return v[:end]


_EMPTY_BYTE_ARRAY = bytes([T.BYTE_ARRAY, 0, 0, 0, 0])
_NOT_UNMARSHALLED = frozenset({T.NULL, T.HANDLE, OPTIMIZED})


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "TINYINT": _int_of("TINYINT"),
    "SMALLINT": _int_of("SMALLINT"),
    "INT": _int_of("INT"),
    "BIGINT": _int_of("BIGINT"),
    "BOOLEAN": _bool,
    "DECIMAL": _decimal,
    "DOUBLE": _float,
    "REAL": lambda v: to_f32(_float(v)),
    "VARCHAR": _string,
    "CHAR": _string,
    "TIMESTAMP": _timestamp,
    "DATE": _date,
    "TIME": _time,
    "UUID": _uuid,
    "VARBINARY": _bytes,
    "OTHER": _other,
    "NULL": lambda v: v,
}


def encode_field(v: Any, t: SqlType) -> bytes:
    """The data object of a field value in a row's binary object (a DATE: the
    ``java.sql.Date`` Ignite's SQL writes, through its optimized marshaller)."""
    if v is None:
        return NULL_CELL
    if t.name == "OTHER":
        return v if isinstance(v, bytes) else encode(v)
    if t.code == T.DECIMAL and isinstance(v, Decimal):
        return _decimal_field(v)
    if t.name == "DATE" and isinstance(v, datetime):
        return _sql_date(v)
    return encode(v, t.code)


@functools.lru_cache(maxsize=64)
def field_encoder(t: SqlType) -> Callable[[Any], bytes]:
    """``encode_field`` of type ``t``, chosen once per type: the field values
    of integer types, DOUBLE and VARCHAR (``to_field``'s ints, floats and
    strs) in one ``struct.pack`` (``cell_encoder``'s, the same bytes)."""
    if t.name in _INT_CELLS or t.name in ("DOUBLE", "VARCHAR"):
        return cell_encoder(t)
    return functools.partial(_encode_field_as, t)


def _encode_field_as(t: SqlType, v: Any) -> bytes:
    return encode_field(v, t)


def field_code(t: SqlType) -> int:
    """The type code a field of ``t`` has in the binary metadata SQL registers:
    Ignite's ``Object`` (103) for a DATE, a class its binary format lacks."""
    return T.COMPLEX_OBJECT if t.name == "DATE" else t.code


def decode_field(buf: Any, pos: int) -> tuple[Any, int]:
    """The field value at ``pos`` of a stored object and the offset after it:
    the binary codec's, or a ``java.sql.Date`` written as SQL writes a DATE
    (``ParseError`` if neither)."""
    if buf[pos] != OPTIMIZED:
        return decode_at(buf, pos)
    end = pos + len(_SQL_DATE_HEAD) + 8
    if bytes(buf[pos : end - 8]) != _SQL_DATE_HEAD or end > len(buf):
        raise ParseError(f"unsupported type code {OPTIMIZED} at offset {pos}")
    ms = _I64.unpack_from(buf, end - 8)[0]
    return _EPOCH + timedelta(milliseconds=ms), end


def _sql_date(v: datetime) -> bytes:
    ms = (v - _EPOCH) // timedelta(milliseconds=1)
    return _SQL_DATE_HEAD + _I64.pack(ms)


_DECIMAL_HEAD = struct.Struct("<Bii")


def _decimal_field(v: Decimal) -> bytes:
    """A BigDecimal keeping the value's own scale, as Java writes ``new
    BigDecimal("1.10")`` (unscaled 110, scale 2); the codec's ``encode``
    normalizes (11, scale 1), which reads the same but is other bytes."""
    sign, digits, exponent = v.as_tuple()
    if not isinstance(exponent, int):
        return encode(v, T.DECIMAL)  # NaN/infinity: the codec's error
    unscaled = int("".join(map(str, digits)) or "0")
    magnitude = bytearray(unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big"))
    if sign and unscaled:  # BigDecimal has no negative zero
        magnitude[0] |= 0x80
    return _DECIMAL_HEAD.pack(T.DECIMAL, -exponent, len(magnitude)) + magnitude


# -- stored value -> result cell ------------------------------------------------------


def _parse_ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


@functools.lru_cache(maxsize=256)
def cell_encoder(t: SqlType, scale: int = -1) -> Callable[[Any], bytes]:
    """A function turning a SQLite result value into the cell Ignite would send.

    Memoized per (type, scale): a query's encoders are built once, not per run.
    """
    name = t.name
    if name in _INT_CELL_OF:
        return _INT_CELL_OF[name]
    if name == "BOOLEAN":
        return lambda v: NULL_CELL if v is None else encode(bool(v), T.BOOL)
    if name == "DECIMAL":
        return lambda v: NULL_CELL if v is None else _decimal_cell(v, scale)
    if name == "DOUBLE":
        return _double_cell
    if name == "REAL":
        return lambda v: NULL_CELL if v is None else encode(float(v), T.FLOAT)
    if name == "TIMESTAMP":
        return lambda v: (
            NULL_CELL if v is None else encode((_parse_ts(str(v)), 0), T.TIMESTAMP)
        )
    if name == "DATE":
        return _date_cell
    if name == "TIME":
        return lambda v: NULL_CELL if v is None else encode(_time(str(v)), T.TIME)
    if name == "UUID":
        return lambda v: NULL_CELL if v is None else encode(uuid.UUID(str(v)), T.UUID)
    if name == "VARBINARY":
        return lambda v: NULL_CELL if v is None else encode(bytes(v), T.BYTE_ARRAY)
    if name == "VARCHAR":
        return _varchar_cell
    return _any_cell


# Fast paths of the commonest cells: the exact bytes ``encode(v, code)`` writes,
# in one ``struct.pack``; anything else (None, str digits, floats, out of range)
# takes the general path, which also raises what it raised before.
_INT_CELLS = {
    "TINYINT": (struct.Struct("<bb"), -(1 << 7), 1 << 7),
    "SMALLINT": (struct.Struct("<bh"), -(1 << 15), 1 << 15),
    "INT": (struct.Struct("<bi"), -(1 << 31), 1 << 31),
    "BIGINT": (struct.Struct("<bq"), -(1 << 63), 1 << 63),
}
_DOUBLE_CELL = struct.Struct("<bd")
_LENGTH_CELL = struct.Struct("<bi")  # code, then the i32 length of a string


def _int_cell(code: int, st: struct.Struct, lo: int, hi: int) -> Callable[[Any], bytes]:
    pack = st.pack

    def cell(v: Any) -> bytes:
        if type(v) is int and lo <= v < hi:
            return pack(code, v)
        return NULL_CELL if v is None else encode(_to_int(v), code)

    return cell


def _double_cell(v: Any) -> bytes:
    if type(v) is float:
        return _DOUBLE_CELL.pack(T.DOUBLE, v)
    return NULL_CELL if v is None else encode(float(v), T.DOUBLE)


def _varchar_cell(v: Any) -> bytes:
    if type(v) is str:
        try:
            data = v.encode()
        except UnicodeError:
            pass  # lone surrogates: the general path decides
        else:
            return _LENGTH_CELL.pack(T.STRING, len(data)) + data
    return NULL_CELL if v is None else encode(_string(v), T.STRING)


_INT_CELL_OF = {
    name: _int_cell(TYPES[name].code, *spec) for name, spec in _INT_CELLS.items()
}


def column_cells(
    cell: Callable[[Any], bytes],
) -> Callable[[Sequence[Any]], list[bytes]]:
    """The cells of a whole column of values, each what ``cell`` makes of it.

    For the commonest cells (integers, DOUBLE, VARCHAR) the column is packed by
    ``map`` over ``struct`` in C, with no Python call per value; a column with a
    value that does not pack as it is (NULL, out of range, another class, a lone
    surrogate) is made by ``cell`` value by value instead, which also raises
    what it raises."""
    fast = _COLUMN_OF.get(cell)
    if fast is not None:
        return fast
    return lambda values: list(map(cell, values))


def _packed_column(
    st: struct.Struct, code: int, cell: Callable[[Any], bytes]
) -> Callable[[Sequence[Any]], list[bytes]]:
    pack = st.pack

    def column(values: Sequence[Any]) -> list[bytes]:
        try:
            return list(map(pack, repeat(code, len(values)), values))
        except (struct.error, TypeError, OverflowError):
            return list(map(cell, values))

    return column


def _varchar_column(values: Sequence[Any]) -> list[bytes]:
    try:
        data = list(map(str.encode, values))
    except (TypeError, UnicodeError):
        return list(map(_varchar_cell, values))
    heads = map(_LENGTH_CELL.pack, repeat(_STRING_CODE, len(data)), map(len, data))
    return list(map(add, heads, data))


_STRING_CODE = int(T.STRING)
_COLUMN_OF: dict[Callable[[Any], bytes], Callable[[Sequence[Any]], list[bytes]]] = {
    **{
        _INT_CELL_OF[name]: _packed_column(
            st, int(TYPES[name].code), _INT_CELL_OF[name]
        )
        for name, (st, _, _) in _INT_CELLS.items()
    },
    _double_cell: _packed_column(_DOUBLE_CELL, int(T.DOUBLE), _double_cell),
    _varchar_cell: _varchar_column,
}


def _to_int(v: Any) -> int:
    if isinstance(v, str):
        return int(Decimal(v))
    return int(v)


def _decimal_cell(v: Any, scale: int) -> bytes:
    """A DECIMAL cell with the BigDecimal's scale Java would send.

    Text is an exact value (a stored field read whole, or a constant H2 computed)
    and keeps its digits and scale; a number (SQLite computed it in REAL) is
    rounded half up to the static scale of the expression, or, that unknown,
    written in the shortest form, but for an integer (as H2 converts an INT to
    a DECIMAL: scale 0)."""
    if isinstance(v, str):
        return _decimal_field(Decimal(v))
    d = _decimal(v)
    if scale < 0 and type(v) is int:
        return _decimal_field(d)
    if scale >= 0:
        return _decimal_field(d.quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP))
    return encode(d, T.DECIMAL)


def _date_cell(v: Any) -> bytes:
    if v is None:
        return NULL_CELL
    return _sql_date(datetime.fromisoformat(str(v)[:10]))


def _any_cell(v: Any) -> bytes:
    """A value of unknown static type: bytes are stored objects, the rest inferred."""
    if v is None:
        return NULL_CELL
    if isinstance(v, bytes):
        return v
    if isinstance(v, int) and -(1 << 31) <= v < (1 << 31):
        return encode(v, T.INT)
    return encode(v)


# -- tagged values: a value of its own type in a column of strings -------------
#
# H2's CONCAT answers a row whose only non-NULL part is that part itself, of its
# own type (an INT cell in one row, a VARCHAR in the next). SQLite computes such
# a row as a *tagged* value, a BLOB: ``TAG_MARK``, the part's type code, then the
# UTF-8 text of H2's string of the value (``h2semantics``). No other value of
# such a column is a BLOB (strings are TEXT), so the cell encoder, H2's
# arithmetic and CAST (``execute``) and the grouping, ordering and nesting rewrites
# tell it apart; equal tags are equal values of one type, as H2's grouping has it.

TAG_MARK = 1
TAGGABLE = frozenset(
    {
        *("TINYINT", "SMALLINT", "INT", "BIGINT", "BOOLEAN"),
        *("DECIMAL", "DOUBLE", "REAL", "DATE", "TIME", "TIMESTAMP", "UUID"),
        "VARBINARY",
    }
)
"""The types a tagged value may have (every type with a string but the strings)."""
_BY_CODE: dict[int, SqlType] = {t.code: t for t in TYPES.values() if t.name in TAGGABLE}


def tag_codes(t: SqlType) -> tuple[int, int]:
    """The two code points a tagged value of type ``t`` starts with."""
    return TAG_MARK, t.code


def untag(v: Any) -> tuple[SqlType, str] | None:
    """A tagged value's type and text (None: ``v`` is no tagged value)."""
    if type(v) is not bytes or len(v) < 2 or v[0] != TAG_MARK:
        return None
    t = _BY_CODE.get(v[1])
    return None if t is None else (t, v[2:].decode())


def _text_cells() -> dict[int, Callable[[str], bytes]]:
    """The cell of each tagged type from its text (H2's string of the value)."""
    cells: dict[int, Callable[[str], bytes]] = {
        code: cell_encoder(t) for code, t in _BY_CODE.items()
    }
    for name in _INT_CELLS:  # an int in range: one struct.pack
        cells[TYPES[name].code] = _int_from_text(cell_encoder(TYPES[name]))
    cells[T.DOUBLE] = lambda s: _double_cell(float(s))
    cells[T.BOOL] = lambda s: encode(s == "TRUE", T.BOOL)
    cells[T.BYTE_ARRAY] = lambda s: encode(bytes.fromhex(s), T.BYTE_ARRAY)
    return cells


def _int_from_text(enc: Callable[[Any], bytes]) -> Callable[[str], bytes]:
    return lambda s: enc(int(s))


_TEXT_CELLS = _text_cells()


def tagged_cell(v: Any) -> bytes:
    """The cell of a row of a column of strings whose row may be a tagged
    value: a VARCHAR, or the tag's type (chosen per row)."""
    if type(v) is str:
        return _varchar_cell(v)
    if v is None:
        return NULL_CELL
    tagged = untag(v)
    if tagged is None:  # (no tagged value: the value's own cell, never a failure)
        return _any_cell(v)
    t, text = tagged
    return _TEXT_CELLS[t.code](text)


def stored_param(v: Any) -> Any:
    """A query argument (decoded from the request) as SQLite can bind it."""
    if v is None or isinstance(v, int | float | str | bytes):
        return int(v) if isinstance(v, bool) else v
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, tuple) and v and isinstance(v[0], datetime):
        return _fmt_timestamp(v[0])
    if isinstance(v, datetime):
        return _fmt_timestamp(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, timedelta):
        return _fmt_time(v)
    if isinstance(v, uuid.UUID):
        return str(v)
    return str(v)

"""The value codec: Python values <-> Ignite data objects (reference §8), by table.

Owns ``encode``, ``encode_into``, ``decode``, ``decode_at``, ``decode_rows`` and
``infer_type_code``.
Standard library only. Imports ``embergrid.errors``, ``protocol.codes``,
``protocol.wire`` and the sibling helpers ``hints``, ``temporal``, ``decimals``; complex
objects (code 103) are delegated to ``protocol.binary.objects`` through a function-local
import, because that module imports this one. Must not import ``embergrid.datatypes``.

Theory of operation
-------------------
*Writing.* Every encoder has the signature ``(out: bytearray, value) -> None`` and
appends one complete data object (type code + payload). ``_ENC`` maps a ``TypeCode`` to
its encoder; ``_PY_ENC`` maps an exact Python type to the encoder pyignite 0.6.1 would
pick for it (int -> long, float -> double, datetime/date -> Date, timedelta -> Time,
homogeneous lists -> typed arrays, ...). Elements of collections, maps and object arrays
go through the same lookup, and a ``(value, hint)`` 2-tuple whose second item is a hint
class is written with that hint, as pyignite's ``infer_from_python`` does. Encoders
raise freely (``struct.error`` for an out-of-range int, ...); ``encode_into`` rolls
``out`` back and turns that into ``ParameterError``.

*Reading.* Every decoder has the signature ``(buf: memoryview, pos, types) -> (value,
end)`` where ``pos`` is just past the type code byte. ``_DEC`` is a 256-entry list
indexed by the code byte, so reading an element is one index plus one call. Bounds are
checked where a length is read (so absurd lengths never allocate); fixed-width reads
rely on ``unpack_from`` raising ``struct.error``, which ``decode_at`` turns into
``ParseError``, together with any other low-level error (bad UTF-8, unhashable map key,
a date Python cannot represent, nesting deep enough for ``RecursionError``).

Decoded shapes equal pyignite's ``to_python``: chars are 1-char ``str``; byte[] is
``bytes``; Timestamp is ``(datetime, nanos)``; Enum/BinaryEnum are ``(type_id,
ordinal)``; Collection is ``(kind, list)``; Map is ``(kind, dict | OrderedDict)``;
Object[] and Enum[] are ``(type_id, list)``. Beyond pyignite: a type id 0 followed by a
class name yields the class name (``str``) in the type id's place; Class (32) decodes to
its type id (or class name); wrapped binary objects (27) decode to the embedded object;
handles (102) decode to a fresh copy of the object they point back to; code 39 is read
like Object[]. Proxy (35) and unknown codes raise ``ParseError``.

Known, deliberate divergences from pyignite's encoder: a plain ``dict`` is written as a
Map (kind HASH_MAP; ``OrderedDict`` as LINKED_HASH_MAP) where pyignite writes an array
of its keys; out-of-range numbers raise ``ParameterError`` where ctypes silently wraps.
"""

from __future__ import annotations

import struct
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any

from embergrid.errors import ParameterError, ParameterTypeError, ParseError
from embergrid.protocol.binary.decimals import decimal_parts, parts_to_decimal
from embergrid.protocol.binary.hints import element_code, hint_code, is_hint_class
from embergrid.protocol.binary.temporal import (
    date_to_ms,
    ms_to_date,
    ms_to_time,
    time_to_ms,
)
from embergrid.protocol.codes import TypeCode as T
from embergrid.protocol.wire import Buffer

if TYPE_CHECKING:
    from embergrid.protocol.binary.objects import TypeRegistry
else:
    TypeRegistry = Any

__all__ = [
    "decode",
    "decode_at",
    "decode_many",
    "decode_rows",
    "encode",
    "encode_into",
    "encode_many",
    "infer_type_code",
]

Encoder = Callable[[bytearray, Any], None]
Decoder = Callable[[memoryview, int, Any], tuple[Any, int]]

_NULL = 101
_HASH_MAP = 1
_LINKED_HASH_MAP = 2

# Precompiled layouts: a type code byte followed by the payload's fixed fields.
_CB = struct.Struct("<Bb")
_CH = struct.Struct("<Bh")
_CUH = struct.Struct("<BH")
_CI = struct.Struct("<Bi")
_CQ = struct.Struct("<Bq")
_CF = struct.Struct("<Bf")
_CD = struct.Struct("<Bd")
_CUU = struct.Struct("<BQQ")
_CQI = struct.Struct("<Bqi")
_CII = struct.Struct("<Bii")
_CIB = struct.Struct("<Bib")
_CIII = struct.Struct("<Biii")
_b = struct.Struct("<b").unpack_from
_h = struct.Struct("<h").unpack_from
_H = struct.Struct("<H").unpack_from
_i = struct.Struct("<i").unpack_from
_q = struct.Struct("<q").unpack_from
_f = struct.Struct("<f").unpack_from
_d = struct.Struct("<d").unpack_from
_QQ = struct.Struct("<QQ").unpack_from
_qi = struct.Struct("<qi").unpack_from
_ii = struct.Struct("<ii").unpack_from
_ib = struct.Struct("<ib").unpack_from
# The codes ``decode_rows`` reads inline, as plain ints (no enum compare per cell).
_STRING_CODE, _INT_CODE, _NULL_CODE, _HANDLE_CODE = map(
    int, (T.STRING, T.INT, T.NULL, T.HANDLE)
)

_LONG_LIMIT = 1 << 63


def _cannot_encode(value: Any, exc: Exception) -> ParameterError:
    """A value the hint's encoder refused: a ``ParameterTypeError`` when it is of
    the wrong kind (a str or float for an integer hint), else out of range."""
    wrong_kind = isinstance(exc, TypeError) or str(exc).startswith(
        "required argument is not"  # struct's words for the wrong kind of value
    )
    kind = ParameterTypeError if wrong_kind else ParameterError
    return kind(f"cannot encode {_short(value)}: {exc}")


_ENCODE_ERRORS = (
    struct.error,
    OverflowError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    KeyError,
    OSError,
    RecursionError,
)
_DECODE_ERRORS = (
    struct.error,
    IndexError,
    ValueError,
    OverflowError,
    TypeError,
    KeyError,
    OSError,
    RecursionError,
    MemoryError,
)


# --------------------------------------------------------------------------- public API


def encode(value: object, hint: object | None = None) -> bytes:
    """One complete data object (type code + payload) for ``value``.

    :param value: a Python value, or a ``(value, hint)`` pair,
    :param hint: (optional) an ``embergrid.datatypes`` hint class or a ``TypeCode``;
     without it the Ignite type is inferred as pyignite does,
    :raises ParameterError: the value cannot be written as that type.
    """
    if hint is None:  # the commonest inferred types: one pack, no buffer
        if type(value) is bytes:  # the common blob case, one copy
            return _CI.pack(12, len(value)) + value
        if type(value) is int:
            if -_LONG_LIMIT <= value < _LONG_LIMIT:
                return _CQ.pack(4, value)
        elif type(value) is str:
            try:
                data = value.encode()
            except UnicodeError:
                pass  # e.g. lone surrogates: the general path raises ParameterError
            else:
                return _CI.pack(9, len(data)) + data
    if hint is not None and value is not None:
        pack = _HINT_PACK.get(hint)
        if pack is not None:  # fixed-width scalar: one struct.pack, no buffer
            try:
                return pack(value)
            except _ENCODE_ERRORS as exc:
                raise _cannot_encode(value, exc) from exc
    out = bytearray()
    enc = _HINT_ENC.get(hint) if hint is not None and value is not None else None
    if enc is None:
        encode_into(out, value, hint)
        return bytes(out)
    try:  # fast path for an already-resolved hint
        enc(out, value)
    except ParameterError:
        raise
    except _ENCODE_ERRORS as exc:
        raise _cannot_encode(value, exc) from exc
    return bytes(out)


def encode_into(out: bytearray, value: object, hint: object | None = None) -> None:
    """Append the data object for ``value`` to ``out`` (unchanged if it raises)."""
    start = len(out)
    try:
        if hint is None:
            (_PY_ENC.get(type(value)) or _enc_fallback)(out, value)
        elif value is None:
            out.append(_NULL)
        else:
            (_HINT_ENC.get(hint) or _hint_encoder(hint))(out, value)
    except ParameterError:
        del out[start:]
        raise
    except _ENCODE_ERRORS as exc:
        del out[start:]
        raise _cannot_encode(value, exc) from exc


def encode_many(values: Iterable[object]) -> list[bytes]:
    """``[encode(v) for v in values]`` (no hints), with the per-value dispatch of
    the commonest types inlined: the bulk path of put_all/get_all."""
    out: list[bytes] = []
    append = out.append
    pack_long, pack_len = _CQ.pack, _CI.pack
    for value in values:
        if type(value) is int and -_LONG_LIMIT <= value < _LONG_LIMIT:
            append(pack_long(4, value))
        elif type(value) is str and value.isascii():
            append(pack_len(9, len(value)) + value.encode())
        else:
            append(encode(value))
    return out


def decode_many(
    objects: Iterable[Buffer], types: TypeRegistry | None = None
) -> list[object]:
    """``[decode(o, 0, types) for o in objects]``; stops at the first error."""
    return [decode_at(o, 0, types)[0] for o in objects]


def decode(data: Buffer, pos: int = 0, types: TypeRegistry | None = None) -> object:
    """The value of the data object at ``pos``; ``ParseError`` if malformed."""
    return decode_at(data, pos, types)[0]


def decode_at(
    data: Buffer, pos: int, types: TypeRegistry | None = None
) -> tuple[object, int]:
    """The value of the data object at ``pos`` and the offset just past it."""
    if type(data) is memoryview:
        buf = data if data.format == "B" and data.ndim == 1 else data.cast("B")
    else:
        buf = memoryview(data)
    if pos < 0 or pos >= len(buf):
        raise ParseError(f"expected a data object at offset {pos}")
    try:
        return _DEC[buf[pos]](buf, pos + 1, types)
    except ParseError:
        raise
    except _DECODE_ERRORS as exc:
        raise ParseError(f"malformed data object at offset {pos}: {exc!r}") from exc


def decode_rows(
    buf: memoryview, pos: int, count: int, columns: int, types: TypeRegistry | None
) -> tuple[list[list[object]], int] | None:
    """``count`` rows of ``columns`` consecutive data objects from ``pos`` of a
    byte memoryview (a SQL page's cells) and the offset past them; None where a
    cell is a top-level handle (its target lies outside the run). Errors as
    ``decode_at``'s. The codes a SQL row mostly holds are read inline, without a
    decoder call per cell; the rest go through ``_DEC`` as ``decode_at`` does."""
    dec, i32, size = _DEC, _i, len(buf)
    rows: list[list[object]] = []
    try:
        for _ in range(count):
            row: list[object] = []
            cell = row.append
            for _ in range(columns):
                code = buf[pos]
                if code == _STRING_CODE:
                    end = pos + 5 + i32(buf, pos + 1)[0]
                    if end < pos + 5 or end > size:
                        raise ParseError(f"bad length at offset {pos + 1}")
                    cell(str(buf[pos + 5 : end], "utf-8"))
                    pos = end
                elif code == _INT_CODE:
                    cell(i32(buf, pos + 1)[0])
                    pos += 5
                elif code == _NULL_CODE:
                    cell(None)
                    pos += 1
                elif code == _HANDLE_CODE:
                    return None
                else:
                    value, pos = dec[code](buf, pos + 1, types)
                    cell(value)
            rows.append(row)
    except ParseError:
        raise
    except _DECODE_ERRORS as exc:
        raise ParseError(f"malformed data object at offset {pos}: {exc!r}") from exc
    return rows, pos


def infer_type_code(value: object) -> T:
    """The type code pyignite 0.6.1 picks for ``value`` when no hint is given."""
    code = _PY_CODE.get(type(value))
    if code is not None:
        return code
    if _is_hinted(value):
        pair: tuple[object, object] = value  # type: ignore[assignment]
        return hint_code(pair[1]) or infer_type_code(pair[0])
    if isinstance(value, dict):
        return T.MAP
    if _objects() is not None and _objects().is_complex(value):  # type: ignore[union-attr]
        return T.COMPLEX_OBJECT
    for base in type(value).__mro__[1:]:
        code = _PY_CODE.get(base)
        if code is not None and base is not object:
            return code
    if _iterable(value):
        items = value if isinstance(value, list | tuple) else list(value)  # type: ignore[call-overload]
        return _array_code(items)
    raise ParameterTypeError(f"cannot infer an Ignite type for {type(value).__name__}")


# --------------------------------------------------------------------------- inference


def _enc_infer(out: bytearray, value: Any) -> None:
    enc = _PY_ENC.get(type(value))
    if enc is not None:
        enc(out, value)
    else:
        _enc_fallback(out, value)


def _enc_fallback(out: bytearray, value: Any) -> None:
    """Values whose exact type is not in ``_PY_ENC``: pairs, complex objects,
    iterables."""
    if _is_hinted(value):
        _enc_hinted(out, value[0], value[1])
        return
    if (
        not isinstance(value, dict)
        and _iterable(value)
        and not isinstance(value, list | tuple)
        and type(value) not in _PY_ENC
    ):
        value = list(value)
    code = infer_type_code(value)
    if code == T.COMPLEX_OBJECT:
        _enc_complex(out, value)
    else:
        _ENC[code](out, value)


def _enc_hinted(out: bytearray, value: Any, hint: object) -> None:
    if value is None:
        out.append(_NULL)
    else:
        (_HINT_ENC.get(hint) or _hint_encoder(hint))(out, value)


def _hint_encoder(hint: object) -> Encoder:
    """The encoder a hint selects (memoized in ``_HINT_ENC``); ``ParameterError`` if
    none."""
    code = hint_code(hint)
    enc: Encoder | None
    if code is None:
        enc = _enc_infer
    elif code == T.ENUM_ARRAY and element_code(hint) == T.BINARY_ENUM:
        enc = _enc_binary_enum_array
    else:
        enc = _ENC.get(code)
        if enc is None:
            raise ParameterError(f"values cannot be written as type code {code.name}")
    try:
        _HINT_ENC[hint] = enc
        if code in _PACK:
            _HINT_PACK[hint] = _PACK[code]
    except TypeError:  # an unhashable hint still works, just without the memo
        pass
    return enc


def _is_hinted(value: object) -> bool:
    return type(value) is tuple and len(value) == 2 and is_hint_class(value[1])


def _iterable(value: object) -> bool:
    try:
        iter(value)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def _array_code(items: list[Any] | tuple[Any, ...]) -> T:
    """pyignite's ``get_subtype`` heuristic: homogeneous -> typed array, else pair
    rules."""
    kinds = set(map(type, items))
    kinds.discard(type(None))
    if len(kinds) == 1:
        (first,) = kinds
        code = _PY_ARRAY_CODE.get(first)
        if code is not None and (first in _NULLABLE_ELEMENTS or None not in items):
            return code
    subtype = _subtype(items)
    if subtype is not None:
        code = _PY_ARRAY_CODE.get(subtype)
        if code is not None:
            return code
    elif len(items) == 2 and isinstance(items[0], int):
        if isinstance(items[1], dict):
            return T.MAP
        if _iterable(items[1]):
            return T.COLLECTION
    raise ParameterTypeError(f"cannot infer an Ignite array type for {_short(items)}")


def _subtype(items: list[Any] | tuple[Any, ...]) -> type | None:
    it = iter(items)
    first: type = type(None)
    for item in it:
        if item is not None:
            first = type(item)
            break
    else:
        raise ParameterError("cannot represent an empty iterable or one of only None")
    allow_none = first in _NULLABLE_ELEMENTS
    for item in it:
        if not (isinstance(item, first) or (item is None and allow_none)):
            return None
    return first


# --------------------------------------------------------------------------- encoders


def _enc_null(out: bytearray, value: Any) -> None:
    out.append(_NULL)


def _enc_byte(out: bytearray, value: Any) -> None:
    out += _CB.pack(1, value)


def _enc_short(out: bytearray, value: Any) -> None:
    out += _CH.pack(2, value)


def _enc_int(out: bytearray, value: Any) -> None:
    out += _CI.pack(3, value)


def _enc_long(out: bytearray, value: Any) -> None:
    out += _CQ.pack(4, value)


def _enc_float(out: bytearray, value: Any) -> None:
    out += _CF.pack(5, value)


def _enc_double(out: bytearray, value: Any) -> None:
    out += _CD.pack(6, value)


def _char_unit(value: Any) -> int:
    """pyignite's char rule: str -> UTF-16LE, bytes -> little-endian int, int as is."""
    if type(value) is str:
        value = value.encode("utf-16le")
    if type(value) is bytes:
        value = int.from_bytes(value, "little")
    if not isinstance(value, int) or not 0 <= value <= 0xFFFF:
        raise ParameterError(f"{_short(value)} is not one UTF-16 code unit")
    return value


def _enc_char(out: bytearray, value: Any) -> None:
    out += _CUH.pack(7, _char_unit(value))


def _enc_bool(out: bytearray, value: Any) -> None:
    out += _CB.pack(8, value)


def _enc_string(out: bytearray, value: Any) -> None:
    data = value.encode() if type(value) is str else _bytes_like(value)
    out += _CI.pack(9, len(data))
    out += data


def _bytes_like(value: Any) -> bytes | bytearray:
    if isinstance(value, bytes | bytearray):
        return value
    if isinstance(value, str):
        return value.encode()
    raise ParameterTypeError(f"{_short(value)} is not a string")


def _enc_uuid(out: bytearray, value: Any) -> None:
    n = value.int
    out += _CUU.pack(10, n >> 64, n & 0xFFFFFFFFFFFFFFFF)


def _enc_date(out: bytearray, value: Any) -> None:
    out += _CQ.pack(11, date_to_ms(value))


def _enc_timestamp(out: bytearray, value: Any) -> None:
    moment, nanos = value
    if type(moment) is datetime:  # inlined date_to_ms: same expression
        out += _CQI.pack(33, int(moment.timestamp() * 1000), nanos)
    else:
        out += _CQI.pack(33, date_to_ms(moment), nanos)


def _pack_timestamp(value: Any) -> bytes:
    moment, nanos = value
    if type(moment) is datetime:  # inlined date_to_ms: same expression
        return _CQI.pack(33, int(moment.timestamp() * 1000), nanos)
    return _CQI.pack(33, date_to_ms(moment), nanos)


def _pack_date(value: Any) -> bytes:
    return _CQ.pack(11, date_to_ms(value))


def _pack_time(value: Any) -> bytes:
    return _CQ.pack(36, time_to_ms(value))


def _pack_uuid(value: Any) -> bytes:
    n = value.int
    return _CUU.pack(10, n >> 64, n & 0xFFFFFFFFFFFFFFFF)


def _enc_time(out: bytearray, value: Any) -> None:
    out += _CQ.pack(36, time_to_ms(value))


def _enc_decimal(out: bytearray, value: Any) -> None:
    scale, magnitude = decimal_parts(value)
    out += _CII.pack(30, scale, len(magnitude))
    out += magnitude


def _type_id(type_id: int) -> int:
    """A type id we can write: 0 would promise a class name we do not have."""
    if type_id == 0:
        raise ParameterError("type id 0 needs a class name; give a registered type id")
    return type_id


def _enc_enum(out: bytearray, value: Any) -> None:
    type_id, ordinal = value
    out += _CII.pack(28, _type_id(type_id), ordinal)


def _enc_binary_enum(out: bytearray, value: Any) -> None:
    type_id, ordinal = value
    out += _CII.pack(38, type_id, ordinal)


def _enc_byte_array(out: bytearray, value: Any) -> None:
    if not isinstance(value, bytes | bytearray):
        try:
            value = bytearray(value)
        except ValueError:  # pyignite also takes signed bytes -128..-1
            value = bytearray(_signed_byte(x) for x in value)
    out += _CI.pack(12, len(value))
    out += value


def _signed_byte(x: int) -> int:
    if not -128 <= x <= 255:
        raise ParameterError("byte must be in range(-128, 256)")
    return x & 0xFF


def _packed_array(code: int, fmt: str) -> Encoder:
    def enc(out: bytearray, value: Any) -> None:
        n = len(value)
        out += struct.pack(f"<Bi{n}{fmt}", code, n, *value)

    return enc


def _enc_char_array(out: bytearray, value: Any) -> None:
    units = [_char_unit(x) for x in value]
    out += struct.pack(f"<Bi{len(units)}H", 18, len(units), *units)


def _enc_bool_array(out: bytearray, value: Any) -> None:
    out += _CI.pack(19, len(value))
    out += bytes([1 if x else 0 for x in value])


def _standard_array(code: int, element: Encoder) -> Encoder:
    def enc(out: bytearray, value: Any) -> None:
        out += _CI.pack(code, len(value))
        for item in value:
            if item is None:
                out.append(_NULL)
            else:
                element(out, item)

    return enc


def _enum_array(element: Encoder) -> Encoder:
    def enc(out: bytearray, value: Any) -> None:
        type_id, items = value
        out += _CII.pack(29, _type_id(type_id), len(items))
        for item in items:
            if item is None:
                out.append(_NULL)
            else:
                element(out, item)

    return enc


_enc_enum_array = _enum_array(_enc_enum)
_enc_binary_enum_array = _enum_array(_enc_binary_enum)


def _sized(items: Any) -> Any:
    """pyignite's rule for container payloads: anything without ``len`` is one
    element."""
    try:
        len(items)
    except TypeError:
        return [items]
    return items


def _enc_elements(out: bytearray, items: Any) -> None:
    get = _PY_ENC.get
    for item in items:
        (get(type(item)) or _enc_fallback)(out, item)


def _enc_object_array(out: bytearray, value: Any) -> None:
    type_id, items = value
    items = _sized(items)
    out += _CII.pack(23, _type_id(type_id), len(items))
    _enc_elements(out, items)


def _enc_collection(out: bytearray, value: Any) -> None:
    kind, items = value
    items = _sized(items)
    out += _CIB.pack(24, len(items), kind)
    _enc_elements(out, items)


def _enc_map(out: bytearray, value: Any) -> None:
    if isinstance(value, dict):
        kind = _LINKED_HASH_MAP if isinstance(value, OrderedDict) else _HASH_MAP
        mapping = value
    else:
        kind, mapping = value
        if mapping is None:
            out.append(_NULL)
            return
    out += _CIB.pack(25, len(mapping), kind)
    get = _PY_ENC.get
    for key, item in mapping.items():
        (get(type(key)) or _enc_fallback)(out, key)
        (get(type(item)) or _enc_fallback)(out, item)


def _enc_wrapped(out: bytearray, value: Any) -> None:
    raise ParameterError(
        "wrapped binary objects (27) are not written; send unwrapped data"
    )


def _enc_complex(out: bytearray, value: Any) -> None:
    objects = _objects()
    if objects is None:
        raise ParameterError("complex objects need embergrid.protocol.binary.objects")
    objects.encode_complex(out, value)


_ENC: dict[int, Encoder] = {
    T.NULL: _enc_null,
    T.BYTE: _enc_byte,
    T.SHORT: _enc_short,
    T.INT: _enc_int,
    T.LONG: _enc_long,
    T.FLOAT: _enc_float,
    T.DOUBLE: _enc_double,
    T.CHAR: _enc_char,
    T.BOOL: _enc_bool,
    T.STRING: _enc_string,
    T.UUID: _enc_uuid,
    T.DATE: _enc_date,
    T.TIMESTAMP: _enc_timestamp,
    T.TIME: _enc_time,
    T.DECIMAL: _enc_decimal,
    T.ENUM: _enc_enum,
    T.BINARY_ENUM: _enc_binary_enum,
    T.BYTE_ARRAY: _enc_byte_array,
    T.SHORT_ARRAY: _packed_array(13, "h"),
    T.INT_ARRAY: _packed_array(14, "i"),
    T.LONG_ARRAY: _packed_array(15, "q"),
    T.FLOAT_ARRAY: _packed_array(16, "f"),
    T.DOUBLE_ARRAY: _packed_array(17, "d"),
    T.CHAR_ARRAY: _enc_char_array,
    T.BOOL_ARRAY: _enc_bool_array,
    T.STRING_ARRAY: _standard_array(20, _enc_string),
    T.UUID_ARRAY: _standard_array(21, _enc_uuid),
    T.DATE_ARRAY: _standard_array(22, _enc_date),
    T.DECIMAL_ARRAY: _standard_array(31, _enc_decimal),
    T.TIMESTAMP_ARRAY: _standard_array(34, _enc_timestamp),
    T.TIME_ARRAY: _standard_array(37, _enc_time),
    T.ENUM_ARRAY: _enc_enum_array,
    T.OBJECT_ARRAY: _enc_object_array,
    T.COLLECTION: _enc_collection,
    T.MAP: _enc_map,
    T.BINARY_OBJECT: _enc_wrapped,
    T.COMPLEX_OBJECT: _enc_complex,
}

# Memo of hint -> encoder, filled by ``_hint_encoder`` (hints are immutable classes).
_HINT_ENC: dict[object, Encoder] = {}
# Fixed-width types whose whole data object is one struct.pack: ``encode`` returns it
# directly. Each packer writes exactly what the matching ``_ENC`` entry appends.
_PACK: dict[T, Callable[[Any], bytes]] = {
    T.TIMESTAMP: _pack_timestamp,
    T.DATE: _pack_date,
    T.TIME: _pack_time,
    T.UUID: _pack_uuid,
}
_HINT_PACK: dict[object, Callable[[Any], bytes]] = {}

# pyignite's AnyDataObject._python_map (exact types), plus dict -> Map (see docstring).
_PY_CODE: dict[type, T] = {
    int: T.LONG,
    float: T.DOUBLE,
    str: T.STRING,
    bytes: T.BYTE_ARRAY,
    bytearray: T.BYTE_ARRAY,
    bool: T.BOOL,
    type(None): T.NULL,
    uuid.UUID: T.UUID,
    datetime: T.DATE,
    date: T.DATE,
    timedelta: T.TIME,
    Decimal: T.DECIMAL,
    dict: T.MAP,
    OrderedDict: T.MAP,
}
_PY_ENC: dict[type, Encoder] = {t: _ENC[c] for t, c in _PY_CODE.items()}
# pyignite's AnyDataObject._python_array_map: element type -> array type.
_PY_ARRAY_CODE: dict[type, T] = {
    int: T.LONG_ARRAY,
    float: T.DOUBLE_ARRAY,
    str: T.STRING_ARRAY,
    bool: T.BOOL_ARRAY,
    uuid.UUID: T.UUID_ARRAY,
    datetime: T.DATE_ARRAY,
    date: T.DATE_ARRAY,
    timedelta: T.TIME_ARRAY,
    Decimal: T.DECIMAL_ARRAY,
}
# Element types whose arrays may hold None (pyignite's object_array_python_types).
_NULLABLE_ELEMENTS = frozenset({str, datetime, timedelta, Decimal, uuid.UUID})


# --------------------------------------------------------------------------- decoders


def _count(buf: memoryview, pos: int, width: int) -> int:
    """An i32 element count at ``pos`` whose ``width``-byte elements fit in ``buf``."""
    n: int = _i(buf, pos)[0]
    if n < 0 or pos + 4 + n * width > len(buf):
        raise ParseError(f"bad length {n} at offset {pos}")
    return n


def _dec_null(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return None, pos


def _dec_byte(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return _b(buf, pos)[0], pos + 1


def _dec_short(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return _h(buf, pos)[0], pos + 2


def _dec_int(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return _i(buf, pos)[0], pos + 4


def _dec_long(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return _q(buf, pos)[0], pos + 8


def _dec_float(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return _f(buf, pos)[0], pos + 4


def _dec_double(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return _d(buf, pos)[0], pos + 8


def _dec_char(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return chr(_H(buf, pos)[0]), pos + 2


def _dec_bool(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return buf[pos] != 0, pos + 1


def _dec_string(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    n = _count(buf, pos, 1)
    end = pos + 4 + n
    return str(buf[pos + 4 : end], "utf-8"), end


def _dec_uuid(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    msb, lsb = _QQ(buf, pos)
    return uuid.UUID(int=(msb << 64) | lsb), pos + 16


def _dec_date(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return ms_to_date(_q(buf, pos)[0]), pos + 8


def _dec_timestamp(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    ms, nanos = _qi(buf, pos)
    return (ms_to_date(ms), nanos), pos + 12


def _dec_time(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return ms_to_time(_q(buf, pos)[0]), pos + 8


def _dec_decimal(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    scale = _i(buf, pos)[0]
    n = _count(buf, pos + 4, 1)
    end = pos + 8 + n
    return parts_to_decimal(scale, buf[pos + 8 : end]), end


def _type_ref(buf: memoryview, pos: int, types: Any) -> tuple[int | str, int]:
    """An i32 type id, or, when it is 0, the class name String that follows it."""
    type_id: int = _i(buf, pos)[0]
    if type_id != 0:
        return type_id, pos + 4
    if buf[pos + 4] != T.STRING:
        raise ParseError(f"expected a class name after type id 0 at offset {pos}")
    return _dec_string(buf, pos + 5, types)


def _dec_enum(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    type_ref, pos = _type_ref(buf, pos, types)
    return (type_ref, _i(buf, pos)[0]), pos + 4


def _dec_binary_enum(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return _ii(buf, pos), pos + 8


def _dec_class(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    return _type_ref(buf, pos, types)


def _dec_byte_array(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    n = _count(buf, pos, 1)
    return bytes(buf[pos + 4 : pos + 4 + n]), pos + 4 + n


def _unpacked_array(fmt: str, width: int) -> Decoder:
    def dec(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
        n = _count(buf, pos, width)
        return list(struct.unpack_from(f"<{n}{fmt}", buf, pos + 4)), pos + 4 + n * width

    return dec


def _dec_char_array(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    n = _count(buf, pos, 2)
    units = struct.unpack_from(f"<{n}H", buf, pos + 4)
    return list(map(chr, units)), pos + 4 + 2 * n


def _dec_bool_array(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    n = _count(buf, pos, 1)
    return [b != 0 for b in buf[pos + 4 : pos + 4 + n]], pos + 4 + n


def _elements(
    buf: memoryview, pos: int, n: int, types: Any, allowed: frozenset[int] | None = None
) -> tuple[list[Any], int]:
    """``n`` full data objects from ``pos``; ``allowed`` restricts their codes (plus
    NULL)."""
    if n > len(buf) - pos:
        raise ParseError(f"{n} elements cannot fit in the remaining bytes")
    dec = _DEC
    items: list[Any] = []
    append = items.append
    for _ in range(n):
        code = buf[pos]
        if allowed is not None and code not in allowed:
            raise ParseError(f"unexpected element type code {code} at offset {pos}")
        value, pos = dec[code](buf, pos + 1, types)
        append(value)
    return items, pos


def _typed_array(element: int) -> Decoder:
    allowed = frozenset({element, _NULL})

    def dec(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
        return _elements(buf, pos + 4, _count(buf, pos, 0), types, allowed)

    return dec


_ENUM_ELEMENTS = frozenset({T.ENUM, T.BINARY_ENUM, _NULL})


def _dec_enum_array(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    type_ref, pos = _type_ref(buf, pos, types)
    items, pos = _elements(buf, pos + 4, _count(buf, pos, 0), types, _ENUM_ELEMENTS)
    return (type_ref, items), pos


def _dec_object_array(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    type_ref, pos = _type_ref(buf, pos, types)
    items, pos = _elements(buf, pos + 4, _count(buf, pos, 0), types)
    return (type_ref, items), pos


def _dec_collection(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    n, kind = _ib(buf, pos)
    if n < 0:
        raise ParseError(f"negative collection size {n}")
    items, pos = _elements(buf, pos + 5, n, types)
    return (kind, items), pos


def _dec_map(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    n, kind = _ib(buf, pos)
    pos += 5
    if n < 0 or 2 * n > len(buf) - pos:
        raise ParseError(f"bad map size {n}")
    result: dict[Any, Any] = OrderedDict() if kind == _LINKED_HASH_MAP else {}
    dec = _DEC
    for _ in range(n):
        key, pos = dec[buf[pos]](buf, pos + 1, types)
        value, pos = dec[buf[pos]](buf, pos + 1, types)
        result[key] = value
    return (kind, result), pos


def _dec_wrapped(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    """Code 27: ``i32 len``, the bytes, ``i32 offset``; the value is the embedded
    object."""
    n = _count(buf, pos, 1)
    inner = buf[pos + 4 : pos + 4 + n]
    offset: int = _i(buf, pos + 4 + n)[0]
    if not 0 <= offset < n:
        raise ParseError(f"wrapped object offset {offset} outside its {n} bytes")
    value, _ = _DEC[inner[offset]](inner, offset + 1, types)
    return value, pos + 8 + n


def _dec_handle(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    """Code 102: a back reference, ``i32`` distance from the handle's own code byte."""
    distance: int = _i(buf, pos)[0]
    target = pos - 1 - distance
    if distance <= 0 or target < 0:
        raise ParseError(f"handle at offset {pos - 1} points to offset {target}")
    value, _ = _DEC[buf[target]](buf, target + 1, types)
    return value, pos + 4


def _dec_complex(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    objects = _objects()
    if objects is None:
        raise ParseError("complex objects need embergrid.protocol.binary.objects")
    result: tuple[Any, int] = objects.decode_complex(buf, pos - 1, types)
    return result


def _dec_unknown(buf: memoryview, pos: int, types: Any) -> tuple[Any, int]:
    raise ParseError(f"unsupported type code {buf[pos - 1]} at offset {pos - 1}")


_DEC: list[Decoder] = [_dec_unknown] * 256
for _code, _decoder in {
    T.NULL: _dec_null,
    T.BYTE: _dec_byte,
    T.SHORT: _dec_short,
    T.INT: _dec_int,
    T.LONG: _dec_long,
    T.FLOAT: _dec_float,
    T.DOUBLE: _dec_double,
    T.CHAR: _dec_char,
    T.BOOL: _dec_bool,
    T.STRING: _dec_string,
    T.UUID: _dec_uuid,
    T.DATE: _dec_date,
    T.TIMESTAMP: _dec_timestamp,
    T.TIME: _dec_time,
    T.DECIMAL: _dec_decimal,
    T.ENUM: _dec_enum,
    T.BINARY_ENUM: _dec_binary_enum,
    T.CLASS: _dec_class,
    T.BYTE_ARRAY: _dec_byte_array,
    T.SHORT_ARRAY: _unpacked_array("h", 2),
    T.INT_ARRAY: _unpacked_array("i", 4),
    T.LONG_ARRAY: _unpacked_array("q", 8),
    T.FLOAT_ARRAY: _unpacked_array("f", 4),
    T.DOUBLE_ARRAY: _unpacked_array("d", 8),
    T.CHAR_ARRAY: _dec_char_array,
    T.BOOL_ARRAY: _dec_bool_array,
    T.STRING_ARRAY: _typed_array(T.STRING),
    T.UUID_ARRAY: _typed_array(T.UUID),
    T.DATE_ARRAY: _typed_array(T.DATE),
    T.DECIMAL_ARRAY: _typed_array(T.DECIMAL),
    T.TIMESTAMP_ARRAY: _typed_array(T.TIMESTAMP),
    T.TIME_ARRAY: _typed_array(T.TIME),
    T.ENUM_ARRAY: _dec_enum_array,
    T.OBJECT_ARRAY: _dec_object_array,
    T.BINARY_ARRAY: _dec_object_array,
    T.COLLECTION: _dec_collection,
    T.MAP: _dec_map,
    T.BINARY_OBJECT: _dec_wrapped,
    T.HANDLE: _dec_handle,
    T.COMPLEX_OBJECT: _dec_complex,
}.items():
    _DEC[_code] = _decoder
del _code, _decoder


# --------------------------------------------------------------------------- helpers


class _Lazy:
    """The complex-object module, imported on first use (it imports this module)."""

    module: ModuleType | None = None
    missing = False


def _objects() -> ModuleType | None:
    if _Lazy.module is None and not _Lazy.missing:
        try:
            from embergrid.protocol.binary import objects
        except ImportError:
            _Lazy.missing = True
        else:
            _Lazy.module = objects
    return _Lazy.module


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

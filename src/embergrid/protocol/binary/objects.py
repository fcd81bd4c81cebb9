"""Complex (binary) objects (103) and the 27 wrapper (reference §8.7, §8.8, §9).

Owns ``encode_complex`` (a ``GenericObjectMeta`` instance -> bytes), ``decode_complex``
(103 or 27 -> an instance of the registry's class), ``parse_layout`` and
``read_fields`` (header, footer and field values without any class, for the server
and SQL), ``TypeRegistry`` (what decoding may look up) and ``UnknownBinaryType``.

Standard library only. Imports ``embergrid.errors``, ``embergrid.protocol.{codes,wire}``
and ``embergrid.protocol.binary.{hashing,generic,span}``; imports the value codec
(``embergrid.protocol.binary.codec``) at call time, since the codec imports this
module. Never does I/O: missing metadata raises ``UnknownBinaryType`` and the
caller's flow fetches it (op 3002) and decodes again.

Theory of operation
-------------------
An object is a 24-byte header, field data objects one after another, optional raw
data, a footer of field offsets and, when raw data and a schema coexist, a trailing
``i32`` raw-data offset. Offsets count from the object's first byte. A full footer
pairs every offset with a field id; a compact one lists offsets only, so the field
ids come from the schema in metadata. Objects without fields either carry
HAS_SCHEMA with an empty footer (pyignite, and what we write) or no schema at all
(Java: schema id 0, offset 0).

Encoding follows pyignite (flags USER_TYPE|HAS_SCHEMA[|COMPACT_FOOTER], header byte 1
= the object's ``version``) except for the offset width, where we follow Java: the
last offset < 256 gives 1-byte offsets and < 65536 2-byte ones (pyignite switches at
255 and 65535). The header hash covers the field data (§9.5).

Decoding reads the header and footer first and checks every offset lies in the
field area, then finds the class, then decodes the fields at their footer offsets.
Handles (102) inside fields are resolved against the buffer holding the outermost
object (target = handle position - distance); a handle met again while it is being
resolved is a cycle, which a Python value cannot express, so it is a ParseError.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from embergrid.errors import IgniteError, ParameterError, ParseError
from embergrid.protocol.binary.generic import GenericObjectMeta
from embergrid.protocol.binary.hashing import data_hash, type_id
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.codes import TypeCode as T
from embergrid.protocol.wire import I32, U16, Buffer

if TYPE_CHECKING:
    from embergrid.protocol.binary.metadata import BinaryType

__all__ = [
    "COMPACT_FOOTER",
    "HAS_RAW_DATA",
    "HAS_SCHEMA",
    "OFFSET_ONE_BYTE",
    "OFFSET_TWO_BYTES",
    "USER_TYPE",
    "ObjectLayout",
    "TypeRegistry",
    "UnknownBinaryType",
    "decode_complex",
    "encode_complex",
    "is_complex",
    "parse_layout",
    "read_fields",
]

USER_TYPE = 0x0001
HAS_SCHEMA = 0x0002
HAS_RAW_DATA = 0x0004
OFFSET_ONE_BYTE = 0x0008
OFFSET_TWO_BYTES = 0x0010
COMPACT_FOOTER = 0x0020

HEADER_SIZE = 24
_MAX_DEPTH = 128
_HEADER = struct.Struct("<BBHiiiii")
_i32 = I32.unpack_from
_u16 = U16.unpack_from


class UnknownBinaryType(IgniteError):
    """Decoding needs metadata (or a class) for a type the registry does not know."""

    def __init__(self, type_id: int, schema_id: int) -> None:
        super().__init__(f"unknown binary type {type_id} (schema {schema_id})")
        self.type_id = type_id
        self.schema_id = schema_id


class TypeRegistry(Protocol):
    """Pure look-ups that decoding needs; ``generic.TypeCache`` is one."""

    def binary_type(self, type_id: int) -> BinaryType | None:
        """Metadata of ``type_id``; its schemas give compact footers their field ids."""
        ...

    def data_class(self, type_id: int, schema_id: int) -> type | None:
        """The ``GenericObjectMeta`` class to build for this type and schema."""
        ...


def is_complex(value: object) -> bool:
    """Whether ``value`` is an instance of a ``GenericObjectMeta`` class."""
    return isinstance(type(value), GenericObjectMeta)


# Encoding ------------------------------------------------------------------------


def encode_complex(out: bytearray, obj: object, compact_footer: bool = False) -> None:
    """Append ``obj`` (a ``GenericObjectMeta`` instance) as a 103 object to ``out``.

    Field values go through the codec with their schema hint; nested complex objects
    use the same footer form. A ``_buffer`` left on ``obj`` is written as is (pyignite's
    fast path). Sets ``obj._hashcode``.
    """
    if not is_complex(obj):
        raise ParameterError(f"{type(obj).__name__} is not a GenericObjectMeta class")
    buffered = getattr(obj, "_buffer", None)
    if buffered:
        out += buffered
        return
    from embergrid.protocol.binary.codec import encode_into

    start = len(out)
    try:
        _encode_object(out, obj, compact_footer, encode_into)
    except BaseException:
        del out[start:]
        raise


def _encode_object(
    out: bytearray, obj: object, compact_footer: bool, encode_into: Callable[..., None]
) -> None:
    cls: Any = type(obj)
    start = len(out)
    out += bytes(HEADER_SIZE)
    offsets = []
    for name, hint, code in zip(
        cls._schema, cls._schema.values(), cls._codes, strict=True
    ):
        offsets.append(len(out) - start)
        value = getattr(obj, name, None)
        if is_complex(value):
            encode_complex(out, value, compact_footer)
        else:
            encode_into(out, value, hint if code != T.COMPLEX_OBJECT else None)
    schema_offset = len(out) - start
    hash_code = data_hash(out, start + HEADER_SIZE, start + schema_offset)
    flags = _write_footer(out, offsets, cls._field_ids, compact_footer)
    _HEADER.pack_into(
        out,
        start,
        T.COMPLEX_OBJECT,
        _version_byte(obj),
        flags,
        cls._type_id,
        hash_code,
        len(out) - start,
        cls._schema_id,
        schema_offset,
    )
    object.__setattr__(obj, "_hashcode", hash_code)


def _version_byte(obj: object) -> int:
    version = getattr(obj, "version", 1)
    if not isinstance(version, int) or not 0 <= version <= 255:
        raise ParameterError(f"binary object version must be 0..255, got {version!r}")
    return version


def _write_footer(
    out: bytearray, offsets: list[int], field_ids: tuple[int, ...], compact: bool
) -> int:
    """Append the footer; return the header flags that describe it."""
    last = offsets[-1] if offsets else 0
    flags = USER_TYPE | HAS_SCHEMA | (COMPACT_FOOTER if compact else 0)
    if last < 0x100:
        flags, fmt = flags | OFFSET_ONE_BYTE, "B"
    elif last < 0x10000:
        flags, fmt = flags | OFFSET_TWO_BYTES, "H"
    else:
        fmt = "I"
    if compact:
        out += struct.pack(f"<{len(offsets)}{fmt}", *offsets)
    else:
        pairs = [v for pair in zip(field_ids, offsets, strict=True) for v in pair]
        out += struct.pack("<" + ("i" + fmt) * len(offsets), *pairs)
    return flags


# Layout --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectLayout:
    """Where the parts of one complex object lie; every position is absolute.

    ``field_ids`` is None when the footer is compact and the registry did not know
    the schema. ``type_id`` is the header's (0 for an unregistered type, whose name is
    ``class_name``); ``effective_type_id`` is what metadata is keyed by.
    """

    start: int
    end: int
    version: int
    flags: int
    type_id: int
    hash_code: int
    schema_id: int
    class_name: str | None
    data_start: int
    fields_end: int
    footer_start: int
    raw: tuple[int, int] | None
    offsets: tuple[int, ...]
    field_ids: tuple[int, ...] | None

    @property
    def effective_type_id(self) -> int:
        if self.type_id == 0 and self.class_name is not None:
            return type_id(self.class_name)
        return self.type_id


def parse_layout(
    data: Buffer, pos: int, types: TypeRegistry | None = None
) -> ObjectLayout:
    """Header and footer of the 103 object at ``pos``; ``ParseError`` if malformed."""
    size = len(data)
    if pos < 0 or pos + HEADER_SIZE > size:
        raise ParseError(f"truncated complex object header at offset {pos}")
    code, version, flags, tid, hash_code, length, sid, off20 = _HEADER.unpack_from(
        data, pos
    )
    if code != T.COMPLEX_OBJECT:
        raise ParseError(
            f"expected a complex object at offset {pos}, found code {code}"
        )
    if length < HEADER_SIZE or pos + length > size:
        raise ParseError(f"bad complex object length {length} at offset {pos}")
    end = pos + length
    class_name, data_start = (
        _class_name(data, pos, end) if tid == 0 else (None, pos + 24)
    )
    if flags & HAS_SCHEMA:
        footer_start, fields_end, raw, offsets, ids = _schema_footer(
            data, pos, end, data_start, flags, off20
        )
    else:
        footer_start, fields_end, raw, offsets, ids = _no_footer(
            pos, end, data_start, flags, off20
        )
    if ids is None and types is not None:
        ids = _schema_field_ids(types, tid or _tid(class_name), sid, len(offsets))
    return ObjectLayout(
        pos,
        end,
        version,
        flags,
        tid,
        hash_code,
        sid,
        class_name,
        data_start,
        fields_end,
        footer_start,
        raw,
        offsets,
        ids,
    )


def _tid(class_name: str | None) -> int:
    return 0 if class_name is None else type_id(class_name)


def _class_name(data: Buffer, pos: int, end: int) -> tuple[str, int]:
    """The class-name String after the header of an unregistered type, and its end."""
    at = pos + HEADER_SIZE
    if at + 5 > end or data[at] != T.STRING:
        raise ParseError("expected a class name after a complex object header")
    n = _i32(data, at + 1)[0]
    if n < 0 or at + 5 + n > end:
        raise ParseError(f"bad class name length {n}")
    return bytes(data[at + 5 : at + 5 + n]).decode("utf-8", "replace"), at + 5 + n


_Footer = tuple[
    int, int, "tuple[int, int] | None", tuple[int, ...], "tuple[int, ...] | None"
]


def _no_footer(pos: int, end: int, data_start: int, flags: int, off20: int) -> _Footer:
    if not flags & HAS_RAW_DATA:
        return end, data_start, None, (), ()
    raw_start = pos + off20
    if not data_start <= raw_start <= end:
        raise ParseError(f"raw data offset {off20} outside the object")
    return end, raw_start, (raw_start, end), (), ()


def _schema_footer(
    data: Buffer, pos: int, end: int, data_start: int, flags: int, off20: int
) -> _Footer:
    footer_start = pos + off20
    footer_end = end - 4 if flags & HAS_RAW_DATA else end
    if not data_start <= footer_start <= footer_end:
        raise ParseError(f"schema offset {off20} outside the object")
    fields_end, raw = footer_start, None
    if flags & HAS_RAW_DATA:
        raw_start = pos + _i32(data, footer_end)[0]
        if not data_start <= raw_start <= footer_start:
            raise ParseError("raw data offset outside the object")
        fields_end, raw = raw_start, (raw_start, footer_start)
    width = 1 if flags & OFFSET_ONE_BYTE else 2 if flags & OFFSET_TWO_BYTES else 4
    compact = bool(flags & COMPACT_FOOTER)
    entry = width if compact else 4 + width
    count, extra = divmod(footer_end - footer_start, entry)
    if extra:
        raise ParseError(
            f"footer of {footer_end - footer_start} bytes is not {entry}-byte entries"
        )
    ids: list[int] | None = None if compact else []
    offsets = []
    at = footer_start
    for _ in range(count):
        if ids is not None:
            ids.append(_i32(data, at)[0])
            at += 4
        off = _read_offset(data, at, width)
        at += width
        if not data_start <= pos + off < fields_end:
            raise ParseError(f"field offset {off} outside the field data")
        offsets.append(pos + off)
    return (
        footer_start,
        fields_end,
        raw,
        tuple(offsets),
        None if ids is None else tuple(ids),
    )


def _read_offset(data: Buffer, at: int, width: int) -> int:
    if width == 1:
        return data[at]
    if width == 2:
        return int(_u16(data, at)[0])
    return int(_i32(data, at)[0]) & 0xFFFFFFFF


def _schema_field_ids(
    types: TypeRegistry, tid: int, sid: int, count: int
) -> tuple[int, ...] | None:
    meta = types.binary_type(tid)
    ids = None if meta is None else meta.schemas.get(sid)
    if ids is not None and len(ids) != count:
        raise ParseError(
            f"footer has {count} offsets but schema {sid} has {len(ids)} fields"
        )
    return None if ids is None else tuple(ids)


# Decoding ------------------------------------------------------------------------


def decode_complex(
    data: Buffer, pos: int, types: TypeRegistry | None
) -> tuple[object, int]:
    """Decode the 103 object or 27 wrapper at ``pos``; return it and the end offset.

    The result is an instance of ``types.data_class(type id, schema id)``. Raises
    ``UnknownBinaryType`` when the registry lacks the class or the schema a compact
    footer needs, and ``ParseError`` on malformed bytes.
    """
    mv = data if isinstance(data, memoryview) else memoryview(data)
    if pos < 0 or pos >= len(mv) or mv[pos] not in (T.COMPLEX_OBJECT, T.BINARY_OBJECT):
        raise ParseError(f"expected a complex object at offset {pos}")
    try:
        return _decode_value(mv, pos, types, frozenset(), 0)
    except RecursionError:
        raise ParseError("complex objects nested too deeply") from None


def read_fields(
    data: Buffer, pos: int, types: TypeRegistry | None
) -> tuple[int, int, dict[int, Any]]:
    """``(type id, schema id, {field id: value})`` of the object at ``pos``.

    Needs no class.

    Accepts 103 and 27. Compact footers need the schema from ``types``; nested
    objects decode as ``decode_complex`` would.
    """
    mv = data if isinstance(data, memoryview) else memoryview(data)
    if pos < 0 or pos >= len(mv):
        raise ParseError(f"expected a complex object at offset {pos}")
    if mv[pos] == T.BINARY_OBJECT:
        mv, pos = _unwrap(mv, pos)
    try:
        layout = parse_layout(mv, pos, types)
        ids = _require_ids(layout)
        values = _decode_fields(mv, layout, types, frozenset(), 0)
    except RecursionError:
        raise ParseError("complex objects nested too deeply") from None
    return (
        layout.effective_type_id,
        layout.schema_id,
        dict(zip(ids, values, strict=True)),
    )


def _require_ids(layout: ObjectLayout) -> tuple[int, ...]:
    if layout.field_ids is None:
        raise UnknownBinaryType(layout.effective_type_id, layout.schema_id)
    return layout.field_ids


def _unwrap(data: memoryview, pos: int) -> tuple[memoryview, int]:
    """The byte array of the 27 wrapper at ``pos`` and its root object's offset."""
    if pos + 5 > len(data):
        raise ParseError("truncated wrapped binary object")
    length = _i32(data, pos + 1)[0]
    if length < 0 or pos + 9 + length > len(data):
        raise ParseError(f"bad wrapped binary object length {length}")
    inner = data[pos + 5 : pos + 5 + length]
    offset = _i32(data, pos + 5 + length)[0]
    if not 0 <= offset < length or inner[offset] != T.COMPLEX_OBJECT:
        raise ParseError("wrapped binary object does not start a complex object")
    return inner, offset


def _decode_value(
    data: memoryview,
    pos: int,
    types: TypeRegistry | None,
    resolving: frozenset[int],
    depth: int,
) -> tuple[object, int]:
    if depth > _MAX_DEPTH:
        raise ParseError("complex objects nested too deeply")
    if pos < 0 or pos >= len(data):
        raise ParseError(f"expected a data object at offset {pos}")
    code = data[pos]
    if code == T.COMPLEX_OBJECT:
        return _decode_object(data, pos, types, resolving, depth)
    if code == T.BINARY_OBJECT:
        inner, offset = _unwrap(data, pos)
        obj, _ = _decode_object(inner, offset, types, frozenset(), depth + 1)
        return obj, pos + 9 + len(inner)
    if code == T.HANDLE:
        return _resolve_handle(data, pos, types, resolving, depth)
    from embergrid.protocol.binary.codec import decode_at

    return decode_at(data, pos, types)


def _resolve_handle(
    data: memoryview,
    pos: int,
    types: TypeRegistry | None,
    resolving: frozenset[int],
    depth: int,
) -> tuple[object, int]:
    if pos + 5 > len(data):
        raise ParseError("truncated handle")
    distance = _i32(data, pos + 1)[0]
    if distance <= 0 or distance > pos:
        raise ParseError(f"handle at {pos} points outside the object ({distance})")
    if pos in resolving:
        raise ParseError("cyclic handle cannot be decoded to a Python value")
    value, _ = _decode_value(data, pos - distance, types, resolving | {pos}, depth + 1)
    return value, pos + 5


def _decode_object(
    data: memoryview,
    pos: int,
    types: TypeRegistry | None,
    resolving: frozenset[int],
    depth: int,
) -> tuple[object, int]:
    layout = parse_layout(data, pos, types)
    tid, sid = layout.effective_type_id, layout.schema_id
    _require_ids(layout)
    cls = None if types is None else types.data_class(tid, sid)
    if not isinstance(cls, GenericObjectMeta):
        raise UnknownBinaryType(tid, sid)
    fields = _decode_fields(data, layout, types, resolving, depth)
    values = dict(zip(layout.field_ids or (), fields, strict=True))
    obj = cls()
    for name, fid in zip(cls._schema, cls._field_ids, strict=True):
        if fid in values:
            object.__setattr__(obj, name, values[fid])
    object.__setattr__(obj, "version", layout.version)
    return obj, layout.end


def _decode_fields(
    data: memoryview,
    layout: ObjectLayout,
    types: TypeRegistry | None,
    resolving: frozenset[int],
    depth: int,
) -> list[Any]:
    area = data[: layout.fields_end]  # a field may not run into raw data or footer
    values = []
    for start in layout.offsets:
        value, end = _decode_value(area, start, types, resolving, depth + 1)
        if end > layout.fields_end:
            raise ParseError("field runs past the field data")
        values.append(value)
    return values


def field_end(data: Buffer, start: int, layout: ObjectLayout) -> int:
    """End of the field starting at ``start`` (for byte-level access, e.g. SQL)."""
    end = object_end(memoryview(data)[: layout.fields_end], start)
    return end

"""Binary type operations 3000-3004 (reference §7.6, §10).

Owns the get/register type-name messages, GET_BINARY_TYPE / PUT_BINARY_TYPE with the
``BinaryType`` layout (type id, name, affinity key field, fields with type codes and
ids, enum constants, schemas) mapped onto
``embergrid.protocol.binary.metadata.BinaryType``, and GET_BINARY_CONFIGURATION.
Standard library only; must not import the client, the server, the engine or the
value codec.
"""

from __future__ import annotations

from dataclasses import dataclass

from embergrid.errors import ParseError
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.messages._fields import (
    expect_end,
    read_count,
    read_str,
    write_str,
)
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "GetBinaryConfiguration",
    "GetBinaryConfigurationResponse",
    "GetBinaryType",
    "GetBinaryTypeName",
    "GetBinaryTypeNameResponse",
    "GetBinaryTypeResponse",
    "PutBinaryType",
    "RegisterBinaryTypeName",
    "read_binary_type",
    "write_binary_type",
]


def _name(r: Reader, what: str) -> str:
    pos = r.pos
    value = read_str(r)
    if value is None:
        raise ParseError(f"{what} must not be NULL (offset {pos})")
    return value


def read_binary_type(r: Reader) -> BinaryType:
    """The ``BinaryType`` record; schemas are always present."""
    type_id = r.i32()
    type_name = _name(r, "binary type name")
    affinity_key_field = read_str(r)
    fields: dict[str, BinaryField] = {}
    for _ in range(read_count(r)):
        name = _name(r, "binary field name")
        fields[name] = BinaryField(name, r.i32(), r.i32())
    is_enum = r.bool()
    enum_values: dict[str, int] = {}
    if is_enum:
        for _ in range(read_count(r)):
            literal = _name(r, "enum constant name")
            enum_values[literal] = r.i32()
    schemas: dict[int, tuple[int, ...]] = {}
    for _ in range(read_count(r, 8)):
        schema_id = r.i32()
        schemas[schema_id] = tuple(r.i32() for _ in range(read_count(r, 4)))
    return BinaryType(
        type_id, type_name, affinity_key_field, fields, is_enum, enum_values, schemas
    )


def write_binary_type(w: Writer, t: BinaryType) -> None:
    w.i32(t.type_id)
    write_str(w, t.type_name)
    write_str(w, t.affinity_key_field)
    w.i32(len(t.fields))
    for f in t.fields.values():
        write_str(w, f.name)
        w.i32(f.type_code)
        w.i32(f.field_id)
    w.bool(t.is_enum)
    if t.is_enum:
        w.i32(len(t.enum_values))
        for literal, ordinal in t.enum_values.items():
            write_str(w, literal)
            w.i32(ordinal)
    w.i32(len(t.schemas))
    for schema_id, field_ids in t.schemas.items():
        w.i32(schema_id)
        w.i32(len(field_ids))
        for field_id in field_ids:
            w.i32(field_id)


# -- 3000 GET_BINARY_TYPE_NAME ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetBinaryTypeName:
    """3000 → ``GetBinaryTypeNameResponse``; platform 0 Java, 1 .NET."""

    platform_id: int
    type_id: int


def decode_get_binary_type_name(
    body: Buffer, ctx: ProtocolContext
) -> GetBinaryTypeName:
    r = Reader(body)
    platform_id, type_id = r.u8(), r.i32()
    expect_end(r)
    return GetBinaryTypeName(platform_id, type_id)


def encode_get_binary_type_name(msg: GetBinaryTypeName, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.u8(msg.platform_id)
    w.i32(msg.type_id)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class GetBinaryTypeNameResponse:
    type_name: str | None


def decode_get_binary_type_name_response(
    body: Buffer, ctx: ProtocolContext
) -> GetBinaryTypeNameResponse:
    r = Reader(body)
    name = read_str(r)
    expect_end(r)
    return GetBinaryTypeNameResponse(name)


def encode_get_binary_type_name_response(
    msg: GetBinaryTypeNameResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    write_str(w, msg.type_name)
    return w.getvalue()


# -- 3001 REGISTER_BINARY_TYPE_NAME ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegisterBinaryTypeName:
    """3001 → ``BoolResponse`` (what Ignite's server code writes)."""

    platform_id: int
    type_id: int
    type_name: str | None


def decode_register_binary_type_name(
    body: Buffer, ctx: ProtocolContext
) -> RegisterBinaryTypeName:
    r = Reader(body)
    platform_id, type_id, name = r.u8(), r.i32(), read_str(r)
    expect_end(r)
    return RegisterBinaryTypeName(platform_id, type_id, name)


def encode_register_binary_type_name(
    msg: RegisterBinaryTypeName, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.u8(msg.platform_id)
    w.i32(msg.type_id)
    write_str(w, msg.type_name)
    return w.getvalue()


# -- 3002 GET_BINARY_TYPE --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetBinaryType:
    """3002 → ``GetBinaryTypeResponse``."""

    type_id: int


def decode_get_binary_type(body: Buffer, ctx: ProtocolContext) -> GetBinaryType:
    r = Reader(body)
    type_id = r.i32()
    expect_end(r)
    return GetBinaryType(type_id)


def encode_get_binary_type(msg: GetBinaryType, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i32(msg.type_id)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class GetBinaryTypeResponse:
    """``binary_type`` is ``None`` when the type is unknown (``bool exists`` false)."""

    binary_type: BinaryType | None


def decode_get_binary_type_response(
    body: Buffer, ctx: ProtocolContext
) -> GetBinaryTypeResponse:
    r = Reader(body)
    binary_type = read_binary_type(r) if r.bool() else None
    expect_end(r)
    return GetBinaryTypeResponse(binary_type)


def encode_get_binary_type_response(
    msg: GetBinaryTypeResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.bool(msg.binary_type is not None)
    if msg.binary_type is not None:
        write_binary_type(w, msg.binary_type)
    return w.getvalue()


# -- 3003 PUT_BINARY_TYPE --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PutBinaryType:
    """3003 → ``EmptyResponse``."""

    binary_type: BinaryType


def decode_put_binary_type(body: Buffer, ctx: ProtocolContext) -> PutBinaryType:
    r = Reader(body)
    binary_type = read_binary_type(r)
    expect_end(r)
    return PutBinaryType(binary_type)


def encode_put_binary_type(msg: PutBinaryType, ctx: ProtocolContext) -> bytes:
    w = Writer()
    write_binary_type(w, msg.binary_type)
    return w.getvalue()


# -- 3004 GET_BINARY_CONFIGURATION -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetBinaryConfiguration:
    """3004 → ``GetBinaryConfigurationResponse`` (needs BINARY_CONFIGURATION, bit 8)."""


def decode_get_binary_configuration(
    body: Buffer, ctx: ProtocolContext
) -> GetBinaryConfiguration:
    expect_end(Reader(body))
    return GetBinaryConfiguration()


def encode_get_binary_configuration(
    msg: GetBinaryConfiguration, ctx: ProtocolContext
) -> bytes:
    return b""


@dataclass(frozen=True, slots=True)
class GetBinaryConfigurationResponse:
    """``name_mapper``: 0 basic/full names, 1 basic/simple names, 2 custom."""

    compact_footer: bool = True
    name_mapper: int = 0


def decode_get_binary_configuration_response(
    body: Buffer, ctx: ProtocolContext
) -> GetBinaryConfigurationResponse:
    r = Reader(body)
    compact, mapper = r.bool(), r.u8()
    expect_end(r)
    return GetBinaryConfigurationResponse(compact, mapper)


def encode_get_binary_configuration_response(
    msg: GetBinaryConfigurationResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.bool(msg.compact_footer)
    w.u8(msg.name_mapper)
    return w.getvalue()

"""Cache management 1050-1056 and the cache configuration layouts (reference §7.3, §11).

Owns the create/get-or-create/destroy/get-names/get-configuration messages, the
property-code table of ops 1053/1054 (§11.1) and the fixed field order of the 1055
response (§11.2), both mapped onto ``embergrid.protocol.config.CacheConfiguration``.
Standard library only; must not import the client, the server or the engine.

Theory of operation: every configuration value has a *kind* (i32, i64, bool, Str,
query entities, key configurations, expiry policy) with one reader and one writer.
``PROPERTIES`` maps a property code to (field name, kind) and ``_FIXED_ORDER`` lists
(field name, kind) in the 1055 order, so both layouts are tables over the same
kinds. What changes with the version: QueryField precision/scale (≥ 1.2.0) in both
layouts, and the trailing expiry block of 1055 (≥ 1.6.0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from embergrid.errors import ParseError
from embergrid.protocol.config import (
    CacheConfiguration,
    CacheKeyConfiguration,
    ExpiryDurations,
    QueryEntity,
    QueryField,
    QueryIndex,
    QueryIndexField,
)
from embergrid.protocol.messages._fields import (
    NULL_OBJECT,
    expect_end,
    read_count,
    read_obj,
    read_str,
    write_obj,
    write_str,
)
from embergrid.protocol.messages.cache import CachePrefix, read_prefix, write_prefix
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "PROPERTIES",
    "CacheCreateWithConfiguration",
    "CacheCreateWithName",
    "CacheDestroy",
    "CacheGetConfiguration",
    "CacheGetConfigurationResponse",
    "CacheGetNames",
    "CacheGetNamesResponse",
    "CacheGetOrCreateWithConfiguration",
    "CacheGetOrCreateWithName",
]

Read = Callable[[Reader, ProtocolContext], Any]
Write = Callable[[Writer, Any, ProtocolContext], None]


def _required_str(r: Reader, what: str) -> str:
    pos = r.pos
    value = read_str(r)
    if value is None:
        raise ParseError(f"{what} must not be NULL (offset {pos})")
    return value


# -- nested records (§11.3) -------------------------------------------------------


def _read_query_field(r: Reader, ctx: ProtocolContext) -> QueryField:
    name = _required_str(r, "query field name")
    type_name = _required_str(r, "query field type name")
    is_key, not_null = r.bool(), r.bool()
    default = read_obj(r)
    precision, scale = (r.i32(), r.i32()) if ctx.at_least(1, 2) else (-1, -1)
    return QueryField(
        name,
        type_name,
        is_key,
        not_null,
        None if default == NULL_OBJECT else default,
        precision,
        scale,
    )


def _write_query_field(w: Writer, f: QueryField, ctx: ProtocolContext) -> None:
    write_str(w, f.name)
    write_str(w, f.type_name)
    w.bool(f.is_key_field)
    w.bool(f.is_notnull_constraint_field)
    write_obj(w, NULL_OBJECT if f.default_value is None else f.default_value)
    if ctx.at_least(1, 2):
        w.i32(f.precision)
        w.i32(f.scale)


def _read_index(r: Reader, ctx: ProtocolContext) -> QueryIndex:
    name = read_str(r)
    index_type, inline_size = r.u8(), r.i32()
    index_fields = tuple(
        QueryIndexField(_required_str(r, "index field name"), r.bool())
        for _ in range(read_count(r))
    )
    return QueryIndex(name, index_type, inline_size, index_fields)


def _write_index(w: Writer, index: QueryIndex, ctx: ProtocolContext) -> None:
    write_str(w, index.index_name)
    w.u8(index.index_type)
    w.i32(index.inline_size)
    w.i32(len(index.fields))
    for f in index.fields:
        write_str(w, f.name)
        w.bool(f.is_descending)


def _read_alias(r: Reader, ctx: ProtocolContext) -> tuple[str, str]:
    return _required_str(r, "aliased field name"), _required_str(r, "alias")


def _write_alias(w: Writer, alias: tuple[str, str], ctx: ProtocolContext) -> None:
    write_str(w, alias[0])
    write_str(w, alias[1])


def _list_of(read: Read) -> Read:
    def read_list(r: Reader, ctx: ProtocolContext) -> tuple[Any, ...]:
        return tuple(read(r, ctx) for _ in range(read_count(r)))

    return read_list


def _write_list(write: Write) -> Write:
    def write_list(w: Writer, items: tuple[Any, ...], ctx: ProtocolContext) -> None:
        w.i32(len(items))
        for item in items:
            write(w, item, ctx)

    return write_list


def _read_entity(r: Reader, ctx: ProtocolContext) -> QueryEntity:
    key_type, value_type, table = read_str(r), read_str(r), read_str(r)
    key_field, value_field = read_str(r), read_str(r)
    query_fields = _list_of(_read_query_field)(r, ctx)
    aliases = _list_of(_read_alias)(r, ctx)
    indexes = _list_of(_read_index)(r, ctx)
    return QueryEntity(
        key_type,
        value_type,
        table,
        key_field,
        value_field,
        query_fields,
        aliases,
        indexes,
    )


def _write_entity(w: Writer, e: QueryEntity, ctx: ProtocolContext) -> None:
    for name in (e.key_type_name, e.value_type_name, e.table_name):
        write_str(w, name)
    write_str(w, e.key_field_name)
    write_str(w, e.value_field_name)
    _write_list(_write_query_field)(w, e.query_fields, ctx)
    _write_list(_write_alias)(w, e.field_name_aliases, ctx)
    _write_list(_write_index)(w, e.query_indexes, ctx)


def _read_key_config(r: Reader, ctx: ProtocolContext) -> CacheKeyConfiguration:
    return CacheKeyConfiguration(
        _required_str(r, "key configuration type name"), read_str(r)
    )


def _write_key_config(
    w: Writer, k: CacheKeyConfiguration, ctx: ProtocolContext
) -> None:
    write_str(w, k.type_name)
    write_str(w, k.affinity_key_field_name)


def _read_expiry(r: Reader, ctx: ProtocolContext) -> ExpiryDurations | None:
    if not r.bool():
        return None
    return ExpiryDurations(r.i64(), r.i64(), r.i64())


def _write_expiry(w: Writer, e: ExpiryDurations | None, ctx: ProtocolContext) -> None:
    w.bool(e is not None)
    if e is not None:
        w.i64(e.create)
        w.i64(e.update)
        w.i64(e.access)


def _required_name(r: Reader, ctx: ProtocolContext) -> str:
    return _required_str(r, "cache name")


# -- kinds and the two layouts --------------------------------------------------------

_KINDS: dict[str, tuple[Read, Write]] = {
    "i32": (lambda r, c: r.i32(), lambda w, v, c: w.i32(v)),
    "i64": (lambda r, c: r.i64(), lambda w, v, c: w.i64(v)),
    "bool": (lambda r, c: r.bool(), lambda w, v, c: w.bool(v)),
    "str": (lambda r, c: read_str(r), lambda w, v, c: write_str(w, v)),
    "name": (_required_name, lambda w, v, c: write_str(w, v)),
    "entities": (_list_of(_read_entity), _write_list(_write_entity)),
    "keys": (_list_of(_read_key_config), _write_list(_write_key_config)),
    "expiry": (_read_expiry, _write_expiry),
}

PROPERTIES: dict[int, tuple[str, str]] = {
    0: ("name", "name"),
    1: ("cache_mode", "i32"),
    2: ("atomicity_mode", "i32"),
    3: ("backups", "i32"),
    4: ("write_synchronization_mode", "i32"),
    5: ("copy_on_read", "bool"),
    6: ("read_from_backup", "bool"),
    100: ("data_region_name", "str"),
    101: ("onheap_cache_enabled", "bool"),
    200: ("query_entities", "entities"),
    201: ("query_parallelism", "i32"),
    202: ("query_detail_metrics_size", "i32"),
    203: ("sql_schema", "str"),
    204: ("sql_index_max_inline_size", "i32"),
    205: ("sql_escape_all", "bool"),
    206: ("max_query_iterators", "i32"),
    300: ("rebalance_mode", "i32"),
    301: ("rebalance_delay", "i64"),
    302: ("rebalance_timeout", "i64"),
    303: ("rebalance_batch_size", "i32"),
    304: ("rebalance_batches_prefetch_count", "i64"),
    305: ("rebalance_order", "i32"),
    306: ("rebalance_throttle", "i64"),
    400: ("group_name", "str"),
    401: ("key_configuration", "keys"),
    402: ("default_lock_timeout", "i64"),
    403: ("max_concurrent_async_operations", "i32"),
    404: ("partition_loss_policy", "i32"),
    405: ("eager_ttl", "bool"),
    406: ("statistics_enabled", "bool"),
    407: ("expiry_policy", "expiry"),
}
"""Property code (§11.1) → (``CacheConfiguration`` field, value kind)."""


_FIXED_ORDER: tuple[tuple[str, str], ...] = (
    ("atomicity_mode", "i32"),
    ("backups", "i32"),
    ("cache_mode", "i32"),
    ("copy_on_read", "bool"),
    ("data_region_name", "str"),
    ("eager_ttl", "bool"),
    ("statistics_enabled", "bool"),
    ("group_name", "str"),
    ("default_lock_timeout", "i64"),
    ("max_concurrent_async_operations", "i32"),
    ("max_query_iterators", "i32"),
    ("name", "name"),
    ("onheap_cache_enabled", "bool"),
    ("partition_loss_policy", "i32"),
    ("query_detail_metrics_size", "i32"),
    ("query_parallelism", "i32"),
    ("read_from_backup", "bool"),
    ("rebalance_batch_size", "i32"),
    ("rebalance_batches_prefetch_count", "i64"),
    ("rebalance_delay", "i64"),
    ("rebalance_mode", "i32"),
    ("rebalance_order", "i32"),
    ("rebalance_throttle", "i64"),
    ("rebalance_timeout", "i64"),
    ("sql_escape_all", "bool"),
    ("sql_index_max_inline_size", "i32"),
    ("sql_schema", "str"),
    ("write_synchronization_mode", "i32"),
    ("key_configuration", "keys"),
    ("query_entities", "entities"),
)
"""The 1055 response fields in wire order (§11.2), before the ≥ 1.6.0 expiry block."""


def _fixed_order(ctx: ProtocolContext) -> tuple[tuple[str, str], ...]:
    if ctx.at_least(1, 6):
        return (*_FIXED_ORDER, ("expiry_policy", "expiry"))
    return _FIXED_ORDER


def _changed_codes(config: CacheConfiguration) -> tuple[int, ...]:
    """NAME plus every property whose value differs from Ignite's default."""
    default = CacheConfiguration(name=config.name)
    return tuple(
        code
        for code, (name, _) in PROPERTIES.items()
        if code == 0 or getattr(config, name) != getattr(default, name)
    )


def read_properties(
    r: Reader, ctx: ProtocolContext
) -> tuple[CacheConfiguration, tuple[int, ...]]:
    """``i32 length`` (ignored), ``i16 count``, count x (``i16 code``, value)."""
    r.i32()  # Ignite ignores it too; pyignite 0.6.1 sends -18 here
    count = r.i16()
    if count < 0:
        raise ParseError(f"negative cache property count {count}")
    values: dict[str, Any] = {}
    codes: list[int] = []
    for _ in range(count):
        pos = r.pos
        code = r.i16()
        prop = PROPERTIES.get(code)
        if prop is None:
            raise ParseError(
                f"unknown cache configuration property code {code} at offset {pos}"
            )
        name, kind = prop
        values[name] = _KINDS[kind][0](r, ctx)
        codes.append(code)
    if "name" not in values:
        raise ParseError("cache configuration without the NAME property (code 0)")
    return CacheConfiguration(**values), tuple(codes)


def write_properties(
    w: Writer,
    config: CacheConfiguration,
    codes: tuple[int, ...] | None,
    ctx: ProtocolContext,
) -> None:
    codes = _changed_codes(config) if codes is None else codes
    length_at = w.reserve_i32()
    w.i16(len(codes))
    for code in codes:
        name, kind = PROPERTIES[code]
        w.i16(code)
        _KINDS[kind][1](w, getattr(config, name), ctx)
    w.patch_i32(length_at, len(w) - length_at - 4)


# -- 1050 GET_NAMES -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheGetNames:
    """1050 → ``CacheGetNamesResponse``."""


def decode_cache_get_names(body: Buffer, ctx: ProtocolContext) -> CacheGetNames:
    expect_end(Reader(body))
    return CacheGetNames()


def encode_cache_get_names(msg: CacheGetNames, ctx: ProtocolContext) -> bytes:
    return b""


@dataclass(frozen=True, slots=True)
class CacheGetNamesResponse:
    names: tuple[str | None, ...]


def decode_cache_get_names_response(
    body: Buffer, ctx: ProtocolContext
) -> CacheGetNamesResponse:
    r = Reader(body)
    names = tuple(read_str(r) for _ in range(read_count(r)))
    expect_end(r)
    return CacheGetNamesResponse(names)


def encode_cache_get_names_response(
    msg: CacheGetNamesResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    w.i32(len(msg.names))
    for name in msg.names:
        write_str(w, name)
    return w.getvalue()


# -- 1051/1052 CREATE_WITH_NAME, GET_OR_CREATE_WITH_NAME -------------------------------


@dataclass(frozen=True, slots=True)
class CacheCreateWithName:
    """1051 → ``EmptyResponse`` (status 1001 when it exists)."""

    name: str | None


@dataclass(frozen=True, slots=True)
class CacheGetOrCreateWithName:
    """1052 → ``EmptyResponse``."""

    name: str | None


def decode_cache_create_with_name(
    body: Buffer, ctx: ProtocolContext
) -> CacheCreateWithName:
    r = Reader(body)
    name = read_str(r)
    expect_end(r)
    return CacheCreateWithName(name)


def encode_cache_create_with_name(
    msg: CacheCreateWithName | CacheGetOrCreateWithName, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    write_str(w, msg.name)
    return w.getvalue()


def decode_cache_get_or_create_with_name(
    body: Buffer, ctx: ProtocolContext
) -> CacheGetOrCreateWithName:
    return CacheGetOrCreateWithName(decode_cache_create_with_name(body, ctx).name)


encode_cache_get_or_create_with_name = encode_cache_create_with_name


# -- 1053/1054 CREATE_WITH_CONFIGURATION, GET_OR_CREATE_WITH_CONFIGURATION -------------


@dataclass(frozen=True, slots=True)
class CacheCreateWithConfiguration:
    """1053 → ``EmptyResponse``.

    ``prop_codes`` is the order of properties on the wire (an encoding detail, not
    compared): ``None`` writes NAME plus every setting that differs from the default.
    """

    config: CacheConfiguration
    prop_codes: tuple[int, ...] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CacheGetOrCreateWithConfiguration:
    """1054 → ``EmptyResponse``; same body as 1053."""

    config: CacheConfiguration
    prop_codes: tuple[int, ...] | None = field(default=None, compare=False)


def decode_cache_create_with_configuration(
    body: Buffer, ctx: ProtocolContext
) -> CacheCreateWithConfiguration:
    r = Reader(body)
    config, codes = read_properties(r, ctx)
    expect_end(r)
    return CacheCreateWithConfiguration(config, codes)


def encode_cache_create_with_configuration(
    msg: CacheCreateWithConfiguration | CacheGetOrCreateWithConfiguration,
    ctx: ProtocolContext,
) -> bytes:
    w = Writer()
    write_properties(w, msg.config, msg.prop_codes, ctx)
    return w.getvalue()


def decode_cache_get_or_create_with_configuration(
    body: Buffer, ctx: ProtocolContext
) -> CacheGetOrCreateWithConfiguration:
    m = decode_cache_create_with_configuration(body, ctx)
    return CacheGetOrCreateWithConfiguration(m.config, m.prop_codes)


encode_cache_get_or_create_with_configuration = encode_cache_create_with_configuration


# -- 1055 GET_CONFIGURATION -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheGetConfiguration:
    """1055 → ``CacheGetConfigurationResponse``; pyignite sends a full cache prefix."""

    prefix: CachePrefix


def decode_cache_get_configuration(
    body: Buffer, ctx: ProtocolContext
) -> CacheGetConfiguration:
    r = Reader(body)
    prefix = read_prefix(r)
    expect_end(r)
    return CacheGetConfiguration(prefix)


def encode_cache_get_configuration(
    msg: CacheGetConfiguration, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    write_prefix(w, msg.prefix)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class CacheGetConfigurationResponse:
    """The fixed-order configuration (§11.2); ``expiry_policy`` travels only ≥ 1.6.0."""

    config: CacheConfiguration


def decode_cache_get_configuration_response(
    body: Buffer, ctx: ProtocolContext
) -> CacheGetConfigurationResponse:
    r = Reader(body)
    r.i32()  # length of what follows; the layout is fixed, so the end check suffices
    values = {name: _KINDS[kind][0](r, ctx) for name, kind in _fixed_order(ctx)}
    expect_end(r)
    return CacheGetConfigurationResponse(CacheConfiguration(**values))


def encode_cache_get_configuration_response(
    msg: CacheGetConfigurationResponse, ctx: ProtocolContext
) -> bytes:
    w = Writer()
    length_at = w.reserve_i32()
    for name, kind in _fixed_order(ctx):
        _KINDS[kind][1](w, getattr(msg.config, name), ctx)
    w.patch_i32(length_at, len(w) - length_at - 4)
    return w.getvalue()


# -- 1056 DESTROY ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheDestroy:
    """1056 → ``EmptyResponse`` (status 1000 if unknown)."""

    cache_id: int


def decode_cache_destroy(body: Buffer, ctx: ProtocolContext) -> CacheDestroy:
    r = Reader(body)
    cache_id = r.i32()
    expect_end(r)
    return CacheDestroy(cache_id)


def encode_cache_destroy(msg: CacheDestroy, ctx: ProtocolContext) -> bytes:
    w = Writer()
    w.i32(msg.cache_id)
    return w.getvalue()

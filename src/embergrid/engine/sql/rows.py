"""Rows as binary objects: the key and value objects SQL writes into a table's cache.

Owns ``RowCodec``: builds the key (the primary-key value itself, or a key object
for a composite key) and the value object (the non-key columns) of a row, and
registers their binary metadata, schema included, once per schema (so a scan
through any client shows ``SQL_PUBLIC_CITY_..._KEY(ID=1890, COUNTRYCODE='CHN',
version=1)``). Must not import asyncio or ``embergrid.protocol.messages``.

The objects are the bytes Ignite 2.17 writes (compared raw on the reference node,
``tests/sql/test_sql_rows.py``): compact footer (flags 0x2b with 1-byte offsets),
the header hash over the field data, Java's offset width (last offset < 256 -> 1
byte, < 65536 -> 2). Fields are written in the table's column order: the key
object all key columns; the value object only the columns the statement gave
(an explicit NULL is a ``65`` field, an omitted column no field at all); an
object without fields is a bare header (flags 0x21, hash 1, schema id
0x811c9dc5, schema offset 24). MERGE writes a new value as INSERT does; UPDATE
keeps the stored object's fields in place (SQL columns or not) and appends the
newly set columns in table order. DECIMAL fields keep the scale of the value
(1.10 -> unscaled 110, scale 2; 1E+2 -> 1, scale -2), as Java's BigDecimal.
A DATE field is what Ignite writes: a ``java.sql.Date`` through the optimized
marshaller (254; registered as an ``Object`` field, 103), which no thin client
can read, so a key-value ``get`` of such a row fails in pyignite as on Ignite.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from embergrid.engine.messages import java_field_type_name
from embergrid.engine.sql import messages as m
from embergrid.engine.sql.catalog import Column, Table
from embergrid.engine.sql.ddl import fail
from embergrid.engine.sql.types import (
    NULL_CELL,
    encode_field,
    field_code,
    field_encoder,
)
from embergrid.errors import IgniteError
from embergrid.protocol.binary.hashing import data_hash, schema_id, type_id
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.binary.objects import (
    COMPACT_FOOTER,
    HAS_SCHEMA,
    HEADER_SIZE,
    OFFSET_ONE_BYTE,
    OFFSET_TWO_BYTES,
    USER_TYPE,
    field_end,
    parse_layout,
)
from embergrid.protocol.codes import TypeCode

__all__ = ["RowCodec", "RowWriter", "build_object"]

_HEADER = struct.Struct("<BBHiiiii")
Field = tuple[int, bytes]  # (field id, encoded data object)

# A table's type names are few and long (generated ones hold a UUID): hash once.
_type_id = functools.lru_cache(maxsize=1024)(type_id)
# Every row of a statement has the same few field lists.
_schema_id = functools.lru_cache(maxsize=1024)(schema_id)


_EMPTY_SCHEMA_ID = -2128831035  # 0x811c9dc5, the FNV basis: no field hashed in
_EMPTY_FLAGS = USER_TYPE | COMPACT_FOOTER


def build_object(tid: int, fields: Sequence[Field]) -> bytes:
    """A 103 object of type ``tid`` with these fields, compact footer, version 1."""
    if not fields:
        return _empty_object(tid)
    sid = _schema_id(tuple(fid for fid, _ in fields))
    return _object_bytes(tid, sid, [data for _, data in fields])


def _empty_object(tid: int) -> bytes:
    return _HEADER.pack(
        TypeCode.COMPLEX_OBJECT,
        1,
        _EMPTY_FLAGS,
        tid,
        1,
        HEADER_SIZE,
        _EMPTY_SCHEMA_ID,
        HEADER_SIZE,
    )


_FLAGS = USER_TYPE | HAS_SCHEMA | COMPACT_FOOTER


def _object_bytes(tid: int, sid: int, datas: Sequence[bytes]) -> bytes:
    """An object of type ``tid``, schema ``sid``, with these field data (at
    least one): header, the fields, the footer of their offsets."""
    body = b"".join(datas)
    offsets = list(accumulate(map(len, datas), initial=HEADER_SIZE))
    offsets.pop()  # the end of the last field
    last = offsets[-1]
    if last < 0x100:
        flags, fmt = _FLAGS | OFFSET_ONE_BYTE, "B"
    elif last < 0x10000:
        flags, fmt = _FLAGS | OFFSET_TWO_BYTES, "H"
    else:
        flags, fmt = _FLAGS, "I"
    footer = _footer(len(offsets), fmt).pack(*offsets)
    end = HEADER_SIZE + len(body)
    h = data_hash(body)
    head = _HEADER.pack(_OBJECT, 1, flags, tid, h, end + len(footer), sid, end)
    return b"".join((head, body, footer))


_OBJECT = int(TypeCode.COMPLEX_OBJECT)  # a plain int: packed once per row


@functools.lru_cache(maxsize=256)
def _footer(n: int, fmt: str) -> struct.Struct:
    return struct.Struct(f"<{n}{fmt}")


Row = Sequence[Any]
"""A row's field values (``to_field``'s) in the order of its column list."""


@dataclass(frozen=True, slots=True)
class RowWriter:
    """The key and value objects of the rows an INSERT or MERGE writes, rows
    of one column list of a table (the columns the statement gave; the others
    are no field at all): each column's encoder and place chosen once, so a
    row costs its encoding alone (``RowCodec.writer``)."""

    key: Callable[[Row], bytes]
    value: Callable[[Row], bytes]


class RowCodec:
    """Key and value objects of one engine; metadata registered on first use."""

    def __init__(
        self,
        put_type: Callable[[BinaryType], object],
        get_type: Callable[[int], BinaryType | None],
    ) -> None:
        self._put_type = put_type
        self._get_type = get_type
        self._registered: set[tuple[int, int]] = set()
        self._registered_ids: set[tuple[int, tuple[int, ...], tuple[bool, ...]]] = set()

    def writer(self, t: Table, cols: Sequence[Column]) -> RowWriter:
        """The key and value objects of rows that set ``cols`` of ``t``."""
        at = {c.name: i for i, c in enumerate(cols)}
        key_name = t.entity.key_type_name or f"{t.name}_KEY"
        value_name = t.entity.value_type_name or t.name
        return RowWriter(
            self._builder(t, at, t.key_column, t.key_columns, key_name),
            self._builder(t, at, t.value_column, t.value_columns, value_name),
        )

    def _builder(
        self,
        t: Table,
        at: dict[str, int],
        whole: Column | None,
        cols: list[Column],
        type_name: str,
    ) -> Callable[[Row], bytes]:
        """How to make one of a row's objects: ``whole`` itself, or an object
        of those of ``cols`` the row gives (``at``: their places in the row)."""
        if whole is not None:
            i = at.get(whole.name)
            encode_whole = field_encoder(whole.type)
            return lambda row: NULL_CELL if i is None else encode_whole(row[i])
        given = [c for c in cols if c.name in at]
        tid = _type_id(type_name)
        ids = tuple(c.field_id for c in given)
        steps = [(at[c.name], field_encoder(c.type)) for c in given]
        sid = _schema_id(ids)
        seen = self._registered_ids
        no_nulls = (tid, ids, (False,) * len(ids))  # the commonest shape

        def build(row: Row) -> bytes:
            datas = [enc(row[i]) for i, enc in steps]
            if NULL_CELL in datas or no_nulls not in seen:
                shape = (tid, ids, tuple([d == NULL_CELL for d in datas]))
                if shape not in seen:
                    fields = list(zip(ids, datas, strict=True))
                    self._register(tid, type_name, cols, fields, t)
            return _object_bytes(tid, sid, datas) if datas else _empty_object(tid)

        return build

    def update_value(self, t: Table, old: bytes, changed: dict[str, Any]) -> bytes:
        """The stored value object with the ``changed`` columns replaced in place;
        columns it lacks are appended in table order. A plain-typed value is
        replaced whole."""
        whole = t.value_column
        if whole is not None:
            if whole.name not in changed:
                return old
            return encode_field(changed[whole.name], whole.type)
        cols = [c for c in t.value_columns if c.name in changed]
        new = {c.field_id: encode_field(changed[c.name], c.type) for c in cols}
        name = t.entity.value_type_name or t.name
        tid = _type_id(name)
        fields: list[Field] = []
        if old and old[0] == TypeCode.COMPLEX_OBJECT:
            try:
                layout = parse_layout(old, 0, self)
            except IgniteError:
                layout = None
            if layout is not None:
                tid = layout.effective_type_id
                known = self._get_type(tid)
                name = known.type_name if known is not None else name
                for fid, off in zip(
                    layout.field_ids or (), layout.offsets, strict=False
                ):
                    raw = old[off : field_end(old, off, layout)]
                    fields.append((fid, new.pop(fid, raw)))
        fields.extend(new.items())
        self._register(tid, name, cols, fields, t)
        return build_object(tid, fields)

    def binary_type(self, tid: int) -> BinaryType | None:
        return self._get_type(tid)

    def data_class(self, tid: int, sid: int) -> type | None:
        return None

    def _register(
        self, tid: int, name: str, cols: list[Column], fields: list[Field], t: Table
    ) -> None:
        """Register the object's type and schema, once per field list (which
        fields are NULL included); a field set to a value of another type than
        the type registers fails (``_check_types``)."""
        ids = tuple(fid for fid, _ in fields)
        shape = (tid, ids, tuple(data == NULL_CELL for _, data in fields))
        if shape in self._registered_ids:  # every row of a statement alike
            return
        known = self._get_type(tid)
        if known is not None:
            _check_types(known, cols, fields)
        sid = schema_id(ids)
        if (tid, sid) in self._registered:
            self._registered_ids.add(shape)
            return
        bfields = {
            c.field_name: BinaryField(c.field_name, field_code(c.type), c.field_id)
            for c in cols
            if c.type.code != TypeCode.NULL
        }
        if known is not None:
            bfields = {k: v for k, v in bfields.items() if k not in known.fields}
        aff = None
        for kc in t.config.key_configuration:
            if kc.type_name == name:
                aff = kc.affinity_key_field_name
        self._put_type(
            BinaryType(
                tid, name, aff, bfields, schemas={sid: tuple(f for f, _ in fields)}
            )
        )
        self._registered.add((tid, sid))
        self._registered_ids.add(shape)


def _check_types(known: BinaryType, cols: list[Column], fields: list[Field]) -> None:
    """Ignite's builder refuses a value (not NULL) for a field its binary type
    registers with another type. Checked for OTHER columns, whose value Ignite
    sets as an ``Object`` whatever it is (observed: a ``byte[]`` query field
    whose type registers ``byte[]`` refuses even ``X''``); the other columns'
    values are of the registered field's class already."""
    by_id = {c.field_id: c for c in cols if c.type.name == "OTHER"}
    for fid, data in fields:
        c = by_id.get(fid)
        f = None if c is None else known.fields.get(c.field_name)
        if c is None or f is None or data == NULL_CELL:
            continue
        code = field_code(c.type)
        if f.type_code != code:
            raise fail(
                m.wrong_value_set(
                    known.type_name,
                    c.field_name,
                    java_field_type_name(f.type_code),
                    java_field_type_name(code),
                )
            )

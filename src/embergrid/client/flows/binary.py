"""Binary type registry operations (ops 3002/3003) as flows, with pyignite's shapes.

Owns ``get_binary_type`` (pyignite's dict: ``type_exists``, ``type_id``,
``type_name``, ``affinity_key_field``, ``is_enum``, ``schemas``), ``put_binary_type``
(from a name and a schema of hints or enum values), ``query_binary_type`` (local
classes first, then the cluster) and ``register_binary_type`` (put the class's
schema unless the cluster has it, and decode that schema to this class from now on).
Imports ``embergrid.protocol``, ``embergrid.datatypes`` and ``embergrid.errors``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from embergrid.client.flows._call import Flow
from embergrid.client.flows._state import ClientState
from embergrid.client.flows.values import fetch_type, put_type
from embergrid.datatypes.complex import BinaryObject
from embergrid.datatypes.internal import tc_map
from embergrid.protocol.binary.generic import (
    GenericObjectMeta,
    binary_type_of,
    hint_type_code,
)
from embergrid.protocol.binary.hashing import field_id, schema_id_of_names, type_id
from embergrid.protocol.binary.metadata import BinaryField, BinaryType

__all__ = [
    "entity_id",
    "get_binary_type",
    "put_binary_type",
    "query_binary_type",
    "register_binary_type",
]


def entity_id(entity: int | str) -> int:
    """A type id from a type name or an id."""
    return entity if isinstance(entity, int) else type_id(entity)


def _hint(code: int) -> Any:
    try:
        return tc_map(bytes([code]))
    except (KeyError, ValueError):
        return BinaryObject


def binary_type_dict(meta: BinaryType | None) -> dict[str, Any]:
    """pyignite's ``get_binary_type`` result for ``meta``."""
    if meta is None:
        return {"type_exists": False}
    by_id = {f.field_id: f for f in meta.fields.values()}
    schemas = [
        OrderedDict((by_id[fid].name, _hint(by_id[fid].type_code)) for fid in ids)
        for ids in meta.schemas.values()
    ]
    return {
        "type_exists": True,
        "type_id": meta.type_id,
        "type_name": meta.type_name,
        "affinity_key_field": meta.affinity_key_field,
        "is_enum": meta.is_enum,
        "schemas": schemas,
    }


def get_binary_type(state: ClientState, binary_type: int | str) -> Flow[dict[str, Any]]:
    meta = yield from fetch_type(state, entity_id(binary_type))
    return binary_type_dict(meta)


def _metadata(
    type_name: str,
    affinity_key_field: str | None,
    is_enum: bool,
    schema: dict[str, Any] | None,
) -> BinaryType:
    schema = schema or {}
    if is_enum:
        return BinaryType(
            type_id(type_name),
            type_name,
            affinity_key_field,
            is_enum=True,
            enum_values={str(k): int(v) for k, v in schema.items()},
        )
    fields = {
        name: BinaryField(name, hint_type_code(hint), field_id(name))
        for name, hint in schema.items()
    }
    ids = tuple(f.field_id for f in fields.values())
    return BinaryType(
        type_id(type_name),
        type_name,
        affinity_key_field,
        fields=fields,
        schemas={schema_id_of_names(schema): ids},
    )


def put_binary_type(
    state: ClientState,
    type_name: str,
    affinity_key_field: str | None = None,
    is_enum: bool = False,
    schema: dict[str, Any] | None = None,
) -> Flow[None]:
    yield from put_type(
        state, _metadata(type_name, affinity_key_field, is_enum, schema)
    )


def _local(state: ClientState, tid: int, sid: int | None) -> Any:
    meta = state.types.binary_type(tid)
    if sid is not None:
        return state.types.data_class(tid, sid)
    if meta is None:
        return {}
    classes = {s: state.types.data_class(tid, s) for s in meta.schemas}
    return {s: c for s, c in classes.items() if c is not None}


def query_binary_type(
    state: ClientState,
    binary_type: int | str,
    schema: int | dict[str, Any] | None = None,
) -> Flow[Any]:
    tid = entity_id(binary_type)
    sid = None
    if schema is not None:
        sid = schema if isinstance(schema, int) else schema_id_of_names(schema)
    found = _local(state, tid, sid)
    if not found:
        yield from fetch_type(state, tid)
        found = _local(state, tid, sid)
    return found or None if sid is not None else found


def register_binary_type(
    state: ClientState, data_class: type, affinity_key_field: str | None = None
) -> Flow[None]:
    if not isinstance(data_class, GenericObjectMeta):
        raise TypeError(f"{data_class!r} is not a GenericObjectMeta class")
    meta = yield from fetch_type(state, data_class.type_id)
    if meta is None or data_class.schema_id not in meta.schemas:
        mine = binary_type_of(data_class)
        if affinity_key_field is not None:
            mine = BinaryType(
                mine.type_id,
                mine.type_name,
                affinity_key_field,
                fields=mine.fields,
                schemas=mine.schemas,
            )
        yield from put_type(state, mine)
    state.types.add_class(data_class)
    state.registered.add((data_class.type_id, data_class.schema_id))

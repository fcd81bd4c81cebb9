"""JSON encodings of ``CacheConfiguration`` and ``BinaryType`` for the store.

Owns the text stored in ``caches.config`` and ``binary_types.meta``: plain JSON
(no pickle), decoded back to records equal to the originals. Imports only the
shared records from ``embergrid.protocol``.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from typing import Any

from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.config import (
    CacheConfiguration,
    CacheKeyConfiguration,
    ExpiryDurations,
    QueryEntity,
    QueryField,
    QueryIndex,
    QueryIndexField,
)

__all__ = ["decode_binary_type", "decode_config", "encode_binary_type", "encode_config"]

_BYTES = "$bytes"


def _plain(value: object) -> object:
    """A dataclass tree as JSON-ready lists and dicts; bytes as ``{"$bytes": hex}``."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, bytes | bytearray):
        return {_BYTES: bytes(value).hex()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _unbytes(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_BYTES}:
        return bytes.fromhex(value[_BYTES])
    if isinstance(value, dict):
        return {k: _unbytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unbytes(v) for v in value]
    return value


def encode_config(cfg: CacheConfiguration) -> str:
    return json.dumps(_plain(cfg), separators=(",", ":"))


def _query_index(d: dict[str, Any]) -> QueryIndex:
    return QueryIndex(
        **{**d, "fields": tuple(QueryIndexField(**f) for f in d["fields"])}
    )


def _query_entity(d: dict[str, Any]) -> QueryEntity:
    return QueryEntity(
        **{
            **d,
            "query_fields": tuple(QueryField(**_unbytes(f)) for f in d["query_fields"]),
            "field_name_aliases": tuple(
                (str(a), str(b)) for a, b in d["field_name_aliases"]
            ),
            "query_indexes": tuple(_query_index(i) for i in d["query_indexes"]),
        }
    )


def decode_config(text: str) -> CacheConfiguration:
    d: dict[str, Any] = json.loads(text)
    expiry = d["expiry_policy"]
    return CacheConfiguration(
        **{
            **d,
            "query_entities": tuple(_query_entity(e) for e in d["query_entities"]),
            "key_configuration": tuple(
                CacheKeyConfiguration(**k) for k in d["key_configuration"]
            ),
            "expiry_policy": None if expiry is None else ExpiryDurations(**expiry),
            "extra": _unbytes(d["extra"]),
        }
    )


def encode_binary_type(bt: BinaryType) -> str:
    return json.dumps(
        {
            "type_id": bt.type_id,
            "type_name": bt.type_name,
            "affinity_key_field": bt.affinity_key_field,
            "fields": [[f.name, f.type_code, f.field_id] for f in bt.fields.values()],
            "is_enum": bt.is_enum,
            "enum_values": [[k, v] for k, v in bt.enum_values.items()],
            "schemas": [[sid, list(ids)] for sid, ids in bt.schemas.items()],
        },
        separators=(",", ":"),
    )


def decode_binary_type(text: str) -> BinaryType:
    d: dict[str, Any] = json.loads(text)
    return BinaryType(
        type_id=d["type_id"],
        type_name=d["type_name"],
        affinity_key_field=d["affinity_key_field"],
        fields={n: BinaryField(n, code, fid) for n, code, fid in d["fields"]},
        is_enum=d["is_enum"],
        enum_values={k: v for k, v in d["enum_values"]},
        schemas={sid: tuple(ids) for sid, ids in d["schemas"]},
    )

"""pyignite's cache settings dicts <-> ``protocol.config.CacheConfiguration``.

Owns ``parse_settings`` (a name or a ``{PROP_*: value}`` dict -> name and optional
configuration with the property codes to send, with pyignite's ``ParameterError``
texts) and ``settings_dict`` (the 1055 answer as pyignite's ``settings`` dict: every
property code, nested records as dicts, the expiry policy as ``ExpiryPolicy``).
Pure conversion; imports ``embergrid.protocol``, ``embergrid.datatypes`` and
``embergrid.errors``.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.errors import ParameterError
from embergrid.protocol.binary import codec
from embergrid.protocol.config import (
    CacheConfiguration,
    CacheKeyConfiguration,
    ExpiryDurations,
    QueryEntity,
    QueryField,
    QueryIndex,
    QueryIndexField,
)
from embergrid.protocol.messages.cache_config import PROPERTIES

__all__ = ["parse_settings", "settings_dict"]

PROP_NAME = 0


def parse_settings(
    settings: str | dict[int, Any],
) -> tuple[str, CacheConfiguration | None, tuple[int, ...]]:
    """Name, configuration (``None`` for a bare name) and the codes to send."""
    if isinstance(settings, str):
        return settings, None, ()
    if not isinstance(settings, dict) or PROP_NAME not in settings:
        raise ParameterError("You should supply at least cache name")
    name = settings[PROP_NAME]
    if len(settings) == 1:
        return name, None, ()
    if not set(settings).issubset(PROPERTIES):
        raise ParameterError("One or more settings was not recognized")
    values = {
        PROPERTIES[code][0]: _to_record(PROPERTIES[code][1], value)
        for code, value in settings.items()
    }
    return name, CacheConfiguration(**values), tuple(settings)


def _to_record(kind: str, value: Any) -> Any:
    if kind == "entities":
        return tuple(_entity(e) for e in value or ())
    if kind == "keys":
        return tuple(
            k
            if isinstance(k, CacheKeyConfiguration)
            else CacheKeyConfiguration(k["type_name"], k.get("affinity_key_field_name"))
            for k in value or ()
        )
    if kind == "expiry":
        if value is None or isinstance(value, ExpiryDurations):
            return value
        return ExpiryDurations(*value.durations_ms())
    return value


def _entity(e: Any) -> QueryEntity:
    if isinstance(e, QueryEntity):
        return e
    return QueryEntity(
        key_type_name=e.get("key_type_name"),
        value_type_name=e.get("value_type_name"),
        table_name=e.get("table_name"),
        key_field_name=e.get("key_field_name"),
        value_field_name=e.get("value_field_name"),
        query_fields=tuple(_query_field(f) for f in e.get("query_fields") or ()),
        field_name_aliases=tuple(
            (a["field_name"], a["alias"]) for a in e.get("field_name_aliases") or ()
        ),
        query_indexes=tuple(_index(i) for i in e.get("query_indexes") or ()),
    )


def _query_field(f: dict[str, Any]) -> QueryField:
    default = f.get("default_value")
    return QueryField(
        name=f["name"],
        type_name=f["type_name"],
        is_key_field=bool(f.get("is_key_field", False)),
        is_notnull_constraint_field=bool(f.get("is_notnull_constraint_field", False)),
        default_value=None if default is None else codec.encode(default),
        precision=f.get("precision", -1),
        scale=f.get("scale", -1),
    )


def _index(i: dict[str, Any]) -> QueryIndex:
    return QueryIndex(
        index_name=i.get("index_name"),
        index_type=i.get("index_type", 0),
        inline_size=i.get("inline_size", -1),
        fields=tuple(
            QueryIndexField(f["name"], bool(f.get("is_descending", False)))
            for f in i.get("fields") or ()
        ),
    )


def settings_dict(config: CacheConfiguration) -> dict[int, Any]:
    """pyignite's ``Cache.settings``: property code -> value."""
    return {
        code: _from_record(kind, getattr(config, name))
        for code, (name, kind) in PROPERTIES.items()
    }


def _from_record(kind: str, value: Any) -> Any:
    if kind == "expiry":
        if value is None:
            return None
        return ExpiryPolicy(
            create=value.create, update=value.update, access=value.access
        )
    if kind == "entities":
        return [_entity_dict(e) for e in value]
    if kind == "keys":
        return [_plain(k) for k in value]
    return value


def _entity_dict(e: QueryEntity) -> dict[str, Any]:
    d: dict[str, Any] = _plain(e)
    d["field_name_aliases"] = [
        {"field_name": f, "alias": a} for f, a in e.field_name_aliases
    ]
    for qf in d["query_fields"]:
        if qf["default_value"] is not None:
            qf["default_value"] = codec.decode(qf["default_value"])
    return d


def _plain(record: Any) -> Any:
    if is_dataclass(record) and not isinstance(record, type):
        return {f.name: _plain(getattr(record, f.name)) for f in fields(record)}
    if isinstance(record, tuple):
        return [_plain(item) for item in record]
    return record

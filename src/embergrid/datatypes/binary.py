"""pyignite's binary-type metadata struct names, as inert field lists.

The real metadata records are ``embergrid.protocol.binary.metadata``. Imports only
embergrid.datatypes.
"""

from __future__ import annotations

from embergrid.datatypes.internal import Struct, StructArray
from embergrid.datatypes.primitive import Bool, Int
from embergrid.datatypes.standard import String

__all__ = [
    "binary_fields_struct",
    "body_struct",
    "enum_struct",
    "schema_fields_struct",
    "schema_struct",
]

binary_fields_struct = StructArray(
    [("field_name", String), ("type_id", Int), ("field_id", Int)]
)
body_struct = Struct(
    [
        ("type_id", Int),
        ("type_name", String),
        ("affinity_key_field", String),
        ("binary_fields", binary_fields_struct),
        ("is_enum", Bool),
    ]
)
enum_struct = StructArray([("literal", String), ("type_id", Int)])
schema_fields_struct = StructArray([("schema_field_id", Int)])
schema_struct = StructArray(
    [("schema_id", Int), ("schema_fields", schema_fields_struct)]
)

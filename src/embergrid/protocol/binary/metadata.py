"""Binary type metadata as plain data (reference §7.6, §10).

Owns ``BinaryType`` (one record per type id: name, affinity key field, fields with
their type codes and ids, enum constants, schemas) and the merge rule Ignite applies
when a type is registered again. Shared by messages (op 3002/3003), the codec
(compact footers need a schema's field ids), the engine and the client.
Imports only ``embergrid.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BinaryField", "BinaryType", "FieldTypeConflict"]


@dataclass(frozen=True, slots=True)
class BinaryField:
    name: str
    type_code: int  # the field's data type code: 3 int, 9 String, 103 object...
    field_id: int


@dataclass(slots=True)
class BinaryType:
    """Metadata of one binary type; ``schemas`` maps schema id -> field ids in order."""

    type_id: int
    type_name: str
    affinity_key_field: str | None = None
    fields: dict[str, BinaryField] = field(default_factory=dict)
    is_enum: bool = False
    enum_values: dict[str, int] = field(default_factory=dict)
    schemas: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def field_names_by_id(self) -> dict[int, str]:
        return {f.field_id: f.name for f in self.fields.values()}

    def merged(self, other: BinaryType) -> BinaryType:
        """This type with ``other``'s fields, schemas and enum values added.

        Raises ``FieldTypeConflict`` when a known field arrives with another type.
        """
        for name, f in other.fields.items():
            known = self.fields.get(name)
            if known is not None and known.type_code != f.type_code:
                raise FieldTypeConflict(
                    self.type_name, name, known.type_code, f.type_code
                )
        return BinaryType(
            type_id=self.type_id,
            type_name=self.type_name or other.type_name,
            affinity_key_field=self.affinity_key_field or other.affinity_key_field,
            fields={**self.fields, **other.fields},
            is_enum=self.is_enum or other.is_enum,
            enum_values={**self.enum_values, **other.enum_values},
            schemas={**self.schemas, **other.schemas},
        )


class FieldTypeConflict(Exception):
    """A field was registered again with a different type code."""

    def __init__(self, type_name: str, field_name: str, old: int, new: int) -> None:
        super().__init__(type_name, field_name, old, new)
        self.type_name = type_name
        self.field_name = field_name
        self.old = old
        self.new = new

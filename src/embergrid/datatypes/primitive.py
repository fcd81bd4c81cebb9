"""Payload-only primitive hints (``Int``, ``Long``, ...), pyignite's names.

pyignite uses these inside message structs, where no type code is written. Given to
our codec as a hint they select the matching *typed* object (``Int`` writes like
``IntObject``): the codec always writes complete data objects. Imports only
embergrid.datatypes and embergrid.protocol.codes.
"""

from __future__ import annotations

from embergrid.datatypes import type_ids as ids
from embergrid.datatypes import type_names as names
from embergrid.datatypes.base import IgniteDataType
from embergrid.protocol.codes import TypeCode

__all__ = [
    "Bool",
    "Byte",
    "Char",
    "Double",
    "Float",
    "Int",
    "Long",
    "Primitive",
    "Short",
]


class Primitive(IgniteDataType):
    """Base of the payload-only primitive hints."""


class Byte(Primitive):
    ignite_code = TypeCode.BYTE
    type_id = ids.TYPE_BYTE
    type_name = names.NAME_BYTE


class Short(Primitive):
    ignite_code = TypeCode.SHORT
    type_id = ids.TYPE_SHORT
    type_name = names.NAME_SHORT


class Int(Primitive):
    ignite_code = TypeCode.INT
    type_id = ids.TYPE_INT
    type_name = names.NAME_INT


class Long(Primitive):
    ignite_code = TypeCode.LONG
    type_id = ids.TYPE_LONG
    type_name = names.NAME_LONG


class Float(Primitive):
    ignite_code = TypeCode.FLOAT
    type_id = ids.TYPE_FLOAT
    type_name = names.NAME_FLOAT


class Double(Primitive):
    ignite_code = TypeCode.DOUBLE
    type_id = ids.TYPE_DOUBLE
    type_name = names.NAME_DOUBLE


class Char(Primitive):
    ignite_code = TypeCode.CHAR
    type_id = ids.TYPE_CHAR
    type_name = names.NAME_CHAR


class Bool(Primitive):
    ignite_code = TypeCode.BOOL
    type_id = ids.TYPE_BOOLEAN
    type_name = names.NAME_BOOLEAN

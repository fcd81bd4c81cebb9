"""Typed primitive hints (``IntObject``, ``LongObject``, ...), with pyignite's names and
constants.

Imports only embergrid.datatypes and embergrid.protocol.codes.
"""

from __future__ import annotations

from embergrid.datatypes import type_codes as tc
from embergrid.datatypes import type_ids as ids
from embergrid.datatypes import type_names as names
from embergrid.datatypes.null_object import Nullable
from embergrid.protocol.codes import TypeCode

__all__ = [
    "BoolObject",
    "ByteObject",
    "CharObject",
    "DataObject",
    "DoubleObject",
    "FloatObject",
    "IntObject",
    "LongObject",
    "ShortObject",
]


class DataObject(Nullable):
    """Base of the typed primitive hints."""

    type_code: bytes | None = None


class ByteObject(DataObject):
    ignite_code = TypeCode.BYTE
    type_code = tc.TC_BYTE
    type_id = ids.TYPE_BYTE
    type_name = names.NAME_BYTE
    pythonic = int
    default = 0


class ShortObject(DataObject):
    ignite_code = TypeCode.SHORT
    type_code = tc.TC_SHORT
    type_id = ids.TYPE_SHORT
    type_name = names.NAME_SHORT
    pythonic = int
    default = 0


class IntObject(DataObject):
    ignite_code = TypeCode.INT
    type_code = tc.TC_INT
    type_id = ids.TYPE_INT
    type_name = names.NAME_INT
    pythonic = int
    default = 0


class LongObject(DataObject):
    ignite_code = TypeCode.LONG
    type_code = tc.TC_LONG
    type_id = ids.TYPE_LONG
    type_name = names.NAME_LONG
    pythonic = int
    default = 0


class FloatObject(DataObject):
    ignite_code = TypeCode.FLOAT
    type_code = tc.TC_FLOAT
    type_id = ids.TYPE_FLOAT
    type_name = names.NAME_FLOAT
    pythonic = float
    default = 0.0


class DoubleObject(DataObject):
    ignite_code = TypeCode.DOUBLE
    type_code = tc.TC_DOUBLE
    type_id = ids.TYPE_DOUBLE
    type_name = names.NAME_DOUBLE
    pythonic = float
    default = 0.0


class CharObject(DataObject):
    """One UTF-16 code unit, a 1-character ``str`` in Python."""

    ignite_code = TypeCode.CHAR
    type_code = tc.TC_CHAR
    type_id = ids.TYPE_CHAR
    type_name = names.NAME_CHAR
    pythonic = str
    default = " "


class BoolObject(DataObject):
    ignite_code = TypeCode.BOOL
    type_code = tc.TC_BOOL
    type_id = ids.TYPE_BOOLEAN
    type_name = names.NAME_BOOLEAN
    pythonic = bool
    default = False

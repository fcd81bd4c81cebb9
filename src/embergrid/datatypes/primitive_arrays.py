"""Primitive array hints (``IntArrayObject``, payload-only ``IntArray``, ...), with
pyignite's names.

Imports only embergrid.datatypes and embergrid.protocol.codes.
"""

from __future__ import annotations

from typing import ClassVar

from embergrid.datatypes import type_codes as tc
from embergrid.datatypes import type_ids as ids
from embergrid.datatypes import type_names as names
from embergrid.datatypes.base import IgniteDataType
from embergrid.datatypes.null_object import Nullable
from embergrid.protocol.codes import TypeCode

__all__ = [
    "BoolArray",
    "BoolArrayObject",
    "ByteArray",
    "ByteArrayObject",
    "CharArray",
    "CharArrayObject",
    "DoubleArray",
    "DoubleArrayObject",
    "FloatArray",
    "FloatArrayObject",
    "IntArray",
    "IntArrayObject",
    "LongArray",
    "LongArrayObject",
    "ShortArray",
    "ShortArrayObject",
]


class PrimitiveArray(IgniteDataType):
    """Base of the payload-only primitive array hints."""

    type_code: bytes | None = None


class PrimitiveArrayObject(Nullable):
    """Base of the typed primitive array hints; a ``list`` in Python (``bytes`` for
    byte[])."""

    type_code: bytes | None = None
    pythonic = list
    default: ClassVar[list[object]] = []


class ByteArray(PrimitiveArray):
    ignite_code = TypeCode.BYTE_ARRAY
    type_code = tc.TC_BYTE_ARRAY
    type_id = ids.TYPE_BYTE_ARR
    type_name = names.NAME_BYTE_ARR


class ByteArrayObject(PrimitiveArrayObject):
    ignite_code = TypeCode.BYTE_ARRAY
    type_code = tc.TC_BYTE_ARRAY
    type_id = ids.TYPE_BYTE_ARR
    type_name = names.NAME_BYTE_ARR


class ShortArray(PrimitiveArray):
    ignite_code = TypeCode.SHORT_ARRAY
    type_code = tc.TC_SHORT_ARRAY
    type_id = ids.TYPE_SHORT_ARR
    type_name = names.NAME_SHORT_ARR


class ShortArrayObject(PrimitiveArrayObject):
    ignite_code = TypeCode.SHORT_ARRAY
    type_code = tc.TC_SHORT_ARRAY
    type_id = ids.TYPE_SHORT_ARR
    type_name = names.NAME_SHORT_ARR


class IntArray(PrimitiveArray):
    ignite_code = TypeCode.INT_ARRAY
    type_code = tc.TC_INT_ARRAY
    type_id = ids.TYPE_INT_ARR
    type_name = names.NAME_INT_ARR


class IntArrayObject(PrimitiveArrayObject):
    ignite_code = TypeCode.INT_ARRAY
    type_code = tc.TC_INT_ARRAY
    type_id = ids.TYPE_INT_ARR
    type_name = names.NAME_INT_ARR


class LongArray(PrimitiveArray):
    ignite_code = TypeCode.LONG_ARRAY
    type_code = tc.TC_LONG_ARRAY
    type_id = ids.TYPE_LONG_ARR
    type_name = names.NAME_LONG_ARR


class LongArrayObject(PrimitiveArrayObject):
    ignite_code = TypeCode.LONG_ARRAY
    type_code = tc.TC_LONG_ARRAY
    type_id = ids.TYPE_LONG_ARR
    type_name = names.NAME_LONG_ARR


class FloatArray(PrimitiveArray):
    ignite_code = TypeCode.FLOAT_ARRAY
    type_code = tc.TC_FLOAT_ARRAY
    type_id = ids.TYPE_FLOAT_ARR
    type_name = names.NAME_FLOAT_ARR


class FloatArrayObject(PrimitiveArrayObject):
    ignite_code = TypeCode.FLOAT_ARRAY
    type_code = tc.TC_FLOAT_ARRAY
    type_id = ids.TYPE_FLOAT_ARR
    type_name = names.NAME_FLOAT_ARR


class DoubleArray(PrimitiveArray):
    ignite_code = TypeCode.DOUBLE_ARRAY
    type_code = tc.TC_DOUBLE_ARRAY
    type_id = ids.TYPE_DOUBLE_ARR
    type_name = names.NAME_DOUBLE_ARR


class DoubleArrayObject(PrimitiveArrayObject):
    ignite_code = TypeCode.DOUBLE_ARRAY
    type_code = tc.TC_DOUBLE_ARRAY
    type_id = ids.TYPE_DOUBLE_ARR
    type_name = names.NAME_DOUBLE_ARR


class CharArray(PrimitiveArray):
    ignite_code = TypeCode.CHAR_ARRAY
    type_code = tc.TC_CHAR_ARRAY
    type_id = ids.TYPE_CHAR_ARR
    type_name = names.NAME_CHAR_ARR


class CharArrayObject(PrimitiveArrayObject):
    ignite_code = TypeCode.CHAR_ARRAY
    type_code = tc.TC_CHAR_ARRAY
    type_id = ids.TYPE_CHAR_ARR
    type_name = names.NAME_CHAR_ARR


class BoolArray(PrimitiveArray):
    ignite_code = TypeCode.BOOL_ARRAY
    type_code = tc.TC_BOOL_ARRAY
    type_id = ids.TYPE_BOOLEAN_ARR
    type_name = names.NAME_BOOLEAN_ARR


class BoolArrayObject(PrimitiveArrayObject):
    ignite_code = TypeCode.BOOL_ARRAY
    type_code = tc.TC_BOOL_ARRAY
    type_id = ids.TYPE_BOOLEAN_ARR
    type_name = names.NAME_BOOLEAN_ARR

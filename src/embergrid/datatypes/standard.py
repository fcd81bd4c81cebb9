"""Standard-type hints (String, Decimal, UUID, Date, Time, Timestamp, Enum and their
arrays).

pyignite's names and constants. Python shapes the codec uses for them:
``TimestampObject`` -- ``(datetime, nanos)``; ``EnumObject``/``BinaryEnumObject`` --
``(type_id, ordinal)``; ``EnumArrayObject`` -- ``(type_id, [(type_id, ordinal), ...])``.
Imports only embergrid.datatypes and embergrid.protocol.codes.
"""

from __future__ import annotations

import decimal
import uuid
from datetime import datetime, timedelta
from typing import ClassVar

from embergrid.datatypes import type_codes as tc
from embergrid.datatypes import type_ids as ids
from embergrid.datatypes import type_names as names
from embergrid.datatypes.base import IgniteDataType
from embergrid.datatypes.null_object import Nullable
from embergrid.protocol.codes import TypeCode

__all__ = [
    "BinaryEnumArrayObject",
    "BinaryEnumObject",
    "DateArray",
    "DateArrayObject",
    "DateObject",
    "DecimalArray",
    "DecimalArrayObject",
    "DecimalObject",
    "EnumArray",
    "EnumArrayObject",
    "EnumObject",
    "ObjectArray",
    "String",
    "StringArray",
    "StringArrayObject",
    "TimeArray",
    "TimeArrayObject",
    "TimeObject",
    "TimestampArray",
    "TimestampArrayObject",
    "TimestampObject",
    "UUIDArray",
    "UUIDArrayObject",
    "UUIDObject",
]


class StandardObject(Nullable):
    """Base of the standard single-value hints."""

    type_code: bytes | None = None


class String(Nullable):
    """UTF-8 string (``str``; ``bytes`` are written as already-encoded UTF-8)."""

    ignite_code = TypeCode.STRING
    type_code = tc.TC_STRING
    type_id = ids.TYPE_STRING
    type_name = names.NAME_STRING
    pythonic = str


class DecimalObject(Nullable):
    ignite_code = TypeCode.DECIMAL
    type_code = tc.TC_DECIMAL
    type_id = ids.TYPE_DECIMAL
    type_name = names.NAME_DECIMAL
    pythonic = decimal.Decimal
    default = decimal.Decimal("0.00")


class UUIDObject(StandardObject):
    ignite_code = TypeCode.UUID
    type_code = tc.TC_UUID
    type_id = ids.TYPE_UUID
    type_name = names.NAME_UUID
    UUID_BYTE_ORDER = (7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8)
    pythonic = uuid.UUID


class TimestampObject(StandardObject):
    """``(datetime, nanos)``: milliseconds since the epoch plus a nanosecond
    fraction."""

    ignite_code = TypeCode.TIMESTAMP
    type_code = tc.TC_TIMESTAMP
    type_id = ids.TYPE_TIMESTAMP
    type_name = names.NAME_TIMESTAMP
    pythonic = tuple
    default = (datetime(1970, 1, 1), 0)


class DateObject(StandardObject):
    """A naive ``datetime`` (local time, as pyignite); ``date`` is accepted on input."""

    ignite_code = TypeCode.DATE
    type_code = tc.TC_DATE
    type_id = ids.TYPE_DATE
    type_name = names.NAME_DATE
    pythonic = datetime
    default = datetime(1970, 1, 1)


class TimeObject(StandardObject):
    """Time of day as a ``timedelta`` (milliseconds since midnight)."""

    ignite_code = TypeCode.TIME
    type_code = tc.TC_TIME
    type_id = ids.TYPE_TIME
    type_name = names.NAME_TIME
    pythonic = timedelta
    default = timedelta()


class EnumObject(StandardObject):
    """``(type_id, ordinal)``."""

    ignite_code = TypeCode.ENUM
    type_code = tc.TC_ENUM
    type_id = ids.TYPE_ENUM
    type_name = "Enum"


class BinaryEnumObject(EnumObject):
    """``(type_id, ordinal)`` written with code 38."""

    ignite_code = TypeCode.BINARY_ENUM
    type_code = tc.TC_BINARY_ENUM
    type_id = ids.TYPE_BINARY_ENUM


class StandardArray(IgniteDataType):
    """Base of the payload-only standard array hints."""

    type_code: bytes | None = None


class StringArray(StandardArray):
    ignite_code = TypeCode.STRING_ARRAY
    type_id = ids.TYPE_STRING_ARR
    type_name = names.NAME_STRING_ARR


class DecimalArray(StandardArray):
    ignite_code = TypeCode.DECIMAL_ARRAY
    type_id = ids.TYPE_DECIMAL_ARR
    type_name = names.NAME_DECIMAL_ARR


class UUIDArray(StandardArray):
    ignite_code = TypeCode.UUID_ARRAY
    type_id = ids.TYPE_UUID_ARR
    type_name = names.NAME_UUID_ARR


class TimestampArray(StandardArray):
    ignite_code = TypeCode.TIMESTAMP_ARRAY
    type_id = ids.TYPE_TIMESTAMP_ARR
    type_name = names.NAME_TIMESTAMP_ARR


class DateArray(StandardArray):
    ignite_code = TypeCode.DATE_ARRAY
    type_id = ids.TYPE_DATE_ARR
    type_name = names.NAME_DATE_ARR


class TimeArray(StandardArray):
    ignite_code = TypeCode.TIME_ARRAY
    type_id = ids.TYPE_TIME_ARR
    type_name = names.NAME_TIME_ARR


class EnumArray(StandardArray):
    ignite_code = TypeCode.ENUM_ARRAY
    type_id = ids.TYPE_ENUM_ARR
    type_name = "Enum[]"


class StandardArrayObject(Nullable):
    """Base of the typed standard array hints: a ``list``, ``None`` elements allowed."""

    type_code: bytes | None = None
    pythonic = list
    default: ClassVar[list[object]] = []


class StringArrayObject(StandardArrayObject):
    ignite_code = TypeCode.STRING_ARRAY
    type_code = tc.TC_STRING_ARRAY
    type_id = ids.TYPE_STRING_ARR
    type_name = names.NAME_STRING_ARR


class DecimalArrayObject(StandardArrayObject):
    ignite_code = TypeCode.DECIMAL_ARRAY
    type_code = tc.TC_DECIMAL_ARRAY
    type_id = ids.TYPE_DECIMAL_ARR
    type_name = names.NAME_DECIMAL_ARR


class UUIDArrayObject(StandardArrayObject):
    ignite_code = TypeCode.UUID_ARRAY
    type_code = tc.TC_UUID_ARRAY
    type_id = ids.TYPE_UUID_ARR
    type_name = names.NAME_UUID_ARR


class TimestampArrayObject(StandardArrayObject):
    ignite_code = TypeCode.TIMESTAMP_ARRAY
    type_code = tc.TC_TIMESTAMP_ARRAY
    type_id = ids.TYPE_TIMESTAMP_ARR
    type_name = names.NAME_TIMESTAMP_ARR


class DateArrayObject(StandardArrayObject):
    ignite_code = TypeCode.DATE_ARRAY
    type_code = tc.TC_DATE_ARRAY
    type_id = ids.TYPE_DATE_ARR
    type_name = names.NAME_DATE_ARR


class TimeArrayObject(StandardArrayObject):
    ignite_code = TypeCode.TIME_ARRAY
    type_code = tc.TC_TIME_ARRAY
    type_id = ids.TYPE_TIME_ARR
    type_name = names.NAME_TIME_ARR


class EnumArrayObject(StandardArrayObject):
    """``(type_id, [(type_id, ordinal) or None, ...])``; elements written as code 28."""

    ignite_code = TypeCode.ENUM_ARRAY
    element_code = TypeCode.ENUM
    type_code = tc.TC_ENUM_ARRAY
    type_id = ids.TYPE_ENUM_ARR
    type_name = "Enum[]"
    OBJECT = -1


class BinaryEnumArrayObject(EnumArrayObject):
    """Like ``EnumArrayObject`` but the elements are written as code 38."""

    element_code = TypeCode.BINARY_ENUM


class ObjectArray(EnumArrayObject):
    """pyignite's name; it behaves as ``BinaryEnumArrayObject`` there too."""

    element_code = TypeCode.BINARY_ENUM

"""Container hints: object arrays, collections, maps, complex and wrapped binary
objects.

pyignite's names and constants. Python shapes the codec uses for them:
``ObjectArrayObject`` -- ``(type_id, iterable)``; ``CollectionObject`` --
``(kind, iterable)``; ``MapObject`` -- ``(kind, dict)`` (a bare ``dict`` is also
accepted); ``BinaryObject`` -- a ``GenericObjectMeta`` instance. Imports only
embergrid.datatypes and embergrid.protocol.codes.
"""

from __future__ import annotations

from embergrid.datatypes import type_codes as tc
from embergrid.datatypes import type_ids as ids
from embergrid.datatypes import type_names as names
from embergrid.datatypes.base import IgniteDataType
from embergrid.datatypes.null_object import Nullable
from embergrid.protocol.codes import TypeCode

__all__ = [
    "BinaryObject",
    "CollectionObject",
    "Map",
    "MapObject",
    "ObjectArrayObject",
    "WrappedDataObject",
]


class ObjectArrayObject(Nullable):
    """``(type_id, iterable)``; ``OBJECT`` (-1) is ``java.lang.Object``."""

    ignite_code = TypeCode.OBJECT_ARRAY
    type_code = tc.TC_OBJECT_ARRAY
    type_id = ids.TYPE_OBJ_ARR
    type_name = names.NAME_OBJ_ARR
    OBJECT = -1


class WrappedDataObject(Nullable):
    """Code 27, decode only: its value is the embedded object."""

    ignite_code = TypeCode.BINARY_OBJECT
    type_code = tc.TC_ARRAY_WRAPPED_OBJECTS


class CollectionObject(Nullable):
    """``(kind, iterable)``; the kind hints the reader's Java collection class."""

    ignite_code = TypeCode.COLLECTION
    type_code = tc.TC_COLLECTION
    type_id = ids.TYPE_COL
    type_name = names.NAME_COL
    USER_SET = -1
    USER_COL = 0
    ARR_LIST = 1
    LINKED_LIST = 2
    HASH_SET = 3
    LINKED_HASH_SET = 4
    SINGLETON_LIST = 5


class _MapKinds:
    HASH_MAP = 1
    LINKED_HASH_MAP = 2


class Map(IgniteDataType, _MapKinds):
    """Payload-only map in pyignite; here it writes a typed map of kind ``HASH_MAP``."""

    ignite_code = TypeCode.MAP
    type_id = ids.TYPE_MAP
    type_name = names.NAME_MAP


class MapObject(Nullable, _MapKinds):
    """``(kind, dict)``: ``HASH_MAP`` decodes to ``dict``, ``LINKED_HASH_MAP`` to
    ``OrderedDict``."""

    ignite_code = TypeCode.MAP
    type_code = tc.TC_MAP
    type_id = ids.TYPE_MAP
    type_name = names.NAME_MAP


class BinaryObject(Nullable):
    """A complex object (code 103); the header flag constants are pyignite's."""

    ignite_code = TypeCode.COMPLEX_OBJECT
    type_code = tc.TC_COMPLEX_OBJECT
    type_id = ids.TYPE_BINARY_OBJ
    USER_TYPE = 0x0001
    HAS_SCHEMA = 0x0002
    HAS_RAW_DATA = 0x0004
    OFFSET_ONE_BYTE = 0x0008
    OFFSET_TWO_BYTES = 0x0010
    COMPACT_FOOTER = 0x0020

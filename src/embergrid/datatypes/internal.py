"""pyignite's internal names that user code can still reach: ``AnyDataObject`` and
friends.

``AnyDataObject`` as a hint means "infer from the Python value" (the default).
``Struct`` and ``StructArray`` are inert field lists (our messages are dataclasses, not
structs); ``tc_map`` maps a one-byte type code to its hint; ``infer_from_python`` writes
one value to anything with a ``write(bytes)`` method. Imports embergrid.datatypes and,
for the last one, embergrid.protocol.binary.codec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from embergrid.datatypes import complex as cx
from embergrid.datatypes import null_object as nul
from embergrid.datatypes import primitive_arrays as pa
from embergrid.datatypes import primitive_objects as po
from embergrid.datatypes import standard as st
from embergrid.datatypes.base import IgniteDataType
from embergrid.protocol.binary.codec import encode

__all__ = [
    "AnyDataArray",
    "AnyDataObject",
    "Struct",
    "StructArray",
    "infer_from_python",
    "infer_from_python_async",
    "tc_map",
]


class AnyDataObject(IgniteDataType):
    """No fixed type: the codec infers it from the Python value (pyignite's mapping)."""


class AnyDataArray(AnyDataObject):
    """Elements of any type; as a hint it also means "infer"."""


@dataclass
class Struct:
    """An inert list of ``(name, hint)`` fields, kept for pyignite compatibility."""

    fields: list[tuple[str, Any]]
    dict_type: type = dict
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass
class StructArray:
    """An inert list of ``(name, hint)`` fields of each element (compatibility)."""

    following: list[tuple[str, Any]] = field(default_factory=list)
    counter_type: Any = None
    defaults: dict[str, Any] = field(default_factory=dict)


_HINTS_BY_CODE: dict[bytes, type[IgniteDataType]] = {
    hint.type_code: hint
    for hint in (
        po.ByteObject,
        po.ShortObject,
        po.IntObject,
        po.LongObject,
        po.FloatObject,
        po.DoubleObject,
        po.CharObject,
        po.BoolObject,
        st.String,
        st.UUIDObject,
        st.DateObject,
        pa.ByteArrayObject,
        pa.ShortArrayObject,
        pa.IntArrayObject,
        pa.LongArrayObject,
        pa.FloatArrayObject,
        pa.DoubleArrayObject,
        pa.CharArrayObject,
        pa.BoolArrayObject,
        st.StringArrayObject,
        st.UUIDArrayObject,
        st.DateArrayObject,
        cx.ObjectArrayObject,
        cx.CollectionObject,
        cx.MapObject,
        cx.WrappedDataObject,
        st.EnumObject,
        st.EnumArrayObject,
        st.DecimalObject,
        st.DecimalArrayObject,
        st.TimestampObject,
        st.TimestampArrayObject,
        st.TimeObject,
        st.TimeArrayObject,
        st.BinaryEnumObject,
        cx.BinaryObject,
    )
    if hint.type_code is not None
}
_HINTS_BY_CODE[b"\x65"] = nul.Null


def tc_map(key: bytes) -> type[IgniteDataType]:
    """The hint class for a one-byte type code (``KeyError`` if there is none)."""
    return _HINTS_BY_CODE[key]


class _Writable(Protocol):
    def write(self, data: bytes, /) -> Any: ...


def infer_from_python(stream: _Writable, value: Any) -> None:
    """Write ``value`` (or a ``(value, hint)`` pair) as one data object to
    ``stream``."""
    stream.write(encode(value))


async def infer_from_python_async(stream: _Writable, value: Any) -> None:
    """Same as :func:`infer_from_python` (kept for pyignite name compatibility)."""
    infer_from_python(stream, value)

"""The base of every type hint: ``IgniteDataType`` carries a ``TypeCode``, nothing else.

Owns the marker protocol the codec reads (``embergrid.protocol.binary.hints``):

* ``ignite_code`` -- the ``TypeCode`` a value given with this hint is written as
  (``None``: infer it from the Python value, as pyignite's ``AnyDataObject`` does);
* ``element_code`` -- for arrays whose element kind is not implied by the array code
  (``BinaryEnumArrayObject`` writes code-38 elements into a code-29 array);
* ``type_code``, ``type_id``, ``type_name`` -- pyignite's public constants, unchanged
  (``type_code`` is pyignite's one-byte ``bytes``, not the enum).

Hints hold no parsing or writing logic (STYLE §4). Imports only
``embergrid.protocol.codes``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from embergrid.protocol.codes import TypeCode

__all__ = ["IgniteDataType"]


class IgniteDataType:
    """Base class of all type hints (a marker: never instantiated by the codec)."""

    ignite_code: ClassVar[TypeCode | None] = None
    element_code: ClassVar[TypeCode | None] = None
    type_id: ClassVar[int | None] = None
    type_name: ClassVar[str | None] = None
    default: ClassVar[Any]

"""The ``Null`` hint and pyignite's ``Nullable`` base name.

Imports only embergrid.datatypes.
"""

from __future__ import annotations

from embergrid.datatypes.base import IgniteDataType
from embergrid.protocol.codes import TypeCode

__all__ = ["Null", "Nullable"]


class Null(IgniteDataType):
    """Always written as the NULL data object (code 101), whatever the value."""

    ignite_code = TypeCode.NULL
    default = None


class Nullable(IgniteDataType):
    """Base name kept for pyignite compatibility; every hint here accepts ``None``."""

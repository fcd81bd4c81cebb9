"""SQL statement types (pyignite's ``StatementType``).

Imports only embergrid.datatypes.
"""

from __future__ import annotations

from embergrid.datatypes.primitive import Byte

__all__ = ["StatementType"]


class StatementType(Byte):
    ANY = 0
    SELECT = 1
    UPDATE = 2

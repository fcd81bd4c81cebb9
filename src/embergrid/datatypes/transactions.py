"""Transaction concurrency and isolation enums, with pyignite's names and values.

Imports nothing from embergrid.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["TransactionConcurrency", "TransactionIsolation"]


class TransactionConcurrency(IntEnum):
    """Cache transaction concurrency control."""

    #: Optimistic concurrency control.
    OPTIMISTIC = 0
    #: Pessimistic concurrency control.
    PESSIMISTIC = 1


class TransactionIsolation(IntEnum):
    """Cache transaction isolation levels."""

    #: Read committed isolation level.
    READ_COMMITTED = 0
    #: Repeatable read isolation level.
    REPEATABLE_READ = 1
    #: Serializable isolation level.
    SERIALIZABLE = 2

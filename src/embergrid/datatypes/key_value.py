"""Peek modes of ``Cache.local_peek`` / ``OP_CACHE_LOCAL_PEEK`` (pyignite's
``PeekModes``).

Imports nothing from embergrid.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["PeekModes"]


class PeekModes(IntEnum):
    """Where ``local_peek`` looks for an entry."""

    ALL = 0
    NEAR = 1
    PRIMARY = 2
    BACKUP = 3
    ONHEAP = 4
    OFFHEAP = 5

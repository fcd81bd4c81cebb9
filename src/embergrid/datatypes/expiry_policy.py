"""``ExpiryPolicy(create=, update=, access=)``: TTLs in milliseconds or ``timedelta``.

Same constructor, constants and validation as pyignite's; ``durations_ms()`` gives the
three i64 values the wire carries (``timedelta`` floored to whole milliseconds).
Imports only embergrid.errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from embergrid.errors import ParameterError

__all__ = ["ExpiryPolicy"]

Duration = int | timedelta


@dataclass(kw_only=True)
class ExpiryPolicy:
    """Set expiry policy for the cache."""

    #: Set TTL unchanged.
    UNCHANGED: ClassVar[int] = -2
    #: Set TTL eternal.
    ETERNAL: ClassVar[int] = -1

    #: TTL for create, in milliseconds or a ``timedelta``.
    create: Duration = -2
    #: TTL for update, in milliseconds or a ``timedelta``.
    update: Duration = -2
    #: TTL for access, in milliseconds or a ``timedelta``.
    access: Duration = -2

    def __post_init__(self) -> None:
        for name in ("create", "update", "access"):
            _check(name, getattr(self, name))

    def durations_ms(self) -> tuple[int, int, int]:
        """``(create, update, access)`` as whole milliseconds."""
        return (_ms(self.create), _ms(self.update), _ms(self.access))


def _ms(value: Duration) -> int:
    if isinstance(value, timedelta):
        return math.floor(value.total_seconds() * 1000)
    return value


def _check(name: str, value: object) -> None:
    if not isinstance(value, int | timedelta):
        raise TypeError(f"'{name}' must be an int (milliseconds) or a timedelta")
    ms = value.total_seconds() * 1000 if isinstance(value, timedelta) else value
    if ms < 0 and ms not in (ExpiryPolicy.UNCHANGED, ExpiryPolicy.ETERNAL):
        raise ParameterError(f"'{name}' value must not be negative")

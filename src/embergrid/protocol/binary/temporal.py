"""Date, Time and Timestamp conversions, exactly as pyignite 0.6.1 computes them.

Theory of operation: pyignite turns a ``datetime`` into milliseconds with
``int(dt.timestamp() * 1000)`` -- float arithmetic, truncation toward zero, and the
*local* time zone for naive values -- and back with
``datetime.fromtimestamp(ms / 1000)`` (naive, local). A ``timedelta`` becomes
``int(td.total_seconds() * 1000)``. We repeat those expressions so our bytes equal
pyignite's, including its occasional one-millisecond truncation (about 1 % of
millisecond-aligned datetimes). Standard library only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

__all__ = ["date_to_ms", "ms_to_date", "ms_to_time", "time_to_ms"]

_MIDNIGHT = time()


def date_to_ms(value: date) -> int:
    """Milliseconds since the epoch of a ``datetime`` or ``date`` (pyignite's rule)."""
    if type(value) is date:
        value = datetime.combine(value, _MIDNIGHT)
    return int(value.timestamp() * 1000)  # type: ignore[attr-defined]


def ms_to_date(ms: int) -> datetime:
    """A naive local ``datetime`` for epoch milliseconds (pyignite's rule)."""
    return datetime.fromtimestamp(ms / 1000)


def time_to_ms(value: timedelta) -> int:
    """Milliseconds of a ``timedelta`` (pyignite's rule)."""
    return int(value.total_seconds() * 1000)


def ms_to_time(ms: int) -> timedelta:
    return timedelta(milliseconds=ms)

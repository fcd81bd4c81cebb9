"""Normalized outcomes of client calls, so two servers' answers compare with ``==``.

Owns ``normalize`` (a pyignite result -> plain, comparable Python data) and
``outcome`` (run a call; its normalized value, or the exception's class, status and
message). Must not import ``embergrid``: it describes what a pyignite user sees.
"""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from collections.abc import Callable
from typing import Any

from pyignite.aio_cache import AioCache
from pyignite.cache import Cache
from pyignite.exceptions import HandshakeError, ParameterError

Outcome = tuple[Any, ...]


def normalize(value: Any) -> Any:
    """A comparable form: complex objects become (type name, fields)."""
    schema = getattr(type(value), "_schema", None)
    if schema is not None and hasattr(value, "type_name"):
        fields = {name: normalize(getattr(value, name, None)) for name in schema}
        return ("object", value.type_name, fields)
    if isinstance(value, (Cache, AioCache)):
        return ("cache", value.name)
    if isinstance(value, type):
        return ("type", value.__name__)
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    if isinstance(value, dict):
        return (
            "dict",
            sorted((repr(normalize(k)), normalize(v)) for k, v in value.items()),
        )
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return ("set", sorted(repr(normalize(v)) for v in value))
    if isinstance(value, (bytes, bytearray)):
        return ("bytes", bytes(value))
    if isinstance(
        value, (int, float, str, bool, type(None), uuid.UUID, decimal.Decimal)
    ):
        return (type(value).__name__, value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.timedelta)):
        return (type(value).__name__, value)
    return ("repr", type(value).__name__, repr(value))


def error_outcome(exc: BaseException) -> Outcome:
    """The comparable part of an exception: class name, status (if kept) and text."""
    return ("error", type(exc).__name__, getattr(exc, "status", None), str(exc))


def outcome(call: Callable[[], Any]) -> Outcome:
    """Run ``call``: ("ok", normalized result) or ``error_outcome`` of its error."""
    try:
        return ("ok", normalize(call()))
    except (HandshakeError, ConnectionError):
        raise  # a dead connection is a test failure, never a compared result
    except (ParameterError, Exception) as exc:
        return error_outcome(exc)

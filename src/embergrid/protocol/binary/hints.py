"""Turning a type hint into a ``TypeCode``: the marker protocol of
``embergrid.datatypes``.

A hint is a ``TypeCode`` (or plain int code), or a class carrying ``ignite_code``
(embergrid's hints) or pyignite's one-byte ``type_code`` (pyignite's own hint classes
work too). ``ignite_code = None`` means "infer from the value" (``AnyDataObject``).
Standard library only; imports nothing from embergrid but ``codes`` and ``errors``.
"""

from __future__ import annotations

from embergrid.errors import ParameterError, ParameterTypeError
from embergrid.protocol.codes import TypeCode

__all__ = ["element_code", "hint_code", "is_hint_class"]


def is_hint_class(obj: object) -> bool:
    """True for a class usable as the second item of a ``(value, hint)`` pair."""
    return isinstance(obj, type) and (
        hasattr(obj, "ignite_code")
        or isinstance(getattr(obj, "type_code", None), bytes)
    )


def hint_code(hint: object) -> TypeCode | None:
    """The type code a hint selects, or ``None`` to infer it; ``ParameterError`` if
    invalid."""
    if hint is None:
        return None
    if isinstance(hint, int):
        return _code(hint)
    code = getattr(hint, "ignite_code", _MISSING)
    if code is _MISSING:
        raw = getattr(hint, "type_code", None)
        if isinstance(raw, bytes) and len(raw) == 1:
            return _code(raw[0])
        if isinstance(hint, type) and hint.__name__ in (
            "AnyDataObject",
            "AnyDataArray",
        ):
            return None
        raise ParameterTypeError(f"{hint!r} is not a type hint")
    return None if code is None else _code(int(code))  # type: ignore[call-overload]


def element_code(hint: object) -> TypeCode | None:
    """For enum array hints: the code of the elements (28 or 38), when the hint says."""
    code = getattr(hint, "element_code", None)
    if code is None:
        standard = getattr(hint, "standard_type", None)  # pyignite's hint classes
        raw = getattr(standard, "type_code", None)
        return _code(raw[0]) if isinstance(raw, bytes) and len(raw) == 1 else None
    return _code(int(code))


def _code(value: int) -> TypeCode:
    try:
        return TypeCode(value)
    except ValueError:
        raise ParameterError(f"unknown type code {value}") from None


_MISSING = object()

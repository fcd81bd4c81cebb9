"""``java.math.BigDecimal`` on the wire (reference §8.4): scale, then sign-magnitude
bytes.

Encoding follows pyignite: the value is normalized first, so trailing zeros are dropped
(``Decimal('1.50')`` goes out as unscaled 15, scale 1). Unlike pyignite, which
normalizes in the default 28-digit context and so silently rounds longer values,
normalization here is exact: a value never loses digits on the way out. Decoding is
exact too.
Standard library only.
"""

from __future__ import annotations

import decimal

from embergrid.errors import ParameterError, ParseError

__all__ = ["decimal_parts", "parts_to_decimal"]

_EXACT = decimal.Context(
    prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN
)


def decimal_parts(value: decimal.Decimal) -> tuple[int, bytes]:
    """``(scale, magnitude)``, the sign in the top bit of the first magnitude byte."""
    sign, digits, exponent = value.normalize(_EXACT).as_tuple()
    if not isinstance(exponent, int):
        raise ParameterError(f"{value} has no BigDecimal form")
    unscaled = 0
    for digit in digits:
        unscaled = unscaled * 10 + digit
    magnitude = bytearray(unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big"))
    if sign:
        magnitude[0] |= 0x80
    return -exponent, bytes(magnitude)


def parts_to_decimal(scale: int, magnitude: bytes | memoryview) -> decimal.Decimal:
    """The exact value of a scale and a sign-magnitude byte string."""
    if not magnitude:
        raise ParseError("decimal with an empty magnitude")
    negative = magnitude[0] & 0x80
    unscaled = int.from_bytes(magnitude, "big")
    if negative:
        unscaled &= ~(0x80 << (8 * (len(magnitude) - 1)))
    result = decimal.Decimal(unscaled).scaleb(-scale, _EXACT)
    return result.copy_negate() if negative else result

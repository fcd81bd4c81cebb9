"""Encode/decode rates of embergrid's codec against pyignite 0.6.1's, in one run.

Run: ``python benchmarks/codec.py``. Prints one row per case (ours and pyignite's
operations per second, and the ratio) for encoding and decoding, then
``smallest ratio: X.XX``. Cases that need another module (the 10-field complex object)
are added through ``extra_cases()`` once ``embergrid.protocol.binary.objects`` exists.
"""

from __future__ import annotations

import datetime
import decimal
import time
from collections.abc import Callable
from typing import Any

import pyignite.datatypes as P
from pyignite.datatypes.internal import AnyDataObject
from pyignite.stream import BinaryStream

import embergrid.datatypes as E
from embergrid.protocol.binary.codec import decode, encode


class _Client:
    """The attributes of a pyignite Client that its BinaryStream touches offline."""

    compact_footer = False
    protocol_context = None


def _pyi_encode(value: Any, hint: Any) -> bytes:
    with BinaryStream(_Client()) as stream:
        hint.from_python(stream, value)
        return stream.getvalue()


def _pyi_decode(data: bytes) -> Any:
    with BinaryStream(_Client(), data) as stream:
        ctype = AnyDataObject.parse(stream)
        return AnyDataObject.to_python(stream.read_ctype(ctype, position=0))


def base_cases() -> list[tuple[str, Any, Any, Any]]:
    """``(name, value, our hint, pyignite hint)``."""
    return [
        ("int", 123456789, None, AnyDataObject),
        ("short string", "hello, world", None, AnyDataObject),
        ("1 KiB string", "x" * 1024, None, AnyDataObject),
        ("10 KiB bytes", bytes(range(256)) * 40, None, AnyDataObject),
        ("list of 1000 ints", list(range(1000)), None, AnyDataObject),
        (
            "dict of 1000 str->int",
            (1, {f"key{i}": i for i in range(1000)}),
            E.MapObject,
            P.MapObject,
        ),
        ("Decimal", decimal.Decimal("-12345.6789"), None, AnyDataObject),
        (
            "Timestamp",
            (datetime.datetime(2024, 5, 6, 7, 8, 9, 123000), 456789),
            E.TimestampObject,
            P.TimestampObject,
        ),
    ]


def extra_cases() -> list[tuple[str, Any, Any, Any]]:
    """Hook: the 10-field complex object, once the complex-object codec has landed."""
    try:
        from embergrid.protocol.binary import objects  # noqa: F401
    except ImportError:
        return []
    return []  # to be filled by the complex-object engineer


def _rate(fn: Callable[[], Any], budget: float = 0.3) -> float:
    n, elapsed = 1, 0.0
    while elapsed < budget:
        n *= 2
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
    return n / elapsed


def main() -> None:
    ratios: list[float] = []
    print(
        f"{'case':24} {'op':6} {'ours ops/s':>12} {'pyignite ops/s':>15} {'ratio':>7}"
    )
    for name, value, ours_hint, pyi_hint in base_cases() + extra_cases():
        data = _pyi_encode(value, pyi_hint)
        assert encode(value, ours_hint) == data, name
        rows = (
            (
                "encode",
                lambda v=value, h=ours_hint: encode(v, h),
                lambda v=value, h=pyi_hint: _pyi_encode(v, h),
            ),
            ("decode", lambda d=data: decode(d), lambda d=data: _pyi_decode(d)),
        )
        for op, ours, theirs in rows:
            a, b = _rate(ours), _rate(theirs)
            ratios.append(a / b)
            print(f"{name:24} {op:6} {a:12,.0f} {b:15,.0f} {a / b:7.2f}")
    print(f"smallest ratio: {min(ratios):.2f}")


if __name__ == "__main__":
    main()

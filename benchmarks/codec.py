"""Encode/decode rates of embergrid's codec against pyignite 0.6.1's, in one run.

Run: ``python benchmarks/codec.py``. Prints one row per case (ours and pyignite's
operations per second, and the ratio) for encoding and decoding, then
``smallest ratio: X.XX``. The 10-field complex object is encoded with a full footer
by both sides and decoded through each side's type registry.
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


class _ComplexClient(_Client):
    """pyignite's client stand-in plus the binary type registry its objects use."""

    def __init__(self) -> None:
        self.registry: dict[tuple[int, int], Any] = {}

    def register_binary_type(self, cls: Any, *args: Any, **kwargs: Any) -> None:
        self.registry[cls.type_id, cls.schema_id] = cls

    def query_binary_type(self, type_id: int, schema_id: Any = None) -> Any:
        return self.registry.get((type_id, schema_id))


_FIELDS = [
    ("id", "IntObject", 42),
    ("name", "String", "Ivan Ivanov"),
    ("email", "String", "ivan@example.com"),
    ("age", "IntObject", 33),
    ("balance", "DoubleObject", 1234.5),
    ("active", "BoolObject", True),
    ("score", "LongObject", 9_876_543_210),
    ("city", "String", "Moscow"),
    ("level", "ShortObject", 7),
    ("note", "String", "a ten-field complex object"),
]


def complex_case() -> tuple[
    Callable[[], Any], Callable[[], Any], Callable[[], Any], Callable[[], Any], bytes
]:
    """Encoders and decoders of a 10-field object: ours, then pyignite's."""
    from collections import OrderedDict

    from pyignite.binary import GenericObjectMeta as PMeta
    from pyignite.datatypes import BinaryObject as PBinaryObject
    from pyignite.stream import READ_BACKWARD

    from embergrid.protocol.binary.generic import GenericObjectMeta, TypeCache
    from embergrid.protocol.binary.objects import decode_complex, encode_complex

    ours_cls = GenericObjectMeta(
        "Bench", (), {}, schema=OrderedDict((n, getattr(E, h)) for n, h, _ in _FIELDS)
    )
    theirs_cls = PMeta(
        "Bench", (), {}, schema=OrderedDict((n, getattr(P, h)) for n, h, _ in _FIELDS)
    )
    values = {n: v for n, _, v in _FIELDS}
    client = _ComplexClient()
    client.register_binary_type(theirs_cls)
    types = TypeCache(classes=[ours_cls])

    def ours_encode() -> bytes:
        out = bytearray()
        encode_complex(out, ours_cls(**values), compact_footer=False)
        return bytes(out)

    def theirs_encode() -> bytes:
        with BinaryStream(client) as stream:
            PBinaryObject.from_python(stream, theirs_cls(**values))
            return stream.getvalue()

    data = theirs_encode()
    assert ours_encode() == data

    def ours_decode() -> Any:
        return decode_complex(data, 0, types)[0]

    def theirs_decode() -> Any:
        with BinaryStream(client, data) as stream:
            ctype = PBinaryObject.parse(stream)
            return PBinaryObject.to_python(
                stream.read_ctype(ctype, direction=READ_BACKWARD), client=client
            )

    assert ours_decode().name == theirs_decode().name == "Ivan Ivanov"
    return ours_encode, theirs_encode, ours_decode, theirs_decode, data


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
    rows_by_case: list[tuple[str, tuple[tuple[str, Any, Any], ...]]] = []
    for name, value, ours_hint, pyi_hint in base_cases():
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
        rows_by_case.append((name, rows))
    oe, te, od, td, _ = complex_case()
    rows_by_case.append(
        ("10-field complex object", (("encode", oe, te), ("decode", od, td)))
    )
    for name, rows in rows_by_case:
        for op, ours, theirs in rows:
            a, b = _rate(ours), _rate(theirs)
            ratios.append(a / b)
            print(f"{name:24} {op:6} {a:12,.0f} {b:15,.0f} {a / b:7.2f}")
    print(f"smallest ratio: {min(ratios):.2f}")


if __name__ == "__main__":
    main()

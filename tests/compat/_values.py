"""The value matrix of the differential key-value tests: (id, value, hint).

One row per pyignite type hint (and the hintless inference of each Python type),
complex objects included. Must not import ``embergrid``.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from pyignite import GenericObjectMeta
from pyignite.datatypes import (
    BinaryObject,
    BoolArrayObject,
    BoolObject,
    ByteArrayObject,
    ByteObject,
    CharArrayObject,
    CharObject,
    CollectionObject,
    DateArrayObject,
    DateObject,
    DecimalArrayObject,
    DecimalObject,
    DoubleArrayObject,
    DoubleObject,
    FloatArrayObject,
    FloatObject,
    IntArrayObject,
    IntObject,
    LongArrayObject,
    LongObject,
    MapObject,
    ObjectArrayObject,
    ShortArrayObject,
    ShortObject,
    String,
    StringArrayObject,
    TimeObject,
    TimestampArrayObject,
    TimestampObject,
    UUIDArrayObject,
    UUIDObject,
)


class CompatAddress(
    metaclass=GenericObjectMeta,
    type_name="compat.values.Address",
    schema={"city": String, "zip": IntObject},
):
    """A nested complex type."""


class CompatPerson(
    metaclass=GenericObjectMeta,
    type_name="compat.values.Person",
    schema={
        "name": String,
        "age": IntObject,
        "score": DoubleObject,
        "tags": StringArrayObject,
        "address": BinaryObject,  # a nested CompatAddress
    },
):
    """A complex type with a nested object field and an optional one."""


UTC = datetime.UTC
U1 = uuid.UUID("12345678-1234-5678-9abc-def012345678")
U2 = uuid.UUID("aedaa5b0-e3d8-49d5-88ff-51e469ff3756")
D1 = datetime.datetime(2024, 2, 29, 13, 45, 7, 123000)
D2 = datetime.datetime(1969, 12, 31, 23, 59, 59)


def person(name: str | None, age: int | None, address: Any = None) -> CompatPerson:
    return CompatPerson(name=name, age=age, score=1.5, tags=["a", "b"], address=address)


VALUES: list[tuple[str, Any, Any]] = [
    ("int-inferred", 42, None),
    ("int-big-inferred", 2**40, None),
    ("byte", -128, ByteObject),
    ("short", 32767, ShortObject),
    ("int", -(2**31), IntObject),
    ("long", 2**63 - 1, LongObject),
    ("float", 1.5, FloatObject),
    ("double", -2.25e300, DoubleObject),
    ("double-inferred", 0.1, None),
    ("char", "Ж", CharObject),
    ("bool-true", True, None),
    ("bool-false", False, BoolObject),
    ("string", "hello", None),
    ("string-unicode", "héllo, 世界 🎉", String),
    ("string-empty", "", None),
    ("uuid", U1, None),
    ("uuid-hint", U2, UUIDObject),
    ("date", D1, DateObject),
    ("timestamp", (D1, 999999), TimestampObject),
    ("timestamp-inferred", D2, None),
    ("time", datetime.timedelta(hours=5, minutes=3, seconds=2), TimeObject),
    ("decimal", decimal.Decimal("123.456"), None),
    ("decimal-negative", decimal.Decimal("-0.000001"), DecimalObject),
    ("decimal-big", decimal.Decimal("1234567890123456789012345678.9"), DecimalObject),
    ("decimal-int-scale", decimal.Decimal("1E+3"), DecimalObject),
    ("bytes-inferred", bytes([0, 1, 255]), None),
    ("byte-array", [1, -2, 127], ByteArrayObject),
    ("short-array", [1, -2, 300], ShortArrayObject),
    ("int-array", [1, -2, 70000], IntArrayObject),
    ("int-array-empty", [], IntArrayObject),
    ("long-array", [2**40, -1], LongArrayObject),
    ("float-array", [0.5, -1.25], FloatArrayObject),
    ("double-array", [0.1, 1e-300], DoubleArrayObject),
    ("char-array", ["a", "Я"], CharArrayObject),
    ("bool-array", [True, False, True], BoolArrayObject),
    ("string-array", ["x", "", "ü"], StringArrayObject),
    ("string-array-with-null", ["x", None], StringArrayObject),
    ("uuid-array", [U1, U2], UUIDArrayObject),
    ("date-array", [D1, D2], DateArrayObject),
    ("timestamp-array", [(D1, 1), (D2, 0)], TimestampArrayObject),
    (
        "decimal-array",
        [decimal.Decimal("1.5"), decimal.Decimal("-20")],
        DecimalArrayObject,
    ),
    (
        "collection-array-list",
        (CollectionObject.ARR_LIST, [1, "two", 3.0]),
        CollectionObject,
    ),
    (
        "collection-linked-list",
        (CollectionObject.LINKED_LIST, [1, 2]),
        CollectionObject,
    ),
    ("collection-hash-set", (CollectionObject.HASH_SET, [7]), CollectionObject),
    (
        "collection-linked-hash-set",
        (CollectionObject.LINKED_HASH_SET, ["a", "b"]),
        CollectionObject,
    ),
    ("collection-user-col", (CollectionObject.USER_COL, [None, 5]), CollectionObject),
    ("map-hash", (MapObject.HASH_MAP, {"a": 1, 2: "b"}), MapObject),
    (
        "map-linked-hash",
        (MapObject.LINKED_HASH_MAP, {"z": "last", "y": None, "x": 1.5}),
        MapObject,
    ),
    ("map-inferred", {"k": "v"}, None),
    (
        "object-array",
        (ObjectArrayObject.OBJECT, [1, "s", None, 2.5]),
        ObjectArrayObject,
    ),
    ("complex", person("Ann", 33), None),
    ("complex-nested", person("Bob", 7, CompatAddress(city="Oslo", zip=150)), None),
    ("complex-none-fields", person(None, None), None),
]

# Values that can also serve as keys (hashable in pyignite's key encoding).
KEYS: list[tuple[str, Any, Any]] = [
    row
    for row in VALUES
    if row[0].startswith(
        (
            "int",
            "byte",
            "short",
            "long",
            "float",
            "double",
            "char",
            "bool",
            "string",
            "uuid",
            "date",
            "timestamp",
            "decimal",
            "complex",
        )
    )
    and not row[0].endswith("array")
    and "array" not in row[0]
]

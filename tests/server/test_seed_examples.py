"""The seed's pyignite examples against our server, asserting what the seed prints.

Source: pyignite's published examples (get_and_put, type_hints,
expiry_policy, scans, get_and_put_complex, binary_basics, migrate_binary).
Time is driven through the server's FakeClock instead of ``time.sleep``.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from pyignite import AioClient, Client, GenericObjectMeta
from pyignite.cache import Cache
from pyignite.datatypes import (
    BoolObject,
    CharObject,
    CollectionObject,
    DateObject,
    DecimalObject,
    IntObject,
    MapObject,
    ObjectArrayObject,
    ShortObject,
    String,
)
from pyignite.datatypes.expiry_policy import ExpiryPolicy
from pyignite.datatypes.prop_codes import PROP_EXPIRY_POLICY, PROP_NAME
from pyignite.exceptions import BinaryTypeError

from embergrid.engine import FakeClock, messages
from embergrid.protocol.binary.hashing import type_id
from embergrid.protocol.codes import TypeCode


def test_get_and_put(cache: Cache) -> None:
    cache.put("my key", 42)
    assert cache.get("my key") == 42
    assert cache.get("non-existent key") is None
    assert cache.get_all(["my key", "non-existent key", "other-key"]) == {"my key": 42}


def test_type_hints(cache: Cache) -> None:
    cache.put("my key", 42)
    cache.put("my key", 42, value_hint=ShortObject)
    assert cache.get("my key") == 42
    cache.put("a", 1)
    cache.put("a", 2, key_hint=CharObject)
    assert cache.get("a") == 1
    assert cache.get("a", key_hint=CharObject) == 2
    assert cache.get_size() == 3
    cache.remove_keys(["a", ("a", CharObject)])
    assert cache.get("a") is None
    assert cache.get("a", key_hint=CharObject) is None
    assert cache.get_size() == 1


def test_type_hints_long_and_short_keys_differ(cache: Cache) -> None:
    cache.put(42, "long")
    cache.put(42, "short", key_hint=ShortObject)
    assert cache.get(42) == "long"
    assert cache.get(42, key_hint=ShortObject) == "short"


def test_expiry_policy_on_cache(
    client: Client, cache_name: str, server_clock: FakeClock
) -> None:
    ttl_cache = client.create_cache(
        {
            PROP_NAME: cache_name,
            PROP_EXPIRY_POLICY: ExpiryPolicy(create=timedelta(seconds=1.0)),
        }
    )
    try:
        ttl_cache.put(1, 1)
        server_clock.advance(500)
        assert ttl_cache.get(1) == 1  # key = 1, value = 1
        server_clock.advance(1200)
        assert ttl_cache.get(1) is None  # key = 1, value = None
    finally:
        ttl_cache.destroy()


def test_expiry_policy_per_request(cache: Cache, server_clock: FakeClock) -> None:
    ttl_cache = cache.with_expire_policy(access=timedelta(seconds=1.0))
    ttl_cache.put(1, 1)
    server_clock.advance(500)
    assert ttl_cache.get(1) == 1
    server_clock.advance(1700)
    assert ttl_cache.get(1) is None


def test_expiry_access_extends_life(cache: Cache, server_clock: FakeClock) -> None:
    ttl_cache = cache.with_expire_policy(access=timedelta(seconds=1.0))
    ttl_cache.put(1, 1)  # create: unchanged -> eternal until first access
    server_clock.advance(5000)
    assert ttl_cache.get(1) == 1  # access: now + 1 s
    server_clock.advance(900)
    assert cache.get(1) == 1  # a plain get does not touch the expiry
    server_clock.advance(200)
    assert cache.get(1) is None


async def test_expiry_policy_async(
    aio_client: AioClient, cache_name: str, server_clock: FakeClock
) -> None:
    ttl_cache = await aio_client.create_cache(
        {
            PROP_NAME: cache_name,
            PROP_EXPIRY_POLICY: ExpiryPolicy(create=timedelta(seconds=1.0)),
        }
    )
    try:
        await ttl_cache.put(1, 1)
        server_clock.advance(500)
        assert await ttl_cache.get(1) == 1
        server_clock.advance(1200)
        assert await ttl_cache.get(1) is None
        plain = await aio_client.get_or_create_cache(cache_name + "-plain")
        per_request = plain.with_expire_policy(access=timedelta(seconds=1.0))
        await per_request.put(1, 1)
        server_clock.advance(500)
        assert await per_request.get(1) == 1
        server_clock.advance(1700)
        assert await per_request.get(1) is None
        await plain.destroy()
    finally:
        await ttl_cache.destroy()


def test_scans(cache: Cache) -> None:
    data = {f"key_{v}": v for v in range(20)}
    cache.put_all(data)
    with cache.scan() as cursor:
        pairs = list(cursor)
    assert len(pairs) == 20
    assert dict(pairs) == data
    with cache.scan() as cursor:
        assert dict(cursor) == data


def test_scan_small_pages(cache: Cache) -> None:
    data = {f"key_{v}": v for v in range(20)}
    cache.put_all(data)
    with cache.scan(page_size=3) as cursor:
        assert dict(cursor) == data


def test_get_and_put_complex_map(cache: Cache) -> None:
    value = OrderedDict([(1, "test"), ("key", 2.0)])
    cache.put("my dict", (MapObject.LINKED_HASH_MAP, value))
    assert cache.get("my dict") == (2, OrderedDict([(1, "test"), ("key", 2.0)]))
    cache.put("my dict", (MapObject.HASH_MAP, value))
    # Java's HashMap order (Long 1 in bucket 1, "key" in bucket 2 of a 4-bucket table),
    # as the reference node returns it; the seed's order comes from an old Python dict.
    assert list(cache.get("my dict")[1].items()) == [(1, "test"), ("key", 2.0)]


def test_get_and_put_complex_collections(cache: Cache) -> None:
    cache.put("my list", (CollectionObject.LINKED_LIST, [1, "2", 3.0]))
    assert cache.get("my list") == (2, [1, "2", 3.0])
    cache.put("my set", (CollectionObject.HASH_SET, [4, 4, "test", 5.6]))
    # Stored as a Java HashSet would be: deduplicated, in its iteration order (seed).
    assert cache.get("my set") == (3, [5.6, 4, "test"])


def test_get_and_put_complex_object_array(cache: Cache) -> None:
    cache.put(
        "my array of objects",
        (ObjectArrayObject.OBJECT, [7, "8", 9.0]),
        value_hint=ObjectArrayObject,
    )
    assert cache.get("my array of objects") == (-1, [7, "8", 9.0])


class Person(
    metaclass=GenericObjectMeta,
    schema=OrderedDict(
        [("first_name", String), ("last_name", String), ("age", IntObject)]
    ),
):
    pass


def test_binary_basics(client: Client, cache: Cache) -> None:
    cache.put(1, Person(first_name="Ivan", last_name="Ivanov", age=33))
    other = Client()  # a fresh client must fetch the type from the server
    with other.connect(*_address(client)):
        person = other.get_cache(cache.name).get(1)
        assert person.__class__.__name__ == "Person"
        assert (person.first_name, person.last_name, person.age, person.version) == (
            "Ivan",
            "Ivanov",
            33,
            1,
        )
        Auto = person.__class__
        other.get_cache(cache.name).put(
            2, Auto(first_name="Petr", last_name="P", age=40)
        )
    assert cache.get(2).first_name == "Petr"
    client.register_binary_type(Person)
    assert cache.get(1) == Person(first_name="Ivan", last_name="Ivanov", age=33)


def _address(client: Client) -> tuple[str, int]:
    conn = client.random_node
    return conn.host, conn.port


def test_migrate_binary(client: Client, cache: Cache) -> None:
    class ExpenseVoucher(
        metaclass=GenericObjectMeta,
        schema=OrderedDict(
            [
                ("date", DateObject),
                ("reported", BoolObject),
                ("purpose", String),
                ("sum", DecimalObject),
                ("recipient", String),
                ("cashier_id", IntObject),
            ]
        ),
    ):
        pass

    old = [
        ExpenseVoucher(
            date=datetime(2017, 9, 21), reported=True,
            purpose="Praesent eget fermentum massa",
            sum=Decimal("666.67"), recipient="John Doe", cashier_id=8,
        ),
        ExpenseVoucher(
            date=datetime(2017, 10, 11), reported=False,
            purpose="Proin in bibendum ulla",
            sum=Decimal("333.33"), recipient="Jane Roe", cashier_id=13,
        ),
    ]  # fmt: skip
    cache.put_all({i: v for i, v in enumerate(old)})

    data_classes = client.query_binary_type("ExpenseVoucher")
    assert len(data_classes) == 1
    _schema_id, data_class = data_classes.popitem()
    schema = data_class.schema
    assert list(schema) == [
        "date",
        "reported",
        "purpose",
        "sum",
        "recipient",
        "cashier_id",
    ]
    schema["expense_date"] = schema["date"]
    del schema["date"]
    schema["report_date"] = DateObject
    del schema["reported"]
    schema["sum"] = DecimalObject

    class ExpenseVoucherV2(
        metaclass=GenericObjectMeta, type_name="ExpenseVoucher", schema=schema
    ):
        pass

    with cache.scan() as cursor:
        for key, old_value in cursor:
            new_value = ExpenseVoucherV2()
            new_value.sum = old_value.sum
            new_value.purpose = old_value.purpose
            new_value.recipient = old_value.recipient
            new_value.cashier_id = old_value.cashier_id
            new_value.expense_date = old_value.date
            new_value.report_date = (
                datetime(2018, 8, 29) if old_value.reported else None
            )
            cache.put(key, new_value)
            verify = cache.get(key)
            assert verify.expense_date == old_value.date
            assert verify.sum == old_value.sum
            assert verify.report_date == (
                datetime(2018, 8, 29) if old_value.reported else None
            )
    assert cache.get(0).cashier_id == 8
    assert cache.get(1).report_date is None
    # both schemas are now known for the type
    assert len(client.query_binary_type("ExpenseVoucher")) >= 2


# Ignite's text, kept in one place by the engine (engine/messages.py).
_CONFLICT = messages.field_type_conflict(
    "SomeType", type_id("SomeType"), "f1", TypeCode.STRING, TypeCode.INT
)


def test_binary_field_type_change_is_refused(client: Client, cache: Cache) -> None:
    class SomeType(metaclass=GenericObjectMeta, schema=OrderedDict([("f1", String)])):
        pass

    cache.put(1, SomeType(f1="x"))
    with pytest.raises(BinaryTypeError) as info:
        client.put_binary_type("SomeType", schema=OrderedDict([("f1", IntObject)]))
    assert str(info.value) == _CONFLICT

    class SomeTypeV2(
        metaclass=GenericObjectMeta,
        type_name="SomeType",
        schema=OrderedDict([("f1", IntObject), ("f2", String)]),
    ):
        pass

    with pytest.raises(BinaryTypeError) as info:  # a new schema: pyignite registers it
        cache.put(2, SomeTypeV2(f1=1, f2="y"))
    assert str(info.value) == _CONFLICT
    assert cache.get(1).f1 == "x"
    assert cache.get(2) is None


def test_date_today_roundtrip(cache: Cache) -> None:
    cache.put("d", datetime.combine(date(2018, 8, 29), datetime.min.time()))
    assert cache.get("d") == datetime(2018, 8, 29)

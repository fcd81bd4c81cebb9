"""The seed's pyignite examples, run with ``from embergrid import ...`` in both
shells from one source, against our server and against the reference Apache Ignite
2.18 node, must print what the seed says they print. The expiry examples sleep on
real short TTLs: on our side against a server on the real clock, on Ignite against
the shared reference node."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from _targets import EMBERGRID, Target
from embergrid import AioClient, GenericObjectMeta
from embergrid.datatypes import (
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
from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.datatypes.prop_codes import PROP_EXPIRY_POLICY, PROP_NAME
from embergrid.server import Node, ServerThread


@pytest.fixture
def addr(target: Target) -> tuple[str, int]:
    """(host, port) of the server under test: our session server, then Ignite."""
    return target.host, target.port


async def test_get_and_put(
    addr: tuple[str, int], cache_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = AioClient()
    async with client.connect(*addr):
        my_cache = await client.create_cache(cache_name)
        await my_cache.put("my key", 42)
        print(await my_cache.get("my key"))
        print(await my_cache.get("non-existent key"))
        print(await my_cache.get_all(["my key", "non-existent key", "other-key"]))
        await my_cache.destroy()
    assert capsys.readouterr().out == "42\nNone\n{'my key': 42}\n"


async def test_type_hints(
    addr: tuple[str, int], cache_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = AioClient()
    async with client.connect(*addr):
        my_cache = await client.create_cache(cache_name)
        await my_cache.put("my key", 42)
        await my_cache.put("my key", 42, value_hint=ShortObject)
        await my_cache.put("a", 1)
        await my_cache.put("a", 2, key_hint=CharObject)
        print(await my_cache.get("a"))
        print(await my_cache.get("a", key_hint=CharObject))
        await my_cache.remove_keys(["a", ("a", CharObject)])
        print(await my_cache.get_size())
        await my_cache.destroy()
    assert capsys.readouterr().out == "1\n2\n1\n"


async def test_scans(
    addr: tuple[str, int], cache_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = AioClient()
    async with client.connect(*addr):
        my_cache = await client.create_cache(cache_name)
        await my_cache.put_all({f"key_{v}": v for v in range(20)})
        async with my_cache.scan() as cursor:
            pairs = [pair async for pair in cursor]
        async with my_cache.scan() as cursor:
            as_dict = {k: v async for k, v in cursor}
        await my_cache.destroy()
    assert sorted(pairs) == sorted((f"key_{v}", v) for v in range(20))
    assert as_dict == {f"key_{v}": v for v in range(20)}


async def test_get_and_put_complex(
    addr: tuple[str, int], cache_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = AioClient()
    async with client.connect(*addr):
        my_cache = await client.create_cache(cache_name)
        value = OrderedDict([(1, "test"), ("key", 2.0)])
        await my_cache.put("my dict", (MapObject.LINKED_HASH_MAP, value))
        print(await my_cache.get("my dict"))
        await my_cache.put("my dict", (MapObject.HASH_MAP, value))
        print(await my_cache.get("my dict"))
        await my_cache.put("my list", (CollectionObject.LINKED_LIST, [1, "2", 3.0]))
        print(await my_cache.get("my list"))
        await my_cache.put(
            "my array of objects",
            (ObjectArrayObject.OBJECT, [7, "8", 9.0]),
            value_hint=ObjectArrayObject,
        )
        print(await my_cache.get("my array of objects"))
        await my_cache.destroy()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "(2, OrderedDict([(1, 'test'), ('key', 2.0)]))"
    assert out[1] in ("(1, {'key': 2.0, 1: 'test'})", "(1, {1: 'test', 'key': 2.0})")
    assert out[2:] == ["(2, [1, '2', 3.0])", "(-1, [7, '8', 9.0])"]


class Person(
    metaclass=GenericObjectMeta,
    schema=OrderedDict(
        [("first_name", String), ("last_name", String), ("age", IntObject)]
    ),
):
    pass


async def test_binary_basics(
    addr: tuple[str, int], cache_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = AioClient()
    async with client.connect(*addr):
        person_cache = await client.get_or_create_cache(cache_name)
        await person_cache.put(1, Person(first_name="Ivan", last_name="Ivanov", age=33))
        person = await person_cache.get(1)
        print(person.__class__.__name__)
        print(person)
        await person_cache.destroy()
    assert capsys.readouterr().out == (
        "Person\nPerson(first_name='Ivan', last_name='Ivanov', age=33, version=1)\n"
    )


async def test_binary_type_read_by_a_fresh_client(
    addr: tuple[str, int], cache_name: str
) -> None:
    """A client that never saw the class fetches its metadata (op 3002) to decode."""

    class Voucher(
        metaclass=GenericObjectMeta,
        type_name=f"Voucher{cache_name.replace('-', '')}",
        schema=OrderedDict(
            [("purpose", String), ("sum", DecimalObject), ("date", DateObject)]
        ),
    ):
        pass

    writer, reader = AioClient(), AioClient()
    async with writer.connect(*addr), reader.connect(*addr):
        cache = await writer.create_cache(cache_name)
        await cache.put(1, Voucher(purpose="x", sum=Decimal("666.67")))
        got = await (await reader.get_cache(cache_name)).get(1)
        classes = await reader.query_binary_type(Voucher.type_name)
        await cache.destroy()
    assert type(got).__name__ == Voucher.type_name
    assert (got.purpose, got.sum) == ("x", Decimal("666.67"))
    assert list(classes) == [Voucher.schema_id]


async def test_migrate_binary(addr: tuple[str, int], cache_name: str) -> None:
    type_name = f"ExpenseVoucher{cache_name.replace('-', '')}"

    class ExpenseVoucher(
        metaclass=GenericObjectMeta,
        type_name=type_name,
        schema=OrderedDict(
            [
                ("date", DateObject),
                ("reported", IntObject),
                ("purpose", String),
                ("sum", DecimalObject),
            ]
        ),
    ):
        pass

    client = AioClient()
    async with client.connect(*addr):
        accounting = await client.get_or_create_cache(cache_name)
        await accounting.put(
            1, ExpenseVoucher(purpose="p", sum=Decimal("1.50"), reported=1)
        )
        fresh = AioClient()
        async with fresh.connect(*addr):
            data_classes = await fresh.query_binary_type(type_name)
            s_id, data_class = data_classes.popitem()
            schema = data_class.schema
            schema["expense_date"] = schema["date"]
            del schema["date"]
            schema["report_date"] = DateObject
            del schema["reported"]

            class ExpenseVoucherV2(
                metaclass=GenericObjectMeta, type_name=type_name, schema=schema
            ):
                pass

            cache = await fresh.get_cache(cache_name)
            async with cache.scan() as cursor:
                async for key, old in cursor:
                    new = ExpenseVoucherV2()
                    new.sum, new.purpose, new.expense_date = (
                        old.sum,
                        old.purpose,
                        old.date,
                    )
                    await cache.put(key, new)
            verify = await cache.get(1)
        await accounting.destroy()
    assert s_id == ExpenseVoucher.schema_id
    assert type(verify).__name__ == "ExpenseVoucherV2"
    assert (verify.purpose, verify.sum) == ("p", Decimal("1.50"))


async def _pause(seconds: float) -> None:
    await asyncio.sleep(seconds)  # aio-only
    # sync-only: time.sleep(seconds)


TTL = timedelta(seconds=1.0)  # the seed's
ATTEMPTS = 20  # a loaded machine may stall a read past the TTL: try again
SLACK_S = 0.05  # servers read coarse clocks (Ignite's is updated every 10 ms)


class _Reads:
    """The example's reads with what the clock allows each to show.

    A read whose answer came back before the entry's TTL could have run out (counted
    from the request that set or refreshed it being *sent*) must show the value; a
    read sent after the TTL has surely run out (counted from that request's *answer*)
    must show None. A read in between proves nothing, and the attempt is made again.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.conclusive = True

    def record(
        self,
        value: object,
        fresh: bool,
        sent: float,
        answered: float,
        since: tuple[float, float],
    ) -> None:
        ttl = TTL.total_seconds()
        if fresh:
            self.conclusive &= answered - since[0] < ttl - SLACK_S
        else:
            self.conclusive &= sent - since[1] > ttl + SLACK_S
        self.lines.append(f"key = {1}, value = {value}")


async def _timed(op: Callable[[], Any]) -> tuple[Any, float, float]:
    """``op()``'s result, when it was sent and when its answer came."""
    sent = time.monotonic()
    value = await op()
    return value, sent, time.monotonic()


@pytest.fixture(scope="module")
def _real_clock_embergrid() -> Iterator[tuple[str, int]]:
    with ServerThread(Node()) as st:
        yield st.address


@pytest.fixture
def real_clock_server(
    target: Target, request: pytest.FixtureRequest
) -> tuple[str, int]:
    """A server whose expiry runs on the real clock: ours, or the reference node."""
    if target.name == EMBERGRID:
        address: tuple[str, int] = request.getfixturevalue("_real_clock_embergrid")
        return address
    return target.host, target.port


async def _expiry_example(client: AioClient, names: tuple[str, str]) -> _Reads:
    """One run of the seed's expiry example on new caches ``names``."""
    reads = _Reads()
    ttl_cache = await client.create_cache(
        {PROP_NAME: names[0], PROP_EXPIRY_POLICY: ExpiryPolicy(create=TTL)}
    )
    _, *put = await _timed(lambda: ttl_cache.put(1, 1))
    await _pause(0.5)
    value, *t = await _timed(lambda: ttl_cache.get(1))
    reads.record(value, True, t[0], t[1], since=(put[0], put[1]))
    await _pause(1.2)
    value, *t = await _timed(lambda: ttl_cache.get(1))
    reads.record(value, False, t[0], t[1], since=(put[0], put[1]))
    simple_cache = await client.create_cache(names[1])
    ttl_cache = simple_cache.with_expire_policy(access=TTL)
    _, *put = await _timed(lambda: ttl_cache.put(1, 1))
    await _pause(0.5)
    value, *got = await _timed(lambda: ttl_cache.get(1))
    reads.record(value, True, got[0], got[1], since=(put[0], put[1]))
    await _pause(1.7)
    value, *t = await _timed(lambda: ttl_cache.get(1))
    reads.record(value, False, t[0], t[1], since=(got[0], got[1]))
    for name in names:
        await (await client.get_cache(name)).destroy()
    return reads


async def test_expiry_policy(
    real_clock_server: tuple[str, int],
    cache_name: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The seed's expiry example on the real clock (both servers expire by it).

    The seed sleeps 0.5 s and 1.2 s (1.7 s) around 1 s TTLs; a read that the
    machine's load pushes across a TTL boundary makes the attempt inconclusive
    instead of failing it (``_Reads``), and the example runs again on new caches.
    """
    client = AioClient()
    async with client.connect(*real_clock_server):
        for attempt in range(ATTEMPTS):
            names = (f"{cache_name}-{attempt}-test", f"{cache_name}-{attempt}-simple")
            reads = await _expiry_example(client, names)
            if reads.conclusive:
                print("\n".join(reads.lines))
                break
        else:
            pytest.fail(f"no conclusive attempt in {ATTEMPTS}: the machine stalls")
    expected = "key = 1, value = 1\nkey = 1, value = None\n" * 2
    assert capsys.readouterr().out == expected

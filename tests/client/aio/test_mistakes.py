"""Exception types for a user's mistakes, as pyignite 0.6.1 raises them, for both
shells from one source.

Each mistake runs through pyignite and through our client against the session's
embergrid node. Where pyignite raises a ``TypeError`` or a ``ValueError``, ours is
one too (``ParameterTypeError`` is a ``TypeError`` and a ``ParameterError``, so
code written for either client catches it); where it raises one of its own
classes, ours has that name. Pinned apart, where we differ on
purpose: pyignite's ``AttributeError`` for a hint that is no hint, or ``put_all``
of a list, is an accident of its code (ours: a ``TypeError`` that says so); and
values pyignite writes wrongly or drops without a word (an int past its hint's
range, a long past 64 bits, a map holding ``object()``) are refused with
nothing sent.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable
from typing import Any

import pyignite
import pyignite.datatypes as pd
import pytest

import embergrid.datatypes as ed
from embergrid import AioClient
from embergrid.errors import ParameterError, ParameterTypeError

Mistake = Callable[[Any, Any, Any], Any]
"""``(client, cache, datatypes module) -> result`` (awaitable for ``AioClient``)."""


class Custom:
    """A class nobody registered: no Ignite form."""


MISTAKES: dict[str, Mistake] = {
    "value object()": lambda c, cache, dt: cache.put(1, object()),
    "key object()": lambda c, cache, dt: cache.put(object(), 1),
    "value of a plain class": lambda c, cache, dt: cache.put(1, Custom()),
    "value complex": lambda c, cache, dt: cache.put(1, 1j),
    "value time of day": lambda c, cache, dt: cache.put(1, datetime.time(1, 2)),
    "list of object()": lambda c, cache, dt: cache.put(1, [object()]),
    "get by object()": lambda c, cache, dt: cache.get(object()),
    "put_all value object()": lambda c, cache, dt: cache.put_all({1: object()}),
    "int hint, float value": lambda c, cache, dt: cache.put(
        1, 1.5, value_hint=dt.IntObject
    ),
    "int hint, str value": lambda c, cache, dt: cache.put(
        1, "x", value_hint=dt.IntObject
    ),
    "string hint, int value": lambda c, cache, dt: cache.put(
        1, 5, value_hint=dt.String
    ),
    "sql argument object()": lambda c, cache, dt: c.sql(
        "SELECT ?", query_args=[object()]
    ),
    "sql query not a str": lambda c, cache, dt: c.sql(123),
    "cache name not a str": lambda c, cache, dt: c.get_cache(123),
    "cache name None": lambda c, cache, dt: c.get_or_create_cache(None),
    "decimal NaN": lambda c, cache, dt: cache.put(
        1, __import__("decimal").Decimal("NaN")
    ),
}

# pyignite raises AttributeError (an accident of its code); ours a TypeError.
NOT_HINTS: dict[str, Mistake] = {
    "hint a Python type": lambda c, cache, dt: cache.put(1, 2, value_hint=int),
    "hint a str": lambda c, cache, dt: cache.put(1, 2, value_hint="String"),
    "key hint a Python type": lambda c, cache, dt: cache.put(1, 2, key_hint=str),
    "put_all of a list": lambda c, cache, dt: cache.put_all([1, 2]),
}

# pyignite sends these (wrapped, truncated or dropped); ours refuses them.
REFUSED: dict[str, Mistake] = {
    "int hint, past its range": lambda c, cache, dt: cache.put(
        1, 2**40, value_hint=dt.IntObject
    ),
    "byte hint, past its range": lambda c, cache, dt: cache.put(
        1, 300, value_hint=dt.ByteObject
    ),
    "long past 64 bits": lambda c, cache, dt: cache.put(1, 2**70),
    "map holding object()": lambda c, cache, dt: cache.put(1, {1: object()}),
}


def _pyignite(
    address: tuple[str, int], name: str, mistake: Mistake
) -> BaseException | None:
    client = pyignite.Client()
    with client.connect(*address):
        cache = client.get_or_create_cache(name)
        try:
            result = mistake(client, cache, pd)
            if hasattr(result, "__iter__") and not isinstance(result, dict):
                list(result)  # a cursor: its first page
        except Exception as exc:
            return exc
    return None


async def _ours(
    address: tuple[str, int], name: str, mistake: Mistake
) -> BaseException | None:
    client = AioClient()
    async with client.connect(*address):
        cache = await client.get_or_create_cache(name)
        try:
            result = mistake(client, cache, ed)
            if inspect.isawaitable(result):  # aio-only
                result = await result  # aio-only
            if hasattr(result, "close"):
                await result.close()  # a cursor
        except Exception as exc:
            return exc
    return None


@pytest.mark.parametrize("mistake", MISTAKES)
async def test_the_same_exception_type_as_pyignite(
    server_address: tuple[str, int], cache_name: str, mistake: str
) -> None:
    theirs = _pyignite(server_address, cache_name, MISTAKES[mistake])
    ours = await _ours(server_address, cache_name, MISTAKES[mistake])
    assert theirs is not None
    assert ours is not None
    if type(theirs).__module__.startswith("pyignite"):  # its own class: by name
        same = type(theirs).__name__ in {c.__name__ for c in type(ours).__mro__}
    else:
        same = isinstance(ours, type(theirs))
    assert same, f"pyignite: {theirs!r}, ours: {ours!r}"


@pytest.mark.parametrize("mistake", NOT_HINTS)
async def test_a_wrong_kind_of_argument_is_a_type_error(
    server_address: tuple[str, int], cache_name: str, mistake: str
) -> None:
    theirs = _pyignite(server_address, cache_name, NOT_HINTS[mistake])
    ours = await _ours(server_address, cache_name, NOT_HINTS[mistake])
    assert isinstance(theirs, AttributeError)
    assert isinstance(ours, ParameterTypeError)


@pytest.mark.parametrize("mistake", REFUSED)
async def test_values_pyignite_sends_wrongly_are_refused(
    server_address: tuple[str, int], cache_name: str, mistake: str
) -> None:
    theirs = _pyignite(server_address, cache_name, REFUSED[mistake])
    ours = await _ours(server_address, cache_name, REFUSED[mistake])
    assert theirs is None
    assert isinstance(ours, ParameterError)
    client = AioClient()
    async with client.connect(*server_address):
        cache = await client.get_or_create_cache(cache_name)
        await cache.remove_key(1)
        with pytest.raises(ParameterError):
            await REFUSED[mistake](client, cache, ed)  # aio-only
            # sync-only: REFUSED[mistake](client, cache, ed)
        assert await cache.get(1) is None  # nothing was sent

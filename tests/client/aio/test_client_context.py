"""What users read off a connected client, as pyignite 0.6.1 shows it, for both
shells from one source, against both servers (``target``: this session's embergrid,
then the real Ignite 2.18 node).

``protocol_context`` before, during and after a connection equals pyignite's; the
first lines of pyignite's ``examples/transactions.py`` run; connection events carry
the same contexts and node ids, for a connection closed and reconnected and for one
refused; connections (``random_node``), ``cache_info`` and ``affinity_version`` look
and behave as pyignite's. (The contexts without a server:
``tests/client/test_protocol_context.py``.)
"""

from __future__ import annotations

import gc
import warnings
from typing import Any

import pyignite
import pyignite.monitoring as pm
import pytest
from pyignite.connection.protocol_context import ProtocolContext as PyContext

import embergrid
import embergrid.monitoring as em
from _targets import Target
from embergrid import AioClient
from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.messages.context import ProtocolContext

QUESTIONS = sorted(
    name
    for name in vars(PyContext)
    if name.startswith("is_") and name.endswith("_supported")
)
# The one difference on purpose: our handshake also offers HEARTBEAT (bit 11), which
# both servers have, so our negotiated and proposed features carry it and pyignite's
# do not. Contexts are compared without it, and ours must have it.
HEARTBEAT = int(ProtocolFeature.HEARTBEAT)


def _without_heartbeat(ctx: Any) -> str:
    """``repr`` of a context (either library's) less the HEARTBEAT bit."""
    if ctx is None:
        return repr(None)
    features = int(ctx.features or 0) & ~HEARTBEAT
    return repr(ProtocolContext(tuple(ctx.version), features))  # type: ignore[arg-type]


def _same_context(ours: Any, theirs: Any) -> None:
    assert ours is not None
    assert theirs is not None
    assert tuple(ours.version) == theirs.version
    assert int(ours.features) == int(theirs.features or 0) | HEARTBEAT
    assert _without_heartbeat(ours) == repr(theirs)
    for question in QUESTIONS:
        assert getattr(ours, question)() is bool(getattr(theirs, question)()), question


async def _random_node(client: Any) -> Any:
    """``random_node``: a coroutine in the async API, a property in the blocking one."""
    return await client.random_node()  # aio-only
    # sync-only: return client.random_node


async def test_protocol_context_is_pyignites(target: Target) -> None:
    ours, theirs = AioClient(), pyignite.AioClient()
    assert ours.protocol_context is None
    assert theirs.protocol_context is None
    async with (
        ours.connect(target.host, target.port),
        theirs.connect(target.host, target.port),
    ):
        _same_context(ours.protocol_context, theirs.protocol_context)
        negotiated: Any = ours.protocol_context  # (mypy keeps the None seen above)
        assert negotiated.version == (1, 7, 0)
        assert (
            ours.partition_awareness_supported_by_protocol
            is theirs.partition_awareness_supported_by_protocol
        )
        assert ours.partition_aware is theirs.partition_aware
    _same_context(ours.protocol_context, theirs.protocol_context)  # both keep it


async def _transactions_example_start(client_cls: Any, host: str, port: int) -> None:
    """The first lines of pyignite's examples/transactions.py, host and port aside."""
    client = client_cls()
    async with client.connect(host, port):
        if not client.protocol_context.is_transactions_supported():
            print("'Transactions' API is not supported by cluster. Finishing...")
            exit(0)


async def test_transactions_example_start_runs(target: Target) -> None:
    await _transactions_example_start(pyignite.AioClient, target.host, target.port)
    await _transactions_example_start(embergrid.AioClient, target.host, target.port)


def _recorder(module: Any) -> tuple[Any, list[Any]]:
    events: list[Any] = []

    class Recorder(module.ConnectionEventListener):  # type: ignore[misc]
        def on_handshake_start(self, event: Any) -> None:
            events.append(event)

        def on_handshake_success(self, event: Any) -> None:
            events.append(event)

        def on_handshake_fail(self, event: Any) -> None:
            events.append(event)

        def on_connection_closed(self, event: Any) -> None:
            events.append(event)

    return Recorder(), events


def _summary(events: list[Any]) -> list[tuple[str, str, str]]:
    return [
        (
            type(e).__name__,
            _without_heartbeat(getattr(e, "protocol_context", None)),
            getattr(e, "node_uuid", "-"),
        )
        for e in events
    ]


async def _connection_story(client_cls: Any, module: Any, target: Target) -> list[Any]:
    listener, events = _recorder(module)
    client = client_cls(event_listeners=[listener])
    story: list[Any] = []
    async with client.connect(target.host, target.port):
        conn = await _random_node(client)
        story.append((conn.alive, conn.closed, conn.failed, str(conn.uuid)))
        story.append(repr(conn.protocol_context) == repr(client.protocol_context))
        await conn.close()
        story.append((conn.alive, conn.closed))
        await conn.reconnect()
        story.append((conn.alive, conn.closed, conn.failed))
    story.append(_summary(events))
    story.append(await _refused(client_cls, module, target.host))
    return story


async def _refused_events(client_cls: Any, module: Any, host: str) -> list[Any]:
    listener, events = _recorder(module)
    client = client_cls(event_listeners=[listener])
    with pytest.raises(Exception, match="Can not connect"):
        await client.connect(host, 1)
    await client.close()
    return _summary(events)


async def _refused(client_cls: Any, module: Any, host: str) -> list[Any]:
    """The events of a refused connection. pyignite never closes the refused socket
    (its ``close`` skips it once ``shutdown`` fails) and drops it mid-connect: let
    that go quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        summary = await _refused_events(client_cls, module, host)
        gc.collect()
    return summary


async def test_connections_and_events_as_pyignite(target: Target) -> None:
    ours = await _connection_story(embergrid.AioClient, em, target)
    theirs = await _connection_story(pyignite.AioClient, pm, target)
    assert ours == theirs
    assert [kind for kind, _, _ in ours[-2]] == [
        "HandshakeStartEvent",
        "HandshakeSuccessEvent",
        "ConnectionClosedEvent",
        "HandshakeStartEvent",
        "HandshakeSuccessEvent",
        "ConnectionClosedEvent",
    ]


async def _cache_info_story(client_cls: Any, target: Target, name: str) -> list[Any]:
    client = client_cls()
    async with client.connect(target.host, target.port):
        cache = await client.get_or_create_cache(name)
        try:
            infos = [
                cache.cache_info,
                cache.with_expire_policy(create=1000).cache_info,
                cache.scan().cache_info,
            ]
            ctx = repr(client.protocol_context)
            return [
                (
                    info.cache_id,
                    None
                    if info.expiry_policy is None
                    else (info.expiry_policy.create, info.expiry_policy.update),
                    repr(info.protocol_context) == ctx,
                )
                for info in infos
            ]
        finally:
            await cache.destroy()


async def test_cache_info_as_pyignite(target: Target, cache_name: str) -> None:
    ours = await _cache_info_story(embergrid.AioClient, target, cache_name)
    assert ours == await _cache_info_story(pyignite.AioClient, target, cache_name)
    assert ours[1][1] == (1000, ExpiryPolicy.UNCHANGED)


async def test_affinity_version_as_pyignite(target: Target, cache_name: str) -> None:
    ours, theirs = AioClient(), pyignite.AioClient()
    async with (
        ours.connect(target.host, target.port),
        theirs.connect(target.host, target.port),
    ):
        assert ours.affinity_version == theirs.affinity_version == (0, 0)
        cache = await ours.create_cache(cache_name)  # a new topology version
        try:
            await cache.put(1, 1)
            await (await theirs.get_cache(cache_name)).put(2, 2)
            assert tuple(ours.affinity_version) == theirs.affinity_version
            assert ours.affinity_version[0] >= 1
        finally:
            await cache.destroy()

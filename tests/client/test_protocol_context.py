"""``protocol_context`` and the other pyignite objects users read off a client.

pyignite 0.6.1 is the oracle throughout. Without a server: our ``ProtocolContext``
answers every ``is_*_supported()`` question as pyignite's does for each protocol
version and feature set, and compares, hashes and prints alike. Against both servers
(``target``: this session's embergrid, then the real Ignite 2.18 node): what
``Client``/``AioClient.protocol_context`` holds before, during and after a connection
equals what pyignite's clients hold; the first lines of pyignite's
``examples/transactions.py`` run; connection events carry the same contexts and node
ids; connections (``random_node``) and ``cache_info`` look and behave as pyignite's.
"""

from __future__ import annotations

import gc
import itertools
import warnings
from typing import Any

import pyignite
import pyignite.monitoring as pm
import pytest
from pyignite.connection.bitmask_feature import BitmaskFeature
from pyignite.connection.protocol_context import ProtocolContext as PyContext

import embergrid
import embergrid.monitoring as em
from _targets import Target
from embergrid import AioClient, Client
from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.messages.context import ProtocolContext

VERSIONS = [(1, minor, 0) for minor in range(8)]
CLUSTER_API = int(ProtocolFeature.CLUSTER_API)
FEATURE_SETS = [
    0,
    CLUSTER_API,
    sum(ProtocolFeature),
    sum(ProtocolFeature) - CLUSTER_API,
]
QUESTIONS = sorted(
    name
    for name in vars(PyContext)
    if name.startswith("is_") and name.endswith("_supported")
)


def _pair(version: tuple[int, int, int], features: int | None) -> tuple[Any, Any]:
    """(ours, pyignite's) context for the same version and feature bits."""
    theirs = PyContext(version, None if features is None else BitmaskFeature(features))
    return ProtocolContext(version, features), theirs  # type: ignore[arg-type]


# pyignite keeps an explicit features=None at 1.7.0; no 1.7.0 handshake yields one
# (both clients then always hold the server's feature set), so it is left out here.
CASES = [
    (v, f)
    for v in VERSIONS
    for f in [*FEATURE_SETS, *([None] if v < (1, 7, 0) else [])]
]


def test_every_pyignite_question_is_asked() -> None:
    assert QUESTIONS == [
        "is_cluster_api_supported",
        "is_expiry_policy_supported",
        "is_feature_flags_supported",
        "is_partition_awareness_supported",
        "is_status_flags_supported",
        "is_transactions_supported",
    ]


@pytest.mark.parametrize(("version", "features"), CASES)
def test_answers_and_looks_like_pyignite(
    version: tuple[int, int, int], features: int | None
) -> None:
    ours, theirs = _pair(version, features)
    for question in QUESTIONS:
        answer = getattr(ours, question)()
        assert answer is bool(getattr(theirs, question)()), question
    assert repr(ours) == str(ours) == str(theirs) == repr(theirs)
    assert ours.version == theirs.version
    # pyignite's features are None before 1.7.0; ours are empty: as falsy, no bits
    assert int(ours.features) == int(theirs.features or 0)
    assert ours.copy() == ours
    assert hash(ours.copy()) == hash(ours)


def test_equal_exactly_when_pyignite_says_so() -> None:
    pairs = [_pair(v, f) for v, f in CASES]
    for (a, pa), (b, pb) in itertools.product(pairs, repeat=2):
        assert (a == b) is (pa == pb), (pa, pb)
        if a == b:
            assert hash(a) == hash(b)


def test_features_accept_what_pyignite_passes() -> None:
    ctx = ProtocolContext((1, 7, 0), BitmaskFeature.CLUSTER_API)
    assert type(ctx.features) is ProtocolFeature
    assert ctx == ProtocolContext((1, 7, 0), ProtocolFeature.CLUSTER_API)
    assert ProtocolContext((1, 6, 0), None).features == ProtocolFeature(0)  # type: ignore[arg-type]
    assert not ProtocolContext((1, 6, 0), ProtocolFeature.CLUSTER_API).has(
        ProtocolFeature.CLUSTER_API
    )


# --- against both servers --------------------------------------------------------


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


def test_client_protocol_context_is_pyignites(target: Target) -> None:
    ours, theirs = Client(), pyignite.Client()
    assert ours.protocol_context is None
    assert theirs.protocol_context is None
    with (
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


async def test_aio_client_protocol_context_is_pyignites(target: Target) -> None:
    ours, theirs = AioClient(), pyignite.AioClient()
    assert ours.protocol_context is None
    assert theirs.protocol_context is None
    async with (
        ours.connect(target.host, target.port),
        theirs.connect(target.host, target.port),
    ):
        _same_context(ours.protocol_context, theirs.protocol_context)
        assert (
            ours.partition_awareness_supported_by_protocol
            is theirs.partition_awareness_supported_by_protocol
        )
    _same_context(ours.protocol_context, theirs.protocol_context)


def _transactions_example_start(client_cls: Any, host: str, port: int) -> None:
    """The first lines of pyignite's examples/transactions.py, host and port aside."""
    client = client_cls()
    with client.connect(host, port):
        if not client.protocol_context.is_transactions_supported():
            print("'Transactions' API is not supported by cluster. Finishing...")
            exit(0)


async def _transactions_example_start_async(
    client_cls: Any, host: str, port: int
) -> None:
    client = client_cls()
    async with client.connect(host, port):
        if not client.protocol_context.is_transactions_supported():
            print("'Transactions' API is not supported by cluster. Finishing...")
            exit(0)


def test_transactions_example_start_runs(target: Target) -> None:
    _transactions_example_start(pyignite.Client, target.host, target.port)
    _transactions_example_start(embergrid.Client, target.host, target.port)


async def test_transactions_example_start_runs_async(target: Target) -> None:
    await _transactions_example_start_async(
        pyignite.AioClient, target.host, target.port
    )
    await _transactions_example_start_async(
        embergrid.AioClient, target.host, target.port
    )


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


def _connection_story(client_cls: Any, module: Any, target: Target) -> list[Any]:
    listener, events = _recorder(module)
    client = client_cls(event_listeners=[listener])
    story: list[Any] = []
    with client.connect(target.host, target.port):
        conn = client.random_node
        story.append((conn.alive, conn.closed, conn.failed, str(conn.uuid)))
        story.append(repr(conn.protocol_context) == repr(client.protocol_context))
        conn.close()
        story.append((conn.alive, conn.closed))
        conn.reconnect()
        story.append((conn.alive, conn.closed, conn.failed))
    story.append(_summary(events))
    story.append(_refused(client_cls, module, target.host))
    return story


def _refused_events(client_cls: Any, module: Any, host: str) -> list[Any]:
    listener, events = _recorder(module)
    client = client_cls(event_listeners=[listener])
    with pytest.raises(Exception, match="Can not connect"):
        client.connect(host, 1)
    client.close()
    return _summary(events)


def _refused(client_cls: Any, module: Any, host: str) -> list[Any]:
    """The events of a refused connection. pyignite never closes the refused socket
    (its ``close`` skips it once ``shutdown`` fails) and drops it mid-connect: let
    that go quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        summary = _refused_events(client_cls, module, host)
        gc.collect()
    return summary


def test_connections_and_events_as_pyignite(target: Target) -> None:
    ours = _connection_story(embergrid.Client, em, target)
    theirs = _connection_story(pyignite.Client, pm, target)
    assert ours == theirs
    assert [kind for kind, _, _ in ours[-2]] == [
        "HandshakeStartEvent",
        "HandshakeSuccessEvent",
        "ConnectionClosedEvent",
        "HandshakeStartEvent",
        "HandshakeSuccessEvent",
        "ConnectionClosedEvent",
    ]


async def _aio_connection_story(
    client_cls: Any, module: Any, target: Target
) -> list[Any]:
    listener, events = _recorder(module)
    client = client_cls(event_listeners=[listener])
    story: list[Any] = []
    async with client.connect(target.host, target.port):
        conn = await client.random_node()
        story.append((conn.alive, conn.closed, conn.failed, str(conn.uuid)))
        await conn.close()
        story.append((conn.alive, conn.closed))
        await conn.reconnect()
        story.append((conn.alive, conn.closed, conn.failed))
    story.append(_summary(events))
    return story


async def test_aio_connections_and_events_as_pyignite(target: Target) -> None:
    ours = await _aio_connection_story(embergrid.AioClient, em, target)
    theirs = await _aio_connection_story(pyignite.AioClient, pm, target)
    assert ours == theirs


def _cache_info_story(client_cls: Any, target: Target, name: str) -> list[Any]:
    client = client_cls()
    with client.connect(target.host, target.port):
        cache = client.get_or_create_cache(name)
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
            cache.destroy()


def test_cache_info_as_pyignite(target: Target, cache_name: str) -> None:
    ours = _cache_info_story(embergrid.Client, target, cache_name)
    assert ours == _cache_info_story(pyignite.Client, target, cache_name)
    assert ours[1][1] == (1000, ExpiryPolicy.UNCHANGED)


async def _sql_cache_infos(client_cls: Any, target: Target) -> list[Any]:
    """``cache_info`` of SQL cursors, never opened (the reference node has no SQL;
    async cursors open on first use)."""
    client = client_cls()
    async with client.connect(target.host, target.port):
        ctx = repr(client.protocol_context)
        infos = [
            client.sql("SELECT 1", cache="SQL_PUBLIC_T").cache_info,
            client.sql("SELECT 1", cache=12345).cache_info,
            client.sql("SELECT 1").cache_info,
        ]
        return [(i.cache_id, repr(i.protocol_context) == ctx) for i in infos]


async def test_sql_cursor_cache_info_as_pyignite(target: Target) -> None:
    ours = await _sql_cache_infos(embergrid.AioClient, target)
    assert ours == await _sql_cache_infos(pyignite.AioClient, target)


def test_affinity_version_as_pyignite(target: Target, cache_name: str) -> None:
    ours, theirs = Client(), pyignite.Client()
    with (
        ours.connect(target.host, target.port),
        theirs.connect(target.host, target.port),
    ):
        assert ours.affinity_version == theirs.affinity_version == (0, 0)
        cache = ours.create_cache(cache_name)  # a new topology version
        try:
            cache.put(1, 1)
            theirs.get_cache(cache_name).put(2, 2)
            assert tuple(ours.affinity_version) == theirs.affinity_version
            assert ours.affinity_version[0] >= 1
        finally:
            cache.destroy()

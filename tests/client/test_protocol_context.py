"""``ProtocolContext`` as pyignite 0.6.1 has it, without a server: our context
answers every ``is_*_supported()`` question as pyignite's does for each protocol
version and feature set, and compares, hashes and prints alike. Against both servers
(``target``), only what one shell has: the ``cache_info`` of asyncio SQL cursors,
which open on first use. (What a connected client of either shell holds:
``tests/client/aio/test_client_context.py``.)
"""

from __future__ import annotations

import itertools
from typing import Any

import pyignite
import pytest
from pyignite.connection.bitmask_feature import BitmaskFeature
from pyignite.connection.protocol_context import ProtocolContext as PyContext

import embergrid
from _targets import Target
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
# (what a connected client holds, both shells: tests/client/aio/test_client_context.py)


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

# GENERATED from tests/client/aio/test_partition_awareness.py: edit that file
"""Partition awareness on a 3-node cluster, both shells from one source, against
three ``embergrid serve`` nodes on one data dir and the session's 3-node reference
Ignite 2.18 cluster (caches of the tests' own, destroyed after).

A keyed get travels on the connection of the key's primary node, and
``get_best_node`` names that connection. The oracle is pyignite 0.6.1's routing
(partition-aware, on the same cluster); on Ignite also the truth: the node whose
local scan holds the entry. byte[] keys, which pyignite routes wrongly, are checked
against that truth alone, so on the reference cluster only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyignite
import pyignite.datatypes as pd
import pyignite.datatypes.prop_codes
import pyignite.monitoring as pm
import pytest

import embergrid
import embergrid.datatypes as ed
import embergrid.monitoring as em
from _reference import ReferenceCluster
from _targets import IGNITE, Target
from server._nodes import cluster

pytestmark = pytest.mark.timeout(300)

CACHE_GET = 1000  # OpCode.CACHE_GET in both clients
Address = tuple[str, int]


@dataclass
class Nodes:
    """A 3-node cluster: client addresses, node UUID by client port, and where the
    server itself keeps each entry of a cache (``truth``), where it can say."""

    addresses: list[Address]
    node_ids: dict[int, uuid.UUID]
    truth: Callable[[str], dict[str, int]] | None


def _reference(ref: ReferenceCluster) -> Nodes:
    addresses = [(ref.node.host, port) for port in ref.ports]
    ids = [uuid.UUID(u) for u in ref.node_ids]
    return Nodes(
        addresses,
        dict(zip(ref.ports, ids, strict=True)),
        lambda name: _where_ignite_keeps(addresses, name),
    )


@pytest.fixture(scope="module")
def _embergrid_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    names = [f"routing-{i}" for i in range(3)]
    with cluster(tmp_path_factory.mktemp("routing"), names) as nodes:
        yield Nodes(
            [n.address for n in nodes], {n.port: n.node_id() for n in nodes}, None
        )


@pytest.fixture(
    params=["embergrid", pytest.param("ignite", marks=pytest.mark.reference)]
)
def three_nodes(request: pytest.FixtureRequest) -> Nodes:
    """Three embergrid nodes (started once for the module), then the session's
    reference cluster (read at each test: a node restarted has a new id)."""
    if request.param == "ignite":
        return _reference(request.getfixturevalue("reference_cluster"))
    nodes: Nodes = request.getfixturevalue("_embergrid_nodes")
    return nodes


class _Recorder:
    """Records (port, node_uuid, op_code) of every request a client sends."""

    def __init__(self) -> None:
        self.started: list[tuple[int, str, int]] = []

    def on_query_start(self, event: Any) -> None:
        self.started.append((event.port, str(event.node_uuid), event.op_code))

    def on_query_success(self, event: Any) -> None:
        pass

    def on_query_fail(self, event: Any) -> None:
        pass

    def the_get(self, node_ids: dict[int, uuid.UUID]) -> int:
        """The port the one get since the last ``started.clear()`` went to."""
        gets = [s for s in self.started if s[2] == CACHE_GET]
        assert len(gets) == 1, self.started
        assert gets[0][1] == str(node_ids[gets[0][0]])
        return gets[0][0]


class OurRecorder(_Recorder, em.QueryEventListener):
    pass


class TheirRecorder(_Recorder, pm.QueryEventListener):
    pass


# (label, key, hint name): one key per kind the partition map must route.
ROUTED_KEYS: list[tuple[str, Any, str | None]] = [
    *((f"int{i}", i, None) for i in range(12)),
    ("long", 2**40, None),
    ("neg", -5, None),
    *((f"str{i}", f"key-{i}", None) for i in range(6)),
    ("unicode", "ключ", None),
    ("double", 1.5, None),
    ("uuid", uuid.UUID(int=987654321), None),
    ("bool", True, None),
    ("datetime", datetime(2020, 1, 2, 3, 4, 5), None),
    ("decimal", Decimal("1.25"), None),
    ("short", 7, "ShortObject"),
    ("byte", 3, "ByteObject"),
    ("char", "z", "CharObject"),
    ("float", 2.5, "FloatObject"),
    ("int32", 77, "IntObject"),
    ("date", datetime(2021, 5, 6), "DateObject"),
]
BYTE_ARRAY_KEYS: list[tuple[str, Any, str | None]] = [
    (f"bytes{i}", [i, i + 1, 100 - i], "ByteArrayObject") for i in range(8)
]


def _hint(dt: Any, name: str | None) -> Any:
    return getattr(dt, name) if name else None


def _partitioned_cache(client: Any, name: str) -> Any:
    """A PARTITIONED cache without backups, made by pyignite's blocking client."""
    return client.create_cache(
        {
            pd.prop_codes.PROP_NAME: name,
            pd.prop_codes.PROP_CACHE_MODE: 2,  # PARTITIONED
            pd.prop_codes.PROP_BACKUPS_NUMBER: 0,
        }
    )


def _where_ignite_keeps(addresses: list[Address], cache_name: str) -> dict[str, int]:
    """Ground truth from Ignite itself: label -> client port of the node whose local
    scan holds the entry (the cache has no backups, so that node is the primary)."""
    where: dict[str, int] = {}
    for host, port in addresses:
        with (
            Target(IGNITE, host, port).client() as single,
            single.get_cache(cache_name).scan(local=True) as cursor,
        ):
            for _, label in cursor:
                where[label] = port
    return where


def _routing(
    nodes: Nodes, cache_name: str, keys: list[tuple[str, Any, str | None]]
) -> tuple[dict[str, int] | None, dict[str, int], dict[str, int], dict[str, Any]]:
    """Put ``keys`` (value = label) with pyignite, then get each one with both
    partition-aware clients. Returns (the server's truth if it can say, pyignite's
    node, our node, our values), nodes as client ports, all keyed by label."""
    theirs_rec, ours_rec = TheirRecorder(), OurRecorder()
    theirs_client = pyignite.Client(partition_aware=True, event_listeners=[theirs_rec])
    ours_client = embergrid.Client(partition_aware=True, event_listeners=[ours_rec])
    ours_ports: dict[str, int] = {}
    theirs_ports: dict[str, int] = {}
    ours_values: dict[str, Any] = {}
    with theirs_client.connect(nodes.addresses):
        pcache = _partitioned_cache(theirs_client, cache_name)
        try:
            for label, key, hint in keys:
                pcache.put(key, label, key_hint=_hint(pd, hint))
            truth = None if nodes.truth is None else nodes.truth(cache_name)
            pcache.get(keys[0][1], key_hint=_hint(pd, keys[0][2]))  # fetch the map
            for label, key, hint in keys:
                theirs_rec.started.clear()
                pcache.get(key, key_hint=_hint(pd, hint))
                theirs_ports[label] = theirs_rec.the_get(nodes.node_ids)
            with ours_client.connect(nodes.addresses):
                ocache = ours_client.get_cache(cache_name)
                ocache.get(keys[0][1], key_hint=_hint(ed, keys[0][2]))
                for label, key, hint in keys:
                    ours_rec.started.clear()
                    ours_values[label] = ocache.get(key, key_hint=_hint(ed, hint))
                    ours_ports[label] = ours_rec.the_get(nodes.node_ids)
        finally:
            pcache.destroy()
    return truth, theirs_ports, ours_ports, ours_values


def test_partition_aware_get_goes_to_the_primary(
    three_nodes: Nodes, cache_name: str
) -> None:
    """A keyed get travels on the connection of the key's primary node."""
    truth, theirs, ours, values = _routing(three_nodes, cache_name, ROUTED_KEYS)
    labels = [label for label, _, _ in ROUTED_KEYS]
    assert values == {label: label for label in labels}
    assert len(set(theirs.values())) == 3  # the keys spread over all three nodes
    if truth is not None:
        assert theirs == truth  # the oracle routes right, so this test can tell
    wrong = {k: (ours[k], theirs[k]) for k in labels if ours[k] != theirs[k]}
    assert not wrong, f"label: (our node's port, pyignite's port): {wrong}"


def test_partition_aware_byte_array_key_goes_to_the_primary(
    reference_cluster: ReferenceCluster, cache_name: str
) -> None:
    """byte[] keys go to the primary of their Arrays.hashCode partition (pyignite
    0.6.1 sends them all to partition 0's primary)."""
    nodes = _reference(reference_cluster)
    truth, _theirs, ours, values = _routing(nodes, cache_name, BYTE_ARRAY_KEYS)
    assert truth is not None
    labels = [label for label, _, _ in BYTE_ARRAY_KEYS]
    assert values == {label: label for label in labels}
    wrong = {k: (ours[k], truth[k]) for k in labels if ours[k] != truth[k]}
    assert not wrong, f"label: (our node's port, primary's port): {wrong}"


def test_get_best_node_names_the_primary(
    three_nodes: Nodes, cache_name: str
) -> None:
    """``get_best_node(cache, key, key_hint)`` is the connection of the key's
    primary node, as pyignite's is; without a key, any live connection."""
    theirs_client = pyignite.Client(partition_aware=True)
    ours_client = embergrid.Client(partition_aware=True)
    with theirs_client.connect(three_nodes.addresses):
        pcache = _partitioned_cache(theirs_client, cache_name)
        try:
            for label, key, hint in ROUTED_KEYS:
                pcache.put(key, label, key_hint=_hint(pd, hint))
            truth = None if three_nodes.truth is None else three_nodes.truth(cache_name)
            theirs = {
                label: theirs_client.get_best_node(pcache, key, _hint(pd, hint)).port
                for label, key, hint in ROUTED_KEYS
            }
            with ours_client.connect(three_nodes.addresses):
                ocache = ours_client.get_cache(cache_name)
                ours = {}
                for label, key, hint in ROUTED_KEYS:
                    h = _hint(ed, hint)
                    mine = ours_client.get_best_node(cache_name, key, h)
                    assert mine.alive
                    by_id = ours_client.get_best_node(ocache.cache_id, key, h)
                    assert mine.uuid == by_id.uuid
                    ours[label] = mine.port
                assert (ours_client.get_best_node(ocache)).alive
        finally:
            pcache.destroy()
    assert len(set(theirs.values())) == 3
    if truth is not None:
        assert theirs == truth
    assert ours == theirs

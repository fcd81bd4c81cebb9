"""Ops pyignite does not expose, driven over raw sockets on both servers.

1054 CACHE_GET_OR_CREATE_WITH_CONFIGURATION, 1021 CACHE_LOCAL_PEEK, 1100
CACHE_NODE_PARTITIONS, 3004 GET_BINARY_CONFIGURATION, 5002 CLUSTER_CHANGE_WAL_STATE
and 5003 CLUSTER_GET_WAL_STATE. Each scenario runs step by step on embergrid and on
the Apache Ignite 2.18 node through ``_wire.Wire`` (our ``ClientConnection``); the
decoded results (status, error text, response body) must be equal. Cache names are
unique per test (the same on both servers) and read ``<tag>`` in the compared text;
the client port in the 1100 answer differs, so each side's port is checked against
the connection's own and then compared as ``<port>``.

WAL: the shared reference node runs without persistence, like the session's
embergrid server (no ``data_dir``); a second, persistent reference node
(``--persistence``) is compared with an embergrid server with persistence.
"""

from __future__ import annotations

import re
import struct
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from _reference import missing_prerequisite, start_node, unavailable
from embergrid.engine import ClusterState
from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.config import REPLICATED, CacheConfiguration, ExpiryDurations
from embergrid.protocol.messages import binary_type as bt
from embergrid.protocol.messages import cache as kv
from embergrid.protocol.messages import cache_config as cc
from embergrid.protocol.messages import cluster as cl
from embergrid.protocol.messages import partitions as pm
from embergrid.protocol.messages.general import BoolResponse, ObjectResponse
from embergrid.server import Node, ServerThread

from ._wire import Wire
from .conftest import unique

Address = tuple[str, int]
# Never created: its id (in error texts) is the same on both servers.
MISSING = "compat-rare-ops-never-created"
Steps = Callable[[Wire, Callable[[str], str]], list[Any]]


# The order of a WAL error's cache list: divergence "wal-cache-list-order".
_CACHE_LIST = re.compile(r"(aches=\[)([^\]]*)(\])")


def _sorted_list(m: re.Match[str]) -> str:
    return m.group(1) + ", ".join(sorted(m.group(2).split(", "))) + m.group(3)


def compare(ours: Address, ignite: Address, steps: Steps) -> str:
    """Run ``steps`` on both servers; assert equal results.

    ``steps(wire, name)`` gets ``name(tag)``: a cache name unique in the session,
    the same on both servers (so Java hash orders of names can be compared).
    Every occurrence of those names in the results reads ``<tag>``; returns the
    compared text (``repr`` of the step results).
    """
    results = []
    names: dict[str, str] = {}

    def name(tag: str) -> str:
        return names.setdefault(tag, unique(tag))

    for address in (ours, ignite):
        with Wire(address) as wire:
            wire.call(Op.CACHE_GET_NAMES, cc.CacheGetNames())  # first answer: topology
            out = steps(wire, name)
        text = repr(out)
        for tag, real in names.items():
            text = text.replace(real, f"<{tag}>")
        results.append(_CACHE_LIST.sub(_sorted_list, text))
    assert results[0] == results[1], (
        f"\nembergrid: {results[0]}\nignite:    {results[1]}"
    )
    return results[0]


def value(result: tuple[Any, ...]) -> tuple[Any, ...]:
    """An ObjectResponse result with its value decoded."""
    if result[0] == "ok" and isinstance(result[1], ObjectResponse):
        return ("ok", decode(result[1].value))
    return result


def goc(wire: Wire, cfg: CacheConfiguration) -> tuple[Any, ...]:
    msg = cc.CacheGetOrCreateWithConfiguration(cfg)
    return (wire.call(Op.CACHE_GET_OR_CREATE_WITH_CONFIGURATION, msg), wire.last_topo)


def read_config(wire: Wire, name: str) -> tuple[Any, ...]:
    msg = cc.CacheGetConfiguration(kv.CachePrefix(cache_id(name)))
    return wire.call(Op.CACHE_GET_CONFIGURATION, msg)


# -- 1054 --------------------------------------------------------------------------


def test_get_or_create_with_configuration(
    server_address: Address, reference: Address
) -> None:
    """A new cache takes the sent configuration; on an existing cache the call
    succeeds, changes nothing (the first configuration wins) and does not announce
    a new topology; a cache made by name keeps its defaults."""

    def steps(w: Wire, name: Callable[[str], str]) -> list[Any]:
        a = name("goc")
        b = name("byname")
        first = CacheConfiguration(a, backups=2, atomicity_mode=0)
        other = CacheConfiguration(a, backups=1, cache_mode=REPLICATED)
        return [
            goc(w, first),
            read_config(w, a),
            goc(w, other),
            read_config(w, a),
            w.call(Op.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName(b)),
            goc(w, CacheConfiguration(b, backups=3)),
            read_config(w, b),
        ]

    text = compare(server_address, reference, steps)
    assert "backups=2" in text
    assert "backups=3" not in text


# -- 1021 --------------------------------------------------------------------------


def peek(w: Wire, cid: int, key: object, modes: tuple[int, ...] | None) -> Any:
    msg = kv.CacheLocalPeek(kv.CachePrefix(cid), encode(key), modes)
    return value(w.call(Op.CACHE_LOCAL_PEEK, msg))


MODE_LISTS: list[tuple[int, ...] | None] = [
    None,  # the body ends after the key (what Ignite's own request carries)
    (),
    (0,),
    (1,),
    (2,),
    (3,),
    (4,),
    (5,),
    (1, 3),
    (9,),  # not a peek mode
]


def test_local_peek_present_absent_and_modes(
    server_address: Address, reference: Address
) -> None:
    """The node reads only the key and peeks in mode ALL: every mode list (even
    NEAR or BACKUP alone, or an invalid code) gives the stored value; an absent key
    gives NULL; a NULL key and an unknown cache are errors."""

    def steps(w: Wire, name: Callable[[str], str]) -> list[Any]:
        n = name("peek")
        cid = cache_id(n)
        w.call(Op.CACHE_GET_OR_CREATE_WITH_NAME, cc.CacheGetOrCreateWithName(n))
        w.call(Op.CACHE_PUT, kv.CachePut(kv.CachePrefix(cid), encode(1), encode("one")))
        out = [peek(w, cid, 1, modes) for modes in MODE_LISTS]
        out.append(peek(w, cid, 2, (0,)))
        out.append(peek(w, cid, None, None))
        out.append(peek(w, cache_id(MISSING), 1, None))
        return out

    text = compare(server_address, reference, steps)
    assert text.count("('ok', 'one')") == len(MODE_LISTS)
    assert "Cache does not exist" in text


@pytest.fixture(scope="module")
def realtime_address() -> Iterator[Address]:
    """An embergrid server on the real clock (the expiry test sleeps)."""
    with ServerThread(Node()) as st:
        yield st.address


def test_local_peek_expired(realtime_address: Address, reference: Address) -> None:
    """An entry past its creation TTL peeks as NULL on both servers. The TTL
    outlasts the first peek even on a loaded machine; the expiry is awaited by
    polling a get."""

    def steps(w: Wire, name: Callable[[str], str]) -> list[Any]:
        n = name("peek-ttl")
        cid = cache_id(n)
        cfg = CacheConfiguration(n, expiry_policy=ExpiryDurations(5000, -2, -2))
        goc(w, cfg)
        w.call(Op.CACHE_PUT, kv.CachePut(kv.CachePrefix(cid), encode(1), encode("x")))
        before = peek(w, cid, 1, (0,))
        deadline = time.monotonic() + 60
        get = kv.CacheGet(kv.CachePrefix(cid), encode(1))
        while value(w.call(Op.CACHE_GET, get)) != ("ok", None):
            assert time.monotonic() < deadline, "the entry never expired"
            time.sleep(0.1)
        return [before, peek(w, cid, 1, (0,)), peek(w, cid, 1, None)]

    text = compare(realtime_address, reference, steps)
    assert text == "[('ok', 'x'), ('ok', None), ('ok', None)]"


# -- 1100 --------------------------------------------------------------------------


def node_partitions(w: Wire, cid: int, tail: bytes = b"") -> Any:
    """1100 for ``cid``; the one node's port is checked against the connection's and
    replaced by ``<port>`` (it differs between the servers)."""
    resp = w.call_raw(Op.CACHE_NODE_PARTITIONS, struct.pack("<iB", cid, 0) + tail)
    if resp[0] != "ok":
        return resp
    decoded = pm.decode_cache_node_partitions_response(resp[1], w.conn.context)
    peer_port = w.sock.getpeername()[1]
    nodes = []
    for node in decoded.nodes:
        assert node.port == peer_port
        parts = node.partitions
        assert parts == tuple(range(len(parts)))
        nodes.append(("<port>", node.addresses, len(parts)))
    return ("ok", nodes)


def test_node_partitions_old_op(server_address: Address, reference: Address) -> None:
    """The deprecated 1100 still works on protocol 1.7.0: one entry per server node
    (client port, addresses, primary partitions: 1024 for PARTITIONED, 512 for
    REPLICATED); bytes after the cache prefix are ignored; an unknown cache is 1000."""

    def steps(w: Wire, name: Callable[[str], str]) -> list[Any]:
        p, r = name("part"), name("repl")
        goc(w, CacheConfiguration(p))
        goc(w, CacheConfiguration(r, cache_mode=REPLICATED))
        return [
            node_partitions(w, cache_id(p)),
            node_partitions(w, cache_id(r)),
            node_partitions(w, cache_id(p), b"\x00\x01"),
            node_partitions(w, cache_id(MISSING)),
        ]

    text = compare(server_address, reference, steps)
    assert "1024)]" in text
    assert "512)]" in text
    assert "1000" in text


# -- 3004 --------------------------------------------------------------------------


@pytest.mark.parametrize("features", [None, ProtocolFeature(0)])
def test_binary_configuration(
    server_address: Address, reference: Address, features: ProtocolFeature | None
) -> None:
    """Compact footers on, basic name mapper with full names (0); answered with and
    without the BINARY_CONFIGURATION feature negotiated."""
    results = []
    for address in (server_address, reference):
        kwargs = {} if features is None else {"features": features}
        with Wire(address, **kwargs) as w:
            results.append(
                w.call(Op.GET_BINARY_CONFIGURATION, bt.GetBinaryConfiguration())
            )
    assert results[0] == results[1]
    assert results[0] == ("ok", bt.GetBinaryConfigurationResponse(True, 0))


# -- 5002 / 5003 -------------------------------------------------------------------


def get_wal(w: Wire, name: str | None) -> Any:
    return w.call(Op.CLUSTER_GET_WAL_STATE, cl.ClusterGetWalState(name))


WAL_SETTLE_S = 60.0
"""How long a WAL switch that succeeded may take to show in 5003."""


def set_wal(
    w: Wire, name: str | None, enable: bool, caches: Sequence[str] | None = None
) -> Any:
    """5002; once it succeeded, 5003 is asked until each of ``caches`` (default:
    ``name``) reads the new state. Ignite answers 5002 before the switch shows:
    its WalStateManager.onFinishDiscovery completes the caller's future, then
    flips the group descriptor's flag that 5003 reads, so a 5003 sent at once
    may read the old state (seen at load ~5). Past the deadline the steps go
    on, and the compared 5003 answers show what was read."""
    result = w.call(Op.CLUSTER_CHANGE_WAL_STATE, cl.ClusterChangeWalState(name, enable))
    if result[0] == "ok":
        for cache in [name] if caches is None else caches:
            _await_wal_state(w, cache, enable)
    return result


def _await_wal_state(w: Wire, cache: str | None, enable: bool) -> None:
    deadline = time.monotonic() + WAL_SETTLE_S
    while get_wal(w, cache) != ("ok", BoolResponse(enable)):
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)


def wal_steps(w: Wire, name: Callable[[str], str]) -> list[Any]:
    """Get / disable / enable (each twice) on a cache; unknown and NULL names; a
    cache group of two caches (by a member's name, by the group's name); a cache in
    the explicit default data region."""
    c = name("wal")
    g = name("walgrp")
    a, b = name("wal-a"), name("wal-b")
    d = name("wal-region")
    goc(w, CacheConfiguration(c))
    goc(w, CacheConfiguration(a, group_name=g))
    goc(w, CacheConfiguration(b, group_name=g))
    goc(w, CacheConfiguration(d, data_region_name="default"))
    return [
        get_wal(w, c),
        set_wal(w, c, False),
        get_wal(w, c),
        set_wal(w, c, False),
        set_wal(w, c, True),
        get_wal(w, c),
        set_wal(w, c, True),
        get_wal(w, MISSING),
        set_wal(w, MISSING, False),
        get_wal(w, None),
        set_wal(w, None, False),
        set_wal(w, a, False),
        set_wal(w, g, False, caches=[a, b]),
        get_wal(w, a),
        get_wal(w, b),
        get_wal(w, g),
        set_wal(w, g, True, caches=[a, b]),
        get_wal(w, b),
        set_wal(w, d, False),
        get_wal(w, d),
    ]


@pytest.mark.divergence("wal-cache-list-order")
def test_wal_state_without_persistence(
    server_address: Address, reference: Address
) -> None:
    """No persistence: 5003 answers False, 5002 is refused naming the caches and
    the data region; unknown / NULL names and partial groups fail first."""
    text = compare(server_address, reference, wal_steps)
    assert "persistence is not enabled" in text
    assert "not all cache names belonging to the group" in text


@pytest.fixture(scope="module")
def persistent_pair() -> Iterator[tuple[Address, Address]]:
    """(embergrid with --persistence, a reference node with native persistence)."""
    reason = missing_prerequisite()
    if reason is not None:
        unavailable(reason)
    with tempfile.TemporaryDirectory(prefix="ref-persist-") as ref_dir:
        try:
            node = start_node(["--persistence", ref_dir])
        except (OSError, RuntimeError) as exc:
            pytest.fail(f"persistent reference node failed to start: {exc}")
        try:
            with (
                tempfile.TemporaryDirectory(prefix="eg-persist-") as data_dir,
                ServerThread(Node(data_dir=data_dir, persistent=True)) as st,
            ):
                # activated, as ReferenceNode activates its persistent cluster
                st.node.engine.cluster.set_state(ClusterState.ACTIVE)
                yield st.address, (node.host, node.port)
        finally:
            node.stop()


@pytest.mark.reference
@pytest.mark.divergence("wal-cache-list-order")
def test_wal_state_with_persistence(persistent_pair: tuple[Address, Address]) -> None:
    """Persistence: the WAL starts enabled; 5002 answers whether the state changed;
    a group switches as a whole, by its name only."""
    ours, ignite = persistent_pair
    text = compare(ours, ignite, wal_steps)
    assert text.startswith("[('ok', BoolResponse(value=True)), ('ok', BoolResponse(")
    assert "persistence is not enabled" not in text

"""Session behaviour without sockets: handshake, headers, cursors, resources, 1101.

A ``ClientConnection`` is wired to a server ``Session`` (h11's ConnectionPair).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from embergrid.engine import FakeClock
from embergrid.engine.partitions import partition_of
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id, field_id, type_id
from embergrid.protocol.codes import OpCode, ProtocolFeature, StatusCode
from embergrid.protocol.config import CacheConfiguration, CacheKeyConfiguration
from embergrid.protocol.connection import HandshakeAccepted, HandshakeRejected
from embergrid.protocol.handshake import SUPPORTED_VERSIONS, ProtocolVersion
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.messages import cache as kv
from embergrid.protocol.messages import cache_config as cc
from embergrid.protocol.messages import general, partitions, query
from embergrid.protocol.messages._fields import NULL_OBJECT
from embergrid.server import Limits, Node, dispatch
from embergrid.server import status_messages as msgs
from embergrid.server.node import SERVER_FEATURES

from ._wire import Pair, body


@pytest.fixture
def node() -> Iterator[Node]:
    n = Node(clock=FakeClock(), limits=Limits(max_cursors=2, workers=0))
    yield n
    n.close()


@pytest.fixture
def pair(node: Node) -> Pair:
    p = Pair(node)
    assert isinstance(p.handshake(), HandshakeAccepted)
    return p


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS, ids=str)
def test_handshake_every_version(node: Node, version: ProtocolVersion) -> None:
    p = Pair(node)
    event = p.handshake(version)
    assert isinstance(event, HandshakeAccepted)
    assert event.node_id == (node.node_id if version >= (1, 4, 0) else None)
    resp = p.call(OpCode.CACHE_GET_NAMES)
    assert resp.header.ok
    # the first response carries the topology version from 1.4.0 on
    expected = AffinityVersion(1, 0) if version >= (1, 4, 0) else None
    assert resp.header.topology_version == expected


def test_features_are_the_intersection(node: Node) -> None:
    event = Pair(node).handshake(
        features=ProtocolFeature.CLUSTER_API | ProtocolFeature(1 << 18)
    )
    assert isinstance(event, HandshakeAccepted)
    assert event.features == ProtocolFeature.CLUSTER_API
    full = Pair(node).handshake()
    assert isinstance(full, HandshakeAccepted)
    assert full.features == SERVER_FEATURES


def test_unsupported_version_keeps_the_socket(node: Node) -> None:
    p = Pair(node)
    event = p.handshake(ProtocolVersion(1, 8, 0))
    assert isinstance(event, HandshakeRejected)
    assert event.failure.server_version == (1, 7, 0)
    assert event.failure.message == "Unsupported version: 1.8.0"
    assert event.failure.status == StatusCode.FAILED
    assert isinstance(p.handshake(), HandshakeAccepted)


def test_topology_flag_after_cache_create(pair: Pair) -> None:
    assert pair.call(OpCode.CACHE_GET_NAMES).header.topology_version == (1, 0)
    assert pair.call(OpCode.CACHE_GET_NAMES).header.topology_version is None
    create = body(OpCode.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName("c"))
    assert pair.call(OpCode.CACHE_CREATE_WITH_NAME, create).header.topology_version == (
        1,
        1,
    )
    get_or_create = body(
        OpCode.CACHE_GET_OR_CREATE_WITH_NAME, cc.CacheGetOrCreateWithName("c")
    )
    assert (
        pair.call(
            OpCode.CACHE_GET_OR_CREATE_WITH_NAME, get_or_create
        ).header.topology_version
        is None
    )
    destroy = body(OpCode.CACHE_DESTROY, cc.CacheDestroy(cache_id("c")))
    assert pair.call(OpCode.CACHE_DESTROY, destroy).header.topology_version == (1, 2)


def test_unknown_op_code(pair: Pair) -> None:
    resp = pair.call(9999, b"whatever")
    assert resp.header.status == StatusCode.INVALID_OP_CODE
    assert resp.header.message == "Invalid request op code: 9999"
    assert pair.call(OpCode.HEARTBEAT).header.ok


def test_every_known_op_has_a_handler() -> None:
    assert {int(op) for op in OpCode} <= set(dispatch.routes())


def test_unimplemented_op_is_status_1(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A known op without a handler (none today) answers status 1."""
    op = OpCode.TX_END
    monkeypatch.delitem(dispatch.routes(), int(op))
    resp = pair.call(op, b"\x00" * 8)
    assert resp.header.status == StatusCode.FAILED
    assert resp.header.message == msgs.not_implemented(op.name, op)


def test_handler_bug_is_status_1_and_the_session_survives(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    decode, _fn, enc = dispatch.routes()[OpCode.HEARTBEAT]

    def broken(s: object, r: object) -> object:
        raise ZeroDivisionError("bug")

    monkeypatch.setitem(dispatch.routes(), int(OpCode.HEARTBEAT), (decode, broken, enc))
    resp = pair.call(OpCode.HEARTBEAT)
    assert (resp.header.status, resp.header.message) == (
        StatusCode.FAILED,
        msgs.INTERNAL_ERROR,
    )
    monkeypatch.undo()
    assert pair.call(OpCode.HEARTBEAT).header.ok


def test_idle_timeout_is_zero(pair: Pair) -> None:
    assert pair.ok(OpCode.GET_IDLE_TIMEOUT, general.GetIdleTimeout()).timeout_ms == 0


def _fill(pair: Pair, name: str, n: int) -> int:
    pair.ok(OpCode.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName(name))
    cid = cache_id(name)
    entries = tuple((encode(i), encode(i * 10)) for i in range(n))
    pair.ok(OpCode.CACHE_PUT_ALL, kv.CachePutAll(kv.CachePrefix(cid), entries))
    return cid


def _scan(cid: int, page: int, **kw: object) -> query.ScanQuery:
    return query.ScanQuery(kv.CachePrefix(cid), page, **kw)  # type: ignore[arg-type]


def test_cursor_pages_ids_and_release(pair: Pair) -> None:
    cid = _fill(pair, "scan", 5)
    first = pair.ok(OpCode.QUERY_SCAN, _scan(cid, 2))
    assert first.cursor_id == 1
    assert first.has_more
    assert len(first.entries) == 2
    second = pair.ok(OpCode.QUERY_SCAN_CURSOR_GET_PAGE, query.ScanCursorGetPage(1))
    last = pair.ok(OpCode.QUERY_SCAN_CURSOR_GET_PAGE, query.ScanCursorGetPage(1))
    assert second.has_more
    assert not last.has_more
    got = {k: v for k, v in first.entries + second.entries + last.entries}
    assert got == {encode(i): encode(i * 10) for i in range(5)}
    # released after the last page: both get-page and close answer 1011
    resp = pair.call(
        OpCode.RESOURCE_CLOSE, body(OpCode.RESOURCE_CLOSE, general.ResourceClose(1))
    )
    assert resp.header.status == StatusCode.RESOURCE_DOES_NOT_EXIST
    assert resp.header.message == "Failed to find resource with id: 1"
    page = body(OpCode.QUERY_SCAN_CURSOR_GET_PAGE, query.ScanCursorGetPage(1))
    assert pair.call(OpCode.QUERY_SCAN_CURSOR_GET_PAGE, page).header.status == 1011
    # a one-page scan still takes a fresh id and is released at once
    whole = pair.ok(OpCode.QUERY_SCAN, _scan(cid, 100))
    assert whole.cursor_id == 2
    assert not whole.has_more
    assert not pair.session.cursors


def test_cursor_limit_and_close(pair: Pair) -> None:
    cid = _fill(pair, "limit", 5)
    a = pair.ok(OpCode.QUERY_SCAN, _scan(cid, 1))
    pair.ok(OpCode.QUERY_SCAN, _scan(cid, 1))
    resp = pair.call(OpCode.QUERY_SCAN, body(OpCode.QUERY_SCAN, _scan(cid, 1)))
    assert resp.header.status == StatusCode.TOO_MANY_CURSORS
    assert resp.header.message == msgs.too_many_cursors(2, 2)
    assert "[maximum=2, current=2]" in resp.header.message
    pair.ok(OpCode.RESOURCE_CLOSE, general.ResourceClose(a.cursor_id))
    assert (
        pair.ok(OpCode.QUERY_SCAN, _scan(cid, 1)).cursor_id == 3
    )  # refusal took no id
    pair.session.close()
    assert not pair.session.cursors


def test_scan_with_filter_or_bad_page_size(pair: Pair) -> None:
    cid = _fill(pair, "filtered", 1)
    msg = _scan(cid, 10, filter=encode("x"), filter_platform=1)
    resp = pair.call(OpCode.QUERY_SCAN, body(OpCode.QUERY_SCAN, msg))
    assert (resp.header.status, resp.header.message) == (
        1,
        msgs.SCAN_FILTER_UNSUPPORTED,
    )
    resp = pair.call(OpCode.QUERY_SCAN, body(OpCode.QUERY_SCAN, _scan(cid, 0)))
    assert resp.header.status == StatusCode.FAILED


def test_scan_one_partition(pair: Pair, node: Node) -> None:
    cid = _fill(pair, "parts", 50)
    seen: dict[bytes, bytes] = {}
    for part in {partition_of(encode(i)) for i in range(50)}:
        page = pair.ok(OpCode.QUERY_SCAN, _scan(cid, 1000, partition=part))
        assert all(partition_of(k) == part for k, _ in page.entries)
        seen.update(page.entries)
    assert len(seen) == 50


def test_partitions_for_one_node(pair: Pair, node: Node) -> None:
    cfg = CacheConfiguration(
        "keyed", key_configuration=(CacheKeyConfiguration("Person", "companyId"),)
    )
    pair.ok(
        OpCode.CACHE_CREATE_WITH_CONFIGURATION, cc.CacheCreateWithConfiguration(cfg)
    )
    pair.ok(OpCode.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName("plain"))
    repl = CacheConfiguration("repl", cache_mode=1)
    pair.ok(
        OpCode.CACHE_CREATE_WITH_CONFIGURATION, cc.CacheCreateWithConfiguration(repl)
    )
    resp = pair.ok(
        OpCode.CACHE_PARTITIONS, partitions.CachePartitions((cache_id("plain"),))
    )
    assert (resp.version_major, resp.version_minor) == tuple(node.topology)
    applicable, other = resp.groups
    assert applicable.applicable
    assert not other.applicable
    assert {c.cache_id: c.key_configs for c in applicable.caches} == {
        cache_id("keyed"): ((type_id("Person"), field_id("companyId")),),
        cache_id("plain"): (),
    }
    (owner,) = applicable.nodes
    assert owner.node_id == node.node_id
    assert owner.partitions == tuple(range(1024))
    assert [c.cache_id for c in other.caches] == [cache_id("repl")]


def test_cluster_state_without_bit_2_is_a_bool(node: Node) -> None:
    from embergrid.protocol.messages import cluster

    p = Pair(node)
    p.handshake(features=ProtocolFeature(0))
    assert p.ok(OpCode.CLUSTER_GET_STATE, cluster.ClusterGetState()).state == 1
    resp = p.call(OpCode.CLUSTER_GET_STATE)
    assert bytes(resp.body) == b"\x01"


def test_null_key_refused(pair: Pair) -> None:
    cid = _fill(pair, "nulls", 0)
    msg = kv.CacheGet(kv.CachePrefix(cid), NULL_OBJECT)
    resp = pair.call(OpCode.CACHE_GET, body(OpCode.CACHE_GET, msg))
    assert resp.header.status == StatusCode.FAILED
    assert resp.header.message == msgs.argument_null("key")

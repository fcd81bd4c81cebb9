"""Round trips of every request and response body, per layout variant, and the
malformed-input contract: decoders raise ``ParseError`` and nothing else."""

from __future__ import annotations

import struct
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embergrid.errors import ParseError
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import ProtocolFeature as F
from embergrid.protocol.config import (
    CacheConfiguration,
    CacheKeyConfiguration,
    ExpiryDurations,
    QueryEntity,
    QueryField,
    QueryIndex,
    QueryIndexField,
)
from embergrid.protocol.messages import REQUESTS, RESPONSES, ProtocolContext, tx
from embergrid.protocol.messages import binary_type as bt
from embergrid.protocol.messages import cache as kv
from embergrid.protocol.messages import cache_config as cc
from embergrid.protocol.messages import cluster as cl
from embergrid.protocol.messages import cluster_group as cg
from embergrid.protocol.messages import continuous as cq
from embergrid.protocol.messages import general as g
from embergrid.protocol.messages import partitions as pt
from embergrid.protocol.messages import query as q

VERSIONS = [(1, minor, 0) for minor in range(8)]
CTX = {v: ProtocolContext(v) for v in VERSIONS}
ALL_FEATURES = F(sum(F))
V17 = CTX[(1, 7, 0)]
V17_ALL = ProtocolContext((1, 7, 0), ALL_FEATURES)
CONTEXTS = [*CTX.values(), V17_ALL]

INT_5 = b"\x03\x05\x00\x00\x00"
STR_A = b"\x09\x01\x00\x00\x00a"
NULL = b"\x65"
LIST = b"\x17\xff\xff\xff\xff\x02\x00\x00\x00" + INT_5 + STR_A  # Object[] of two
PREFIXES = [
    kv.CachePrefix(1),
    kv.CachePrefix(-7, 0x01),
    kv.CachePrefix(2, 0, ExpiryDurations(1000, -1, -2)),
    kv.CachePrefix(3, 0x01, None, 42),
    kv.CachePrefix(4, 0x08, ExpiryDurations(0, 5, 6), -1),
]

ENTITY = QueryEntity(
    "java.lang.Long",
    "Person",
    "PERSON",
    "ID",
    None,
    (
        QueryField("ID", "java.lang.Long", True, False, None, 19, 0),
        QueryField("NAME", "java.lang.String", False, True, STR_A),
    ),
    (("NAME", "FULL"),),
    (
        QueryIndex("IDX", 0, -1, (QueryIndexField("NAME", True),)),
        QueryIndex(None, 2, 4, ()),
    ),
)
ENTITY_NO_PRECISION = QueryEntity(
    "K", "V", query_fields=(QueryField("A", "java.lang.Integer", default_value=INT_5),)
)
FULL_CONFIG = CacheConfiguration(
    "people",
    1,
    0,
    2,
    0,
    False,
    False,
    "region",
    True,
    (ENTITY,),
    3,
    4,
    "HR",
    5,
    True,
    6,
    2,
    7,
    8,
    9,
    10,
    11,
    12,
    "group",
    (CacheKeyConfiguration("K", "f"), CacheKeyConfiguration("L", None)),
    13,
    14,
    1,
    False,
    True,
    ExpiryDurations(1, 2, 3),
)
PERSON = BinaryType(
    77,
    "Person",
    "org",
    {"id": BinaryField("id", 3, 11), "org": BinaryField("org", 103, 12)},
    schemas={1: (11, 12), 2: (11,), 3: ()},
)
ENUM = BinaryType(78, "Color", None, {}, True, {"RED": 0, "BLUE": 7}, {})
NODE = uuid.UUID("12345678-1234-5678-9abc-def012345678")
GROUPS = (
    pt.PartitionGroup(
        True,
        (pt.CacheKeyAffinity(1, ((2, 3),)), pt.CacheKeyAffinity(4)),
        (pt.NodePartitions(NODE, (0, 1, 2)), pt.NodePartitions(uuid.UUID(int=0), ())),
    ),
    pt.PartitionGroup(False, (pt.CacheKeyAffinity(5), pt.CacheKeyAffinity(6))),
)
GROUPS_NOT_DEFAULT = (pt.PartitionGroup(True, (pt.CacheKeyAffinity(9),), (), False),)


def _kv_requests() -> list[tuple[Op, Any]]:
    out: list[tuple[Op, Any]] = []
    for p in PREFIXES:
        out += [
            (Op.CACHE_GET, kv.CacheGet(p, INT_5)),
            (Op.CACHE_PUT, kv.CachePut(p, STR_A, LIST)),
            (Op.CACHE_PUT_IF_ABSENT, kv.CachePutIfAbsent(p, INT_5, NULL)),
            (Op.CACHE_GET_ALL, kv.CacheGetAll(p, (INT_5, STR_A, LIST))),
            (Op.CACHE_PUT_ALL, kv.CachePutAll(p, ((INT_5, STR_A), (STR_A, LIST)))),
            (Op.CACHE_GET_AND_PUT, kv.CacheGetAndPut(p, INT_5, STR_A)),
            (Op.CACHE_GET_AND_REPLACE, kv.CacheGetAndReplace(p, INT_5, STR_A)),
            (Op.CACHE_GET_AND_REMOVE, kv.CacheGetAndRemove(p, INT_5)),
            (
                Op.CACHE_GET_AND_PUT_IF_ABSENT,
                kv.CacheGetAndPutIfAbsent(p, INT_5, STR_A),
            ),
            (Op.CACHE_REPLACE, kv.CacheReplace(p, INT_5, STR_A)),
            (
                Op.CACHE_REPLACE_IF_EQUALS,
                kv.CacheReplaceIfEquals(p, INT_5, STR_A, LIST),
            ),
            (Op.CACHE_CONTAINS_KEY, kv.CacheContainsKey(p, INT_5)),
            (Op.CACHE_CONTAINS_KEYS, kv.CacheContainsKeys(p, ())),
            (Op.CACHE_CLEAR, kv.CacheClear(p)),
            (Op.CACHE_CLEAR_KEY, kv.CacheClearKey(p, STR_A)),
            (Op.CACHE_CLEAR_KEYS, kv.CacheClearKeys(p, (STR_A,))),
            (Op.CACHE_REMOVE_KEY, kv.CacheRemoveKey(p, STR_A)),
            (Op.CACHE_REMOVE_IF_EQUALS, kv.CacheRemoveIfEquals(p, STR_A, INT_5)),
            (Op.CACHE_REMOVE_KEYS, kv.CacheRemoveKeys(p, (STR_A, INT_5))),
            (Op.CACHE_REMOVE_ALL, kv.CacheRemoveAll(p)),
            (Op.CACHE_GET_SIZE, kv.CacheGetSize(p)),
            (Op.CACHE_GET_SIZE, kv.CacheGetSize(p, (0, 1, 2, 3, 4, 5))),
            (Op.CACHE_LOCAL_PEEK, kv.CacheLocalPeek(p, INT_5)),
            (Op.CACHE_LOCAL_PEEK, kv.CacheLocalPeek(p, INT_5, ())),
            (Op.CACHE_LOCAL_PEEK, kv.CacheLocalPeek(p, INT_5, (0, 4))),
            (Op.QUERY_SCAN, q.ScanQuery(p, 100)),
            (Op.QUERY_SCAN, q.ScanQuery(p, 1, 17, True, LIST, 2)),
            (Op.QUERY_CONTINUOUS, cq.ContinuousQuery(p)),
            (Op.QUERY_CONTINUOUS, cq.ContinuousQuery(p, 5, 100, True, LIST, 1)),
            (
                Op.QUERY_SQL,
                q.SqlQuery(p, "Person", "age > ?", (INT_5,), True, False, True, 5, 9),
            ),
            (Op.QUERY_SQL, q.SqlQuery(p, None, None)),
            (Op.QUERY_SQL_FIELDS, q.SqlFieldsQuery(p, None, "SELECT 1")),
            (Op.CACHE_GET_CONFIGURATION, cc.CacheGetConfiguration(p)),
        ]
    return out


def _sql_fields(ctx_has_batch: bool) -> list[Any]:
    p = PREFIXES[0]
    base = q.SqlFieldsQuery(
        p,
        "PUBLIC",
        "SELECT * FROM T WHERE A = ?",
        10,
        50,
        (INT_5, NULL),
        1,
        True,
        False,
        True,
        False,
        True,
        False,
        1000,
        True,
    )
    if not ctx_has_batch:
        return [base]
    return [
        q.SqlFieldsQuery(p, None, "x", partitions=(1, 5, 1023), update_batch_size=32),
        q.SqlFieldsQuery(p, None, "x", partitions=(), update_batch_size=1),
        base,
    ]


COMMON_REQUESTS: list[tuple[Op, Any]] = [
    (Op.RESOURCE_CLOSE, g.ResourceClose(1 << 40)),
    (Op.HEARTBEAT, g.Heartbeat()),
    (Op.GET_IDLE_TIMEOUT, g.GetIdleTimeout()),
    *_kv_requests(),
    (Op.CACHE_GET_NAMES, cc.CacheGetNames()),
    (Op.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName("people")),
    (Op.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName(None)),
    (Op.CACHE_GET_OR_CREATE_WITH_NAME, cc.CacheGetOrCreateWithName("日本")),
    (
        Op.CACHE_CREATE_WITH_CONFIGURATION,
        cc.CacheCreateWithConfiguration(CacheConfiguration("a")),
    ),
    (
        Op.CACHE_GET_OR_CREATE_WITH_CONFIGURATION,
        cc.CacheGetOrCreateWithConfiguration(
            CacheConfiguration("a", backups=1), (3, 0, 3)
        ),
    ),
    (Op.CACHE_DESTROY, cc.CacheDestroy(-1)),
    (Op.CACHE_NODE_PARTITIONS, pt.CacheNodePartitions(kv.CachePrefix(-7))),
    (Op.QUERY_SCAN_CURSOR_GET_PAGE, q.ScanCursorGetPage(1)),
    (Op.QUERY_SQL_CURSOR_GET_PAGE, q.SqlCursorGetPage(2)),
    (Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE, q.SqlFieldsCursorGetPage(3)),
    (Op.GET_BINARY_TYPE_NAME, bt.GetBinaryTypeName(0, 77)),
    (Op.REGISTER_BINARY_TYPE_NAME, bt.RegisterBinaryTypeName(1, 77, "org.Person")),
    (Op.GET_BINARY_TYPE, bt.GetBinaryType(77)),
    (Op.PUT_BINARY_TYPE, bt.PutBinaryType(PERSON)),
    (Op.PUT_BINARY_TYPE, bt.PutBinaryType(ENUM)),
    (Op.GET_BINARY_CONFIGURATION, bt.GetBinaryConfiguration()),
    (Op.TX_START, tx.TxStart(1, 2, 3000, "label")),
    (Op.TX_START, tx.TxStart(0, 0)),
    (Op.TX_END, tx.TxEnd(5, True)),
    (Op.TX_END, tx.TxEnd(5, False)),
    (Op.CLUSTER_GET_STATE, cl.ClusterGetState()),
    (Op.CLUSTER_CHANGE_STATE, cl.ClusterChangeState(2)),
    (Op.CLUSTER_CHANGE_WAL_STATE, cl.ClusterChangeWalState("people", True)),
    (Op.CLUSTER_GET_WAL_STATE, cl.ClusterGetWalState(None)),
    (Op.CLUSTER_GROUP_GET_NODE_IDS, cg.GetNodeIds(-1)),
    (
        Op.CLUSTER_GROUP_GET_NODE_IDS,
        cg.GetNodeIds(7, (cg.RoleFilter(False), cg.AttributeFilter("a", None))),
    ),
    (Op.CLUSTER_GROUP_GET_NODE_INFO, cg.GetNodeInfo((uuid.UUID(int=1 << 100),))),
    (Op.CLUSTER_GROUP_GET_NODE_ENDPOINTS, cg.GetNodeEndpoints(-1, 4)),
]

COMMON_RESPONSES: list[tuple[Op, Any]] = [
    (Op.RESOURCE_CLOSE, g.EmptyResponse()),
    (Op.GET_IDLE_TIMEOUT, g.GetIdleTimeoutResponse(30_000)),
    (Op.CACHE_GET, g.ObjectResponse(LIST)),
    (Op.CACHE_GET, g.ObjectResponse(NULL)),
    (Op.CACHE_PUT_IF_ABSENT, g.BoolResponse(True)),
    (Op.CACHE_REPLACE, g.BoolResponse(False)),
    (Op.CACHE_GET_ALL, kv.CacheGetAllResponse(((INT_5, STR_A), (STR_A, LIST)))),
    (Op.CACHE_GET_ALL, kv.CacheGetAllResponse(())),
    (Op.CACHE_GET_SIZE, g.LongResponse(-(1 << 63))),
    (Op.CACHE_GET_NAMES, cc.CacheGetNamesResponse(("a", None, ""))),
    (Op.CACHE_PARTITIONS, pt.CachePartitionsResponse(1, 0, ())),
    (
        Op.CACHE_NODE_PARTITIONS,
        pt.CacheNodePartitionsResponse(
            (pt.ConnectableNode(10800, ("127.0.0.1", None), (0, 1, 1023)),)
        ),
    ),
    (Op.CACHE_NODE_PARTITIONS, pt.CacheNodePartitionsResponse(())),
    (Op.QUERY_SCAN, q.EntryCursorResponse(1, ((INT_5, LIST),), True)),
    (Op.QUERY_SQL, q.EntryCursorResponse(2, (), False)),
    (Op.QUERY_CONTINUOUS, g.LongResponse(7)),
    (Op.QUERY_SCAN_CURSOR_GET_PAGE, q.EntryPageResponse(((INT_5, NULL),), False)),
    (Op.QUERY_SQL_CURSOR_GET_PAGE, q.EntryPageResponse((), True)),
    (Op.QUERY_SQL_FIELDS, q.SqlFieldsResponse(3, 2, None, ((INT_5, STR_A),), True)),
    (Op.QUERY_SQL_FIELDS, q.SqlFieldsResponse(3, 7, None, (), False)),
    (
        Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
        q.RowPageResponse(((INT_5, STR_A), (NULL, LIST)), True),
    ),
    (Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE, q.RowPageResponse(((INT_5,),), False)),
    (Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE, q.RowPageResponse((), False)),
    (Op.GET_BINARY_TYPE_NAME, bt.GetBinaryTypeNameResponse("org.Person")),
    (Op.REGISTER_BINARY_TYPE_NAME, g.BoolResponse(True)),
    (Op.GET_BINARY_TYPE, bt.GetBinaryTypeResponse(PERSON)),
    (Op.GET_BINARY_TYPE, bt.GetBinaryTypeResponse(ENUM)),
    (Op.GET_BINARY_TYPE, bt.GetBinaryTypeResponse(None)),
    (Op.GET_BINARY_CONFIGURATION, bt.GetBinaryConfigurationResponse(False, 2)),
    (Op.TX_START, tx.TxStartResponse(9)),
    (Op.CLUSTER_CHANGE_WAL_STATE, g.BoolResponse(True)),
    (Op.CLUSTER_GROUP_GET_NODE_IDS, cg.GetNodeIdsResponse(None)),
    (Op.CLUSTER_GROUP_GET_NODE_IDS, cg.GetNodeIdsResponse(3, (uuid.UUID(int=5),))),
    (
        Op.CLUSTER_GROUP_GET_NODE_INFO,
        cg.GetNodeInfoResponse(
            (
                cg.NodeInfo(
                    uuid.UUID(int=9),
                    (("port", INT_5), ("name", STR_A)),
                    LIST,
                    NULL,
                    4,
                    True,
                    False,
                    False,
                    STR_A,
                    cg.ProductVersion(2, 18, 0, None, 0, bytes(20)),
                ),
            )
        ),
    ),
    (
        Op.CLUSTER_GROUP_GET_NODE_ENDPOINTS,
        cg.GetNodeEndpointsResponse(
            5,
            (cg.NodeEndpoint(uuid.UUID(int=2), 10800, ("127.0.0.1", None)),),
            (uuid.UUID(int=3),),
        ),
    ),
]


def _variants() -> list[tuple[str, Op, Any, ProtocolContext]]:
    cases: list[tuple[str, Op, Any, ProtocolContext]] = []
    for ctx in CONTEXTS:
        for op, m in COMMON_REQUESTS:
            cases.append(("req", op, m, ctx))
        for op, m in COMMON_RESPONSES:
            cases.append(("resp", op, m, ctx))
        batch = ctx.has(F.QRY_PARTITIONS_BATCH_SIZE)
        cases += [("req", Op.QUERY_SQL_FIELDS, m, ctx) for m in _sql_fields(batch)]
        precision = ctx.at_least(1, 2)
        expiry = ctx.at_least(1, 6)
        entity = ENTITY if precision else ENTITY_NO_PRECISION
        cfg = CacheConfiguration(
            "people",
            query_entities=(entity,),
            backups=1,
            expiry_policy=ExpiryDurations(1, 2, 3) if expiry else None,
        )
        full = (
            FULL_CONFIG
            if precision
            else CacheConfiguration("x", query_entities=(entity,))
        )
        if precision and not expiry:
            full = CacheConfiguration("x", query_entities=(ENTITY,), eager_ttl=False)
        cases += [
            (
                "req",
                Op.CACHE_CREATE_WITH_CONFIGURATION,
                cc.CacheCreateWithConfiguration(cfg),
                ctx,
            ),
            (
                "req",
                Op.CACHE_CREATE_WITH_CONFIGURATION,
                cc.CacheCreateWithConfiguration(full),
                ctx,
            ),
            (
                "resp",
                Op.CACHE_GET_CONFIGURATION,
                cc.CacheGetConfigurationResponse(full),
                ctx,
            ),
            (
                "resp",
                Op.CACHE_GET_CONFIGURATION,
                cc.CacheGetConfigurationResponse(cfg),
                ctx,
            ),
            ("req", Op.CACHE_PARTITIONS, pt.CachePartitions((1, -2, 3)), ctx),
            ("req", Op.CACHE_PARTITIONS, pt.CachePartitions(()), ctx),
            (
                "resp",
                Op.CACHE_PARTITIONS,
                pt.CachePartitionsResponse(3, 1, GROUPS),
                ctx,
            ),
            ("resp", Op.CLUSTER_GET_STATE, cl.ClusterGetStateResponse(0), ctx),
            ("resp", Op.CLUSTER_GET_STATE, cl.ClusterGetStateResponse(1), ctx),
        ]
        if ctx.has(F.ALL_AFFINITY_MAPPINGS):
            cases += [
                ("req", Op.CACHE_PARTITIONS, pt.CachePartitions((1,), True), ctx),
                (
                    "resp",
                    Op.CACHE_PARTITIONS,
                    pt.CachePartitionsResponse(1, 1, GROUPS_NOT_DEFAULT),
                    ctx,
                ),
            ]
        if ctx.has(F.CLUSTER_API):
            cases.append(
                ("resp", Op.CLUSTER_GET_STATE, cl.ClusterGetStateResponse(2), ctx)
            )
    return cases


VARIANTS = _variants()


def _id(case: tuple[str, Op, Any, ProtocolContext]) -> str:
    kind, op, msg, ctx = case
    version = ".".join(map(str, ctx.version))
    return f"{kind}-{op.name}-{type(msg).__name__}-{version}-{int(ctx.features)}"


@pytest.mark.parametrize("case", VARIANTS, ids=[_id(c) for c in VARIANTS])
def test_round_trip(case: tuple[str, Op, Any, ProtocolContext]) -> None:
    kind, op, msg, ctx = case
    decode, encode = (REQUESTS if kind == "req" else RESPONSES)[op]
    body = encode(msg, ctx)
    assert isinstance(body, bytes)
    assert decode(body, ctx) == msg
    assert decode(memoryview(bytearray(body)), ctx) == msg  # any buffer type
    assert encode(decode(body, ctx), ctx) == body


def test_every_op_has_request_and_response_samples() -> None:
    assert set(REQUESTS) == set(RESPONSES) == set(Op)
    assert {op for kind, op, _, _ in VARIANTS if kind == "req"} == set(REQUESTS)
    responded = {op for kind, op, _, _ in VARIANTS if kind == "resp"}
    shared = {op for op in RESPONSES if op not in responded}
    # ops without their own sample share a response codec with one that has a sample
    sampled_codecs = {RESPONSES[op] for op in responded}
    assert all(RESPONSES[op] in sampled_codecs for op in shared)


# -- layout switches -------------------------------------------------------------------


def test_prefix_flags_follow_expiry_and_tx_id() -> None:
    body = kv.encode_cache_get(kv.CacheGet(kv.CachePrefix(1, 0x06), INT_5), V17)
    assert body == b"\x01\x00\x00\x00\x00" + INT_5  # 0x02/0x04 without data are dropped
    prefix = kv.CachePrefix(1, 0x01, ExpiryDurations(1, 2, 3), 9)
    body = kv.encode_cache_clear(kv.CacheClear(prefix), V17)
    assert body == struct.pack("<iBqqqi", 1, 0x07, 1, 2, 3, 9)


def test_prefix_is_read_by_flags_whatever_the_version() -> None:
    body = struct.pack("<iBqqqi", 5, 0x06, -1, -2, 0, 3) + INT_5
    assert kv.decode_cache_get(body, CTX[(1, 0, 0)]) == kv.CacheGet(
        kv.CachePrefix(5, 0, ExpiryDurations(-1, -2, 0), 3), INT_5
    )


def test_sql_fields_feature_bit_7_adds_partitions_and_batch_size() -> None:
    m = q.SqlFieldsQuery(kv.CachePrefix(0), "PUBLIC", "SELECT 1")
    plain = q.encode_sql_fields_query(m, V17)
    with_bit = q.encode_sql_fields_query(
        m, ProtocolContext((1, 7, 0), F.QRY_PARTITIONS_BATCH_SIZE)
    )
    assert with_bit == plain + struct.pack("<ii", -1, 1)
    assert (
        q.encode_sql_fields_query(m, ProtocolContext((1, 6, 0), ALL_FEATURES)) == plain
    )


def test_sql_fields_response_with_field_names() -> None:
    m = q.SqlFieldsResponse(1, 2, ("ID", None), ((INT_5, STR_A),), False)
    body = q.encode_sql_fields_response(m, V17)
    assert q.decode_sql_fields_response(body, V17, include_field_names=True) == m
    assert body[8:12] == struct.pack("<i", 2)


def test_row_page_with_known_column_count() -> None:
    m = q.RowPageResponse(((INT_5, STR_A, NULL),), True)
    body = q.encode_row_page_response(m, V17)
    assert q.decode_row_page_response(body, V17, column_count=3) == m
    with pytest.raises(ParseError):
        q.decode_row_page_response(body, V17, column_count=2)


def test_get_configuration_versions_differ_only_where_documented() -> None:
    cfg = CacheConfiguration("c", query_entities=(ENTITY_NO_PRECISION,))
    m = cc.CacheGetConfigurationResponse(cfg)
    v10 = cc.encode_cache_get_configuration_response(m, CTX[(1, 0, 0)])
    v12 = cc.encode_cache_get_configuration_response(m, CTX[(1, 2, 0)])
    v16 = cc.encode_cache_get_configuration_response(m, CTX[(1, 6, 0)])
    assert len(v12) == len(v10) + 8  # one query field: i32 precision + i32 scale
    assert v16 == struct.pack("<i", len(v12) - 3) + v12[4:] + b"\x00"  # expiry absent
    for body in (v10, v12, v16):
        assert struct.unpack_from("<i", body)[0] == len(body) - 4


def test_cluster_state_without_cluster_api_is_a_bool() -> None:
    no_api = CTX[(1, 7, 0)]
    assert (
        cl.encode_cluster_get_state_response(cl.ClusterGetStateResponse(2), no_api)
        == b"\x01"
    )
    assert cl.decode_cluster_get_state_response(
        b"\x05", no_api
    ) == cl.ClusterGetStateResponse(1)
    api = ProtocolContext((1, 7, 0), F.CLUSTER_API)
    assert (
        cl.encode_cluster_get_state_response(cl.ClusterGetStateResponse(2), api)
        == b"\x02"
    )


def test_partitions_request_bool_only_with_all_affinity_mappings() -> None:
    m = pt.CachePartitions((7,), True)
    assert pt.encode_cache_partitions(m, V17) == struct.pack("<ii", 1, 7)
    ctx = ProtocolContext((1, 7, 0), F.ALL_AFFINITY_MAPPINGS)
    assert pt.encode_cache_partitions(m, ctx) == b"\x01" + struct.pack("<ii", 1, 7)


def test_create_with_configuration_default_property_choice() -> None:
    m = cc.CacheCreateWithConfiguration(
        CacheConfiguration("n", backups=1, sql_escape_all=True)
    )
    body = cc.encode_cache_create_with_configuration(m, V17)
    assert cc.decode_cache_create_with_configuration(body, V17).prop_codes == (
        0,
        3,
        205,
    )


# -- malformed bodies ------------------------------------------------------------------

MALFORMED: list[tuple[Op, bytes, str]] = [
    (Op.CACHE_GET, b"", "need"),
    (Op.CACHE_GET, b"\x01\x00\x00\x00\x00", "expected a data object"),
    (Op.CACHE_GET, b"\x01\x00\x00\x00\x00" + INT_5 + b"\x00", "trailing"),
    (Op.CACHE_GET, b"\x01\x00\x00\x00\x02\x01\x00", "need"),  # truncated tx id
    (Op.CACHE_GET, b"\x01\x00\x00\x00\x00\xfd", "unknown type code"),
    (Op.CACHE_GET_ALL, b"\x01\x00\x00\x00\x00\xff\xff\xff\x7f", "cannot fit"),
    (Op.CACHE_GET_ALL, b"\x01\x00\x00\x00\x00\xff\xff\xff\xff", "negative count"),
    (
        Op.CACHE_PUT_ALL,
        b"\x01\x00\x00\x00\x00\x01\x00\x00\x00" + INT_5,
        "expected a data object",
    ),
    (Op.CACHE_CREATE_WITH_NAME, INT_5, "expected a String"),
    (Op.CACHE_CREATE_WITH_NAME, b"\x09\x05\x00\x00\x00ab", "cannot fit"),
    (Op.CACHE_CREATE_WITH_NAME, b"\x09\x01\x00\x00\x00\xff", "UTF-8"),
    (
        Op.CACHE_CREATE_WITH_CONFIGURATION,
        struct.pack("<ihh", 0, 1, 999) + b"\x00",
        "unknown cache configuration property code 999",
    ),
    (
        Op.CACHE_CREATE_WITH_CONFIGURATION,
        struct.pack("<ihhi", 0, 1, 3, 2),
        "without the NAME",
    ),
    (
        Op.CACHE_CREATE_WITH_CONFIGURATION,
        struct.pack("<ihh", 0, 1, 0) + NULL,
        "cache name must not be NULL",
    ),
    (
        Op.CACHE_CREATE_WITH_CONFIGURATION,
        struct.pack("<ih", 0, -1),
        "negative cache property count",
    ),
    (
        Op.PUT_BINARY_TYPE,
        struct.pack("<i", 1) + NULL,
        "binary type name must not be NULL",
    ),
    (Op.TX_END, b"\x01\x00\x00\x00\x01\x00", "trailing"),
    (Op.CLUSTER_GET_STATE, b"\x00", "trailing"),
    (Op.RESOURCE_CLOSE, b"\x01\x00", "need"),
]

MALFORMED_RESPONSES: list[tuple[Op, bytes, str]] = [
    (
        Op.QUERY_SQL_FIELDS,
        struct.pack("<qii", 1, 0, 2_000_000_000) + b"\x00",
        "rows without columns",
    ),
    (
        Op.QUERY_SQL_FIELDS,
        struct.pack("<qii", 1, 1, 2_000_000_000) + b"\x00",
        "cannot fit",
    ),
    (
        Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
        struct.pack("<i", 2_000_000_000) + b"\x00",
        "cannot fit",
    ),
    (
        Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
        struct.pack("<i", 1) + b"\x00",
        "do not make",
    ),
    (
        Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
        struct.pack("<i", 2) + INT_5 * 3 + b"\x00",
        "do not make",
    ),
    (
        Op.CACHE_PARTITIONS,
        struct.pack("<qiiBi", 1, 1, 1, 1, 0) + struct.pack("<i", 1) + NULL,
        "NULL node id",
    ),
    (Op.GET_BINARY_TYPE, b"\x01" + struct.pack("<i", 1), "need"),
    (Op.CACHE_GET_CONFIGURATION, b"\x00\x00\x00\x00", "need"),
    (Op.CLUSTER_GET_STATE, b"", "need"),
]


@pytest.mark.parametrize(
    ("op", "body", "message"), MALFORMED, ids=[m for _, _, m in MALFORMED]
)
def test_malformed_requests_raise_parse_error(
    op: Op, body: bytes, message: str
) -> None:
    with pytest.raises(ParseError, match=message):
        REQUESTS[op][0](body, V17)


@pytest.mark.parametrize(
    ("op", "body", "message"),
    MALFORMED_RESPONSES,
    ids=[m for _, _, m in MALFORMED_RESPONSES],
)
def test_malformed_responses_raise_parse_error(
    op: Op, body: bytes, message: str
) -> None:
    with pytest.raises(ParseError, match=message):
        RESPONSES[op][0](body, ProtocolContext((1, 7, 0), F.CLUSTER_API))


# Requests Ignite 2.18 reads field by field, ignoring what follows (as we do).
IGNORES_THE_REST = {
    Op.CACHE_NODE_PARTITIONS,
    Op.CLUSTER_GROUP_GET_NODE_IDS,
    Op.CLUSTER_GROUP_GET_NODE_INFO,
    Op.CLUSTER_GROUP_GET_NODE_ENDPOINTS,
}


def test_every_truncation_of_every_fixed_layout_raises() -> None:
    for kind, op, msg, ctx in VARIANTS:
        decode, encode = (REQUESTS if kind == "req" else RESPONSES)[op]
        body = encode(msg, ctx)
        for cut in range(len(body)):
            if op == Op.CACHE_LOCAL_PEEK and kind == "req":
                continue  # the peek-mode tail is optional by design
            try:
                decode(body[:cut], ctx)
            except ParseError:
                continue
            # A shorter body may still be well formed (e.g. a row page can be
            # re-read with fewer columns); it must then not equal the original.
            assert decode(body[:cut], ctx) != msg, (op, cut)
        if op in IGNORES_THE_REST and kind == "req":
            continue  # the node reads its fields and ignores the rest
        with pytest.raises(ParseError):
            decode(body + b"\x00", ctx)  # nothing may follow a complete body


# -- hypothesis: arbitrary bytes raise only ParseError ---------------------------------

DECODERS = [
    (kind, op, ctx)
    for kind, table in (("req", REQUESTS), ("resp", RESPONSES))
    for op in table
    for ctx in (CTX[(1, 0, 0)], CTX[(1, 2, 0)], V17_ALL)
]


def _decoder_id(case: tuple[str, Op, ProtocolContext]) -> str:
    kind, op, ctx = case
    return f"{kind}-{op.name}-{'.'.join(map(str, ctx.version))}-{int(ctx.features)}"


@pytest.mark.parametrize("case", DECODERS, ids=[_decoder_id(c) for c in DECODERS])
@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_parse_error(
    case: tuple[str, Op, ProtocolContext], data: bytes
) -> None:
    kind, op, ctx = case
    _decode_or_parse_error(kind, op, ctx, data)


def _decode_or_parse_error(
    kind: str, op: Op, ctx: ProtocolContext, data: bytes
) -> None:
    """Decoding either raises ParseError or gives a message that survives a round
    trip (anything else escaping fails the test)."""
    decode, encode = (REQUESTS if kind == "req" else RESPONSES)[op]
    try:
        msg = decode(data, ctx)
    except ParseError:
        return
    assert decode(encode(msg, ctx), ctx) == msg


SAMPLE_BODIES = [
    (kind, op, ctx, (REQUESTS if kind == "req" else RESPONSES)[op][1](msg, ctx))
    for kind, op, msg, ctx in VARIANTS
    if ctx in (V17, V17_ALL)
]


@settings(max_examples=100, deadline=None)
@given(
    index=st.integers(0, len(SAMPLE_BODIES) - 1),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    cut=st.integers(0, 10_000),
)
def test_mutated_valid_bodies_raise_only_parse_error(
    index: int, edits: list[tuple[int, int]], cut: int
) -> None:
    kind, op, ctx, body = SAMPLE_BODIES[index]
    data = bytearray(body)
    for pos, value in edits:
        if data:
            data[pos % len(data)] = value
    data = data[: cut % (len(data) + 1)] if cut % 3 == 0 else data
    _decode_or_parse_error(kind, op, ctx, bytes(data))


# -- hypothesis: round trips of generated messages -------------------------------------

i32 = st.integers(-(1 << 31), (1 << 31) - 1)
i64 = st.integers(-(1 << 63), (1 << 63) - 1)
text = st.text(max_size=20)
objs = st.sampled_from([INT_5, STR_A, NULL, LIST])
expiry = st.builds(ExpiryDurations, i64, i64, i64)
prefixes = st.builds(
    kv.CachePrefix,
    i32,
    st.integers(0, 255).map(lambda f: f & ~0x06),
    st.none() | expiry,
    st.none() | i32,
)


@settings(max_examples=100, deadline=None)
@given(
    prefix=prefixes,
    entries=st.lists(st.tuples(objs, objs), max_size=5).map(tuple),
    names=st.lists(st.none() | text, max_size=5).map(tuple),
)
def test_generated_round_trips(
    prefix: kv.CachePrefix,
    entries: tuple[tuple[bytes, bytes], ...],
    names: tuple[str | None, ...],
) -> None:
    put_all = kv.CachePutAll(prefix, entries)
    assert (
        kv.decode_cache_put_all(kv.encode_cache_put_all(put_all, V17), V17) == put_all
    )
    resp = cc.CacheGetNamesResponse(names)
    body = cc.encode_cache_get_names_response(resp, V17)
    assert cc.decode_cache_get_names_response(body, V17) == resp
    scan = q.ScanQuery(
        prefix,
        5,
        -1,
        True,
        entries[0][0] if entries else NULL,
        None if not entries or entries[0][0] == NULL else 3,
    )
    assert q.decode_scan_query(q.encode_scan_query(scan, V17), V17) == scan

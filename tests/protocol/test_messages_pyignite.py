"""Message bodies checked against pyignite 0.6.1, the byte oracle.

Requests: pyignite's own ``api`` functions run against a socket-less stand-in
connection that records the frame they send; our decoder must parse the body to the
expected message and our encoder must produce the same bytes. Responses: our encoder
produces the body, pyignite's response structures parse it (through the same
stand-in, or directly when we also check that pyignite consumes every byte).
"""

from __future__ import annotations

import importlib
import struct
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from pyignite.api import affinity, binary, cache_config, cluster, key_value, tx_api
from pyignite.connection.bitmask_feature import BitmaskFeature
from pyignite.connection.protocol_context import ProtocolContext as PyContext
from pyignite.datatypes import (
    AnyDataObject,
    BoolObject,
    ExpiryPolicy,
    IntObject,
    LongObject,
    String,
)
from pyignite.datatypes import prop_codes as pc
from pyignite.datatypes.cache_config import get_cache_config_struct
from pyignite.queries.cache_info import CacheInfo
from pyignite.queries.response import Response, SQLResponse
from pyignite.stream import BinaryStream
from pyignite.stream.binary_stream import READ_BACKWARD
from pyignite.utils import entity_id, schema_id

from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.config import (
    CacheConfiguration,
    CacheKeyConfiguration,
    ExpiryDurations,
    QueryEntity,
    QueryField,
    QueryIndex,
    QueryIndexField,
)
from embergrid.protocol.messages import (
    REQUESTS,
    RESPONSES,
    ProtocolContext,
    general,
    partitions,
    query,
)
from embergrid.protocol.messages import binary_type as bt
from embergrid.protocol.messages import cache as kv
from embergrid.protocol.messages import cache_config as cc
from embergrid.protocol.messages import cluster as cl
from embergrid.protocol.messages import tx as txm

NULL = b"\x65"
# ``pyignite.api.sql`` the module is shadowed by the function of that name.
sql = importlib.import_module("pyignite.api.sql")
V17 = ProtocolContext((1, 7, 0), ProtocolFeature.CLUSTER_API)


# -- the stand-in connection ----------------------------------------------------------


class _Client:
    _event_listeners = None
    compact_footer = True
    affinity_version = (0, 0)


class FakeConnection:
    """What ``Query.perform`` touches on a connection: it records request frames and
    answers each with a success header plus ``self.response``."""

    host, port, uuid = "127.0.0.1", 10800, None

    def __init__(
        self, version: tuple[int, int, int] = (1, 7, 0), cluster_api: bool = True
    ):
        features = BitmaskFeature.CLUSTER_API if cluster_api else BitmaskFeature(0)
        self.client = _Client()
        self.protocol_context = PyContext(version, features)
        self.response = b""
        self.sent: list[bytes] = []

    def request(self, data: bytes) -> bytes:
        self.sent.append(bytes(data))
        return _response_frame(self.protocol_context.version, self.response)

    def body(self, op: OpCode) -> bytes:
        """The body of the last request, after checking its length and op code."""
        frame = self.sent[-1]
        length, op_code, _request_id = struct.unpack_from("<ihq", frame)
        assert length == len(frame) - 4
        assert op_code == op
        return frame[14:]


def _response_frame(version: tuple[int, int, int], body: bytes) -> bytes:
    header = (
        struct.pack("<qh", 1, 0) if version >= (1, 4, 0) else struct.pack("<qi", 1, 0)
    )
    return struct.pack("<i", len(header) + len(body)) + header + body


def pyobj(value: Any, hint: Any = AnyDataObject) -> bytes:
    """pyignite's encoding of one data object."""
    with BinaryStream(None) as stream:
        hint.from_python(stream, value)
        return stream.getvalue()


def pyignite_parse(
    following: list[tuple[str, Any]] | None,
    body: bytes,
    version: tuple[int, int, int] = (1, 7, 0),
    response_type: type[Response] = Response,
    **kwargs: Any,
) -> Any:
    """Parse ``body`` with a pyignite response structure; every byte must be used."""
    data = _response_frame(version, body)
    resp = response_type(
        protocol_context=PyContext(version), following=following, **kwargs
    )
    with BinaryStream(None, data) as stream:
        ctype = resp.parse(stream)
        assert stream.tell() == len(data), "pyignite left bytes unread"
        parsed = stream.read_ctype(ctype, direction=READ_BACKWARD)
        return resp.to_python(parsed)


def check_request(
    conn: FakeConnection, op: OpCode, expected: Any, ctx: ProtocolContext = V17
) -> bytes:
    """Our decoder parses pyignite's last request to ``expected``; our encoder
    writes the same bytes."""
    body = conn.body(op)
    decode, encode = REQUESTS[op]
    assert decode(body, ctx) == expected
    assert encode(expected, ctx) == body
    return body


def respond(
    conn: FakeConnection, op: OpCode, msg: Any, ctx: ProtocolContext = V17
) -> None:
    conn.response = RESPONSES[op][1](msg, ctx)


def info(
    conn: FakeConnection, cache_id: int = 1234, expiry: ExpiryPolicy | None = None
) -> CacheInfo:
    return CacheInfo(
        cache_id=cache_id, expiry_policy=expiry, protocol_context=conn.protocol_context
    )


# -- key-value ops --------------------------------------------------------------------


def test_get_request_and_value_response() -> None:
    conn = FakeConnection()
    respond(conn, OpCode.CACHE_GET, general.ObjectResponse(pyobj("value")))
    result = key_value.cache_get(conn, info(conn), 5, key_hint=IntObject)
    check_request(
        conn, OpCode.CACHE_GET, kv.CacheGet(kv.CachePrefix(1234), pyobj(5, IntObject))
    )
    assert result.value == "value"


def test_get_response_null_value() -> None:
    conn = FakeConnection()
    respond(conn, OpCode.CACHE_GET, general.ObjectResponse(NULL))
    assert key_value.cache_get(conn, info(conn), "k").value is None


def test_put_request() -> None:
    conn = FakeConnection()
    respond(conn, OpCode.CACHE_PUT, general.EmptyResponse())
    assert key_value.cache_put(conn, info(conn), "key", 3.5).status == 0
    expected = kv.CachePut(kv.CachePrefix(1234), pyobj("key"), pyobj(3.5))
    check_request(conn, OpCode.CACHE_PUT, expected)


def test_get_all_request_and_entries_response() -> None:
    conn = FakeConnection()
    entries = ((pyobj(1), pyobj("a")), (pyobj(2), pyobj("b")))
    respond(conn, OpCode.CACHE_GET_ALL, kv.CacheGetAllResponse(entries))
    result = key_value.cache_get_all(conn, info(conn), [1, 2, 3])
    keys = (pyobj(1), pyobj(2), pyobj(3))
    check_request(
        conn, OpCode.CACHE_GET_ALL, kv.CacheGetAll(kv.CachePrefix(1234), keys)
    )
    assert result.value == {1: "a", 2: "b"}


def test_put_all_request() -> None:
    conn = FakeConnection()
    key_value.cache_put_all(conn, info(conn), {1: "a", "two": [1, 2]})
    entries = ((pyobj(1), pyobj("a")), (pyobj("two"), pyobj([1, 2])))
    check_request(
        conn, OpCode.CACHE_PUT_ALL, kv.CachePutAll(kv.CachePrefix(1234), entries)
    )


def test_replace_if_equals_request_and_bool_response() -> None:
    conn = FakeConnection()
    respond(conn, OpCode.CACHE_REPLACE_IF_EQUALS, general.BoolResponse(True))
    result = key_value.cache_replace_if_equals(conn, info(conn), "k", "old", "new")
    expected = kv.CacheReplaceIfEquals(
        kv.CachePrefix(1234), pyobj("k"), pyobj("old"), pyobj("new")
    )
    check_request(conn, OpCode.CACHE_REPLACE_IF_EQUALS, expected)
    assert result.value is True


def test_remove_keys_request() -> None:
    conn = FakeConnection()
    key_value.cache_remove_keys(conn, info(conn), ["a", 7])
    expected = kv.CacheRemoveKeys(kv.CachePrefix(1234), (pyobj("a"), pyobj(7)))
    check_request(conn, OpCode.CACHE_REMOVE_KEYS, expected)


@pytest.mark.parametrize("modes", [None, 2, [1, 2, 5]])
def test_get_size_request_with_peek_modes(modes: Any) -> None:
    conn = FakeConnection()
    respond(conn, OpCode.CACHE_GET_SIZE, general.LongResponse(1 << 40))
    result = key_value.cache_get_size(conn, info(conn), modes)
    expected_modes = (
        () if modes is None else tuple(modes) if isinstance(modes, list) else (modes,)
    )
    check_request(
        conn,
        OpCode.CACHE_GET_SIZE,
        kv.CacheGetSize(kv.CachePrefix(1234), expected_modes),
    )
    assert result.value == 1 << 40


def test_local_peek_request_carries_peek_modes() -> None:
    conn = FakeConnection()
    respond(conn, OpCode.CACHE_LOCAL_PEEK, general.ObjectResponse(pyobj(9)))
    result = key_value.cache_local_peek(conn, info(conn), "k", peek_modes=[0])
    expected = kv.CacheLocalPeek(kv.CachePrefix(1234), pyobj("k"), (0,))
    check_request(conn, OpCode.CACHE_LOCAL_PEEK, expected)
    assert result.value == 9


@pytest.mark.parametrize(
    ("call", "op", "make"),
    [
        (key_value.cache_contains_key, OpCode.CACHE_CONTAINS_KEY, kv.CacheContainsKey),
        (
            key_value.cache_get_and_remove,
            OpCode.CACHE_GET_AND_REMOVE,
            kv.CacheGetAndRemove,
        ),
        (key_value.cache_clear_key, OpCode.CACHE_CLEAR_KEY, kv.CacheClearKey),
        (key_value.cache_remove_key, OpCode.CACHE_REMOVE_KEY, kv.CacheRemoveKey),
    ],
)
def test_single_key_requests(call: Callable[..., Any], op: OpCode, make: Any) -> None:
    conn = FakeConnection()
    conn.response = NULL if op == OpCode.CACHE_GET_AND_REMOVE else b"\x01"
    call(conn, info(conn), "key")
    check_request(conn, op, make(kv.CachePrefix(1234), pyobj("key")))


@pytest.mark.parametrize(
    ("call", "op", "make"),
    [
        (
            key_value.cache_put_if_absent,
            OpCode.CACHE_PUT_IF_ABSENT,
            kv.CachePutIfAbsent,
        ),
        (key_value.cache_get_and_put, OpCode.CACHE_GET_AND_PUT, kv.CacheGetAndPut),
        (
            key_value.cache_get_and_replace,
            OpCode.CACHE_GET_AND_REPLACE,
            kv.CacheGetAndReplace,
        ),
        (
            key_value.cache_get_and_put_if_absent,
            OpCode.CACHE_GET_AND_PUT_IF_ABSENT,
            kv.CacheGetAndPutIfAbsent,
        ),
        (key_value.cache_replace, OpCode.CACHE_REPLACE, kv.CacheReplace),
        (
            key_value.cache_remove_if_equals,
            OpCode.CACHE_REMOVE_IF_EQUALS,
            kv.CacheRemoveIfEquals,
        ),
    ],
)
def test_key_and_value_requests(
    call: Callable[..., Any], op: OpCode, make: Any
) -> None:
    conn = FakeConnection()
    conn.response = (
        b"\x01" if RESPONSES[op] is RESPONSES[OpCode.CACHE_REPLACE] else NULL
    )
    call(conn, info(conn), 10, "v")
    check_request(conn, op, make(kv.CachePrefix(1234), pyobj(10), pyobj("v")))


def test_keyless_requests() -> None:
    conn = FakeConnection()
    key_value.cache_clear(conn, info(conn))
    check_request(conn, OpCode.CACHE_CLEAR, kv.CacheClear(kv.CachePrefix(1234)))
    key_value.cache_remove_all(conn, info(conn))
    check_request(
        conn, OpCode.CACHE_REMOVE_ALL, kv.CacheRemoveAll(kv.CachePrefix(1234))
    )
    key_value.cache_clear_keys(conn, info(conn), [1])
    check_request(
        conn,
        OpCode.CACHE_CLEAR_KEYS,
        kv.CacheClearKeys(kv.CachePrefix(1234), (pyobj(1),)),
    )
    conn.response = b"\x00"
    assert key_value.cache_contains_keys(conn, info(conn), [1, 2]).value is False
    expected = kv.CacheContainsKeys(kv.CachePrefix(1234), (pyobj(1), pyobj(2)))
    check_request(conn, OpCode.CACHE_CONTAINS_KEYS, expected)


def test_prefix_with_expiry_policy_and_tx_id() -> None:
    conn = FakeConnection()
    respond(conn, OpCode.TX_START, txm.TxStartResponse(77))
    tx_id = tx_api.tx_start(conn, 1, 2, 5000, "lbl").value
    try:
        check_request(conn, OpCode.TX_START, txm.TxStart(1, 2, 5000, "lbl"))
        assert tx_id == 77
        policy = ExpiryPolicy(create=1000, update=ExpiryPolicy.ETERNAL, access=0)
        conn.response = b""
        key_value.cache_put(conn, info(conn, -5, policy), 1, 2)
        prefix = kv.CachePrefix(-5, 0, ExpiryDurations(1000, -1, 0), 77)
        body = check_request(
            conn, OpCode.CACHE_PUT, kv.CachePut(prefix, pyobj(1), pyobj(2))
        )
        assert body[4] == 0x06  # flags: expiry policy + transactional
        conn.response = b"\x00" * 8
        key_value.cache_get_size(conn, info(conn))
        check_request(
            conn, OpCode.CACHE_GET_SIZE, kv.CacheGetSize(kv.CachePrefix(1234, tx_id=77))
        )
    finally:
        conn.response = b""
        tx_api.tx_end(77, True)
    check_request(conn, OpCode.TX_END, txm.TxEnd(77, True))


def test_tx_start_without_label_and_rollback() -> None:
    conn = FakeConnection()
    respond(conn, OpCode.TX_START, txm.TxStartResponse(1))
    tx_api.tx_start(conn, 0, 0)
    try:
        check_request(conn, OpCode.TX_START, txm.TxStart(0, 0, 0, None))
    finally:
        conn.response = b""
        tx_api.tx_end(1, False)
    check_request(conn, OpCode.TX_END, txm.TxEnd(1, False))


# -- cache management ------------------------------------------------------------------


def test_create_destroy_and_names() -> None:
    conn = FakeConnection()
    cache_config.cache_create(conn, "my cache")
    check_request(
        conn, OpCode.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName("my cache")
    )
    cache_config.cache_get_or_create(conn, "ü")
    check_request(
        conn, OpCode.CACHE_GET_OR_CREATE_WITH_NAME, cc.CacheGetOrCreateWithName("ü")
    )
    cache_config.cache_destroy(conn, "my cache")
    check_request(conn, OpCode.CACHE_DESTROY, cc.CacheDestroy(entity_id("my cache")))
    respond(conn, OpCode.CACHE_GET_NAMES, cc.CacheGetNamesResponse(("a", "bc", "")))
    assert cache_config.cache_get_names(conn).value == ["a", "bc", ""]
    check_request(conn, OpCode.CACHE_GET_NAMES, cc.CacheGetNames())


ENTITY = QueryEntity(
    key_type_name="java.lang.Long",
    value_type_name="Person",
    table_name="PERSON",
    key_field_name="ID",
    value_field_name=None,
    query_fields=(
        QueryField("ID", "java.lang.Long", is_key_field=True),
        QueryField(
            "NAME",
            "java.lang.String",
            is_notnull_constraint_field=True,
            default_value=pyobj("anon"),
            precision=20,
        ),
        QueryField("SALARY", "java.math.BigDecimal", precision=10, scale=2),
    ),
    field_name_aliases=(("NAME", "FULL_NAME"),),
    query_indexes=(
        QueryIndex(
            "NAME_IDX", 0, -1, (QueryIndexField("NAME"), QueryIndexField("ID", True))
        ),
        QueryIndex(None, 1, 10, ()),
    ),
)

PY_ENTITY = {
    "key_type_name": "java.lang.Long",
    "value_type_name": "Person",
    "table_name": "PERSON",
    "key_field_name": "ID",
    "value_field_name": None,
    "query_fields": [
        {
            "name": "ID",
            "type_name": "java.lang.Long",
            "is_key_field": True,
            "is_notnull_constraint_field": False,
            "default_value": None,
            "precision": -1,
            "scale": -1,
        },
        {
            "name": "NAME",
            "type_name": "java.lang.String",
            "is_key_field": False,
            "is_notnull_constraint_field": True,
            "default_value": "anon",
            "precision": 20,
            "scale": -1,
        },
        {
            "name": "SALARY",
            "type_name": "java.math.BigDecimal",
            "is_key_field": False,
            "is_notnull_constraint_field": False,
            "default_value": None,
            "precision": 10,
            "scale": 2,
        },
    ],
    "field_name_aliases": [{"field_name": "NAME", "alias": "FULL_NAME"}],
    "query_indexes": [
        {
            "index_name": "NAME_IDX",
            "index_type": 0,
            "inline_size": -1,
            "fields": [
                {"name": "NAME", "is_descending": False},
                {"name": "ID", "is_descending": True},
            ],
        },
        {"index_name": None, "index_type": 1, "inline_size": 10, "fields": []},
    ],
}


@pytest.mark.parametrize(
    ("call", "op", "make"),
    [
        (
            cache_config.cache_create_with_config,
            OpCode.CACHE_CREATE_WITH_CONFIGURATION,
            cc.CacheCreateWithConfiguration,
        ),
        (
            cache_config.cache_get_or_create_with_config,
            OpCode.CACHE_GET_OR_CREATE_WITH_CONFIGURATION,
            cc.CacheGetOrCreateWithConfiguration,
        ),
    ],
)
def test_create_with_configuration(
    call: Callable[..., Any], op: OpCode, make: Any
) -> None:
    conn = FakeConnection()
    props = {
        pc.PROP_NAME: "people",
        pc.PROP_CACHE_MODE: 1,
        pc.PROP_CACHE_ATOMICITY_MODE: 0,
        pc.PROP_BACKUPS_NUMBER: 2,
        pc.PROP_QUERY_ENTITIES: [PY_ENTITY],
        pc.PROP_CACHE_KEY_CONFIGURATION: [
            {"type_name": "PersonKey", "affinity_key_field_name": "orgId"},
            {"type_name": "Other", "affinity_key_field_name": None},
        ],
        pc.PROP_EXPIRY_POLICY: ExpiryPolicy(create=60_000, update=-2, access=-1),
        pc.PROP_SQL_SCHEMA: "HR",
        pc.PROP_REBALANCE_DELAY: 5,
        pc.PROP_DEFAULT_LOCK_TIMEOUT: 7,
        pc.PROP_STATISTICS_ENABLED: True,
    }
    call(conn, props)
    body = conn.body(op)
    config = CacheConfiguration(
        name="people",
        cache_mode=1,
        atomicity_mode=0,
        backups=2,
        query_entities=(ENTITY,),
        key_configuration=(
            CacheKeyConfiguration("PersonKey", "orgId"),
            CacheKeyConfiguration("Other", None),
        ),
        expiry_policy=ExpiryDurations(60_000, -2, -1),
        sql_schema="HR",
        rebalance_delay=5,
        default_lock_timeout=7,
        statistics_enabled=True,
    )
    decode, encode = REQUESTS[op]
    decoded = decode(body, V17)
    assert decoded == make(config)
    assert decoded.prop_codes == tuple(props)
    ours = encode(decoded, V17)
    # pyignite fills the leading i32 length with a garbage value (Ignite ignores it);
    # ours counts the bytes after it.
    assert ours[4:] == body[4:]
    assert struct.unpack_from("<i", ours)[0] == len(ours) - 4
    assert struct.unpack_from("<i", body)[0] != len(body) - 4
    # Without explicit property order we write NAME plus what differs from defaults.
    assert decode(encode(make(config), V17), V17) == make(config)


def _py_config(cfg: CacheConfiguration, with_expiry: bool) -> dict[int, Any]:
    expected = {
        pc.PROP_NAME: cfg.name,
        pc.PROP_CACHE_MODE: cfg.cache_mode,
        pc.PROP_CACHE_ATOMICITY_MODE: cfg.atomicity_mode,
        pc.PROP_BACKUPS_NUMBER: cfg.backups,
        pc.PROP_WRITE_SYNCHRONIZATION_MODE: cfg.write_synchronization_mode,
        pc.PROP_COPY_ON_READ: cfg.copy_on_read,
        pc.PROP_READ_FROM_BACKUP: cfg.read_from_backup,
        pc.PROP_DATA_REGION_NAME: cfg.data_region_name,
        pc.PROP_IS_ONHEAP_CACHE_ENABLED: cfg.onheap_cache_enabled,
        pc.PROP_QUERY_ENTITIES: [PY_ENTITY],
        pc.PROP_QUERY_PARALLELISM: cfg.query_parallelism,
        pc.PROP_QUERY_DETAIL_METRIC_SIZE: cfg.query_detail_metrics_size,
        pc.PROP_SQL_SCHEMA: cfg.sql_schema,
        pc.PROP_SQL_INDEX_INLINE_MAX_SIZE: cfg.sql_index_max_inline_size,
        pc.PROP_SQL_ESCAPE_ALL: cfg.sql_escape_all,
        pc.PROP_MAX_QUERY_ITERATORS: cfg.max_query_iterators,
        pc.PROP_REBALANCE_MODE: cfg.rebalance_mode,
        pc.PROP_REBALANCE_DELAY: cfg.rebalance_delay,
        pc.PROP_REBALANCE_TIMEOUT: cfg.rebalance_timeout,
        pc.PROP_REBALANCE_BATCH_SIZE: cfg.rebalance_batch_size,
        pc.PROP_REBALANCE_BATCHES_PREFETCH_COUNT: cfg.rebalance_batches_prefetch_count,
        pc.PROP_REBALANCE_ORDER: cfg.rebalance_order,
        pc.PROP_REBALANCE_THROTTLE: cfg.rebalance_throttle,
        pc.PROP_GROUP_NAME: cfg.group_name,
        pc.PROP_CACHE_KEY_CONFIGURATION: [
            {"type_name": "K", "affinity_key_field_name": "a"}
        ],
        pc.PROP_DEFAULT_LOCK_TIMEOUT: cfg.default_lock_timeout,
        pc.PROP_MAX_CONCURRENT_ASYNC_OPERATIONS: cfg.max_concurrent_async_operations,
        pc.PROP_PARTITION_LOSS_POLICY: cfg.partition_loss_policy,
        pc.PROP_EAGER_TTL: cfg.eager_ttl,
        pc.PROP_STATISTICS_ENABLED: cfg.statistics_enabled,
    }
    if with_expiry:
        expected[pc.PROP_EXPIRY_POLICY] = ExpiryPolicy(create=1, update=2, access=3)
    return expected


@pytest.mark.parametrize("version", [(1, 2, 0), (1, 5, 0), (1, 6, 0), (1, 7, 0)])
def test_get_configuration_response(version: tuple[int, int, int]) -> None:
    conn = FakeConnection(version)
    ctx = ProtocolContext(version)
    with_expiry = version >= (1, 6, 0)
    cfg = CacheConfiguration(
        name="people",
        cache_mode=1,
        atomicity_mode=0,
        backups=3,
        write_synchronization_mode=0,
        copy_on_read=False,
        data_region_name="region",
        onheap_cache_enabled=True,
        query_entities=(ENTITY,),
        query_parallelism=4,
        query_detail_metrics_size=5,
        sql_schema="HR",
        sql_index_max_inline_size=30,
        sql_escape_all=True,
        max_query_iterators=9,
        rebalance_mode=2,
        rebalance_delay=11,
        rebalance_timeout=12,
        rebalance_batch_size=13,
        rebalance_batches_prefetch_count=14,
        rebalance_order=15,
        rebalance_throttle=16,
        group_name="grp",
        key_configuration=(CacheKeyConfiguration("K", "a"),),
        default_lock_timeout=17,
        max_concurrent_async_operations=18,
        partition_loss_policy=1,
        eager_ttl=False,
        statistics_enabled=True,
        expiry_policy=ExpiryDurations(1, 2, 3) if with_expiry else None,
    )
    respond(
        conn, OpCode.CACHE_GET_CONFIGURATION, cc.CacheGetConfigurationResponse(cfg), ctx
    )
    result = cache_config.cache_get_configuration(conn, info(conn, 99))
    check_request(
        conn,
        OpCode.CACHE_GET_CONFIGURATION,
        cc.CacheGetConfiguration(kv.CachePrefix(99)),
        ctx,
    )
    assert result.value == _py_config(cfg, with_expiry)
    struct_ = get_cache_config_struct(PyContext(version))
    parsed = pyignite_parse([("c", struct_)], conn.response, version)
    assert parsed["c"]["length"] == len(conn.response) - 4


# -- partitions ------------------------------------------------------------------------

NODE_A = uuid.UUID("0b5fc1a0-7c43-4a5b-9a8e-6d4b9c0f1e23")
NODE_B = uuid.UUID("f0000000-0000-0000-8000-000000000001")


def test_cache_partitions_request_and_response() -> None:
    conn = FakeConnection()
    response = partitions.CachePartitionsResponse(
        5,
        2,
        (
            partitions.PartitionGroup(
                True,
                (
                    partitions.CacheKeyAffinity(11, ((100, 200), (-3, 4))),
                    partitions.CacheKeyAffinity(12),
                ),
                (
                    partitions.NodePartitions(NODE_A, (0, 2)),
                    partitions.NodePartitions(NODE_B, (1, 3)),
                ),
            ),
            partitions.PartitionGroup(False, (partitions.CacheKeyAffinity(13),)),
        ),
    )
    respond(conn, OpCode.CACHE_PARTITIONS, response)
    result = affinity.cache_get_node_partitions(conn, [11, 12, 13])
    check_request(
        conn, OpCode.CACHE_PARTITIONS, partitions.CachePartitions((11, 12, 13))
    )
    value = result.value
    assert value["version"] == (5, 2)
    mapping = value["partition_mapping"]
    nodes = {NODE_A: {0, 2}, NODE_B: {1, 3}}
    assert mapping[11] == {
        "is_applicable": True,
        "cache_config": {100: 200, -3: 4},
        "node_mapping": nodes,
        "number_of_partitions": 4,
    }
    assert mapping[12]["cache_config"] == {}
    assert mapping[13] == {"is_applicable": False, "number_of_partitions": 0}


# -- queries ---------------------------------------------------------------------------


def test_scan_with_partition_and_first_page() -> None:
    conn = FakeConnection()
    page = ((pyobj(1), pyobj("a")), (pyobj(2), pyobj(None)))
    respond(conn, OpCode.QUERY_SCAN, query.EntryCursorResponse(3, page, True))
    result = sql.scan(conn, info(conn), 100, partitions=7, local=True)
    expected = query.ScanQuery(kv.CachePrefix(1234), 100, 7, True)
    check_request(conn, OpCode.QUERY_SCAN, expected)
    assert result.value == {"cursor": 3, "data": {1: "a", 2: None}, "more": True}


def test_scan_all_partitions() -> None:
    conn = FakeConnection()
    respond(conn, OpCode.QUERY_SCAN, query.EntryCursorResponse(1, (), False))
    sql.scan(conn, info(conn), 1)
    check_request(
        conn, OpCode.QUERY_SCAN, query.ScanQuery(kv.CachePrefix(1234), 1, -1, False)
    )


def test_scan_get_page_and_resource_close() -> None:
    conn = FakeConnection()
    respond(
        conn,
        OpCode.QUERY_SCAN_CURSOR_GET_PAGE,
        query.EntryPageResponse(((pyobj(5), pyobj(6)),), False),
    )
    result = sql.scan_cursor_get_page(conn, 3)
    check_request(conn, OpCode.QUERY_SCAN_CURSOR_GET_PAGE, query.ScanCursorGetPage(3))
    assert result.value == {"data": {5: 6}, "more": False}
    conn.response = b""
    sql.resource_close(conn, 3)
    check_request(conn, OpCode.RESOURCE_CLOSE, general.ResourceClose(3))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sql_query_and_get_page() -> None:
    conn = FakeConnection()
    respond(
        conn,
        OpCode.QUERY_SQL,
        query.EntryCursorResponse(8, ((pyobj(1), pyobj("x")),), True),
    )
    result = sql.sql(
        conn, info(conn), "Person", "age > ?", 50, [30], True, True, False, 1000
    )
    expected = query.SqlQuery(
        kv.CachePrefix(1234),
        "Person",
        "age > ?",
        (pyobj(30),),
        True,
        False,
        True,
        50,
        1000,
    )
    check_request(conn, OpCode.QUERY_SQL, expected)
    assert result.value == {"cursor": 8, "data": {1: "x"}, "more": True}
    respond(conn, OpCode.QUERY_SQL_CURSOR_GET_PAGE, query.EntryPageResponse((), False))
    assert sql.sql_cursor_get_page(conn, 8).value == {"data": {}, "more": False}
    check_request(conn, OpCode.QUERY_SQL_CURSOR_GET_PAGE, query.SqlCursorGetPage(8))


@pytest.mark.parametrize("names", [False, True])
def test_sql_fields_request_and_response(names: bool) -> None:
    conn = FakeConnection()
    rows = ((pyobj(1), pyobj("a")), (pyobj(2), pyobj(None)))
    response = query.SqlFieldsResponse(
        4, 2, ("ID", "NAME") if names else None, rows, True
    )
    conn.response = query.encode_sql_fields_response(response, V17)
    result = sql.sql_fields(
        conn,
        info(conn, 0),
        "SELECT ID, NAME FROM T WHERE ID > ?",
        10,
        [0],
        "PUBLIC",
        statement_type=1,
        local=True,
        lazy=True,
        include_field_names=names,
        max_rows=500,
        timeout=99,
    )
    expected = query.SqlFieldsQuery(
        kv.CachePrefix(0),
        "PUBLIC",
        "SELECT ID, NAME FROM T WHERE ID > ?",
        10,
        500,
        (pyobj(0),),
        1,
        local=True,
        lazy=True,
        timeout_ms=99,
        include_field_names=names,
    )
    check_request(conn, OpCode.QUERY_SQL_FIELDS, expected)
    value = result.value
    assert value["cursor"] == 4
    assert value["data"] == [[1, "a"], [2, None]]
    assert value["more"] is True
    assert value.get("fields" if names else "field_count") == (
        ["ID", "NAME"] if names else 2
    )
    decoded = query.decode_sql_fields_response(
        conn.response, V17, include_field_names=names
    )
    assert decoded == response
    parsed = pyignite_parse(
        None,
        conn.response,
        response_type=SQLResponse,
        include_field_names=names,
        has_cursor=True,
    )
    assert parsed["data"] == [[1, "a"], [2, None]]


def test_sql_fields_get_page() -> None:
    conn = FakeConnection()
    rows = ((pyobj(1), pyobj("a"), pyobj(True)), (pyobj(2), pyobj("b"), pyobj(False)))
    respond(
        conn,
        OpCode.QUERY_SQL_FIELDS_CURSOR_GET_PAGE,
        query.RowPageResponse(rows, False),
    )
    result = sql.sql_fields_cursor_get_page(conn, 4, 3)
    check_request(
        conn, OpCode.QUERY_SQL_FIELDS_CURSOR_GET_PAGE, query.SqlFieldsCursorGetPage(4)
    )
    assert result.value == {"data": [[1, "a", True], [2, "b", False]], "more": False}


# -- binary types ----------------------------------------------------------------------


def _person_type() -> BinaryType:
    names = ("id", "name", "tags", "org")
    codes = (3, 9, 20, 103)
    fields = {
        n: BinaryField(n, c, entity_id(n)) for n, c in zip(names, codes, strict=True)
    }
    ids = [f.field_id for f in fields.values()]
    return BinaryType(
        entity_id("Person"),
        "Person",
        "org",
        fields,
        schemas={
            schema_id({"id": 1, "name": 1, "tags": 1, "org": 1}): tuple(ids),
            schema_id({"id": 1, "name": 1}): tuple(ids[:2]),
            12345: (),
        },
    )


def test_get_binary_type_with_several_schemas() -> None:
    conn = FakeConnection()
    person = _person_type()
    respond(conn, OpCode.GET_BINARY_TYPE, bt.GetBinaryTypeResponse(person))
    result = binary.get_binary_type(conn, "Person")
    check_request(conn, OpCode.GET_BINARY_TYPE, bt.GetBinaryType(entity_id("Person")))
    value = result.value
    assert value["type_exists"] is True
    assert value["type_id"] == person.type_id
    assert value["type_name"] == "Person"
    assert value["affinity_key_field"] == "org"
    assert [
        (f["field_name"], f["type_id"], f["field_id"]) for f in value["binary_fields"]
    ] == [(f.name, f.type_code, f.field_id) for f in person.fields.values()]
    assert value["schema"] == {k: list(v) for k, v in person.schemas.items()}


def test_get_binary_type_enum_and_unknown() -> None:
    conn = FakeConnection()
    color = BinaryType(
        entity_id("Color"), "Color", None, {}, True, {"RED": 0, "GREEN": 1}
    )
    respond(conn, OpCode.GET_BINARY_TYPE, bt.GetBinaryTypeResponse(color))
    value = binary.get_binary_type(conn, "Color").value
    assert value["is_enum"] is True
    assert value["enums"] == [
        {"literal": "RED", "type_id": 0},
        {"literal": "GREEN", "type_id": 1},
    ]
    respond(conn, OpCode.GET_BINARY_TYPE, bt.GetBinaryTypeResponse(None))
    assert binary.get_binary_type(conn, 5).value == {"type_exists": False}


def test_put_binary_type() -> None:
    conn = FakeConnection()
    schema = {"id": IntObject, "name": String, "big": LongObject, "ok": BoolObject}
    binary.put_binary_type(conn, "Thing", "id", False, schema)
    fields = {
        n: BinaryField(n, int.from_bytes(h.type_code, "little"), entity_id(n))
        for n, h in schema.items()
    }
    expected = BinaryType(
        entity_id("Thing"),
        "Thing",
        "id",
        fields,
        schemas={schema_id(schema): tuple(entity_id(n) for n in schema)},
    )
    check_request(conn, OpCode.PUT_BINARY_TYPE, bt.PutBinaryType(expected))
    assert [f.type_code for f in fields.values()] == [3, 9, 4, 8]


# -- cluster ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", [0, 1, 2])
def test_cluster_state(state: int) -> None:
    conn = FakeConnection()
    respond(conn, OpCode.CLUSTER_GET_STATE, cl.ClusterGetStateResponse(state))
    assert cluster.cluster_get_state(conn).value == state
    check_request(conn, OpCode.CLUSTER_GET_STATE, cl.ClusterGetState())
    conn.response = b""
    cluster.cluster_set_state(conn, state)
    check_request(conn, OpCode.CLUSTER_CHANGE_STATE, cl.ClusterChangeState(state))

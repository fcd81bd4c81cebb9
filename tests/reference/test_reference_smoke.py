"""Real pyignite 0.6.1 against the real Apache Ignite 2.18.0 node, and pinned facts.

Owns: the smoke test of the reference node and the fact-finding tests whose observed
answers are recorded in tools/reference-ignite/observed-facts.md. Every assertion here
is what Ignite 2.18.0 was seen to do; if one fails, the reference changed (or the
jars did), and the facts file must be updated with it.

Must not import: ``embergrid`` (these tests observe Ignite, not our code).
"""

from __future__ import annotations

import datetime
import decimal
import struct
import uuid
from collections.abc import Iterator

import pytest
from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import IntObject, String
from pyignite.datatypes import prop_codes as prop
from pyignite.exceptions import (
    BinaryTypeError,
    CacheCreationError,
    CacheError,
    SQLError,
)
from pyignite.utils import cache_id, entity_id, schema_id

from _reference import (
    RunningNode,
    marker_field,
    missing_prerequisite,
    start_node,
    unavailable,
)

from ._raw import (
    RawConnection,
    handshake_request,
    parse_handshake_reply,
    read_frame,
    send_frame,
    sql_fields_body,
    string,
)

pytestmark = pytest.mark.reference

OP_CACHE_GET = 1000
OP_CACHE_GET_NAMES = 1050
OP_CACHE_CREATE_WITH_NAME = 1051
OP_CACHE_DESTROY = 1056
OP_QUERY_SQL_FIELDS = 2004
OP_PUT_BINARY_TYPE = 3003
TYPE_INT = 3
TYPE_STRING = 9

NO_SQL_ENGINE = (
    "50000: Failed to execute query because indexing is disabled and no query engine "
    "is "
    "configured (consider adding module ignite-indexing to classpath or moving it from "
    "'optional' to 'libs' folder or configuring any query engine with "
    "IgniteConfiguration.SqlConfiguration.QueryEnginesConfiguration property)."
)


@pytest.fixture
def client(reference: tuple[str, int]) -> Iterator[Client]:
    """A connected pyignite client."""
    c = Client()
    c.connect(*reference)
    yield c
    c.close()


@pytest.fixture
def raw(reference: tuple[str, int]) -> Iterator[RawConnection]:
    """A raw socket after a 1.7.0 handshake with features {bit 2}, as pyignite sends."""
    conn = RawConnection(*reference)
    yield conn
    conn.close()


def test_put_get_scan_destroy_round_trip(client: Client) -> None:
    values = {
        1: 42,
        2: "text",
        3: 2.5,
        4: True,
        5: b"\x00\x01\xff",
        6: uuid.UUID("12345678-1234-5678-1234-567812345678"),
        7: decimal.Decimal("-12.345"),
        8: [1, 2, 3],
        9: "",
    }
    cache = client.create_cache("smoke-round-trip")
    for key, value in values.items():
        cache.put(key, value)
    assert {key: cache.get(key) for key in values} == values
    with cache.scan() as cursor:
        scanned = dict(cursor)
    assert scanned == values
    cache.destroy()
    assert "smoke-round-trip" not in client.get_cache_names()


def test_null_value_is_rejected(client: Client) -> None:
    cache = client.get_or_create_cache("smoke-null")
    try:
        with pytest.raises(CacheError) as info:
            cache.put(1, None)
        assert str(info.value) == "Ouch! Argument cannot be null: val"
    finally:
        cache.destroy()


def test_date_round_trip(client: Client) -> None:
    cache = client.get_or_create_cache("smoke-dates")
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
    cache.put(1, when)
    assert cache.get(1) == when
    cache.destroy()


# (a) missing and duplicate caches


def test_missing_cache_message_through_pyignite(client: Client) -> None:
    with pytest.raises(CacheError) as info:
        client.get_cache("no-such-cache").get(1)
    assert (
        str(info.value)
        == f"Cache does not exist [cacheId= {cache_id('no-such-cache')}]"
    )


def test_missing_cache_raw_status_and_bytes(raw: RawConnection) -> None:
    raw.request(OP_CACHE_GET_NAMES, 1)  # consume the first response's topology flag
    key = struct.pack("<bi", TYPE_INT, 42)
    reply = raw.request(OP_CACHE_GET, 7, struct.pack("<ib", cache_id("nope"), 0) + key)
    assert (reply.request_id, reply.flags, reply.status) == (7, 0x1, 1000)
    assert reply.message == "Cache does not exist [cacheId= 3387254]"
    assert reply.body == b""


def test_duplicate_cache_message_through_pyignite(client: Client) -> None:
    client.create_cache("smoke-dup")
    try:
        with pytest.raises(CacheCreationError) as info:
            client.create_cache("smoke-dup")
        expected = (
            "Failed to start cache (a cache with the same name is already started): "
        )
        assert str(info.value) == expected + "smoke-dup"
    finally:
        client.get_cache("smoke-dup").destroy()


def test_duplicate_cache_raw_status(raw: RawConnection) -> None:
    raw.request(OP_CACHE_GET_NAMES, 1)
    first = raw.request(OP_CACHE_CREATE_WITH_NAME, 2, string("raw-dup"))
    second = raw.request(OP_CACHE_CREATE_WITH_NAME, 3, string("raw-dup"))
    destroy = raw.request(OP_CACHE_DESTROY, 4, struct.pack("<i", cache_id("raw-dup")))
    again = raw.request(OP_CACHE_DESTROY, 5, struct.pack("<i", cache_id("raw-dup")))
    assert first.status == 0
    assert first.body == b""
    assert (second.status, second.message) == (
        1001,
        "Failed to start cache (a cache with the same name is already started): "
        "raw-dup",
    )
    assert destroy.status == 0
    assert destroy.body == b""
    assert (again.status, again.message) == (
        1000,
        f"Cache does not exist [cacheId= {cache_id('raw-dup')}]",
    )


# (b) handshake and the first response header


def test_handshake_reply_echoes_pyignite_features_and_node_id(
    raw: RawConnection,
) -> None:
    assert raw.handshake.success
    assert raw.handshake.features == b"\x04"
    assert raw.handshake.node_id is not None


def test_server_feature_set(reference: tuple[str, int]) -> None:
    """Offer bits 1..31 (not 0: that would announce an attribute map we do not send)."""
    conn = RawConnection(*reference, features=b"\xfe\xff\xff\xff")
    try:
        # bits 1-17 and 19-23; bit 18 (TX_AWARE_QUERIES) is absent on this node
        assert conn.handshake.features == b"\xfe\xff\xfb"
    finally:
        conn.close()


def test_first_response_carries_topology_then_none(raw: RawConnection) -> None:
    first = raw.request(OP_CACHE_GET_NAMES, 1)
    second = raw.request(OP_CACHE_GET_NAMES, 2)
    assert first.flags == 0x2
    assert first.topology is not None
    major, minor = first.topology
    assert major == 1  # one server node joined
    assert minor >= 0
    assert second.flags == 0
    assert second.topology is None
    # the body follows the header directly: i32 count, then typed strings
    assert second.raw[:10] == struct.pack("<qh", 2, 0)


def test_cache_create_and_destroy_bump_minor_topology(raw: RawConnection) -> None:
    first = raw.request(OP_CACHE_GET_NAMES, 1)
    assert first.topology is not None
    created = raw.request(OP_CACHE_CREATE_WITH_NAME, 2, string("raw-topology"))
    destroyed = raw.request(
        OP_CACHE_DESTROY, 3, struct.pack("<i", cache_id("raw-topology"))
    )
    quiet = raw.request(OP_CACHE_GET_NAMES, 4)
    major, minor = first.topology
    # the flag rides on the create/destroy response itself
    assert (created.flags, created.topology) == (0x2, (major, minor + 1))
    assert (destroyed.flags, destroyed.topology) == (0x2, (major, minor + 2))
    assert quiet.flags == 0


@pytest.mark.parametrize("version", [(1, 8, 0), (1, 7, 1)])
def test_unsupported_version_then_retry_on_same_socket(
    reference: tuple[str, int], version: tuple[int, int, int]
) -> None:
    import socket

    with socket.create_connection(reference, timeout=10) as sock:
        send_frame(sock, handshake_request(version, b"\x04"))
        failed = parse_handshake_reply(read_frame(sock))
        send_frame(sock, handshake_request((1, 7, 0), b"\x04"))
        retried = parse_handshake_reply(read_frame(sock))
    assert not failed.success
    assert failed.server_version == (1, 7, 0)
    assert failed.message == "Unsupported version: {}.{}.{}".format(*version)
    assert failed.status == 1
    assert retried.success


def test_handshake_1_4_has_uuid_only(reference: tuple[str, int]) -> None:
    import socket

    with socket.create_connection(reference, timeout=10) as sock:
        send_frame(sock, handshake_request((1, 4, 0), None))
        payload = read_frame(sock)
    assert len(payload) == 18
    assert payload[:2] == b"\x01\x0a"


# (c) unknown op code


def test_unknown_op_code(raw: RawConnection) -> None:
    raw.request(OP_CACHE_GET_NAMES, 1)
    reply = raw.request(9999, 3, b"\x01\x02")
    assert (reply.request_id, reply.flags, reply.status) == (3, 0x1, 2)
    assert reply.message == "Invalid request op code: 9999"
    assert reply.body == b""


# (d) SQL: no SQL engine is published for 2.18.0 on Maven Central


def test_sql_ddl_without_engine_through_pyignite(client: Client) -> None:
    with pytest.raises(SQLError) as info:
        client.sql(
            "CREATE TABLE smoke_t (id INT PRIMARY KEY, v VARCHAR)",
            include_field_names=True,
        )
    assert str(info.value) == NO_SQL_ENGINE


def test_sql_without_engine_raw_status(raw: RawConnection) -> None:
    raw.request(OP_CACHE_GET_NAMES, 1)
    reply = raw.request(
        OP_QUERY_SQL_FIELDS, 2, sql_fields_body("INSERT INTO t VALUES (1)")
    )
    assert (reply.status, reply.message) == (1, NO_SQL_ENGINE)


# (e) a binary type field that changes type


def put_binary_type_body(type_name: str, field: str, type_code: int) -> bytes:
    """OP_PUT_BINARY_TYPE body for a one-field, one-schema class."""
    fid = entity_id(field)
    return (
        struct.pack("<i", entity_id(type_name))
        + string(type_name)
        + b"\x65"  # NULL affinity key field
        + struct.pack("<i", 1)
        + string(field)
        + struct.pack("<ii", type_code, fid)
        + b"\x00"  # not an enum
        + struct.pack("<iii", 1, schema_id({field: None}), 1)
        + struct.pack("<i", fid)
    )


def test_field_type_change_is_rejected_with_status_1(raw: RawConnection) -> None:
    raw.request(OP_CACHE_GET_NAMES, 1)
    name = "RawFieldChange"
    first = raw.request(
        OP_PUT_BINARY_TYPE, 2, put_binary_type_body(name, "f1", TYPE_STRING)
    )
    second = raw.request(
        OP_PUT_BINARY_TYPE, 3, put_binary_type_body(name, "f1", TYPE_INT)
    )
    assert first.status == 0
    assert first.body == b""
    tid = entity_id(name)
    assert second.status == 1
    assert second.message == (
        f"Type '{name}' with typeId {tid} has a different/incorrect type for field "
        "'f1'. Expected 'String' but 'int' was provided. The type of an existing field "
        "can not be changed. Use a different field name or follow this procedure to "
        "reuse the current name:\n- Delete data records that use the old field type;"
        "\n- Remove metadata by the "
        f"command: 'control.sh --meta remove --typeId {tid}'."
    )


def test_field_type_change_through_pyignite(client: Client) -> None:
    """pyignite does not resend a known schema id: only put_binary_type fails."""

    class First(
        metaclass=GenericObjectMeta, type_name="SmokeFieldChange", schema={"f1": String}
    ):
        pass

    cache = client.get_or_create_cache("smoke-field-change")
    cache.put(1, First(f1="x"))

    class Second(
        metaclass=GenericObjectMeta,
        type_name="SmokeFieldChange",
        schema={"f1": IntObject},
    ):
        pass

    cache.put(
        2, Second(f1=5)
    )  # accepted: same field names, same schema id, no metadata sent
    with pytest.raises(BinaryTypeError) as info:
        client.put_binary_type("SmokeFieldChange", schema={"f1": IntObject})
    assert "has a different/incorrect type for field 'f1'" in str(info.value)
    assert "Expected 'String' but 'int' was provided." in str(info.value)
    cache.destroy()


# (f) get_size with no peek modes


def test_get_size_default_peek_modes_single_node(client: Client) -> None:
    cache = client.get_or_create_cache("smoke-size")
    cache.put_all({k: k for k in range(10)})
    assert cache.get_size() == 10
    assert cache.get_size([0]) == 10  # ALL
    cache.destroy()


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[RunningNode]:
    """A separate two-node reference cluster (about one extra second)."""
    reason = missing_prerequisite()
    if reason is not None:
        unavailable(reason)
    node = start_node(["--nodes", "2"])
    try:
        yield node
    finally:
        node.stop()


def test_handshake_node_ids_are_java_uuids_in_little_endian_halves(
    two_nodes: RunningNode,
) -> None:
    """The handshake UUID is Java's msb then lsb, each an i64 little-endian."""
    java_ids = [
        uuid.UUID(text)
        for text in marker_field(two_nodes.marker, "node_ids").split(",")
    ]
    seen = []
    for port in (two_nodes.port, two_nodes.port + 1):
        conn = RawConnection(two_nodes.host, port)
        seen.append(conn.handshake.node_id)
        conn.close()
    assert seen == java_ids


def test_get_size_default_counts_primaries_only(two_nodes: RunningNode) -> None:
    c = Client()
    c.connect(two_nodes.host, two_nodes.port)
    try:
        cache = c.create_cache(
            {prop.PROP_NAME: "size-backups", prop.PROP_BACKUPS_NUMBER: 1}
        )
        cache.put_all({k: k for k in range(100)})
        sizes = {
            "default": cache.get_size(),
            "all": cache.get_size([0]),
            "primary": cache.get_size([2]),
            "backup": cache.get_size([3]),
        }
        cache.destroy()
    finally:
        c.close()
    assert sizes == {"default": 100, "all": 200, "primary": 100, "backup": 100}


# (g) default configuration of a cache created by name

DEFAULT_SETTINGS = {
    prop.PROP_CACHE_ATOMICITY_MODE: 1,  # ATOMIC
    prop.PROP_BACKUPS_NUMBER: 0,
    prop.PROP_CACHE_MODE: 2,  # PARTITIONED
    prop.PROP_COPY_ON_READ: True,
    prop.PROP_DATA_REGION_NAME: None,
    prop.PROP_EAGER_TTL: True,
    prop.PROP_STATISTICS_ENABLED: False,
    prop.PROP_GROUP_NAME: None,
    prop.PROP_DEFAULT_LOCK_TIMEOUT: 0,
    prop.PROP_MAX_CONCURRENT_ASYNC_OPERATIONS: 500,
    prop.PROP_MAX_QUERY_ITERATORS: 1024,
    prop.PROP_IS_ONHEAP_CACHE_ENABLED: False,
    prop.PROP_PARTITION_LOSS_POLICY: 4,  # IGNORE
    prop.PROP_QUERY_DETAIL_METRIC_SIZE: 0,
    prop.PROP_QUERY_PARALLELISM: 1,
    prop.PROP_READ_FROM_BACKUP: True,
    prop.PROP_REBALANCE_BATCH_SIZE: 524288,
    prop.PROP_REBALANCE_BATCHES_PREFETCH_COUNT: 3,
    prop.PROP_REBALANCE_DELAY: 0,
    prop.PROP_REBALANCE_MODE: 1,  # ASYNC
    prop.PROP_REBALANCE_ORDER: 0,
    prop.PROP_REBALANCE_THROTTLE: 0,
    prop.PROP_REBALANCE_TIMEOUT: 10000,
    prop.PROP_SQL_ESCAPE_ALL: False,
    prop.PROP_SQL_INDEX_INLINE_MAX_SIZE: -1,
    prop.PROP_SQL_SCHEMA: None,
    prop.PROP_WRITE_SYNCHRONIZATION_MODE: 2,  # PRIMARY_SYNC
    prop.PROP_CACHE_KEY_CONFIGURATION: [],
    prop.PROP_QUERY_ENTITIES: [],
    prop.PROP_EXPIRY_POLICY: None,
}


def test_default_cache_settings(client: Client) -> None:
    cache = client.get_or_create_cache("smoke-defaults")
    settings = cache.settings
    cache.destroy()
    assert settings == {prop.PROP_NAME: "smoke-defaults", **DEFAULT_SETTINGS}

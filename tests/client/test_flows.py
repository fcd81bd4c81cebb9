"""Flows driven by hand, with no I/O: feed replies into the generator."""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from typing import Any

import pytest
from pyignite.datatypes import CharObject as PyChar
from pyignite.datatypes import ShortObject as PyShort
from pyignite.datatypes.internal import AnyDataObject
from pyignite.stream import BinaryStream

from embergrid import GenericObjectMeta
from embergrid.client._driver import encode_call
from embergrid.client.flows import Call, ClientState, Reply, cache, query, routing, tx
from embergrid.client.flows._state import CURRENT_TX, CacheRef, TxContext
from embergrid.client.flows.binary import register_binary_type
from embergrid.client.sync.cursors import SqlFieldsCursor
from embergrid.datatypes import CharObject, IntObject, ShortObject, String
from embergrid.errors import BinaryTypeError, CacheError, ParseError, SQLError
from embergrid.protocol.binary import codec
from embergrid.protocol.binary.generic import binary_type_of
from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.connection import ClientConnection
from embergrid.protocol.connection import ClientState as ClientConnState
from embergrid.protocol.headers import AffinityVersion, request_frame
from embergrid.protocol.messages import binary_type as bt
from embergrid.protocol.messages import general, partitions
from embergrid.protocol.messages import tx as txm
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.protocol.messages.context import ProtocolContext


def drive(flow: Any, replies: list[Any]) -> tuple[list[Call], Any]:
    """Run ``flow`` answering its calls with ``replies`` in order."""
    calls = []
    try:
        call = next(flow)
        for r in replies:
            calls.append(call)
            call = (
                flow.throw(r)
                if isinstance(r, BaseException)
                else flow.send(Reply(r, "conn"))
            )
        calls.append(call)
        raise AssertionError(f"flow wanted more than {len(replies)} replies")
    except StopIteration as stop:
        return calls, stop.value


def py_bytes(value: Any, hint: Any = None) -> bytes:
    """pyignite's encoding of ``value`` (the oracle)."""
    with BinaryStream(None) as s:
        (hint or AnyDataObject).from_python(s, value)
        return bytes(s.getvalue())


REF = CacheRef.of("my cache")


@pytest.mark.parametrize(
    ("key", "ours", "theirs"),
    [
        ("a", None, None),
        ("a", CharObject, PyChar),
        (42, ShortObject, PyShort),
        (42, None, None),
    ],
)
def test_get_encodes_key_like_pyignite(key: Any, ours: Any, theirs: Any) -> None:
    calls, result = drive(
        cache.cache_get(ClientState(), REF, key, ours),
        [general.ObjectResponse(codec.encode(7))],
    )
    (call,) = calls
    assert call.op == OpCode.CACHE_GET
    assert call.message.key == py_bytes(key, theirs)
    assert call.message.prefix.cache_id == REF.cache_id
    assert result == 7


def test_server_error_propagates_with_its_status() -> None:
    flow = cache.cache_get(ClientState(), REF, 1)
    next(flow)
    with pytest.raises(CacheError) as err:
        flow.throw(CacheError("Cache does not exist", 1000))
    assert err.value.status == 1000


class Point(
    metaclass=GenericObjectMeta, schema=OrderedDict([("x", IntObject), ("y", String)])
):
    pass


def test_first_put_of_a_class_registers_its_type_once() -> None:
    state = ClientState()
    calls, _ = drive(
        cache.cache_put(state, REF, 1, Point(x=1, y="a")),
        [general.EmptyResponse(), general.EmptyResponse()],
    )
    assert [c.op for c in calls] == [OpCode.PUT_BINARY_TYPE, OpCode.CACHE_PUT]
    assert calls[0].message.binary_type == binary_type_of(Point)
    calls, _ = drive(
        cache.cache_put(state, REF, 2, Point(x=2, y="b")), [general.EmptyResponse()]
    )
    assert [c.op for c in calls] == [OpCode.CACHE_PUT]


def test_unknown_type_is_fetched_then_decoded() -> None:
    data = codec.encode(Point(x=5, y="z"))
    state = ClientState()
    calls, result = drive(
        cache.cache_get(state, REF, 1),
        [general.ObjectResponse(data), bt.GetBinaryTypeResponse(binary_type_of(Point))],
    )
    assert [c.op for c in calls] == [OpCode.CACHE_GET, OpCode.GET_BINARY_TYPE]
    assert calls[1].message.type_id == Point.type_id
    assert (result.x, result.y, type(result).__name__) == (5, "z", "Point")


def test_type_still_unknown_after_fetch_is_an_error() -> None:
    data = codec.encode(Point(x=5, y="z"))
    with pytest.raises(BinaryTypeError):
        drive(
            cache.cache_get(ClientState(), REF, 1),
            [general.ObjectResponse(data), bt.GetBinaryTypeResponse(None)],
        )


def test_register_binary_type_skips_put_when_the_cluster_has_the_schema() -> None:
    state = ClientState()
    calls, _ = drive(
        register_binary_type(state, Point),
        [bt.GetBinaryTypeResponse(binary_type_of(Point))],
    )
    assert [c.op for c in calls] == [OpCode.GET_BINARY_TYPE]
    assert state.types.data_class(Point.type_id, Point.schema_id) is Point


def _partitions(
    node: uuid.UUID, parts: int, minor: int = 0
) -> partitions.CachePartitionsResponse:
    group = partitions.PartitionGroup(
        True,
        (partitions.CacheKeyAffinity(REF.cache_id),),
        (partitions.NodePartitions(node, tuple(range(parts))),),
    )
    return partitions.CachePartitionsResponse(1, minor, (group,))


def test_routing_fetches_the_map_once_and_again_when_topology_grows() -> None:
    state = ClientState(routing=True)
    node = uuid.uuid4()
    calls, _ = drive(
        cache.cache_put(state, REF, 1, 2),
        [_partitions(node, 1024), general.EmptyResponse()],
    )
    assert [c.op for c in calls] == [OpCode.CACHE_PARTITIONS, OpCode.CACHE_PUT]
    assert calls[1].node == node
    calls, _ = drive(cache.cache_put(state, REF, 1, 2), [general.EmptyResponse()])
    assert [c.op for c in calls] == [OpCode.CACHE_PUT]
    state.saw_topology(AffinityVersion(1, 1))
    calls, _ = drive(
        cache.cache_put(state, REF, 1, 2),
        [_partitions(node, 1024, 1), general.EmptyResponse()],
    )
    assert [c.op for c in calls] == [OpCode.CACHE_PARTITIONS, OpCode.CACHE_PUT]


def test_best_node_is_the_node_keyed_requests_go_to() -> None:
    """``get_best_node``'s flow: no calls without routing or a key; otherwise the
    node a keyed put to the same cache (by name, id or cache) is routed to."""
    assert drive(cache.best_node(ClientState(), REF.name, 1), []) == ([], None)
    state = ClientState(routing=True)
    assert drive(cache.best_node(state, REF.name), []) == ([], None)
    node = uuid.uuid4()
    calls, best = drive(cache.best_node(state, REF.name, 1), [_partitions(node, 1)])
    assert [c.op for c in calls] == [OpCode.CACHE_PARTITIONS]
    assert best == node
    for named in (REF.cache_id, REF, REF.name):
        assert drive(cache.best_node(state, named, "k", String), []) == ([], node)


def test_partition_table_maps_every_partition_to_its_primary() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    group = partitions.PartitionGroup(
        True,
        (partitions.CacheKeyAffinity(REF.cache_id),),
        (partitions.NodePartitions(a, (0, 2)), partitions.NodePartitions(b, (1, 3))),
    )
    table = routing.partition_table(
        partitions.CachePartitionsResponse(1, 0, (group,)), REF.cache_id
    )
    assert table.owners == (a, b, a, b)


def test_transaction_pins_cache_calls_to_its_connection() -> None:
    state = ClientState()
    token = CURRENT_TX.set(None)
    try:
        flow = tx.tx_start(state, 1, 1, 0, "lbl")
        call = next(flow)
        assert call.message == txm.TxStart(1, 1, 0, "lbl")
        with pytest.raises(StopIteration):
            flow.send(Reply(txm.TxStartResponse(77), "tx-conn"))
        calls, _ = drive(cache.cache_put(state, REF, 1, 2), [general.EmptyResponse()])
        assert calls[0].conn == "tx-conn"
        assert calls[0].message.prefix.tx_id == 77
        calls, _ = drive(tx.tx_end(state, 77, True), [general.EmptyResponse()])
        assert calls[0].message == txm.TxEnd(77, True)
        assert CURRENT_TX.get() is None
    finally:
        CURRENT_TX.reset(token)


def test_tx_arguments_are_validated_like_pyignite() -> None:
    with pytest.raises(ValueError, match="Timeout value should be a positive integer"):
        next(tx.tx_start(ClientState(), 1, 1, -1))
    with pytest.raises(ValueError, match="not in"):
        next(tx.tx_start(ClientState(), 5, 1))


def test_scan_pages_are_decoded_and_pinned() -> None:
    state = ClientState()
    first = query.qm.EntryCursorResponse(
        9, ((codec.encode("k"), codec.encode(1)),), True
    )
    calls, page = drive(query.scan_open(state, REF, 1), [first])
    assert (page.cursor_id, page.items, page.more, page.conn) == (
        9,
        [("k", 1)],
        True,
        "conn",
    )
    calls, nxt = drive(
        query.scan_next(state, page), [query.qm.EntryPageResponse((), False)]
    )
    assert calls[0].conn == "conn"
    assert calls[0].message.cursor_id == 9
    assert not nxt.more
    calls, _ = drive(query.cursor_close(page), [general.EmptyResponse()])
    assert calls[0].op == OpCode.RESOURCE_CLOSE


def test_sql_fields_request_bytes_equal_pyignite() -> None:
    flow = query.sql_fields_open(
        ClientState(),
        "SELECT ?",
        10,
        [1, "a"],
        "PUBLIC",
        1,
        include_field_names=True,
        max_rows=5,
    )
    call = next(flow)
    assert call.error is SQLError
    assert call.encode is not None
    body = call.encode(ProtocolContext())
    # pyignite's layout: prefix (i32 cache id, u8 flags), schema, page size, max rows,
    # query, args (i32 n + objects), statement type, 6 bools, i64 timeout, bool names
    expected = (
        (0).to_bytes(4, "little", signed=True)
        + b"\x00"
        + py_bytes("PUBLIC")
        + (10).to_bytes(4, "little")
        + (5).to_bytes(4, "little")
        + py_bytes("SELECT ?")
        + (2).to_bytes(4, "little")
        + py_bytes(1)
        + py_bytes("a")
        + b"\x01"
        + b"\x00" * 6
        + (0).to_bytes(8, "little")
        + b"\x01"
    )
    assert body == expected


_BATCH_CTX = ProtocolContext(features=ProtocolFeature.QRY_PARTITIONS_BATCH_SIZE)
_SQL_FIELDS_CASES: list[dict[str, Any]] = [
    {},
    {"query_args": [1, "a"], "page_size": 10, "max_rows": 5, "statement_type": 1},
    {"query_args": [None, 2.5, "név", [1, 2]], "schema": None, "timeout": 7},
    {"query_args": [], "schema": "Sch€ma", "include_field_names": True},
    {"cache": "my cache", "lazy": True, "local": True, "collocated": True},
    {
        "cache": 12345,
        "distributed_joins": True,
        "replicated_only": True,
        "enforce_join_order": True,
        "timeout": -1,
        "max_rows": 0,
        "page_size": 1,
    },
]


def _message_body(
    query_str: str,
    ctx: ProtocolContext,
    tx_id: int | None = None,
    page_size: int = 1024,
    query_args: list[Any] | None = None,
    schema: str | None = "PUBLIC",
    statement_type: int = 0,
    distributed_joins: bool = False,
    local: bool = False,
    replicated_only: bool = False,
    enforce_join_order: bool = False,
    collocated: bool = False,
    lazy: bool = False,
    include_field_names: bool = False,
    max_rows: int = -1,
    timeout: int = 0,
    cache: Any = None,
) -> bytes:
    """The registry encoder's bytes for the request ``sql_fields_open`` makes."""
    cid = query.sql_cache_id(cache)
    msg = query.qm.SqlFieldsQuery(
        CachePrefix(cid, tx_id=tx_id),
        None if cid else schema,
        query_str,
        page_size,
        max_rows,
        tuple(codec.encode(a) for a in query_args or ()),
        statement_type,
        distributed_joins,
        local,
        replicated_only,
        enforce_join_order,
        collocated,
        lazy,
        timeout,
        include_field_names,
    )
    return query.qm.encode_sql_fields_query(msg, ctx)


@pytest.mark.parametrize(
    "ctx",
    [ProtocolContext(), _BATCH_CTX, ProtocolContext((1, 6, 0), ProtocolFeature(0xFF))],
    ids=["no-batch", "batch", "1.6-ignores-bits"],
)
@pytest.mark.parametrize("case", _SQL_FIELDS_CASES)
@pytest.mark.parametrize("in_tx", [False, True])
def test_sql_fields_body_equals_the_message_encoder(
    ctx: ProtocolContext, case: dict[str, Any], in_tx: bool
) -> None:
    state = ClientState()
    token = CURRENT_TX.set(TxContext(id(state), 41, "tx-conn") if in_tx else None)
    try:
        call = next(
            query.sql_fields_open(state, "SELECT * FROM T WHERE ID = ?", **case)
        )
    finally:
        CURRENT_TX.reset(token)
    assert call.encode is not None
    tx_id = 41 if in_tx else None
    expected = _message_body("SELECT * FROM T WHERE ID = ?", ctx, tx_id, **case)
    assert call.encode(ctx) == expected
    assert call.conn == ("tx-conn" if in_tx else None)
    batch = ctx.has(ProtocolFeature.QRY_PARTITIONS_BATCH_SIZE)
    assert expected.endswith(b"\xff\xff\xff\xff\x01\x00\x00\x00") is batch


def test_driver_sends_the_flow_written_body() -> None:
    conn = ClientConnection()
    conn.state = ClientConnState.ESTABLISHED
    conn.version = (1, 7, 0)
    conn.features = ProtocolFeature.QRY_PARTITIONS_BATCH_SIZE
    call = next(query.sql_fields_open(ClientState(), "SELECT ?", query_args=[3]))
    request_id, data = encode_call(call, conn)
    body = _message_body("SELECT ?", conn.context, query_args=[3])
    assert data == request_frame(OpCode.QUERY_SQL_FIELDS, request_id, body)


# -- SQL-fields rows decoded in place (the fast path) and its fallbacks ---------------

_CTX17 = ProtocolContext()
_ROWS = (
    (codec.encode(5), codec.encode("név"), codec.encode(None)),
    (codec.encode(-1), codec.encode(""), codec.encode(2.5)),
)


def _first_body(rows: Any = _ROWS, names: Any = None, more: bool = False) -> bytes:
    width = len(rows[0]) if rows else 3
    resp = query.qm.SqlFieldsResponse(7, width, names, rows, more)
    return query.qm.encode_sql_fields_response(resp, _CTX17)


@pytest.mark.parametrize("more", [False, True])
@pytest.mark.parametrize("names", [None, ("ID", None, "X")])
def test_first_page_decoded_in_place_equals_the_message_decoder(
    names: Any, more: bool
) -> None:
    body = _first_body(names=names, more=more)
    fast = query.decode_first_page(None, names is not None, memoryview(body), _CTX17)
    slow = query.qm.decode_sql_fields_response(body, _CTX17, names is not None)
    assert isinstance(fast, query.DecodedRows)
    assert (fast.cursor_id, fast.column_count, fast.field_names, fast.has_more) == (
        slow.cursor_id,
        slow.column_count,
        slow.field_names,
        slow.has_more,
    )
    assert fast.rows == [[codec.decode(c) for c in row] for row in slow.rows]
    assert fast.rows == [[5, "név", None], [-1, "", 2.5]]


def test_next_page_decoded_in_place_equals_the_message_decoder() -> None:
    resp = query.qm.RowPageResponse(_ROWS, True)
    body = query.qm.encode_row_page_response(resp, _CTX17)
    fast = query.decode_next_page(None, 3, body, _CTX17)
    assert isinstance(fast, query.DecodedRows)
    assert (fast.rows, fast.has_more) == ([[5, "név", None], [-1, "", 2.5]], True)
    empty = query.qm.encode_row_page_response(
        query.qm.RowPageResponse((), False), _CTX17
    )
    got = query.decode_next_page(None, 3, empty, _CTX17)
    assert isinstance(got, query.DecodedRows)
    assert (got.rows, got.has_more) == ([], False)


def _bad_bodies() -> list[bytes]:
    good = _first_body()
    no_columns = (7).to_bytes(8, "little") + (0).to_bytes(4, "little")
    return [
        good[:-1],  # no hasMore
        good + b"\x00",  # trailing byte
        good[:12] + (-1).to_bytes(4, "little", signed=True) + good[16:],  # rows < 0
        good[:8] + (-3).to_bytes(4, "little", signed=True) + good[12:],  # columns < 0
        no_columns + (2).to_bytes(4, "little") + b"\x00",  # rows without columns
        good[:16] + b"\xee" + good[17:],  # unsupported type code
    ]


@pytest.mark.parametrize("body", _bad_bodies())
def test_malformed_first_page_raises_what_the_message_decoder_raises(
    body: bytes,
) -> None:
    with pytest.raises(ParseError) as slow:
        query.qm.decode_sql_fields_response(body, _CTX17)
    with pytest.raises(ParseError, match=re.escape(str(slow.value))):
        query.decode_first_page(None, False, body, _CTX17)


def test_names_that_are_not_strings_go_to_the_message_decoder() -> None:
    body = _first_body(names=("ID", "B", "C"))
    bad = body.replace(codec.encode("B"), codec.encode(66), 1)  # a name as a LONG
    with pytest.raises(ParseError) as slow:
        query.qm.decode_sql_fields_response(bad, _CTX17, True)
    with pytest.raises(ParseError, match=re.escape(str(slow.value))):
        query.decode_first_page(None, True, bad, _CTX17)


def test_top_level_handle_is_left_to_the_message_decoder() -> None:
    # the second cell is a handle back to the first: in place it would resolve to
    # the first cell's value; cut apart (the message decoder, then codec.decode)
    # it points before its own bytes and is an error, as before the fast path
    handle = b"\x66" + (9).to_bytes(4, "little")
    rows = ((codec.encode(5), handle),)
    body = _first_body(rows=rows)
    got = query.decode_first_page(None, False, body, _CTX17)
    assert isinstance(got, query.qm.SqlFieldsResponse)
    assert got.rows == ((codec.encode(5), handle),)


def test_unknown_binary_type_in_a_row_is_fetched_by_the_flow() -> None:
    class Person(metaclass=GenericObjectMeta, schema={"name": String}):
        pass

    meta = binary_type_of(Person)
    person = codec.encode(Person(name="Ann"))
    body = _first_body(rows=((codec.encode(1), person),))
    flow = query.sql_fields_open(ClientState(), "SELECT *", query_args=[1])
    call = next(flow)
    reply = call.decode(memoryview(body), _CTX17)
    assert isinstance(reply, query.qm.SqlFieldsResponse)  # the fallback
    fetch = flow.send(Reply(reply, "conn"))
    assert fetch.op == OpCode.GET_BINARY_TYPE
    with pytest.raises(StopIteration) as done:
        flow.send(Reply(bt.GetBinaryTypeResponse(meta), "conn"))
    page = done.value.value
    assert page.items[0][0] == 1
    assert page.items[0][1].name == "Ann"


def test_sql_fields_flows_take_rows_decoded_in_place() -> None:
    state = ClientState()
    body = _first_body(names=("ID", "N", "V"), more=True)
    flow = query.sql_fields_open(state, "SELECT ?", 2, [5], include_field_names=True)
    call = next(flow)
    assert call.encode is not None
    sent = call.encode(_CTX17)
    assert sent == _message_body(
        "SELECT ?", _CTX17, page_size=2, query_args=[5], include_field_names=True
    )
    with pytest.raises(StopIteration) as done:
        flow.send(Reply(call.decode(body, _CTX17), "conn"))
    page = done.value.value
    assert page.items == [["ID", "N", "V"], [5, "név", None], [-1, "", 2.5]]
    assert (page.cursor_id, page.more, page.conn, page.column_count) == (
        7,
        True,
        "conn",
        3,
    )
    flow = query.sql_fields_next(state, page)
    call = next(flow)
    assert (call.conn, call.message.cursor_id) == ("conn", 7)
    last = query.qm.encode_row_page_response(
        query.qm.RowPageResponse(_ROWS[:1], False), _CTX17
    )
    with pytest.raises(StopIteration) as done:
        flow.send(Reply(call.decode(memoryview(last), _CTX17), "conn"))
    nxt = done.value.value
    assert (nxt.items, nxt.more, nxt.conn) == ([[5, "név", None]], False, "conn")


class _FakeClient:
    """What a cursor needs of a client: ``_state`` and ``_run``, answering the
    calls of each flow with canned replies and recording them."""

    def __init__(self, replies: list[Any]) -> None:
        self._state = ClientState()
        self.replies = replies
        self.calls: list[Call] = []

    def _run(self, flow: Any) -> Any:
        try:
            call = next(flow)
            while True:
                self.calls.append(call)
                call = flow.send(Reply(self.replies.pop(0), "conn"))
        except StopIteration as stop:
            return stop.value


@pytest.mark.parametrize("more", [False, True])
def test_cursor_frees_the_server_cursor_only_while_it_has_more(more: bool) -> None:
    resp = query.qm.SqlFieldsResponse(7, 1, None, ((codec.encode(1),),), more)
    client: Any = _FakeClient([resp, general.EmptyResponse()])
    with SqlFieldsCursor(client, query.sql_fields_open(client._state, "S")) as cur:
        assert next(cur) == [1]
    ops = [c.op for c in client.calls]
    closes = [OpCode.RESOURCE_CLOSE] if more else []
    assert ops == [OpCode.QUERY_SQL_FIELDS, *closes]

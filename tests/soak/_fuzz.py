"""Seeded wire fuzzing: request frames for every op code, malformed frames and
handshakes.

Owns the case generator (bytes out, no socket) and the check of the answers
(``AnswerCheck``: a successful answer must decode with the protocol core's
response decoder of its op code, to its last byte). ``seed_bodies`` gives, for
every ``OpCode``, request bodies that are valid against the fuzzed node's own
state (the fuzz cache's id, small cursor and transaction ids, SQL over
``SYSTEM_RANGE`` and a table of its own), and ``FrameFuzzer`` turns them
into cases: a valid header (length, op code, request id) around a body that is
the seed itself, or the seed mutated (bits flipped, truncated, extended, a
32-bit slot set to a boundary value, bytes inserted, random bytes), sometimes
under an op code of the same family or a random one. ``malformed_connection``
gives the bytes of a connection that misbehaves before or around the handshake
(a mutated handshake, a length that lies, a frame too short for its header).

The same seed gives the same cases, so a failure names its seed and case number.
One exception to "anything goes": the cluster state request always asks for
ACTIVE, so that the witness data stays writable (deactivating the cluster is a
legal request whose effect is not a misbehaviour).

Imports ``embergrid.protocol`` only; never the server.
"""

from __future__ import annotations

import random
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import ProtocolFeature, TypeCode
from embergrid.protocol.config import CacheConfiguration, ExpiryDurations
from embergrid.protocol.handshake import HandshakeRequest, encode_handshake_request
from embergrid.protocol.headers import request_frame
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

__all__ = [
    "FUZZ_CACHE",
    "AnswerCheck",
    "FrameFuzzer",
    "malformed_connection",
    "seed_bodies",
]

FUZZ_CACHE = "soak-fuzz"
FEATURES = ProtocolFeature((1 << 19) - 1)
_SQL = (
    "SELECT 1",
    "SELECT x, x * 2 FROM SYSTEM_RANGE(1, 50)",
    "CREATE TABLE IF NOT EXISTS fuzz_t (id INT PRIMARY KEY, v VARCHAR)",
    "MERGE INTO fuzz_t (id, v) VALUES (?, ?)",
    "SELECT * FROM fuzz_t WHERE id > ? ORDER BY id",
    "SELECT CAST(? AS INT)",
    "DELETE FROM fuzz_t WHERE id = ?",
)
_BOUNDARIES = (0, 1, -1, 2**31 - 1, -(2**31), 0xFFFF, 1024, 1 << 20)


def _values() -> tuple[bytes, ...]:
    return (
        encode(7),
        encode("key"),
        encode(b"\x00" * 64),
        encode(None),
        encode([1, 2, 3]),
        encode({"k": 1.5}),
        encode("x" * 300, TypeCode.STRING),
    )


def _kv_seeds(p: kv.CachePrefix) -> list[tuple[Op, object]]:
    a, b, c, *_ = _values()
    return [
        (Op.CACHE_GET, kv.CacheGet(p, a)),
        (Op.CACHE_PUT, kv.CachePut(p, a, b)),
        (Op.CACHE_PUT_IF_ABSENT, kv.CachePutIfAbsent(p, b, c)),
        (Op.CACHE_GET_ALL, kv.CacheGetAll(p, (a, b, c))),
        (Op.CACHE_PUT_ALL, kv.CachePutAll(p, ((a, b), (b, c)))),
        (Op.CACHE_GET_AND_PUT, kv.CacheGetAndPut(p, a, c)),
        (Op.CACHE_GET_AND_REPLACE, kv.CacheGetAndReplace(p, a, b)),
        (Op.CACHE_GET_AND_REMOVE, kv.CacheGetAndRemove(p, c)),
        (Op.CACHE_GET_AND_PUT_IF_ABSENT, kv.CacheGetAndPutIfAbsent(p, a, b)),
        (Op.CACHE_REPLACE, kv.CacheReplace(p, a, b)),
        (Op.CACHE_REPLACE_IF_EQUALS, kv.CacheReplaceIfEquals(p, a, b, c)),
        (Op.CACHE_CONTAINS_KEY, kv.CacheContainsKey(p, a)),
        (Op.CACHE_CONTAINS_KEYS, kv.CacheContainsKeys(p, (a, b))),
        (Op.CACHE_CLEAR, kv.CacheClear(p)),
        (Op.CACHE_CLEAR_KEY, kv.CacheClearKey(p, b)),
        (Op.CACHE_CLEAR_KEYS, kv.CacheClearKeys(p, (a, c))),
        (Op.CACHE_REMOVE_KEY, kv.CacheRemoveKey(p, b)),
        (Op.CACHE_REMOVE_IF_EQUALS, kv.CacheRemoveIfEquals(p, a, b)),
        (Op.CACHE_REMOVE_KEYS, kv.CacheRemoveKeys(p, (a, b))),
        (Op.CACHE_REMOVE_ALL, kv.CacheRemoveAll(p)),
        (Op.CACHE_GET_SIZE, kv.CacheGetSize(p, (0, 1))),
        (Op.CACHE_LOCAL_PEEK, kv.CacheLocalPeek(p, a)),
        (Op.CACHE_GET_CONFIGURATION, cc.CacheGetConfiguration(p)),
        (Op.CACHE_NODE_PARTITIONS, pt.CacheNodePartitions(p)),
        (Op.QUERY_SCAN, q.ScanQuery(p, 10)),
        (Op.QUERY_SCAN, q.ScanQuery(p, 1, 17)),
        (Op.QUERY_SQL, q.SqlQuery(p, "String", "_key > ?", (a,), page_size=2)),
        (Op.QUERY_CONTINUOUS, cq.ContinuousQuery(p)),
        (Op.QUERY_CONTINUOUS, cq.ContinuousQuery(p, 4, 100, True, a, 1)),
    ]


def _sql_seeds(p: kv.CachePrefix) -> list[tuple[Op, object]]:
    a, b, c, *_ = _values()
    return [
        (Op.QUERY_SQL_FIELDS, q.SqlFieldsQuery(p, "PUBLIC", text, 3, -1, args))
        for text in _SQL
        for args in ((), (a, b), (c,))
    ]


def _other_seeds(cache_id: int) -> list[tuple[Op, object]]:
    person = BinaryType(
        77, "org.Fuzz", None, {"a": BinaryField("a", 3, 97)}, False, {}, {5: (97,)}
    )
    return [
        (Op.RESOURCE_CLOSE, g.ResourceClose(1)),
        (Op.HEARTBEAT, g.Heartbeat()),
        (Op.GET_IDLE_TIMEOUT, g.GetIdleTimeout()),
        (Op.CACHE_GET_NAMES, cc.CacheGetNames()),
        (Op.CACHE_CREATE_WITH_NAME, cc.CacheCreateWithName("soak-fuzz-made")),
        (Op.CACHE_GET_OR_CREATE_WITH_NAME, cc.CacheGetOrCreateWithName(FUZZ_CACHE)),
        (
            Op.CACHE_CREATE_WITH_CONFIGURATION,
            cc.CacheCreateWithConfiguration(
                CacheConfiguration("soak-fuzz-cfg", expiry_policy=ExpiryDurations(1))
            ),
        ),
        (
            Op.CACHE_GET_OR_CREATE_WITH_CONFIGURATION,
            cc.CacheGetOrCreateWithConfiguration(CacheConfiguration(FUZZ_CACHE)),
        ),
        (Op.CACHE_DESTROY, cc.CacheDestroy(cache_id)),
        (Op.CACHE_PARTITIONS, pt.CachePartitions((cache_id,), True)),
        (Op.QUERY_SCAN_CURSOR_GET_PAGE, q.ScanCursorGetPage(1)),
        (Op.QUERY_SQL_CURSOR_GET_PAGE, q.SqlCursorGetPage(1)),
        (Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE, q.SqlFieldsCursorGetPage(2)),
        (Op.GET_BINARY_TYPE_NAME, bt.GetBinaryTypeName(0, 77)),
        (Op.REGISTER_BINARY_TYPE_NAME, bt.RegisterBinaryTypeName(0, 77, "org.Fuzz")),
        (Op.GET_BINARY_TYPE, bt.GetBinaryType(77)),
        (Op.PUT_BINARY_TYPE, bt.PutBinaryType(person)),
        (Op.GET_BINARY_CONFIGURATION, bt.GetBinaryConfiguration()),
        (Op.TX_START, tx.TxStart(1, 1, 500, "fuzz")),
        (Op.TX_END, tx.TxEnd(1, True)),
        (Op.CLUSTER_GET_STATE, cl.ClusterGetState()),
        (Op.CLUSTER_CHANGE_STATE, cl.ClusterChangeState(1)),
        (Op.CLUSTER_CHANGE_WAL_STATE, cl.ClusterChangeWalState(FUZZ_CACHE, True)),
        (Op.CLUSTER_GET_WAL_STATE, cl.ClusterGetWalState(FUZZ_CACHE)),
        (
            Op.CLUSTER_GROUP_GET_NODE_IDS,
            cg.GetNodeIds(-1, (cg.RoleFilter(True), cg.AttributeFilter("a", "b"))),
        ),
        (Op.CLUSTER_GROUP_GET_NODE_INFO, cg.GetNodeInfo((uuid.UUID(int=1),))),
        (Op.CLUSTER_GROUP_GET_NODE_ENDPOINTS, cg.GetNodeEndpoints(1, -1)),
    ]


def seed_bodies(cache_id: int, ctx: ProtocolContext) -> dict[Op, list[bytes]]:
    """Valid request bodies for every op code on a connection of context
    ``ctx``, addressed to cache ``cache_id`` (plain, inside transaction 1, and
    with an expiry policy)."""
    prefixes = (
        kv.CachePrefix(cache_id),
        kv.CachePrefix(cache_id, tx_id=1),
        kv.CachePrefix(cache_id, expiry=ExpiryDurations(60_000, -1, -2)),
    )
    messages = [m for p in prefixes for m in _kv_seeds(p)]
    messages += _sql_seeds(kv.CachePrefix(0)) + _other_seeds(cache_id)
    seeds: dict[Op, list[bytes]] = {}
    for op, message in messages:
        seeds.setdefault(op, []).append(REQUESTS[op][1](message, ctx))
    return seeds


# -- mutations -------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes], bytes]


def _flip_bits(rng: random.Random, body: bytes) -> bytes:
    out = bytearray(body)
    for _ in range(rng.randint(1, 4)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _truncate(rng: random.Random, body: bytes) -> bytes:
    return body[: rng.randrange(len(body))] if body else body


def _extend(rng: random.Random, body: bytes) -> bytes:
    return body + rng.randbytes(rng.randint(1, 64))


def _boundary_slot(rng: random.Random, body: bytes) -> bytes:
    if len(body) < 4:
        return body
    at = rng.randrange(len(body) - 3)
    value = rng.choice(_BOUNDARIES)
    return body[:at] + struct.pack("<I", value & 0xFFFFFFFF) + body[at + 4 :]


def _insert(rng: random.Random, body: bytes) -> bytes:
    at = rng.randrange(len(body) + 1)
    return body[:at] + rng.randbytes(rng.randint(1, 16)) + body[at:]


def _random_body(rng: random.Random, body: bytes) -> bytes:
    return rng.randbytes(rng.choice((0, 1, 2, 4, 9, 17, 64, 300)))


MUTATIONS: tuple[Mutation, ...] = (
    _flip_bits,
    _truncate,
    _extend,
    _boundary_slot,
    _insert,
    _random_body,
)


@dataclass(frozen=True, slots=True)
class Case:
    """One fuzz case: the op code in its header and the request body."""

    op: int
    body: bytes


class FrameFuzzer:
    """Cases for one seeded run: ``seed_cases()``, the seeds as they are, or
    ``next_case()`` again and again.

    Of the random cases a quarter send a seed unchanged (so that the state
    they create, cursors, transactions, rows, is there for others to meet);
    the rest mutate one, and one case in eight also changes the op code.
    """

    def __init__(self, seed: int, cache_id: int, ctx: ProtocolContext) -> None:
        self.rng = random.Random(seed)
        self._seeds = seed_bodies(cache_id, ctx)
        self._ops = sorted(self._seeds)

    def seed_cases(self) -> list[Case]:
        """Every seed once, in op code order (the fuzz cache's destruction last)."""
        order = sorted(self._ops, key=lambda op: op == Op.CACHE_DESTROY)
        return [Case(op, b) for op in order for b in self._seeds[op]]

    def next_case(self) -> Case:
        rng = self.rng
        op = rng.choice(self._ops)
        body = rng.choice(self._seeds[op])
        if rng.random() >= 0.25:
            body = rng.choice(MUTATIONS)(rng, body)
        if op == Op.CLUSTER_CHANGE_STATE and body:
            body = b"\x01" + body[1:]  # stay ACTIVE (module docstring)
        if rng.random() < 0.125:
            return Case(self._other_op(op), body)
        return Case(op, body)

    def _other_op(self, op: int) -> int:
        if self.rng.random() < 0.5:  # another op of the same family
            family = [o for o in self._ops if o // 1000 == op // 1000]
            return int(self.rng.choice(family))
        return self.rng.randrange(-(2**15), 2**15)


# -- what a successful answer must be -------------------------------------------------


class AnswerCheck:
    """Decodes each successful answer of one connection with the response
    decoder of its op code (``RESPONSES``), which reads every data object's
    extent and fails on a byte left over. The two answers whose layout depends
    on earlier ones are read with what they depend on: an SQL-fields answer
    with its request's ``include_field_names``, a next page of one with the
    column count its cursor's first answer gave (inferred when unknown)."""

    def __init__(self, ctx: ProtocolContext) -> None:
        self.ctx = ctx
        self._columns: dict[int, int] = {}  # SQL-fields cursor id -> columns

    def problem(self, op: int, request: bytes, answer: bytes) -> str | None:
        """Why ``answer`` (a successful answer to ``request``) does not decode,
        or None when it does."""
        try:
            self._decode(op, request, answer)
        except Exception as exc:  # any failure to decode is the finding
            return f"op {op}: {type(exc).__name__}: {exc}"
        return None

    def _decode(self, op: int, request: bytes, answer: bytes) -> None:
        ctx = self.ctx
        if op == Op.QUERY_SQL_FIELDS:
            asked = q.decode_sql_fields_query(request, ctx)
            first = q.decode_sql_fields_response(answer, ctx, asked.include_field_names)
            self._columns[first.cursor_id] = first.column_count
        elif op == Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE:
            cursor = q.decode_sql_fields_cursor_get_page(request, ctx).cursor_id
            q.decode_row_page_response(answer, ctx, self._columns.get(cursor))
        else:
            RESPONSES[Op(op)][0](answer, ctx)


# -- connections that misbehave around the handshake -----------------------------------


def _framed(payload: bytes) -> bytes:
    return struct.pack("<i", len(payload)) + payload


def _handshake() -> bytes:
    return encode_handshake_request(HandshakeRequest(features=FEATURES))


def malformed_connection(rng: random.Random) -> bytes:
    """Everything one misbehaving connection sends, from its first byte."""
    shake = _handshake()
    choices: tuple[Callable[[], bytes], ...] = (
        lambda: _framed(rng.choice(MUTATIONS)(rng, shake)),
        lambda: _framed(shake) + _framed(rng.randbytes(rng.randint(0, 9))),
        lambda: struct.pack("<i", rng.choice(_BOUNDARIES)) + rng.randbytes(32),
        lambda: _framed(shake)[: rng.randrange(len(shake) + 4)],
        lambda: _framed(shake) + request_frame(Op.HEARTBEAT, 1)[:-3] + b"\x00" * 3,
        lambda: _lying_length(rng, shake),
        lambda: rng.randbytes(rng.randint(1, 200)),
    )
    return rng.choice(choices)()


def _lying_length(rng: random.Random, shake: bytes) -> bytes:
    """A handshake, then a get whose length prefix is off by a little."""
    frame = bytearray(request_frame(Op.CACHE_GET, 1, encode(1)))
    struct.pack_into("<i", frame, 0, len(frame) - 4 + rng.choice((-3, -1, 1, 5)))
    return _framed(shake) + bytes(frame)

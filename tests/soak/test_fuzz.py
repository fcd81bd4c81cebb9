"""Soak: fuzzed frames of every op code, and connections that misbehave around
the handshake, against ``embergrid serve`` in its own process.

The cases come from ``_fuzz.FrameFuzzer``: its seeds, each once as it is,
then random cases with the profile's seed (a failure names it: rerun with
``EMBERGRID_SOAK_SEED=<seed>``), sent one at a time, then written many at a
time before any answer is read (pipelined: valid and malformed frames mixed).
No case may be answered with an internal error, and every successful answer
must decode with the protocol core's decoder of its op. Profiles: the
quick one runs in the normal test suite; ``EMBERGRID_SOAK=long`` runs the long
one (see README, "Testing"). Each test ends with ``survived``: the node runs,
answers another client promptly, stayed under its memory bound, logged no
traceback and lost no witness entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from embergrid import Client
from embergrid.errors import ServerError
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import ProtocolContext
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.protocol.messages.query import (
    SqlFieldsQuery,
    SqlFieldsResponse,
    encode_sql_fields_query,
    encode_sql_fields_response,
)

from ._fuzz import FEATURES, AnswerCheck, seed_bodies
from ._hostile import INTERNAL_ERROR, fuzz, fuzz_pipelined, malformed_connections
from ._node import ServedNode
from ._probe import ANSWER_WITHIN
from ._profile import PROFILE
from ._survival import survived

pytestmark = [pytest.mark.slow, pytest.mark.timeout(PROFILE.timeout)]


def test_seeds_cover_every_op_code() -> None:
    seeds = seed_bodies(1, ProtocolContext((1, 7, 0), FEATURES))
    assert set(seeds) == set(OpCode)
    assert all(seeds.values())


def test_the_answer_check_refuses_what_a_client_cannot_parse() -> None:
    """The fuzzer's check of successful answers: a value that is no data
    object (what ``SELECT randomblob(8)`` once answered), a byte left over, and
    an SQL-fields answer read with its request's flag all fail it."""
    ctx = ProtocolContext((1, 7, 0), FEATURES)
    check = AnswerCheck(ctx)
    get = seed_bodies(1, ctx)[OpCode.CACHE_GET][0]
    assert check.problem(OpCode.CACHE_GET, get, encode(5)) is None
    assert check.problem(OpCode.CACHE_GET, get, b"\x8a\x01\x02") is not None
    assert check.problem(OpCode.CACHE_GET, get, encode(5) + b"\x00") is not None
    sql = SqlFieldsQuery(CachePrefix(0), "PUBLIC", "SELECT 1", 3, -1, ())
    named = replace(sql, include_field_names=True)
    answer = encode_sql_fields_response(
        SqlFieldsResponse(1, 1, ("X",), ((encode(1),),), False), ctx
    )
    op = OpCode.QUERY_SQL_FIELDS
    assert check.problem(op, encode_sql_fields_query(named, ctx), answer) is None
    assert check.problem(op, encode_sql_fields_query(sql, ctx), answer) is not None


def test_valid_requests_of_every_op_code(node: ServedNode) -> None:
    tally = fuzz(node.address, PROFILE.fuzz_seed, None)
    assert tally.ok > 0
    assert tally.internal == []
    assert tally.undecodable == []
    survived(node)


def test_fuzzed_frames_of_every_op_code(node: ServedNode) -> None:
    tally = fuzz(node.address, PROFILE.fuzz_seed, PROFILE.fuzz_cases)
    assert tally.cases == PROFILE.fuzz_cases
    assert tally.ok > 0, "no case reached a handler"
    assert tally.internal == [], f"seed {PROFILE.fuzz_seed}: internal errors"
    assert tally.undecodable == [], f"seed {PROFILE.fuzz_seed}: bad answers"
    survived(node)


def test_pipelined_fuzzed_frames_of_every_op_code(node: ServedNode) -> None:
    """Batches of ``PROFILE.fuzz_depth`` frames written at once: every answer
    that comes is to a request of its batch, once; the same checks as above."""
    tally = fuzz_pipelined(
        node.address, PROFILE.fuzz_seed, PROFILE.fuzz_cases, PROFILE.fuzz_depth
    )
    assert tally.cases == PROFILE.fuzz_cases
    assert tally.ok > 0, "no case reached a handler"
    assert tally.ok + tally.errors + tally.closed == tally.cases
    assert tally.internal == [], f"seed {PROFILE.fuzz_seed}: internal errors"
    assert tally.undecodable == [], f"seed {PROFILE.fuzz_seed}: bad answers"
    survived(node)


def test_malformed_connections_are_closed(node: ServedNode) -> None:
    closed = malformed_connections(node.address, PROFILE.malformed, PROFILE.fuzz_seed)
    assert closed == PROFILE.malformed
    survived(node)


# -- what the fuzzer found, as the smallest requests that show it ---------------------


def _cast_of_a_byte_array(client: Client) -> None:
    with client.sql("SELECT CAST(? AS INT)", query_args=[b"\x01"]) as cursor:
        list(cursor)


def _misspelt_delete(client: Client) -> None:
    with client.sql("DELETE FSOM soak_t WHERE a = 1") as cursor:
        list(cursor)


def _ttls_near_long_max(client: Client) -> None:
    cache = client.get_or_create_cache("soak-ttl")
    expiring = cache.with_expire_policy(create=60_000, update=2**63 - 1)
    expiring.put(1, 1)
    expiring.put(1, 2)  # an update: now + Long.MAX_VALUE ms
    cache.with_expire_policy(access=2**63 - 2).get_all([1])


FOUND = [
    pytest.param(_cast_of_a_byte_array, id="cast_of_a_byte_array"),
    pytest.param(_misspelt_delete, id="misspelt_delete"),
    pytest.param(_ttls_near_long_max, id="ttls_near_long_max"),
]


@pytest.mark.parametrize("request_", FOUND)
def test_what_fuzzing_found_gets_a_precise_answer(
    node: ServedNode, request_: Callable[[Client], None]
) -> None:
    """Each request may succeed or fail, but not with an internal error."""
    client = Client(timeout=ANSWER_WITHIN)
    with client.connect(*node.address):
        assert INTERNAL_ERROR not in _error_text(request_, client)
    survived(node)


def _error_text(request_: Callable[[Client], None], client: Client) -> str:
    """The text of the error ``request_`` raised ("" when it succeeded)."""
    try:
        request_(client)
    except ServerError as exc:
        return str(exc)
    return ""

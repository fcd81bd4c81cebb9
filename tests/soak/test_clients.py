"""Soak: clients that misbehave at the socket level, against ``embergrid serve``
in its own process with its default limits.

A client that never reads its answers, clients that write a byte at a time,
connections that leave a large frame unfinished, a request over the frame
limit, and many idle connections.
Sizes come from the profile (``_profile.py``; ``EMBERGRID_SOAK=long`` for the
long one, see README, "Testing"). While the load is on, the node must answer
another client promptly and stay under its memory bound (polled, failing at
once); each test ends with ``survived``.
"""

from __future__ import annotations

import pytest

from embergrid import Client
from embergrid.errors import ServerError
from embergrid.protocol.codes import OpCode

from ._hostile import idle_connections, no_reader, partial_frames, slow_writers
from ._node import MIB, ServedNode
from ._probe import ANSWER_WITHIN, check_answers
from ._profile import MEMORY_BOUND, PROFILE
from ._survival import survived

pytestmark = [pytest.mark.slow, pytest.mark.timeout(PROFILE.timeout)]

SETTLE_WITHIN = 300.0  # seconds a load may take to be sent or held


def test_client_that_never_reads(node: ServedNode) -> None:
    with no_reader(node.address, PROFILE.no_read_gets) as sender:
        check_answers(node.address)
        node.watch(sender.settled, MEMORY_BOUND, SETTLE_WITHIN)
        check_answers(node.address)
    survived(node)


def test_writers_of_a_byte_at_a_time_are_answered(node: ServedNode) -> None:
    with slow_writers(node.address, PROFILE.slow_writers) as answered:
        check_answers(node.address)
    assert answered == [True] * PROFILE.slow_writers
    survived(node)


def test_unfinished_frames_the_size_of_the_issue(node: ServedNode) -> None:
    """20 connections each send 5 MB of a declared 64 MB frame (issue 11)."""
    with partial_frames(node.address, PROFILE.partial_frames, 5 * MIB, 64 * MIB) as s:
        node.watch(lambda: all(x.settled() for x in s), MEMORY_BOUND, SETTLE_WITHIN)
        check_answers(node.address)
    survived(node)


def test_unfinished_frames_all_but_their_last_byte(node: ServedNode) -> None:
    declared = 64 * MIB
    with partial_frames(
        node.address, PROFILE.partial_frames, declared - 1, declared
    ) as s:
        node.watch(lambda: all(x.settled() for x in s), MEMORY_BOUND, SETTLE_WITHIN)
        check_answers(node.address)
    survived(node)


def test_a_request_over_the_frame_limit_gets_an_error_answer(node: ServedNode) -> None:
    """The error names the limit; the connection goes on."""
    client = Client(timeout=ANSWER_WITHIN)
    with client.connect(*node.address):
        cache = client.get_or_create_cache("soak-huge")
        with pytest.raises(ServerError, match="max-frame-size"):
            cache.put("huge", bytes(64 * MIB + 1))
        cache.put("small", b"ok")
        assert cache.get("small") == b"ok"
        assert cache.get("huge") is None
    survived(node)


def test_many_idle_connections(node: ServedNode) -> None:
    with idle_connections(node.address, PROFILE.idle_connections) as idle:
        check_answers(node.address)
        node.watch(lambda: True, MEMORY_BOUND, SETTLE_WITHIN)
        for raw in (idle[0], idle[len(idle) // 2], idle[-1]):
            assert raw.call(OpCode.HEARTBEAT).header.ok
    survived(node)

"""Soak: fuzzed frames of every op code, and connections that misbehave around
the handshake, against ``embergrid serve`` in its own process.

The cases come from ``_fuzz.FrameFuzzer``: its seeds, each once as it is,
then random cases with the profile's seed (a failure names it: rerun with
``EMBERGRID_SOAK_SEED=<seed>``). No case may be answered with an internal
error. Profiles: the
quick one runs in the normal test suite; ``EMBERGRID_SOAK=long`` runs the long
one (see README, "Testing"). Each test ends with ``survived``: the node runs,
answers another client promptly, stayed under its memory bound, logged no
traceback and lost no witness entry.
"""

from __future__ import annotations

import pytest

from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import ProtocolContext

from ._fuzz import FEATURES, seed_bodies
from ._hostile import fuzz, malformed_connections
from ._node import ServedNode
from ._profile import PROFILE
from ._survival import survived

pytestmark = pytest.mark.timeout(PROFILE.timeout)


def test_seeds_cover_every_op_code() -> None:
    seeds = seed_bodies(1, ProtocolContext((1, 7, 0), FEATURES))
    assert set(seeds) == set(OpCode)
    assert all(seeds.values())


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 11: SELECT CAST(? AS INT) with a byte array argument is an "
    "internal server error",
)
def test_valid_requests_of_every_op_code(node: ServedNode) -> None:
    tally = fuzz(node.address, PROFILE.fuzz_seed, None)
    assert tally.ok > 0
    assert tally.internal == []
    survived(node)


def test_fuzzed_frames_of_every_op_code(node: ServedNode) -> None:
    tally = fuzz(node.address, PROFILE.fuzz_seed, PROFILE.fuzz_cases)
    assert tally.cases == PROFILE.fuzz_cases
    assert tally.ok > 0, "no case reached a handler"
    assert tally.internal == [], f"seed {PROFILE.fuzz_seed}: internal errors"
    survived(node)


def test_malformed_connections_are_closed(node: ServedNode) -> None:
    closed = malformed_connections(node.address, PROFILE.malformed, PROFILE.fuzz_seed)
    assert closed == PROFILE.malformed
    survived(node)

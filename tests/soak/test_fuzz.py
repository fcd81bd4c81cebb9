"""Soak: fuzzed frames of every op code, and connections that misbehave around
the handshake, against ``embergrid serve`` in its own process.

The fuzz cases come from ``_fuzz.FrameFuzzer`` with the profile's seed (a
failure names it: rerun with ``EMBERGRID_SOAK_SEED=<seed>``). Profiles: the
quick one runs in the normal test suite; ``EMBERGRID_SOAK=long`` runs the long
one (see README, "Testing"). Each test ends with ``survived``: the node runs,
answers another client promptly, stayed under its memory bound, logged no
traceback and lost no witness entry.
"""

from __future__ import annotations

import pytest

from embergrid.protocol.codes import OpCode

from ._fuzz import seed_bodies
from ._hostile import fuzz, malformed_connections
from ._node import ServedNode
from ._profile import PROFILE
from ._survival import survived

pytestmark = pytest.mark.timeout(600)


def test_seeds_cover_every_op_code() -> None:
    seeds = seed_bodies(cache_id=1)
    assert set(seeds) == set(OpCode)
    assert all(seeds.values())


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

"""How hard the soak suite pushes: the quick profile (the normal test run) or
the long one (``EMBERGRID_SOAK=long``, run by hand).

Owns ``Profile``, its two instances and ``PROFILE``, the one in force, and
``MEMORY_BOUND``, the peak resident memory no scenario may take the node past
(issue 11's target with the default limits). ``EMBERGRID_SOAK_SEED`` fixes the
fuzz seed (the quick profile's default is fixed; the long one draws a new seed
each run and names it in any failure). Standard library only.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

__all__ = ["LONG", "MEMORY_BOUND", "PROFILE", "QUICK", "Profile"]

MEMORY_BOUND = 300 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Profile:
    """Sizes of every scenario."""

    name: str
    fuzz_seed: int
    fuzz_cases: int  # frames of every op code, one connection
    fuzz_depth: int  # frames written at once by the pipelined fuzzer
    malformed: int  # connections that misbehave around the handshake
    no_read_gets: int  # pipelined gets of a 100 KB value, never read
    slow_writers: int  # connections dripping a byte every 10 ms
    partial_frames: int  # connections leaving a 64 MB frame unfinished
    idle_connections: int
    kill_cycles: int  # kill -9 under writes, then restart
    get_all_keys: int
    scan_keys: int  # 2 KB values, one partition scanned
    cursors: int
    cursor_rows: int
    timeout: float  # seconds one test may take (pytest-timeout)


QUICK = Profile(
    name="quick",
    fuzz_seed=11,
    fuzz_cases=3_000,
    fuzz_depth=50,
    malformed=200,
    no_read_gets=20_000,
    slow_writers=4,
    partial_frames=20,
    idle_connections=1_000,
    kill_cycles=2,
    get_all_keys=100_000,
    scan_keys=20_000,
    cursors=40,
    cursor_rows=200_000,
    timeout=600,
)

LONG = Profile(
    name="long",
    fuzz_seed=int(time.time()),
    fuzz_cases=100_000,
    fuzz_depth=200,
    malformed=5_000,
    no_read_gets=200_000,
    slow_writers=32,
    partial_frames=60,
    idle_connections=5_000,
    kill_cycles=20,
    get_all_keys=1_000_000,
    scan_keys=100_000,
    cursors=128,
    cursor_rows=1_000_000,
    timeout=3600,
)


def _chosen() -> Profile:
    profile = LONG if os.environ.get("EMBERGRID_SOAK") == "long" else QUICK
    seed = os.environ.get("EMBERGRID_SOAK_SEED")
    if seed is None:
        return profile
    return replace(profile, fuzz_seed=int(seed))


PROFILE = _chosen()

"""Soak: ``kill -9`` of ``embergrid serve --data-dir --persistence`` under
writes, then a restart on the same directory: every acknowledged write is there
(without ``--persistence`` a restart of the only node is a new, empty cluster).

Each cycle starts the node on the directory, checks what the earlier cycles'
writers were told was stored (and the witness entries), runs writers until
they have some thousands of acknowledged writes, and kills the node under
them. The number of cycles comes from the profile (``EMBERGRID_SOAK=long``
for the long one, see README, "Testing").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from embergrid import Client
from embergrid.datatypes.cluster_state import ClusterState

from ._node import ServedNode
from ._profile import MEMORY_BOUND, PROFILE
from ._survival import store_witness, survived
from ._writers import AckedWriters

pytestmark = [pytest.mark.slow, pytest.mark.timeout(PROFILE.timeout)]

WRITERS = 4
KILL_AFTER = 2_000  # acknowledged writes per cycle before the kill
WRITE_WITHIN = 300.0


def test_kill_9_under_writes_loses_nothing_acknowledged(tmp_path: Path) -> None:
    flags = ("--data-dir", str(tmp_path / "data"), "--persistence")
    log = tmp_path / "node.log"
    earlier: list[AckedWriters] = []
    for cycle in range(PROFILE.kill_cycles):
        node = ServedNode(*flags, log_file=log)
        try:
            if cycle == 0:  # a new persistent cluster starts inactive
                _activate(node.address)
                store_witness(node.address)
            for writers in earlier:
                assert writers.lost(node.address) == [], f"cycle {cycle}"
            writers = AckedWriters(
                node.address, WRITERS, start=cycle * 10**7, until=KILL_AFTER
            )
            node.watch(writers.wrote_enough, MEMORY_BOUND, WRITE_WITHIN)
            node.kill9()
            writers.stop()
            earlier.append(writers)
        finally:
            node.stop()
    with_all = ServedNode(*flags, log_file=log)
    try:
        for writers in earlier:
            assert writers.lost(with_all.address) == []
        survived(with_all)
    finally:
        with_all.stop()


def _activate(address: tuple[str, int]) -> None:
    client = Client()
    with client.connect(*address):
        client.get_cluster().set_state(ClusterState.ACTIVE)

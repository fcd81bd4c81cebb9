"""The seed's failover example (pyignite's ``failover.py``) on a 3-node cluster, both
shells from one source, against three ``embergrid serve`` nodes on one data dir
(killed) and the 3-node reference Ignite 2.18 cluster (its nodes stopped: they
leave).

The example's loop reads a counter and writes it back plus one, on a cache with two
backups. Two nodes are lost while it runs: each loss costs at most the requests on
that node's connections, as ``OSError`` ("Connection broken."); the loop goes on
through the nodes left and the counter never goes back (the cluster keeps every
acknowledged write). With the last node lost the client runs out of nodes
(``ReconnectError``). (Separate nodes killed mid-request: ``test_failover.py``; the
example with pyignite beside ours: ``tests/server/test_failover_example.py``.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from _reference import ReferenceCluster
from embergrid import AioClient
from embergrid.datatypes.prop_codes import (
    PROP_BACKUPS_NUMBER,
    PROP_CACHE_MODE,
    PROP_NAME,
)
from server._nodes import cluster

from ._failing import assert_out_of_nodes

pytestmark = pytest.mark.timeout(300)

Address = tuple[str, int]
PARTITIONED = 2
STEPS_BETWEEN_LOSSES = 200


@pytest.fixture(
    params=["embergrid", pytest.param("ignite", marks=pytest.mark.reference)]
)
def three_nodes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[list[Address], Callable[[int], object]]]:
    """The addresses of a fresh 3-node cluster and how to lose node ``i``."""
    if request.param == "ignite":
        ref: ReferenceCluster = request.getfixturevalue("fresh_reference_cluster")
        yield [(ref.node.host, port) for port in ref.ports], ref.stop
        return
    with cluster(tmp_path, ["node-a", "node-b", "node-c"]) as nodes:
        yield [n.address for n in nodes], lambda i: nodes[i].kill()


async def test_the_counter_survives_two_lost_nodes_then_runs_out(
    three_nodes: tuple[list[Address], Callable[[int], object]],
) -> None:
    addresses, lose = three_nodes
    client = AioClient(timeout=4.0)
    errors: list[str] = []
    async with client.connect(addresses):
        my_cache = await client.get_or_create_cache(
            {
                PROP_NAME: "my_cache",
                PROP_CACHE_MODE: PARTITIONED,
                PROP_BACKUPS_NUMBER: 2,
            }
        )
        await my_cache.put("test_key", 0)
        value = 0

        async def work(steps: int) -> None:
            nonlocal value
            done = 0
            while done < steps:
                try:
                    before = value
                    value = await my_cache.get("test_key") or 0
                    assert value >= before  # the counter is intact
                    await my_cache.put("test_key", value + 1)
                    done += 1
                except OSError as e:
                    errors.append(str(e))  # recover: just continue

        await work(STEPS_BETWEEN_LOSSES)
        for i in range(2):
            lose(i)
            await work(STEPS_BETWEEN_LOSSES)
        assert len(errors) <= 4
        assert set(errors) <= {"Connection broken."}
        assert await my_cache.get("test_key") == value + 1
        assert value >= 3 * STEPS_BETWEEN_LOSSES - 1
        lose(2)
        await assert_out_of_nodes(lambda: my_cache.get("test_key"), tries=5)

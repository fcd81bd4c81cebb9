"""The reference cluster harness's stop/start commands, on a real 3-node cluster.

Owns: how ``ReferenceCluster`` reports a node that cannot start again (a clear error
within the command's deadline, the other nodes still obeying), which the cluster
differential tests rely on instead of waiting for pytest's timeout, and
``on_fresh_cluster``, which runs their scenario again on a new cluster then.

Must not import: ``embergrid`` (the harness observes Ignite, not our code).
"""

from __future__ import annotations

import socket

import pytest

from _reference import HOST, ReferenceCluster, ReferenceFailed, on_fresh_cluster


def _squatted_restart(cluster: ReferenceCluster) -> None:
    """Node 2 stopped, then started while its client port is taken."""
    cluster.stop(2)
    with socket.socket() as squatter:
        squatter.bind((HOST, cluster.ports[2]))
        squatter.listen()
        cluster.start(2)


def test_a_node_that_cannot_start_again_fails_its_command_and_the_cluster_goes_on(
    fresh_reference_cluster: ReferenceCluster,
) -> None:
    cluster = fresh_reference_cluster
    port = cluster.ports[2]
    with pytest.raises(ReferenceFailed, match="REFERENCE FAILED"):
        _squatted_restart(cluster)
    node_id = cluster.start(2)  # the port is free again: the same command now works
    assert cluster.node_ids[2] == node_id
    with socket.create_connection((HOST, port), timeout=10):
        pass


def test_a_scenario_the_harness_fails_runs_again_on_a_new_cluster(
    fresh_reference_cluster: ReferenceCluster,
) -> None:
    ran: list[ReferenceCluster] = []

    def scenario(cluster: ReferenceCluster) -> list[str]:
        ran.append(cluster)
        if len(ran) == 1:
            _squatted_restart(cluster)
        return cluster.node_ids

    with pytest.warns(UserWarning, match="scenario run again"):
        ids = on_fresh_cluster(fresh_reference_cluster, scenario)
    assert [c is fresh_reference_cluster for c in ran] == [True, False]
    assert len(set(ids)) == 3
    assert fresh_reference_cluster.node.process.poll() is not None  # closed


def test_a_difference_is_not_run_again(
    fresh_reference_cluster: ReferenceCluster,
) -> None:
    ran: list[ReferenceCluster] = []

    def scenario(cluster: ReferenceCluster) -> None:
        ran.append(cluster)
        raise AssertionError("a difference")

    with pytest.raises(AssertionError, match="a difference"):
        on_fresh_cluster(fresh_reference_cluster, scenario)
    assert ran == [fresh_reference_cluster]

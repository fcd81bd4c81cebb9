"""The reference cluster harness's stop/start commands, on a real 3-node cluster.

Owns: how ``ReferenceCluster`` reports a node that cannot start again (a clear error
within the command's deadline, the other nodes still obeying), which the cluster
differential tests rely on instead of waiting for pytest's timeout.

Must not import: ``embergrid`` (the harness observes Ignite, not our code).
"""

from __future__ import annotations

import socket

import pytest

from _reference import HOST, ReferenceCluster


def test_a_node_that_cannot_start_again_fails_its_command_and_the_cluster_goes_on(
    fresh_reference_cluster: ReferenceCluster,
) -> None:
    cluster = fresh_reference_cluster
    port = cluster.ports[2]
    cluster.stop(2)
    with socket.socket() as squatter:  # node 2's thin-client port, taken meanwhile
        squatter.bind((HOST, port))
        squatter.listen()
        with pytest.raises(RuntimeError, match="REFERENCE FAILED"):
            cluster.start(2)
    node_id = cluster.start(2)  # the port is free again: the same command now works
    assert cluster.node_ids[2] == node_id
    with socket.create_connection((HOST, port), timeout=10):
        pass

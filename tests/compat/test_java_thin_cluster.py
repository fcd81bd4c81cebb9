"""The Java thin client's cluster-group API and endpoint discovery, on a cluster.

Runs ``tools/java-thin/ClusterGroupSmoke.java`` (compiled once per module) against
three embergrid nodes on one data dir and against the 3-node reference Ignite 2.18
cluster: ``client.cluster().nodes()``, ``forServers``, ``forClients``,
``forAttribute``, ``node(id)``, ``forOldest``/``forYoungest`` (ops 5100 and 5101),
and a client given one address with ``setClusterDiscoveryEnabled(true)``
connecting to every node (op 5102). Every check must print ``OK`` on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _reference import REPO_ROOT, ReferenceCluster
from compat.test_java_thin import assert_all_ok, check_results, compile_java, run_java
from server._nodes import start_node

pytestmark = pytest.mark.timeout(600)

SOURCE = REPO_ROOT / "tools" / "java-thin" / "ClusterGroupSmoke.java"
CHECKS = [
    "nodes",
    "forServers",
    "forClients",
    "forAttribute",
    "node(id)",
    "forOldest/forYoungest",
    "cluster discovery",
]
TIMEOUT_S = 180.0


@pytest.fixture(scope="module")
def cluster_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_java(tmp_path_factory, SOURCE, TIMEOUT_S)


def run_checks(classes: Path, host: str, ports: list[int]) -> dict[str, str]:
    """Check name -> ``OK`` or the ``FAIL`` text."""
    lines = run_java(classes, "ClusterGroupSmoke", [host, *ports], TIMEOUT_S)
    return check_results(lines)


def test_java_cluster_group_api_on_embergrid(
    cluster_classes: Path, tmp_path: Path
) -> None:
    nodes = [start_node(tmp_path, f"java-node-{i}") for i in range(3)]
    try:
        results = run_checks(cluster_classes, nodes[0].host, [n.port for n in nodes])
    finally:
        for node in nodes:
            node.stop()
    assert list(results) == CHECKS
    assert_all_ok(results)


def test_java_cluster_group_api_on_ignite(
    cluster_classes: Path, reference_cluster: ReferenceCluster
) -> None:
    results = run_checks(cluster_classes, "127.0.0.1", reference_cluster.ports)
    assert list(results) == CHECKS
    assert_all_ok(results)

"""The Java thin client's cluster-group API and endpoint discovery, on a cluster.

Runs ``tools/java-thin/ClusterGroupSmoke.java`` (compiled once per module) against
three embergrid nodes on one data dir and against the 3-node reference Ignite 2.18
cluster: ``client.cluster().nodes()``, ``forServers``, ``forClients``,
``forAttribute``, ``node(id)``, ``forOldest``/``forYoungest`` (ops 5100 and 5101),
and a client given one address with ``setClusterDiscoveryEnabled(true)``
connecting to every node (op 5102). Every check must print ``OK`` on both.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from _reference import JVM_OPTIONS, LIB_DIR, REPO_ROOT, ReferenceCluster
from compat.test_java_thin import compile_java, failures
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
    java = ["java", f"@{JVM_OPTIONS}", "-cp", f"{LIB_DIR / '*'}:{classes}"]
    done = subprocess.run(
        [*java, "ClusterGroupSmoke", host, *map(str, ports)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    lines = done.stdout.splitlines()
    tail = (done.stdout[-3000:], done.stderr[-3000:])
    assert done.returncode == 0, tail
    assert lines, tail
    assert lines[-1].startswith("DONE"), tail
    results: dict[str, str] = {}
    for line in lines[:-1]:
        status, _, rest = line.partition(" ")
        name, _, error = rest.partition(": ") if status == "FAIL" else (rest, "", "")
        assert status in ("OK", "FAIL"), line
        results[name] = "OK" if status == "OK" else error
    return results


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
    assert failures(results) == {}


def test_java_cluster_group_api_on_ignite(
    cluster_classes: Path, reference_cluster: ReferenceCluster
) -> None:
    results = run_checks(cluster_classes, "127.0.0.1", reference_cluster.ports)
    assert list(results) == CHECKS
    assert failures(results) == {}

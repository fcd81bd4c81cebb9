"""Several ``embergrid serve`` processes on one ``--data-dir`` are one cluster.

Real processes, real sockets, pyignite and our client: every node sees what
another did (caches, entries, SQL tables), the partition map spreads over the
live nodes and every node reports the same topology version, a clean stop
leaves at once and ``kill -9`` within the lease, two nodes cannot take one
consistent id, a bulk write on one node lets the others write, no
acknowledged write is lost when a node is killed under load.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from pathlib import Path

import pyignite
import pytest
from pyignite.datatypes.key_value import PeekModes
from pyignite.datatypes.prop_codes import PROP_BACKUPS_NUMBER, PROP_NAME

import embergrid
from server._nodes import ServeNode, cluster, partition_map, start_node, until
from server.test_tx_invariant import (
    CLIENTS,
    FLAVOURS,
    MODES,
    TRANSFERS,
    Books,
    Flavour,
    Mode,
    check_books,
    run_clients,
)

pytestmark = pytest.mark.timeout(300)

NAMES = ("node-a", "node-b", "node-c")


def _versions(nodes: list[ServeNode]) -> set[tuple[int, int]]:
    return {partition_map(n.address)[0] for n in nodes}


def test_every_node_sees_what_another_did(tmp_path: Path) -> None:
    with cluster(tmp_path, NAMES) as nodes, contextlib.ExitStack() as stack:
        clients = []
        for node in nodes:
            c = pyignite.Client()
            stack.enter_context(c.connect(*node.address))  # closed even on failure
            clients.append(c)
        a, b, c = clients
        cache = a.create_cache({PROP_NAME: "shared", PROP_BACKUPS_NUMBER: 2})
        cache.put_all({i: f"v{i}" for i in range(100)})
        assert b.get_cache("shared").get_all(list(range(100))) == {
            i: f"v{i}" for i in range(100)
        }
        assert sorted(c.get_cache_names()) == ["shared"]
        # three nodes, two backups: every entry is held three times
        assert c.get_cache("shared").get_size([PeekModes.BACKUP]) == 200
        assert c.get_cache("shared").get_size([PeekModes.ALL]) == 300
        assert c.get_cache("shared").get_size() == 100
        b.sql("CREATE TABLE city (id INT PRIMARY KEY, name VARCHAR)")
        b.sql("INSERT INTO city (id, name) VALUES (1, 'Oslo')")
        assert list(c.sql("SELECT name FROM city")) == [["Oslo"]]
        assert list(a.sql("SELECT id FROM city")) == [[1]]
        c.get_cache("shared").destroy()
        assert "shared" not in a.get_cache_names()


def test_topology_version_and_partition_map_agree_on_every_node(
    tmp_path: Path,
) -> None:
    with cluster(tmp_path, NAMES) as nodes:
        assert _versions(nodes) == {(3, 1)}  # as a 3-node Ignite 2.18 cluster
        client = pyignite.Client()
        with client.connect(*nodes[1].address):
            client.create_cache("c1")
        assert _versions(nodes) == {(3, 2)}
        maps = [partition_map(n.address, "c1")[1] for n in nodes]
        assert maps[0] == maps[1] == maps[2]
        ids = [n.node_id() for n in nodes]
        assert set(maps[0].values()) == set(ids)  # spread over all three
        assert len(maps[0]) == 1024

        assert nodes[2].stop() == 0  # a clean stop leaves at once
        assert _versions(nodes[:2]) == {(4, 0)}
        assert set(partition_map(nodes[0].address, "c1")[1].values()) == set(ids[:2])


def test_a_killed_node_leaves_within_its_lease(tmp_path: Path) -> None:
    # 3 s: no survivor may miss its lease on a loaded machine (pauses of a
    # second were seen), or the others reap it too
    with cluster(tmp_path, NAMES, "--failure-detection-timeout", "3") as nodes:
        client = pyignite.Client()
        with client.connect(*nodes[1].address):
            client.create_cache("c")  # (3, 2)
        killed = nodes[0].node_id()
        nodes[0].kill()
        until(
            lambda: _versions(nodes[1:]) == {(4, 0)},
            "the survivors see the killed node leave",
        )
        owners = set(partition_map(nodes[1].address, "c")[1].values())
        assert killed not in owners
        assert owners == {nodes[1].node_id(), nodes[2].node_id()}
        back = start_node(tmp_path, "node-a")  # its consistent id is free again
        try:
            assert _versions([back, *nodes[1:]]) == {(5, 1)}
        finally:
            back.stop()


def test_two_live_nodes_cannot_share_a_consistent_id(tmp_path: Path) -> None:
    with cluster(tmp_path, NAMES[:1]):
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "embergrid",
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(tmp_path),
                "--node-id",
                NAMES[0],
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 1
        assert "cannot join the cluster" in second.stderr
        assert "held by a live node" in second.stderr


def test_in_memory_cluster_lives_while_one_node_does(tmp_path: Path) -> None:
    with cluster(tmp_path, NAMES[:2]) as nodes:
        client = pyignite.Client()
        with client.connect(*nodes[0].address):
            client.create_cache("c").put(1, 1)
        nodes[0].stop()
        third = start_node(tmp_path, "node-c")  # node-b still lives: data stays
        client = pyignite.Client()
        with client.connect(*third.address):
            assert client.get_cache("c").get(1) == 1
        nodes[1].stop()
        third.stop()
    with cluster(tmp_path, NAMES[:1]) as nodes:  # nobody alive: a new cluster
        client = pyignite.Client()
        with client.connect(*nodes[0].address):
            assert client.get_cache_names() == []


def test_a_bulk_write_lets_other_nodes_write(tmp_path: Path) -> None:
    with cluster(tmp_path, NAMES[:2]) as nodes:
        big = embergrid.Client(timeout=120)
        small = embergrid.Client(timeout=120)
        with big.connect(*nodes[0].address), small.connect(*nodes[1].address):
            bulk = big.create_cache("bulk")
            other = small.create_cache("other")
            done = threading.Event()
            failures: list[BaseException] = []

            def load() -> None:
                try:
                    bulk.put_all({i: i for i in range(200_000)})
                except BaseException as exc:
                    failures.append(exc)
                finally:
                    done.set()

            loader = threading.Thread(target=load)
            loader.start()
            writes = 0
            while not done.is_set() or writes == 0:
                other.put(writes, writes)  # raises on any error
                assert other.get(writes) == writes
                writes += 1
            loader.join()
            assert failures == []
            assert bulk.get_size() == 200_000
            assert other.get_size() == writes


def test_kill_9_under_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    with cluster(tmp_path, NAMES) as nodes:
        setup = pyignite.Client()
        with setup.connect(*nodes[0].address):
            setup.create_cache("acks")
        acked: list[list[int]] = [[], []]
        stop = threading.Event()

        def writer(slot: int, node: ServeNode) -> None:
            client = embergrid.Client(timeout=10)
            client.connect(*node.address)
            cache = client.get_cache("acks")
            key = slot * 1_000_000
            try:
                while not stop.is_set():
                    cache.put(key, key)
                    acked[slot].append(key)
                    key += 1
            except Exception:  # the node was killed: its writes end
                pass
            finally:
                client.close()

        threads = [
            threading.Thread(target=writer, args=(0, nodes[0])),
            threading.Thread(target=writer, args=(1, nodes[1])),
        ]
        for t in threads:
            t.start()
        until(lambda: len(acked[0]) > 200 and len(acked[1]) > 200, "writes flow")
        nodes[0].kill()
        until(lambda: len(acked[1]) > 400, "the survivor keeps writing")
        stop.set()
        for t in threads:
            t.join(60)
        reader = pyignite.Client()
        with reader.connect(*nodes[2].address):
            stored = reader.get_cache("acks").get_all(acked[0] + acked[1])
        assert sorted(stored) == sorted(acked[0] + acked[1])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_transfers_across_nodes_keep_the_books(
    flavour: Flavour, mode: Mode, tmp_path: Path
) -> None:
    """The bank of tests/server/test_tx_invariant.py with its clients spread
    over three nodes: the key locks live in the shared store."""
    with cluster(tmp_path, NAMES) as nodes:
        addresses = [n.address for n in nodes]
        books = Books("spread-accounts", "spread-log")
        with flavour.connect(addresses[0]) as client:
            books.open(flavour, client)
        outcomes = run_clients(flavour, addresses, books, mode, CLIENTS, TRANSFERS)
        assert sum(len(o.committed) for o in outcomes) == TRANSFERS
        if mode.pessimistic:  # ordered locks: no transfer ever fails
            assert [o.refused for o in outcomes] == [[]] * CLIENTS
        check_books(flavour, addresses[2], books, outcomes)

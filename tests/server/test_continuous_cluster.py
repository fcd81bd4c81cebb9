"""Continuous queries on a cluster of ``embergrid serve`` processes sharing one
data dir: a change made through any node reaches listeners on every node, in
order per key, and so does an expiry (whichever node purges it); a node's
listener going away leaves the others listening, and a killed node's listeners
are swept by the others, so they hold no part of the log."""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
from pathlib import Path

import pytest

from embergrid import CacheEventType, Client
from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.engine.store import DB_FILE_NAME
from server._nodes import cluster, until

NAMES = ["cq-a", "cq-b", "cq-c"]


def _lockable(fd: int, offset: int) -> bool:
    """Whether this process can lock byte ``offset`` of ``fd``'s file
    exclusively (let go at once): nobody else holds a lock on it."""
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)
    return True


def _take(events, n):
    out = []
    for event in events:
        out.append((event.type, event.key, event.value, event.old_value))
        if len(out) == n:
            break
    return out


def test_a_change_through_any_node_reaches_listeners_on_every_node(
    tmp_path: Path,
) -> None:
    with cluster(tmp_path, NAMES) as nodes:
        clients = [Client() for _ in nodes]
        for client, node in zip(clients, nodes, strict=True):
            client.connect(*node.address)
        try:
            caches = [c.get_or_create_cache("shared") for c in clients]
            queries = [cache.listen().start() for cache in caches]
            for i, cache in enumerate(caches):  # each node writes in turn
                cache.put(1, i)
            caches[2].remove_key(1)
            expected = [
                (CacheEventType.CREATED, 1, 0, None),
                (CacheEventType.UPDATED, 1, 1, 0),
                (CacheEventType.UPDATED, 1, 2, 1),
                (CacheEventType.REMOVED, 1, None, 2),
            ]
            for q in queries:
                assert _take(q, 4) == expected
            queries[0].close()  # one node's listener goes; the others still hear
            caches[0].put(2, "after")
            for q in queries[1:]:
                assert _take(q, 1) == [(CacheEventType.CREATED, 2, "after", None)]
            for q in queries[1:]:
                q.close()
        finally:
            for client in clients:
                client.close()


def test_an_expiry_reaches_listeners_that_include_expired(tmp_path: Path) -> None:
    with cluster(tmp_path, NAMES[:2]) as nodes:
        writer, listener = Client(), Client()
        writer.connect(*nodes[0].address)
        listener.connect(*nodes[1].address)
        try:
            cache = listener.get_or_create_cache("expiring")
            with cache.listen(include_expired=True) as events:
                short = writer.get_cache("expiring").with_expire_policy(
                    ExpiryPolicy(create=200)
                )
                short.put(1, "soon gone")
                assert _take(events, 2) == [
                    (CacheEventType.CREATED, 1, "soon gone", None),
                    (CacheEventType.EXPIRED, 1, None, "soon gone"),
                ]
        finally:
            writer.close()
            listener.close()


@pytest.mark.timeout(240)  # two nodes started on a loaded machine, then the waits
def test_a_killed_nodes_listener_is_swept_and_its_log_released(tmp_path: Path) -> None:
    with cluster(tmp_path, NAMES[:2]) as (doomed, survivor):
        gone, alive = Client(), Client()
        gone.connect(*doomed.address)
        alive.connect(*survivor.address)
        store = sqlite3.connect(tmp_path / DB_FILE_NAME)

        def count(table: str) -> int:
            return int(store.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        lost = gone.get_or_create_cache("swept").listen().start()
        try:
            cache = alive.get_or_create_cache("swept")
            query = cache.listen().start()
            assert count("cq_listeners") == 2
            doomed.kill()  # no leave, no unsubscription: its listener row stays
            until(lambda: count("cq_listeners") == 1, "the dead listener swept")
            for i in range(50):
                cache.put(1, i)
            heard = _take(query, 50)
            assert [value for _, _, value, _ in heard] == list(range(50))
            # Its position no longer holds the log: what the survivor was sent goes.
            until(lambda: count("cq_log") == 0, "the log trimmed")
            query.close()
        finally:
            store.close()
            lost.close()
            gone.close()
            alive.close()


def test_a_listening_node_keeps_sqlites_locks_on_the_wal_index(tmp_path: Path) -> None:
    """SQLite's connections in a node hold a shared lock on the ``-shm`` file's
    dead-man-switch byte (128, unix VFS) while the store is open: a process
    that finds nobody holding it takes itself for the first and rebuilds the
    wal-index under the others' mappings (the node died of SIGBUS). Closing
    any descriptor of that file in the node's process (a direct read of the
    wal-index header did so) drops every such lock of the process."""
    with cluster(tmp_path, NAMES[:1]) as (node,):
        client = Client()
        client.connect(*node.address)
        try:
            cache = client.get_or_create_cache("locks")
            query = cache.listen().start()
            cache.put(1, "seen")  # the node's feed has looked at the store
            assert _take(query, 1) == [(CacheEventType.CREATED, 1, "seen", None)]
            shm = os.open(tmp_path / (DB_FILE_NAME + "-shm"), os.O_RDWR)
            try:
                assert not _lockable(shm, 128)  # the node holds it shared
            finally:
                os.close(shm)  # this process has no SQLite connection to lose
            query.close()
        finally:
            client.close()

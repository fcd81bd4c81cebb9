"""``Node.close`` while another connection of its store holds the write lock.

Owns: a clean stop that meets a write in flight (a worker's engine checking the
schema as it opens, another thread's write) waits for it and leaves; one that
cannot leave still closes everything and says so in the log, instead of raising
out of ``close`` (which made ``embergrid serve`` exit with status 1 after SIGTERM).
"""

from __future__ import annotations

import logging
import sqlite3
import threading

import pytest

import embergrid.engine.store as store_module
from embergrid.server import Node


def _writer(node: Node) -> sqlite3.Connection:
    """Another connection to the node's store, holding its write lock."""
    other = sqlite3.connect(
        node.engine.store.path, isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    return other


def test_close_waits_for_a_write_in_flight_and_leaves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    node = Node()
    other = _writer(node)
    done = threading.Timer(0.2, other.rollback)  # the write ends meanwhile
    done.start()
    try:
        with caplog.at_level(logging.ERROR, logger="embergrid.server"):
            node.close()
    finally:
        done.join()
        other.close()
    assert not [r for r in caplog.records if "could not leave" in r.getMessage()]


def test_a_node_that_cannot_leave_still_closes(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    node = Node()
    other = _writer(node)  # never ends while the node closes
    try:
        with caplog.at_level(logging.ERROR, logger="embergrid.server"):
            node.close()
    finally:
        other.rollback()
        other.close()
    assert [r for r in caplog.records if "could not leave" in r.getMessage()]
    with pytest.raises(sqlite3.ProgrammingError):  # its connection is closed
        node.engine.store.conn.execute("SELECT 1")

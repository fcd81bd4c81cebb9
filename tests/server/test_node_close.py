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


def _close_under_a_writer(
    caplog: pytest.LogCaptureFixture, ends_after: float | None
) -> tuple[Node, list[str]]:
    """Close a new node while another connection to its store holds the write
    lock, ending that write ``ends_after`` seconds in (None: only once the
    node has closed); the node and the "could not leave" messages logged."""
    node = Node()
    other = sqlite3.connect(
        node.engine.store.path, isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    ends = None if ends_after is None else threading.Timer(ends_after, other.rollback)
    if ends is not None:
        ends.start()
    try:
        with caplog.at_level(logging.ERROR, logger="embergrid.server"):
            node.close()
    finally:
        if ends is None:
            other.rollback()
        else:
            ends.join()
        other.close()
    logged = [r.getMessage() for r in caplog.records]
    return node, [m for m in logged if "could not leave" in m]


def test_close_waits_for_a_write_in_flight_and_leaves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _node, failures = _close_under_a_writer(caplog, ends_after=0.2)
    assert failures == []


def test_a_node_that_cannot_leave_still_closes(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    node, failures = _close_under_a_writer(caplog, ends_after=None)
    assert failures
    with pytest.raises(sqlite3.ProgrammingError):  # its connection is closed
        node.engine.store.conn.execute("SELECT 1")

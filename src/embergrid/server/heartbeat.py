"""The timer behind membership: renew this node's lease, reap dead nodes, leave.

Owns ``Heartbeat``: a daemon thread with its own store connection (a writer of
another node can hold the store for a moment; waiting for it here never holds
the event loop, and a busy event loop never delays a beat) that calls
``Membership.beat`` every quarter of the lease, logs the nodes that joined or
left since the last beat, and on ``stop`` leaves the topology at once. A node
the others reaped (its lease ran out while it did not run, e.g. stopped by
SIGSTOP past the failure-detection timeout) is segmented: as an Ignite node
with the default segmentation policy and failure handler, it does not come
back but stops; the heartbeat ends and calls ``on_segmented``, and whoever
runs the node stops it. A node that cannot stop itself because it is frozen
is stopped by the first other node that sees its lease ended
(``server/processes.py``: it may hold the store's write lock, and with it
every other node's writes), before that node tries to reap it; and a node
whose process still runs is never reaped (it could not renew its lease while
the store was locked). The engine decides who is alive at time t; this module
only waits and asks the OS. Imports threading, sqlite errors through the
engine, the engine and ``server.processes``.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable

from embergrid.engine import open_membership
from embergrid.engine.clock import Clock
from embergrid.engine.membership import Evicted, Member, Membership
from embergrid.engine.store import Store, is_busy
from embergrid.server import processes

__all__ = ["Heartbeat"]

log = logging.getLogger("embergrid.server")


class Heartbeat:
    """Keeps ``member`` in the cluster of the store in ``data_dir``."""

    def __init__(
        self,
        member: Member,
        data_dir: str | os.PathLike[str],
        lease_ms: int,
        clock: Clock,
        on_segmented: Callable[[], None] = lambda: None,
        *,
        persistent: bool = False,
    ) -> None:
        self.member = member
        self._persistent = persistent  # the cluster's: its baseline moves versions
        self._on_segmented = on_segmented
        self._data_dir = data_dir
        self._lease_ms = lease_ms
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._known: set[uuid.UUID] = set()

    @property
    def interval(self) -> float:
        """Seconds between beats: a quarter of the lease."""
        return self._lease_ms / 4000

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="embergrid-heartbeat", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Leave the topology now and end the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self._lease_ms / 1000 + 5)
            self._thread = None

    def _run(self) -> None:
        store = Store(self._data_dir, busy_timeout_ms=self._lease_ms // 2)
        members, _ = open_membership(store, self._persistent)
        try:
            self._known = {m.node_id for m in members.members()}
            while not self._stop.wait(self.interval):
                if not self._beat(members):
                    self._on_segmented()
                    return
            members.leave(self.member.node_id)
        except Exception:
            log.exception("membership: leaving failed")
        finally:
            store.close()

    def _beat(self, members: Membership) -> bool:
        """Renew the lease; False when this node is no member any more."""
        now = self._clock.now_ms()
        try:
            self._stop_frozen(members, now)
            members.beat(self.member.node_id, now, processes.running)
        except Evicted:
            log.error(
                "membership: this node's lease ran out (it did not run for longer"
                " than the failure-detection timeout) and the cluster removed it:"
                " the node is segmented and stops"
            )
            return False
        except Exception as exc:
            if not is_busy(exc):
                log.exception("membership: heartbeat failed")
                return True
            log.warning("membership: store busy, heartbeat skipped")
            return True
        self._log_changes(members)
        return True

    def _stop_frozen(self, members: Membership, now: int) -> None:
        """Terminate the members whose lease ended while their process is
        stopped (a read: it works while one of them holds the write lock)."""
        for m in members.expired(now, spare=self.member.node_id):
            if m.process is not None and processes.terminate(m.process):
                log.warning(
                    "node %s (%s) did not run for longer than the failure-detection"
                    " timeout: it is segmented, and its process %d, stopped, was"
                    " terminated (it may hold the store's write lock)",
                    m.consistent_id,
                    m.node_id,
                    m.process.pid,
                )

    def _log_changes(self, members: Membership) -> None:
        current = {m.node_id: m for m in members.members()}
        for node_id in current.keys() - self._known:
            m = current[node_id]
            log.info("node %s (%s) joined", m.consistent_id, node_id)
        for node_id in self._known - current.keys():
            log.info("node %s left", node_id)
        self._known = set(current)

"""The timer behind membership: renew this node's lease, reap dead nodes, leave.

Owns ``Heartbeat``: a daemon thread with its own store connection (a writer of
another node can hold the store for a moment; waiting for it here never holds
the event loop, and a busy event loop never delays a beat) that calls
``Membership.beat`` every quarter of the lease, logs the nodes that joined or
left since the last beat, joins again when this node was reaped (its lease ran
out while it was stopped, e.g. by SIGSTOP), and on ``stop`` leaves the topology
at once. The engine decides who is alive at time t; this module only waits.
Imports threading, sqlite errors through the engine, and the engine.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid

from embergrid.engine.clock import Clock
from embergrid.engine.membership import Evicted, IdTaken, Member, Membership
from embergrid.engine.store import Store, is_busy

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
    ) -> None:
        self.member = member
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
        members = Membership(store)
        try:
            self._known = {m.node_id for m in members.members()}
            while not self._stop.wait(self.interval):
                self._beat(members)
            members.leave(self.member.node_id)
        except Exception:
            log.exception("membership: leaving failed")
        finally:
            store.close()

    def _beat(self, members: Membership) -> None:
        try:
            members.beat(self.member.node_id, self._clock.now_ms())
        except Evicted:
            log.warning("membership: this node's lease ran out; joining again")
            self._rejoin(members)
        except Exception as exc:
            if not is_busy(exc):
                log.exception("membership: heartbeat failed")
                return
            log.warning("membership: store busy, heartbeat skipped")
            return
        self._log_changes(members)

    def _rejoin(self, members: Membership) -> None:
        try:
            members.join(self.member, self._lease_ms, self._clock.now_ms(), rejoin=True)
        except IdTaken as exc:
            log.error("membership: cannot join again: %s", exc)

    def _log_changes(self, members: Membership) -> None:
        current = {m.node_id: m for m in members.members()}
        for node_id in current.keys() - self._known:
            m = current[node_id]
            log.info("node %s (%s) joined", m.consistent_id, node_id)
        for node_id in self._known - current.keys():
            log.info("node %s left", node_id)
        self._known = set(current)

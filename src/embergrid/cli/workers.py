"""``embergrid serve --workers N``: one node served by N processes.

Theory of operation. One Python process runs on one core at a time, so a node
that should use the machine's cores runs as several processes. The first one
(the leader) is an ordinary node: it joins the cluster, beats, owns a private
store when there is no data dir, and listens with ``SO_REUSEPORT``. Then it
starts N - 1 workers: ``embergrid serve`` again with the same flags plus
``--worker-of`` (the node's ids and private store, ``WorkerOf``) and the port it
got. A worker opens the same store, takes the node's ids without joining, and
listens on the same port with ``SO_REUSEPORT``, so the kernel spreads new
connections over the processes. Clients see one node: one node id, one member in
the topology, one address. A connection lives in one process, and with it its
transactions and cursors; what processes must agree on (entries, caches, types,
transaction locks, cluster state) lives in the store, as between the nodes of a
cluster on one data dir.

Owns ``Workers`` (start the workers and wait until each listens, stop them) and
``watch_leader`` (a worker stops when its leader is gone). May import anything
in embergrid (cli is the top layer).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from embergrid.server.node import Node, WorkerOf

__all__ = ["Workers", "watch_leader"]

log = logging.getLogger("embergrid.server")
LEADER_CHECK_S = 0.5
STOP_TIMEOUT_S = 20.0


class Workers:
    """The worker processes of one node (none when ``count`` < 2)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.procs: list[subprocess.Popen[bytes]] = []

    async def start(self, node: Node, port: int, argv: list[str]) -> None:
        """Start ``count - 1`` workers of ``node`` listening on ``port`` with the
        leader's command-line flags ``argv``; return once each listens (raises
        ``RuntimeError`` naming the exit status of one that did not start)."""
        if self.count < 2:
            return  # the store stays this process's alone (no data_version asks)
        path = node.engine.store.path
        private = str(Path(path).parent) if node.engine.data_dir is None else None
        if private is not None:
            node.engine.store.open_to_processes()
        spec = WorkerOf(node.node_id, node.consistent_id, private).spec()
        cmd = [sys.executable, "-m", "embergrid", *argv]
        cmd += ["--port", str(port), "--worker-of", spec]
        self.procs = await asyncio.to_thread(self._spawn, cmd, self.count - 1)
        for proc in self.procs:
            assert proc.stdout is not None
            line = await asyncio.to_thread(proc.stdout.readline)
            if b"listening on" not in line:
                status = await asyncio.to_thread(proc.wait)
                raise RuntimeError(f"a worker process did not start (status {status})")
            proc.stdout.close()

    @staticmethod
    def _spawn(cmd: list[str], count: int) -> list[subprocess.Popen[bytes]]:
        return [subprocess.Popen(cmd, stdout=subprocess.PIPE) for _ in range(count)]

    async def stop(self) -> None:
        """Stop the workers (SIGTERM: each closes its connections), then wait."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                await asyncio.to_thread(proc.wait, STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait)
        self.procs = []


async def watch_leader(stop: asyncio.Event) -> None:
    """Set ``stop`` once the process that started this worker is gone (it is
    then no longer this process's parent)."""
    leader = os.getppid()
    while not stop.is_set():
        await asyncio.sleep(LEADER_CHECK_S)
        if os.getppid() != leader:
            log.warning("the leader process %d is gone: stopping", leader)
            stop.set()

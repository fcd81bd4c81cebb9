"""Several ``embergrid serve`` processes on one data dir, for multi-node tests.

Owns ``ServeNode`` (one process: its address, consistent id and node UUID;
``stop`` = SIGTERM, a clean leave; ``kill`` = SIGKILL) and ``start_nodes`` /
``until`` (poll a condition with a generous deadline: no test depends on how
fast a loaded machine schedules the nodes).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from compat._wire import Wire
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import partitions as pm

_LISTENING = re.compile(r"embergrid node (\S+) listening on ([\d.]+):(\d+)")
T = TypeVar("T")
DEADLINE = 60.0


@dataclass
class ServeNode:
    """One ``embergrid serve`` process."""

    process: subprocess.Popen[str]
    consistent_id: str
    host: str
    port: int

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def node_id(self) -> uuid.UUID:
        """The node UUID its handshake reports."""
        with Wire(self.address) as w:
            node_id = w.conn.node_id
        assert node_id is not None
        return node_id

    def stop(self) -> int:
        """SIGTERM (a clean stop); its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(30)
        self._close_pipe()
        return status

    def kill(self) -> None:
        """SIGKILL: no leave, no cleanup."""
        self.process.kill()
        self.process.wait(30)
        self._close_pipe()

    def _close_pipe(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_node(data_dir: Path, name: str, *flags: str, port: int = 0) -> ServeNode:
    """``embergrid serve`` on ``data_dir`` with consistent id ``name``."""
    cmd = [
        sys.executable,
        "-m",
        "embergrid",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--node-id",
        name,
        "--log-level",
        "WARNING",
        *flags,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    found = _LISTENING.search(proc.stdout.readline())
    if found is None:
        proc.kill()
        raise RuntimeError(f"node {name} did not start (exit {proc.wait()})")
    return ServeNode(proc, name, found.group(2), int(found.group(3)))


@contextmanager
def cluster(
    data_dir: Path, names: Sequence[str], *flags: str
) -> Iterator[list[ServeNode]]:
    """Nodes ``names`` started one after the other; all stopped at the end."""
    nodes: list[ServeNode] = []
    try:
        for name in names:
            nodes.append(start_node(data_dir, name, *flags))
        yield nodes
    finally:
        for node in nodes:
            if node.process.poll() is None:
                node.process.kill()
            node.process.wait(30)
            node._close_pipe()


def until(check: Callable[[], T], what: str, deadline: float = DEADLINE) -> T:
    """Poll ``check`` until it returns a true value; fail after ``deadline`` s."""
    end = time.monotonic() + deadline
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline:.0f} s: {what}")
        time.sleep(0.05)


def partition_map(
    address: tuple[str, int], cache: str | None = None
) -> tuple[tuple[int, int], dict[int, uuid.UUID]]:
    """The topology version and partition -> primary node of op 1101 at
    ``address`` for ``cache`` (the first applicable group; {} without one)."""
    ids = () if cache is None else (cache_id(cache),)
    with Wire(address) as w:
        result = w.call(OpCode.CACHE_PARTITIONS, pm.CachePartitions(ids))
    assert result[0] == "ok", result
    resp = result[1]
    owners: dict[int, uuid.UUID] = {}
    for group in resp.groups:
        if group.applicable:
            for node in group.nodes:
                for part in node.partitions:
                    owners[part] = node.node_id
            break
    return (resp.version_major, resp.version_minor), owners

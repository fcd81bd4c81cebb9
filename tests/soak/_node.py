"""``embergrid serve`` in a process of its own, watched from outside.

Owns ``ServedNode``: start the node (``--port 0``, the given flags, default
limits otherwise), read its address from the start line, read its log file
and its resident memory (``VmRSS``) and peak (``VmHWM``) from
``/proc/<pid>/status``, tell whether it still runs, watch it while a load runs
(failing as soon as it dies or passes a memory bound), ``kill -9`` it, and
stop it (SIGTERM, then SIGKILL after a deadline). The soak tests and
``benchmarks/hostile.py`` watch the node this way, as its users run it.
Standard library only; imports nothing from embergrid.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["MIB", "ServedNode", "served_node"]

MIB = 1024 * 1024
_LISTENING = re.compile(r"listening on (\S+):(\d+)")
_STOP_TIMEOUT = 30.0


class ServedNode:
    """One running ``embergrid serve`` process."""

    def __init__(self, *flags: str, log_file: Path) -> None:
        self.log_file = log_file
        cmd = [sys.executable, "-m", "embergrid", "serve", "--port", "0"]
        self.proc = subprocess.Popen(
            [*cmd, "--log-level", "WARNING", "--log-file", str(log_file), *flags],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        found = _LISTENING.search(self.proc.stdout.readline())
        if found is None:
            self.stop()
            raise RuntimeError("embergrid serve did not start")
        self.address = (found.group(1), int(found.group(2)))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss(self) -> int:
        """Resident memory now, in bytes."""
        return self._status_kib("VmRSS") * 1024

    def peak_rss(self) -> int:
        """The most resident memory the process has had, in bytes."""
        return self._status_kib("VmHWM") * 1024

    def _status_kib(self, field: str) -> int:
        text = Path(f"/proc/{self.pid}/status").read_text()
        found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
        assert found is not None, f"no {field} in /proc/{self.pid}/status"
        return int(found.group(1))

    def watch(self, until: Callable[[], bool], bound: int, within: float) -> None:
        """Poll until ``until()`` holds; fail at once if the node dies or its
        peak resident memory passes ``bound`` bytes, or after ``within`` s."""
        deadline = time.monotonic() + within
        while True:
            assert self.alive(), "the node died"
            peak = self.peak_rss()
            assert peak < bound, f"the node's peak RSS {peak / MIB:.0f} MiB"
            if until():
                return
            assert time.monotonic() < deadline, f"not done within {within:.0f} s"
            time.sleep(0.05)

    def tracebacks(self) -> list[str]:
        """The log's lines that start a traceback (a handler bug, or worse)."""
        if not self.log_file.exists():
            return []
        lines = self.log_file.read_text(errors="replace").splitlines()
        return [line for line in lines if line.startswith("Traceback")]

    def kill9(self) -> None:
        """SIGKILL, as ``kill -9``; returns once the process is gone."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close_pipe()

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it outlives the deadline; the exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close_pipe()
        return self.proc.returncode

    def _close_pipe(self) -> None:
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@contextmanager
def served_node(*flags: str, log_file: Path) -> Iterator[ServedNode]:
    """A ``ServedNode`` logging to ``log_file`` (appended) for the block; stopped
    afterwards if still running."""
    node = ServedNode(*flags, log_file=log_file)
    try:
        yield node
    finally:
        node.stop()

"""``embergrid serve`` in a process of its own, for the benchmarks.

Owns ``serve_process``: start the node with ``--port 0`` and the given flags, read
the address from its start line, stop it (SIGTERM, then SIGKILL after 20 s). The
benchmarks that compare it with the reference node (sql.py, tx.py, hol.py) run it
this way, as users run it. Standard library only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["serve_process"]

_LISTENING = re.compile(r"listening on (\S+):(\d+)")


@contextmanager
def serve_process(
    *flags: str, env: dict[str, str] | None = None
) -> Iterator[tuple[tuple[str, int], int]]:
    """The node's (host, port) and process id while it runs (``env``: its
    environment, default this process's)."""
    cmd = [sys.executable, "-m", "embergrid", "serve", "--port", "0"]
    proc = subprocess.Popen(
        [*cmd, "--log-level", "WARNING", *flags],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        found = _LISTENING.search(proc.stdout.readline())
        if found is None:
            raise RuntimeError("embergrid serve did not start")
        yield (found.group(1), int(found.group(2))), proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""Busy-loop processes that load the machine while a benchmark measures.

Owns ``hogs``: ``n`` processes each spinning a core (``python -c 'while True:
pass'``), optionally pinned with ``taskset``, running before the block starts
(half a second to get going) and killed at its end. Standard library only.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["hogs"]


@contextmanager
def hogs(n: int, pin: str | None = None) -> Iterator[None]:
    """``n`` CPU hogs for the block (on CPU list ``pin`` when given)."""
    prefix = ["taskset", "-c", pin] if pin is not None else []
    procs = [
        subprocess.Popen([*prefix, sys.executable, "-c", "while True: pass"])
        for _ in range(n)
    ]
    try:
        if procs:
            time.sleep(0.5)
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()

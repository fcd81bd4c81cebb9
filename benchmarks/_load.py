"""Busy-loop processes that load the machine while a benchmark measures.

Owns ``hogs``: ``n`` processes each spinning a core (``python -c 'while True:
pass'``), optionally pinned with ``taskset``, killed at the end of the block.
Standard library only.
"""

from __future__ import annotations

import subprocess
import sys
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
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()

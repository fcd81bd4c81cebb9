"""What the OS says of the processes the nodes of a data dir run in.

Owns ``this_process`` (the ``ProcessRef`` a node records when it joins: the
boot id, its pid and its start time, from Linux's ``/proc``), ``running`` and
``frozen`` (whether a recorded process still runs, or is stopped, e.g. by
SIGSTOP) and ``terminate`` (end a frozen member's process). A ref names one
process only: a pid of another boot, or whose process started at another time
(the pid was reused), is no process of a member, so nothing here ever signals
another program. Where ``/proc`` is missing (not Linux) nodes record no
process and membership falls back on leases alone. Imports the engine's
``ProcessRef`` only; never asyncio.

Why terminate: a node frozen while it holds the store's write lock holds
every other node's writes until it runs again, maybe never. Once its lease
has ended the others treat it as Ignite treats a node that missed the
failure-detection timeout: it is segmented, and a segmented node stops
(Ignite's default segmentation policy). It cannot stop itself while frozen, so
the first survivor that sees it does it with SIGKILL, which a stopped process
cannot delay: the OS drops its locks, SQLite's WAL never commits the
transaction it had open (nothing it wrote was acknowledged), and the others'
writes go on.
"""

from __future__ import annotations

import contextlib
import os
import signal
from functools import lru_cache

from embergrid.engine.membership import ProcessRef

__all__ = ["frozen", "running", "terminate", "this_process"]

_PROC = "/proc"
_STOPPED = frozenset("Tt")  # stopped by a signal, or by a tracer
_ENDED = frozenset("ZXx")  # a zombie, or dead


@lru_cache(maxsize=1)
def _boot_id() -> str | None:
    try:
        with open(f"{_PROC}/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return None


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, start time) of ``pid`` from /proc/<pid>/stat, or None."""
    try:
        with open(f"{_PROC}/{pid}/stat", "rb") as f:
            text = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # the name may hold anything
    try:
        return fields[0], int(fields[19])  # fields 3 and 22 of proc(5)
    except (IndexError, ValueError):
        return None


def this_process() -> ProcessRef | None:
    """This process as a member records it (None without /proc)."""
    boot, stat = _boot_id(), _stat(os.getpid())
    if boot is None or stat is None:
        return None
    return ProcessRef(boot, os.getpid(), stat[1])


def _state(ref: ProcessRef) -> str | None:
    """The state letter of ``ref``'s process, or None when it is gone (or
    is no process this machine can name: another boot, a reused pid)."""
    if ref.boot != _boot_id():
        return None
    stat = _stat(ref.pid)
    if stat is None or stat[1] != ref.started or stat[0] in _ENDED:
        return None
    return stat[0]


def running(ref: ProcessRef) -> bool:
    """Whether ``ref``'s process exists and is not stopped."""
    state = _state(ref)
    return state is not None and state not in _STOPPED


def frozen(ref: ProcessRef) -> bool:
    """Whether ``ref``'s process exists and is stopped."""
    state = _state(ref)
    return state is not None and state in _STOPPED


def terminate(ref: ProcessRef) -> bool:
    """SIGKILL ``ref``'s process if it is still that process and frozen;
    whether it was signalled. With a pidfd the process is pinned before it is
    checked, so the signal can only reach the process checked."""
    pidfd_open = getattr(os, "pidfd_open", None)
    send = getattr(signal, "pidfd_send_signal", None)
    if pidfd_open is None or send is None:
        if not frozen(ref):
            return False
        with contextlib.suppress(OSError):
            os.kill(ref.pid, signal.SIGKILL)
            return True
        return False
    try:
        fd = pidfd_open(ref.pid)
    except OSError:
        return False
    try:
        if not frozen(ref):
            return False
        send(fd, signal.SIGKILL)
        return True
    except OSError:  # gone meanwhile, or not ours to signal
        return False
    finally:
        os.close(fd)

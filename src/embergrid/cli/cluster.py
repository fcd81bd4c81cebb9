"""``embergrid cluster --nodes N``: N ``embergrid serve`` nodes as one local cluster.

Owns ``run_cluster``: start node ``i`` as ``embergrid serve --port P+i
--node-id <name>-i`` on one ``--data-dir`` (a temporary one, removed at the end,
when none is given) with every other flag passed through unchanged; copy each
node's output lines to stdout prefixed with ``[<name>-i]``; start a node again
when it dies (up to ``RESTARTS`` times in a row, then stop all); stop them all
on SIGINT (Ctrl-C) or SIGTERM and exit 0. Flags that make no node (``--auth``
without ``--persistence``) are refused here, once. The nodes find each other through the
data dir (``engine/membership.py``); this process only supervises them.
May import anything in embergrid (cli is the top layer).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from typing import IO

from embergrid.cli.main import AUTH_NEEDS_PERSISTENCE

__all__ = ["child_flags", "run_cluster"]

RESTARTS = 3
"""Times in a row a node may die (within ``RESTART_WINDOW`` s of its start)
before the whole cluster stops."""
RESTART_WINDOW = 10.0
_OWN = {"--nodes", "--port", "--node-id", "--data-dir"}


def child_flags(argv: Sequence[str]) -> list[str]:
    """The serve flags of ``argv`` (the words after ``cluster``) without the
    ones the supervisor sets per node."""
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        name = word.split("=", 1)[0]
        if name in _OWN:
            skip = "=" not in word
            continue
        out.append(word)
    return out


class _Member:
    """One supervised node process."""

    def __init__(self, name: str, command: list[str], out: IO[str]) -> None:
        self.name = name
        self.command = command
        self._out = out
        self._lock = threading.Lock()
        self.process: subprocess.Popen[str] | None = None
        self.started = 0.0
        self.failures = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C reaches the supervisor only
        )
        self.started = time.monotonic()
        threading.Thread(target=self._copy, args=(self.process,), daemon=True).start()

    def _copy(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.say(line.rstrip("\n"))
        process.stdout.close()

    def say(self, text: str) -> None:
        with self._lock:
            print(f"[{self.name}] {text}", file=self._out, flush=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _members(
    args: argparse.Namespace, data_dir: str, flags: list[str]
) -> list[_Member]:
    base = args.node_id or "node"
    serve = [sys.executable, "-m", "embergrid", "serve"]
    return [
        _Member(
            f"{base}-{i}",
            [
                *serve,
                "--port",
                str(args.port + i),
                "--node-id",
                f"{base}-{i}",
                "--data-dir",
                data_dir,
                *flags,
            ],
            sys.stdout,
        )
        for i in range(args.nodes)
    ]


def _supervise(members: list[_Member], stop: threading.Event) -> int:
    """Restart nodes that die until ``stop``; 1 if one keeps dying."""
    while not stop.wait(0.2):
        for m in members:
            assert m.process is not None
            status = m.process.poll()
            if status is None:
                continue
            quick = time.monotonic() - m.started < RESTART_WINDOW
            m.failures = m.failures + 1 if quick else 1
            if m.failures > RESTARTS:
                m.say(f"exited with status {status} {RESTARTS + 1} times; stopping")
                return 1
            m.say(f"exited with status {status}; starting it again")
            m.start()
    return 0


def run_cluster(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run ``args.nodes`` nodes until SIGINT/SIGTERM; the exit status."""
    if args.nodes < 1:
        print("embergrid: --nodes must be at least 1", file=sys.stderr)
        return 2
    if args.auth and not args.persistence:  # each node would refuse to start
        print(f"embergrid cluster: {AUTH_NEEDS_PERSISTENCE}", file=sys.stderr)
        return 2
    temporary = None
    data_dir = args.data_dir
    if data_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="embergrid-cluster-")
        data_dir = temporary.name
    members = _members(args, data_dir, child_flags(argv))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        for m in members:
            m.start()
        status = _supervise(members, stop)
    finally:
        for m in members:
            m.stop()
        for m in members:
            m.wait(30)
        if temporary is not None:
            temporary.cleanup()
    return status

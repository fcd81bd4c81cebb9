"""``embergrid cluster --nodes N`` as a user runs it: N nodes on one data dir,
output prefixed by node, a killed node started again, Ctrl-C stops them all."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyignite
import pyignite.exceptions
import pytest

from _auth import activate
from embergrid.cli.cluster import child_flags

pytestmark = pytest.mark.timeout(180)

_LISTENING = re.compile(r"^\[(node-\d)\] embergrid node \S+ listening on [\d.]+:(\d+)")


def _free_block(size: int) -> int:
    for base in range(21000 + os.getpid() % 5000, 40000, 7):
        probes = [socket.socket() for _ in range(size)]
        try:
            for i, probe in enumerate(probes):
                probe.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no free ports")


def _wait_listening(proc: subprocess.Popen[str], count: int) -> dict[str, int]:
    assert proc.stdout is not None
    ports: dict[str, int] = {}
    for line in proc.stdout:
        found = _LISTENING.match(line)
        if found:
            ports[found.group(1)] = int(found.group(2))
            if len(ports) == count:
                return ports
    raise AssertionError("the cluster ended before its nodes listened")


def test_child_flags_drop_what_the_supervisor_sets() -> None:
    argv = ["--nodes", "3", "--port=10800", "--data-dir", "d", "--persistence"]
    assert child_flags([*argv, "--log-level", "DEBUG"]) == [
        "--persistence",
        "--log-level",
        "DEBUG",
    ]


def test_cluster_runs_supervises_and_stops(tmp_path: Path) -> None:
    base = _free_block(2)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "embergrid",
            "cluster",
            "--nodes",
            "2",
            "--port",
            str(base),
            "--data-dir",
            str(tmp_path),
            "--failure-detection-timeout",
            "1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ports = _wait_listening(proc, 2)
        assert ports == {"node-0": base, "node-1": base + 1}
        a, b = pyignite.Client(), pyignite.Client()
        with a.connect("127.0.0.1", base), b.connect("127.0.0.1", base + 1):
            a.create_cache("c").put(1, "one")
            assert b.get_cache("c").get(1) == "one"
        pid = _pid_on(base + 1)
        os.kill(pid, signal.SIGKILL)  # the supervisor starts it again
        assert _wait_listening(proc, 1) == {"node-1": base + 1}
        c = pyignite.Client()
        with c.connect("127.0.0.1", base + 1):
            assert c.get_cache("c").get(1) == "one"  # node-0 kept the cluster alive
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        for port in ports.values():
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _pid_on(port: int) -> int:
    """The pid of the process listening on ``port`` (Linux /proc)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state = fields[1], fields[3]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            inode = fields[9]
    assert inode is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
                for fd in fds:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                        return int(pid)
            except OSError:
                continue
    raise AssertionError(f"no process owns port {port}")


def test_auth_without_persistence_makes_no_cluster() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "embergrid", "cluster", "--nodes", "2", "--auth"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("embergrid cluster: --auth needs --persistence")
    assert done.stderr.count("\n") == 1
    assert done.stdout == ""


@pytest.mark.timeout(240)  # nodes with --auth: ~10 s each to start on a loaded machine
def test_a_cluster_with_authentication(tmp_path: Path) -> None:
    """``--auth --persistence`` pass through to every node: the administrator
    activates the new cluster on one node, a user made there works on the other."""
    base = _free_block(2)
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "embergrid", "cluster", "--nodes", "2",
            "--port", str(base), "--data-dir", str(tmp_path), "--auth",
            "--persistence",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        _wait_listening(proc, 2)
        activate(("127.0.0.1", base))
        root = pyignite.Client(username="ignite", password="ignite")
        with root.connect("127.0.0.1", base):
            list(root.sql("CREATE USER app WITH PASSWORD 'secret'"))
        app = pyignite.Client(username="APP", password="secret")
        with app.connect("127.0.0.1", base + 1):
            app.get_or_create_cache("c").put(1, "one")
            assert app.get_cache("c").get(1) == "one"
        with pytest.raises(pyignite.exceptions.AuthenticationError):
            pyignite.Client().connect("127.0.0.1", base + 1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()

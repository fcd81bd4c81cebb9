"""``embergrid serve`` as a subprocess: the listening line, signals, bad flags."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyignite import Client
from pyignite.datatypes.cluster_state import ClusterState

from embergrid.cli.main import package_version

_LINE = re.compile(
    r"embergrid node (\S+) listening on ([\d.]+):(\d+)"
    r" \(embergrid [^,]+, (memory only|data dir .+), cluster [A-Z_]+\)\n"
)


def _start(*flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "embergrid", "serve", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _embergrid(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``embergrid *args`` to its end (``env`` added to this process's)."""
    return subprocess.run(
        [sys.executable, "-m", "embergrid", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@contextmanager
def _serving(*flags: str) -> Iterator[tuple[str, int]]:
    """``embergrid serve`` with ``flags``: its address; SIGTERM ends it cleanly."""
    proc = _start(*flags, "--log-level", "WARNING")
    try:
        assert proc.stdout is not None
        match = _LINE.fullmatch(proc.stdout.readline())
        assert match is not None
        yield match.group(2), int(match.group(3))
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=10)
        assert status == 0, proc.communicate()[1][-3000:]  # the node's log, to see why
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"]
)
def test_serve_prints_listens_and_stops_cleanly(
    sig: signal.Signals, tmp_path: object
) -> None:
    proc = _start("--node-id", "alpha", "--log-level", "WARNING")
    try:
        assert proc.stdout is not None
        match = _LINE.fullmatch(proc.stdout.readline())
        assert match is not None
        assert match.group(1) == "alpha"
        client = Client()
        with client.connect(match.group(2), int(match.group(3))):
            client.create_cache("x").put(1, 1)
            assert client.get_cache("x").get(1) == 1
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_persistence_keeps_caches_and_state(tmp_path: object) -> None:
    for round_ in range(2):
        with _serving("--data-dir", str(tmp_path), "--persistence") as address:
            client = Client()
            with client.connect(*address):
                cluster = client.get_cluster()
                if round_ == 0:  # a new persistent cluster starts inactive
                    assert cluster.get_state() == ClusterState.INACTIVE
                    cluster.set_state(ClusterState.ACTIVE)
                    client.get_or_create_cache("kept").put("k", "v")
                else:  # a restarted one resumes its state
                    assert cluster.get_state() == ClusterState.ACTIVE
                    assert client.get_cache("kept").get("k") == "v"


def test_without_persistence_a_full_restart_starts_empty(tmp_path: object) -> None:
    for round_ in range(2):
        with _serving("--data-dir", str(tmp_path)) as address:
            client = Client()
            with client.connect(*address):
                assert client.get_cache_names() == []  # round 1: all gone
                if round_ == 0:
                    client.get_or_create_cache("gone").put("k", "v")
                    assert client.get_cache_names() == ["gone"]


def test_persistence_without_data_dir_is_a_usage_error() -> None:
    result = _embergrid("serve", "--persistence", timeout=30)
    assert result.returncode == 2
    assert "--persistence needs --data-dir" in result.stderr


def test_unknown_flag_is_a_usage_error() -> None:
    result = _embergrid("serve", "--no-such-flag", timeout=30)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "--no-such-flag" in result.stderr


@pytest.mark.parametrize("micros", ["0", "250"], ids=["off", "250us"])
def test_busy_poll_flag(micros: str) -> None:
    with _serving("--busy-poll", micros) as address:
        client = Client()
        with client.connect(*address):
            cache = client.create_cache("polled")
            for i in range(50):
                cache.put(i, i)
            assert cache.get_all(list(range(50))) == {i: i for i in range(50)}


def test_busy_poll_reaches_the_node() -> None:
    from embergrid.cli.main import build_parser
    from embergrid.cli.serve import _limits

    args = build_parser().parse_args(["serve", "--busy-poll", "40"])
    assert _limits(args).busy_poll == pytest.approx(40e-6)
    default = build_parser().parse_args(["serve"])
    assert _limits(default).busy_poll == pytest.approx(100e-6)


@pytest.mark.parametrize("store", ["data-dir", "memory"])
def test_sigterm_ends_a_node_running_an_endless_statement(
    store: str, tmp_path: Path
) -> None:
    """A statement off the loop (either store: a node without a data dir runs
    on a private file worker threads open too) stops as it steps when the node
    closes: SIGTERM ends the node cleanly although the statement never would."""
    from .test_request_path import _send_endless

    flags = ("--data-dir", str(tmp_path)) if store == "data-dir" else ()
    with _serving(*flags) as address:
        endless = _send_endless(address)
        client = Client()
        with client.connect(*address):
            assert client.get_cache_names() == []  # answered meanwhile
        # leaving the block sends SIGTERM and asserts exit status 0 within 10 s
    endless.close()


def test_version() -> None:
    done = _embergrid("--version")
    assert done.returncode == 0
    assert re.fullmatch(r"embergrid \d+\.\d+\.\d+\S*\n", done.stdout)


@pytest.mark.parametrize(
    ("port", "message"),
    [("70000", "port 70000 is not in 0..65535"), ("x", "not a port number: 'x'")],
)
def test_a_bad_port_is_one_line(port: str, message: str) -> None:
    done = _embergrid("serve", "--port", port)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"embergrid serve: error: argument --port: {message}"
    )
    assert "Traceback" not in done.stderr


def test_log_levels_in_any_case() -> None:
    with _serving("--log-level", "debug") as address:
        assert address[1] > 0


def _serve_fails(*flags: str, env: dict[str, str] | None = None) -> str:
    done = _embergrid("serve", "--port", "0", *flags, env=env)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_an_unusable_data_dir_or_log_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    data_dir = blocker / "data"
    assert _serve_fails("--data-dir", str(data_dir)).startswith(
        f"embergrid: cannot use the data dir {data_dir}: "
    )
    assert _serve_fails("--log-file", str(blocker / "x.log")).startswith(
        "embergrid: cannot write the log file: "
    )


def test_flags_from_the_environment(tmp_path: Path) -> None:
    assert _serve_fails(env={"EMBERGRID_MAX_FRAME_SIZE": "lots"}) == (
        "embergrid serve: error: argument --max-frame-size: invalid int value: 'lots'"
    )
    env = {"EMBERGRID_DATA_DIR": str(tmp_path), "EMBERGRID_LOG_LEVEL": "warning"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "embergrid", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        assert proc.stdout is not None
        assert _LINE.fullmatch(proc.stdout.readline())
        assert (tmp_path / "embergrid.sqlite3").exists()  # the data dir was used
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.mark.parametrize(
    ("flags", "store", "state"),
    [
        ((), "memory only", "ACTIVE"),
        (
            ("--data-dir", "{dir}"),
            "data dir {dir}, in memory while a node lives",
            "ACTIVE",
        ),
        (
            ("--data-dir", "{dir}", "--persistence"),
            "data dir {dir}, persistent",
            "INACTIVE",
        ),
    ],
    ids=["memory", "data-dir", "persistent"],
)
def test_the_start_line_says_version_store_and_state(
    flags: tuple[str, ...], store: str, state: str, tmp_path: Path
) -> None:
    args = [f.format(dir=tmp_path) for f in flags]
    proc = _start(*args, "--log-level", "WARNING")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert _LINE.fullmatch(line), line
        assert line.endswith(
            f" (embergrid {package_version()}, {store.format(dir=tmp_path)},"
            f" cluster {state})\n"
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()

"""The reference Apache Ignite 2.18 node for tests marked ``@pytest.mark.reference``.

Owns: starting ``tools/reference-ignite/ReferenceNode.java`` once per test session (or
using ``IGNITE_REFERENCE=host:port``), the decision skip-or-fail when it cannot run, and
the ``reference`` session fixture that yields ``(host, port)``.

Wiring: a conftest imports ``reference`` (the fixture) and, to tag every test that uses
it, calls :func:`mark_reference_items` from ``pytest_collection_modifyitems``.

Environment:
``IGNITE_REFERENCE=host:port``     use a node that is already running; start nothing.
``EMBERGRID_REQUIRE_REFERENCE=1``  missing Java/Maven/jars fail the tests (no skip).

Must not import: anything from ``embergrid`` (the reference is independent of our code).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn, TypeVar

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = REPO_ROOT / "tools" / "reference-ignite"
LIB_DIR = REFERENCE_DIR / "lib"
CORE_JAR = LIB_DIR / "ignite-core-2.18.0.jar"
# The SQL flavour: Ignite 2.17.0 + ignite-indexing (none is published for 2.18.0).
SQL_LIB_DIR = REFERENCE_DIR / "lib-sql"
SQL_MARKER_JAR = SQL_LIB_DIR / "ignite-indexing-2.17.0.jar"
SOURCE = REFERENCE_DIR / "ReferenceNode.java"
JVM_OPTIONS = REFERENCE_DIR / "jvm-options.txt"
FETCH_SCRIPT = REFERENCE_DIR / "fetch.sh"

ENV_ADDRESS = "IGNITE_REFERENCE"
ENV_REQUIRE = "EMBERGRID_REQUIRE_REFERENCE"
READY_PREFIX = "REFERENCE READY "
FAILED_PREFIX = "REFERENCE FAILED "
HOST = "127.0.0.1"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
FETCH_TIMEOUT_S = 600.0
# Each node needs a client port; discovery and communication each take a block of 10.
# The blocks lie below Linux's ephemeral range (32768..): a port a node gives up while
# it is stopped is then never some outgoing connection's local port when it restarts.
PORT_BLOCK = 30
PORT_BASES = range(20000, 32700, 100)


@dataclass(frozen=True, slots=True)
class RunningNode:
    """A reference node started by this session."""

    process: subprocess.Popen[str]
    host: str
    port: int
    start_seconds: float
    log_path: Path
    drain: threading.Thread | None
    marker: str

    def stop(self) -> None:
        """Stop the node and release its pipes and log file."""
        stop_node(self.process, self.drain)
        self.log_path.unlink(missing_ok=True)


def parse_address(text: str) -> tuple[str, int]:
    """Split ``host:port`` (the ``IGNITE_REFERENCE`` format) into its parts."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"{ENV_ADDRESS} must be host:port, got {text!r}")
    return host, int(port)


def reference_required() -> bool:
    """True when ``EMBERGRID_REQUIRE_REFERENCE`` turns skips into failures."""
    return os.environ.get(ENV_REQUIRE, "").strip() not in ("", "0", "false", "no")


def unavailable(reason: str) -> NoReturn:
    """Skip (default) or fail (``EMBERGRID_REQUIRE_REFERENCE=1``) with ``reason``."""
    message = f"reference Ignite node unavailable: {reason}"
    if reference_required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def missing_prerequisite(marker: Path = CORE_JAR) -> str | None:
    """Why the node cannot start here, or None; runs fetch.sh if only jars lack."""
    if shutil.which("java") is None:
        return "`java` (17+) is not on PATH"
    if marker.is_file():
        return None
    if shutil.which("mvn") is None:
        return f"{marker} is missing and `mvn` is not on PATH to run {FETCH_SCRIPT}"
    return fetch_jars(marker)


def fetch_jars(marker: Path = CORE_JAR) -> str | None:
    """Run fetch.sh (Maven Central); return an error text, or None on success."""
    try:
        done = subprocess.run(
            ["sh", str(FETCH_SCRIPT)],
            capture_output=True,
            text=True,
            timeout=FETCH_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{FETCH_SCRIPT} timed out after {FETCH_TIMEOUT_S:.0f}s"
    if done.returncode != 0 or not marker.is_file():
        tail = (done.stderr or done.stdout).strip()[-2000:]
        return f"{FETCH_SCRIPT} failed (exit {done.returncode}): {tail}"
    return None


def ports_free(ports: Iterable[int]) -> bool:
    """True when every port can be bound on loopback right now."""
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                return False
    return True


def pick_port_base() -> int:
    """A base port B with B..B+29 free: client B, discovery B+10, communication B+20.

    Each session gets its own discovery range so that two concurrent sessions never
    join each other's cluster.
    """
    offset = os.getpid() % len(PORT_BASES)
    for i in range(len(PORT_BASES)):
        base = PORT_BASES[(offset + i) % len(PORT_BASES)]
        if ports_free(range(base, base + PORT_BLOCK)):
            return base
    raise RuntimeError("no free block of 30 loopback ports in 20000..32730")


# The JVM options of Ignite's bin/ignite.sh: how users run a node (default JIT and
# GC, 1 GiB heap). Benchmarks use these; tests use the fast-start JVM_OPTIONS file.
IGNITE_SH_JVM_OPTS = ("-Xms1g", "-Xmx1g", "-server", "-XX:MaxMetaspaceSize=256m")


def users_jvm_options() -> list[str]:
    """bin/ignite.sh's options plus the ``--add-opens`` lines of JVM_OPTIONS
    (Java 17 needs them), without the fast-start flags."""
    opens = [
        line.strip()
        for line in JVM_OPTIONS.read_text().splitlines()
        if line.strip().startswith("--add-opens")
    ]
    return [*opens, *IGNITE_SH_JVM_OPTS]


@contextlib.contextmanager
def users_node(
    extra: Iterable[str] = (), lib_dir: Path = LIB_DIR, timeout: float = 300.0
) -> Iterator[RunningNode]:
    """A reference node (or ``--nodes N`` cluster) run as users run Ignite
    (``users_jvm_options``: default JIT), for the benchmarks; stopped after the
    block. Raises RuntimeError where it does not start."""
    node = start_node(extra, timeout, lib_dir, jvm_options=users_jvm_options())
    try:
        yield node
    finally:
        node.stop()


def node_command(
    base: int,
    extra: Iterable[str] = (),
    lib_dir: Path = LIB_DIR,
    jvm_options: Iterable[str] | None = None,
) -> list[str]:
    """The java command line for one node with client port ``base``
    (``jvm_options`` None: the tests' fast-start options file)."""
    jvm = [f"@{JVM_OPTIONS}"] if jvm_options is None else list(jvm_options)
    return [
        "java",
        *jvm,
        "-cp",
        str(lib_dir / "*"),
        str(SOURCE),
        "--client-port",
        str(base),
        "--discovery-port",
        str(base + 10),
        "--communication-port",
        str(base + 20),
        *extra,
    ]


def read_ready_line(stream: IO[str], deadline: float) -> str:
    """Read stdout lines until the READY/FAILED marker; '' on EOF.

    The deadline is enforced by the caller's watchdog (it kills the process, which
    ends the stream).
    """
    for line in stream:
        if line.startswith((READY_PREFIX, FAILED_PREFIX)):
            return line.strip()
        if time.monotonic() > deadline:
            break
    return ""


def marker_field(line: str, name: str) -> str:
    """The value of ``name=`` in a READY line."""
    for word in line.split():
        if word.startswith(name + "="):
            return word.removeprefix(name + "=")
    raise ValueError(f"no {name}= in {line!r}")


START_ATTEMPTS = (
    3  # a port found free can be taken by another process before the node binds it
)


def start_node(
    extra: Iterable[str] = (),
    timeout: float = START_TIMEOUT_S,
    lib_dir: Path = LIB_DIR,
    *,
    drain: bool = True,
    jvm_options: Iterable[str] | None = None,
) -> RunningNode:
    """Start ReferenceNode.java on free loopback ports and wait for its READY line
    (again on other ports if one was taken meanwhile; ``drain`` False: stdout
    stays for the caller, who must keep reading it; ``jvm_options``: see
    ``node_command``)."""
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            return _start_node_once(extra, timeout, lib_dir, drain, jvm_options)
        except PortTaken:
            if attempt == START_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


class PortTaken(RuntimeError):
    """The node could not bind a port found free a moment before."""


class ReferenceFailed(RuntimeError):
    """A reference cluster did not carry out a command (a node that did not
    start or stop again): the oracle failed, not the code it is compared with."""


def _start_node_once(
    extra: Iterable[str],
    timeout: float,
    lib_dir: Path,
    drain: bool,
    jvm_options: Iterable[str] | None,
) -> RunningNode:
    base = pick_port_base()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept open for the child's stderr
        prefix="reference-ignite-", suffix=".log", delete=False
    )
    started = time.monotonic()
    process = subprocess.Popen(
        node_command(base, extra, lib_dir, jvm_options),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=REFERENCE_DIR,
    )
    log.close()
    line, drainer = wait_ready(process, started + timeout, drain=drain)
    if not line.startswith(READY_PREFIX):
        stop_node(process)
        stderr = Path(log.name).read_text(errors="replace")
        stderr_tail = stderr[-3000:]
        if "BindException" in stderr:
            raise PortTaken(f"a port of block {base} was taken: {line or 'no marker'}")
        raise RuntimeError(
            f"node did not become ready within {timeout:.0f}s: {line or 'no marker'}; "
            f"stderr: {stderr_tail}"
        )
    elapsed = time.monotonic() - started
    port = int(marker_field(line, "port"))
    return RunningNode(process, HOST, port, elapsed, Path(log.name), drainer, line)


@contextlib.contextmanager
def killed_after(process: subprocess.Popen[str], deadline: float) -> Iterator[None]:
    """Kill ``process`` if the block has not ended by ``deadline`` (which ends its
    stdout, so a block reading it returns instead of waiting for ever)."""
    done = threading.Event()

    def watchdog() -> None:
        while process.poll() is None and time.monotonic() < deadline:
            if done.wait(0.2):
                return
        if process.poll() is None and not done.is_set():
            process.kill()

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    try:
        yield
    finally:
        done.set()
        guard.join()


def wait_ready(
    process: subprocess.Popen[str], deadline: float, *, drain: bool = True
) -> tuple[str, threading.Thread | None]:
    """Wait for the marker; kill the process if the deadline passes first.

    Returns the marker line ('' if none) and the thread that keeps reading stdout.
    """
    assert process.stdout is not None
    with killed_after(process, deadline):
        line = read_ready_line(process.stdout, deadline)
    if not drain:
        return line, None
    drainer = threading.Thread(target=process.stdout.read, daemon=True)
    drainer.start()  # keep the pipe empty after the marker so the node never blocks
    return line, drainer


def stop_node(
    process: subprocess.Popen[str], drain: threading.Thread | None = None
) -> None:
    """Close stdin (the node then stops itself); kill it if it does not exit in time."""
    if process.poll() is None and process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_S)
    if drain is not None:
        drain.join(STOP_TIMEOUT_S)
    if process.stdout is not None:
        process.stdout.close()


def mark_reference_items(items: Iterable[pytest.Item]) -> None:
    """Add ``@pytest.mark.reference`` to every test that uses a reference fixture."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if {
            "reference",
            "reference_sql",
            "reference_cluster",
            "fresh_reference_cluster",
            "persistent_reference_cluster",
        } & set(names):
            item.add_marker(pytest.mark.reference)


@contextlib.contextmanager
def running_node(
    extra: Iterable[str] = (), lib_dir: Path = LIB_DIR, marker: Path = CORE_JAR
) -> Iterator[tuple[str, int]]:
    """``(host, port)`` of a reference node started with ``extra`` options from
    ``lib_dir`` for the block, stopped after it. Skips (or fails, with
    ``EMBERGRID_REQUIRE_REFERENCE=1``) when ``marker`` or Java is missing; a node
    that does not start while they are there is a real failure."""
    reason = missing_prerequisite(marker)
    if reason is not None:
        unavailable(reason)
    try:
        node = start_node(extra, lib_dir=lib_dir)
    except (OSError, RuntimeError) as exc:
        pytest.fail(
            f"reference node ({lib_dir.name}) failed to start: {exc}", pytrace=False
        )
    try:
        yield node.host, node.port
    finally:
        node.stop()


@pytest.fixture(scope="session")
def reference() -> Iterator[tuple[str, int]]:
    """``(host, port)`` of a real Apache Ignite 2.18.0 thin-client endpoint.

    Uses ``IGNITE_REFERENCE`` when set; otherwise starts one node for the whole session
    and stops it at the end. Skips (or fails, with ``EMBERGRID_REQUIRE_REFERENCE=1``)
    when Java, Maven or the jars are missing.
    """
    external = os.environ.get(ENV_ADDRESS, "").strip()
    if external:
        yield parse_address(external)
        return
    with running_node() as address:
        yield address


ENV_SQL_ADDRESS = "IGNITE_SQL_REFERENCE"


@pytest.fixture(scope="session")
def reference_sql() -> Iterator[tuple[str, int]]:
    """``(host, port)`` of a real Apache Ignite **2.17.0** node with SQL (H2 indexing).

    Maven Central publishes no ``ignite-indexing`` 2.18.0 and the 2.17.0 module does
    not run on ignite-core 2.18.0, so SQL is compared against a consistent 2.17.0
    pair (``tools/reference-ignite/sql/pom.xml``, jars in ``lib-sql/``). Uses
    ``IGNITE_SQL_REFERENCE=host:port`` when set; skips or fails like ``reference``.
    """
    external = os.environ.get(ENV_SQL_ADDRESS, "").strip()
    if external:
        yield parse_address(external)
        return
    with running_node(lib_dir=SQL_LIB_DIR, marker=SQL_MARKER_JAR) as address:
        yield address


@dataclass
class ReferenceCluster:
    """Several reference nodes in one JVM, one cluster: node ``i`` has consistent
    id ``reference-node-i`` and client port ``ports[i]``; ``stop(i)`` and
    ``start(i)`` make it leave (cleanly) and join again."""

    node: RunningNode
    ports: list[int]
    node_ids: list[str]

    def _command(self, line: str, answer: str) -> str:
        """Send one command and return its answer line; a failed command, or one
        not answered within START_TIMEOUT_S (the JVM is then killed), raises
        ReferenceFailed with the node's stderr."""
        process = self.node.process
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(line + "\n")
        process.stdin.flush()
        with killed_after(process, time.monotonic() + START_TIMEOUT_S):
            for out in process.stdout:  # the node answers each command with one line
                if out.startswith(answer):
                    return out.strip()
                if out.startswith(FAILED_PREFIX):
                    break
            else:
                out = "no answer (the JVM ended or was killed)"
        stderr = self.node.log_path.read_text(errors="replace")[-3000:]
        raise ReferenceFailed(f"reference cluster: {line!r}: {out.strip()}\n{stderr}")

    def stop(self, index: int) -> None:
        """Stop node ``index`` (it leaves the topology)."""
        self._command(f"stop {index}", f"REFERENCE STOPPED {index}")

    def start(self, index: int) -> str:
        """Start node ``index`` again (or the next new one); its new node UUID."""
        line = self._command(f"start {index}", f"REFERENCE STARTED {index}")
        node_id = marker_field(line, "node_id")
        if index == len(self.node_ids):  # a node the cluster did not start with
            self.node_ids.append(node_id)
        self.node_ids[index] = node_id
        return node_id

    def close(self) -> None:
        self.node.stop()


def start_cluster(
    nodes: int, timeout: float = START_TIMEOUT_S, extra: Iterable[str] = ()
) -> ReferenceCluster:
    """Start ``nodes`` reference nodes as one cluster (consistent ids
    ``reference-node-0..``), with ``extra`` ReferenceNode options."""
    node = start_node(["--nodes", str(nodes), *extra], timeout, drain=False)
    ports = [int(p) for p in marker_field(node.marker, "ports").split(",")]
    node_ids = marker_field(node.marker, "node_ids").split(",")
    return ReferenceCluster(node, ports, node_ids)


T = TypeVar("T")


def on_fresh_cluster(
    cluster: ReferenceCluster, run: Callable[[ReferenceCluster], T]
) -> T:
    """``run(cluster)``, a scenario on a fresh in-memory cluster; where the
    harness failed one of its commands (``ReferenceFailed``), ``run`` once more on
    a new cluster of as many nodes (``cluster`` is closed), with a warning. A
    difference the scenario finds is never retried: only the oracle's failure."""
    try:
        return run(cluster)
    except ReferenceFailed as exc:
        with warnings.catch_warnings():  # shown in pytest's summary, not an error
            warnings.simplefilter("always")
            warnings.warn(
                f"reference cluster failed, scenario run again: {exc}", stacklevel=2
            )
        cluster.close()
    again = start_cluster(len(cluster.ports))
    try:
        return run(again)
    finally:
        again.close()


def _three_node_cluster(extra: Iterable[str] = ()) -> Iterator[ReferenceCluster]:
    """A real 3-node Apache Ignite 2.18.0 cluster while the generator runs;
    skips or fails like ``reference``."""
    reason = missing_prerequisite()
    if reason is not None:
        unavailable(reason)
    try:
        cluster = start_cluster(3, extra=extra)
    except (OSError, RuntimeError) as exc:
        pytest.fail(f"reference Ignite cluster failed to start: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def reference_cluster() -> Iterator[ReferenceCluster]:
    """A real 3-node cluster (see ``ReferenceCluster``) shared by the session:
    tests may find caches and topology versions others left."""
    yield from _three_node_cluster()


@pytest.fixture
def fresh_reference_cluster() -> Iterator[ReferenceCluster]:
    """A 3-node cluster of the test's own, for tests that compare topology
    versions from the start (every cache created on a cluster moves them)."""
    yield from _three_node_cluster()


@pytest.fixture
def persistent_reference_cluster(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ReferenceCluster]:
    """A 3-node cluster of the test's own with native persistence in a
    temporary directory, left INACTIVE as a new persistent cluster starts (its
    first activation sets the baseline)."""
    persistence = tmp_path_factory.mktemp("reference-persistence")
    yield from _three_node_cluster(["--persistence", str(persistence), "--inactive"])

"""SQL benchmark: embergrid vs the Ignite 2.17 SQL reference node, one client for both.

Measures, on each server: a bulk INSERT of N rows (multi-row INSERT statements of
literals), the same rows again by multi-row INSERT with parameters and by MERGE,
``--singles`` one-row INSERTs with parameters (how the seed's SQL example loads
the world sample), point SELECTs by primary key, a join with GROUP BY over the N
rows, a GROUP BY over an expression, a string-function scan, the arithmetic join
``SELECT COUNT(*) FROM A a, B b WHERE a.v + b.v = -1`` over 1,000 x 1,000 rows and a
full SELECT of the N rows streamed through cursor pages. Prints a table with the
rates and embergrid's ratio to the reference.

The read measures (point, join, stream) run ``--repeat`` times on each server
after the one bulk insert and the best rate of each is kept: this machine is
shared, and the best of a few runs is the least disturbed one on both sides.
Before measuring, each server runs the whole set once on small sizes
(``--warmup``, on by default), so the reference's JIT has compiled its paths as
on a server that has been up a while.

Besides rows per second (wall clock), each measure records the server
process's CPU time (every thread's time on a CPU: the reference's JIT and GC
too) and reports rows per CPU-second. On a loaded machine the scheduler
shares the cores out per thread, so a many-threaded JVM gets more of them than
a Python process: the CPU figure is what each server spends per row, whatever
its share. (The reference's process is found by its client port; without a
process to read, e.g. ``IGNITE_SQL_REFERENCE`` or ``--in-process``, it is
``n/a``.)

embergrid runs as ``embergrid serve`` in its own process, as the reference node
does (``--in-process``: a ``ServerThread`` in the benchmark's process instead,
which shares the GIL with the client). ``--client`` picks the clients both servers
are measured through, one table each: embergrid's ``Client`` and pyignite 0.6.1
(both by default; pyignite's own per-call and per-row cost is most of what it
measures, so its ratios say little about the servers).

Usage: ``python benchmarks/sql.py [--rows N] [--points K] [--repeat R]
[--client embergrid|pyignite|both] [--in-process] [--no-reference]
[--no-warmup]``.
The reference node is started from ``tools/reference-ignite/lib-sql`` with the JVM
options users run it with (``bin/ignite.sh``'s: default JIT and GC, 1 GiB heap;
``hol.reference_server``), not the tests' fast-start flags, or taken from
``IGNITE_SQL_REFERENCE=host:port``. Imports ``embergrid.server``, ``hol.py`` and
the test helper ``tests/_reference.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyignite  # type: ignore[import-untyped]

import embergrid

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _serve import serve_process  # benchmarks/, the script's own directory
from hol import reference_server as users_reference_node

from _reference import (  # type: ignore[import-not-found, unused-ignore]
    parse_address,
)
from embergrid.server import Node, ServerThread

BATCH = 500
GROUPS = 100
PARAM_BATCH = 100  # rows per multi-row statement with parameters
SIDE = 1000  # rows of each table of the arithmetic join


Server = tuple[tuple[str, int], int | None]  # address, process id (None: unknown)


@contextmanager
def embergrid_server(in_process: bool) -> Iterator[Server]:
    """``embergrid serve`` in its own process (as the reference node runs), or a
    ``ServerThread`` sharing this process (and its GIL) with the client."""
    if in_process:
        with ServerThread(Node()) as st:
            yield st.address, None
        return
    with serve_process() as (address, pid):
        yield address, pid


@contextmanager
def reference_server() -> Iterator[Server]:
    external = os.environ.get("IGNITE_SQL_REFERENCE", "").strip()
    if external:
        yield parse_address(external), None
        return
    with users_reference_node() as address:
        yield address, _pid_of_client_port(address[1])


def _pid_of_client_port(port: int) -> int | None:
    """The process started with ``--client-port port`` (the reference node)."""
    wanted = f"--client-port\0{port}\0".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if wanted in (entry / "cmdline").read_bytes():
                return int(entry.name)
        except OSError:
            continue
    return None


def _cpu_seconds(pid: int | None) -> float:
    """CPU time of process ``pid`` so far: the sum over its threads of their
    time on a CPU (``schedstat``, nanoseconds; ``stat``'s clock ticks are too
    coarse for a 30 ms measure). A thread that ends between two readings takes
    its time with it: both servers keep their threads."""
    if pid is None:
        return 0.0
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


class Meter:
    """Rates of one server: rows per second and rows per server CPU-second
    (the best of the repeats of each)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.rate: dict[str, float] = {}
        self.per_cpu: dict[str, float] = {}

    def measure(self, name: str, fn: Callable[[], int]) -> None:
        cpu = _cpu_seconds(self.pid)
        start = time.perf_counter()
        n = fn()
        secs = time.perf_counter() - start
        used = _cpu_seconds(self.pid) - cpu
        self.rate[name] = max(self.rate.get(name, 0.0), n / secs)
        if self.pid is not None:
            per_cpu = n / max(used, 1e-6)
            self.per_cpu[name] = max(self.per_cpu.get(name, 0.0), per_cpu)


CLIENTS: dict[str, Callable[[], Any]] = {
    "pyignite": pyignite.Client,
    "embergrid": embergrid.Client,
}


def run(
    server: Server,
    rows: int,
    points: int,
    repeat: int,
    client_name: str,
    singles: int,
) -> Meter:
    address, pid = server
    client = CLIENTS[client_name]()
    meter = Meter(pid)
    with client.connect(*address):
        _inserts(client, rows, singles, meter)
        _arith_join(client, repeat, meter)
        for t in ("Bench", "BenchGroup"):
            client.sql(f"DROP TABLE {t} IF EXISTS")
        client.sql("CREATE TABLE BenchGroup (id INT PRIMARY KEY, name VARCHAR)")
        client.sql(
            "CREATE TABLE Bench (id INT PRIMARY KEY, grp INT, val INT, name VARCHAR)"
        )
        client.sql(
            "INSERT INTO BenchGroup (id, name) VALUES "
            + ", ".join(f"({g}, 'group-{g}')" for g in range(GROUPS))
        )

        def insert() -> int:
            for start in range(0, rows, BATCH):
                values = ", ".join(
                    f"({i}, {i % GROUPS}, {i * 7 % 1000}, 'name-{i}')"
                    for i in range(start, min(start + BATCH, rows))
                )
                client.sql(f"INSERT INTO Bench (id, grp, val, name) VALUES {values}")
            return rows

        def point() -> int:
            for k in range(points):
                with client.sql(
                    "SELECT * FROM Bench WHERE id = ?", query_args=[k * 7919 % rows]
                ) as cur:
                    list(cur)
            return points

        def join() -> int:
            with client.sql(
                "SELECT g.name, COUNT(*), SUM(b.val) FROM Bench b JOIN BenchGroup g"
                " ON b.grp = g.id GROUP BY g.name ORDER BY g.name"
            ) as cur:
                got = list(cur)
            assert len(got) == GROUPS
            return rows

        def group_expr() -> int:
            with client.sql(
                "SELECT val % 10 + grp / 10, COUNT(*) FROM Bench"
                " GROUP BY val % 10 + grp / 10"
            ) as cur:
                got = list(cur)
            assert len(got) == 19, len(got)
            return rows

        def string_scan() -> int:
            with client.sql(
                "SELECT COUNT(*) FROM Bench WHERE UPPER(name) LIKE 'NAME-1%'"
                " AND LENGTH(name) > 6"
            ) as cur:
                list(cur)
            return rows

        def stream() -> int:
            with client.sql("SELECT * FROM Bench", page_size=1024) as cur:
                n = sum(1 for _ in cur)
            assert n == rows, n
            return n

        meter.measure("insert rows/s", insert)
        for _ in range(repeat):
            for name, fn in (
                ("point select/s", point),
                ("join+group rows/s", join),
                ("group by expr rows/s", group_expr),
                ("string scan rows/s", string_scan),
                ("stream rows/s", stream),
            ):
                meter.measure(name, fn)
        for t in ("Bench", "BenchGroup"):
            client.sql(f"DROP TABLE {t} IF EXISTS")
    return meter


def _inserts(client: Any, rows: int, singles: int, meter: Meter) -> None:
    """Rows/s of each insert path into a table like the bulk one."""
    cols = "(id, grp, val, name)"

    def row(i: int) -> list[Any]:
        return [i, i % GROUPS, i * 7 % 1000, f"name-{i}"]

    def fresh() -> None:
        client.sql("DROP TABLE Ins IF EXISTS")
        client.sql(
            "CREATE TABLE Ins (id INT PRIMARY KEY, grp INT, val INT, name VARCHAR)"
        )

    def single() -> int:
        q = f"INSERT INTO Ins {cols} VALUES (?, ?, ?, ?)"
        for i in range(singles):
            client.sql(q, query_args=row(i))
        return singles

    def batched(verb: str) -> Callable[[], int]:
        def load() -> int:
            marks = ", ".join(["(?, ?, ?, ?)"] * PARAM_BATCH)
            q = f"{verb} INTO Ins {cols} VALUES {marks}"
            for start in range(0, rows - rows % PARAM_BATCH, PARAM_BATCH):
                args = [v for i in range(start, start + PARAM_BATCH) for v in row(i)]
                client.sql(q, query_args=args)
            return rows - rows % PARAM_BATCH

        return load

    for name, fn in (
        ("insert 1 row ? rows/s", single),
        ("insert 100 ? rows/s", batched("INSERT")),
        ("merge 100 ? rows/s", batched("MERGE")),
    ):
        fresh()
        meter.measure(name, fn)
    client.sql("DROP TABLE Ins IF EXISTS")


def _arith_join(client: Any, repeat: int, meter: Meter) -> None:
    """Row pairs/s of ``a.v + b.v = -1`` over two tables of SIDE rows (best)."""
    for t in ("ArA", "ArB"):
        client.sql(f"DROP TABLE {t} IF EXISTS")
        client.sql(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT)")
        for start in range(0, SIDE, BATCH):
            values = ", ".join(
                f"({i}, {i * 37 % 1000})" for i in range(start, start + BATCH)
            )
            client.sql(f"INSERT INTO {t} (id, v) VALUES {values}")

    def join() -> int:
        with client.sql(
            "SELECT COUNT(*) FROM ArA a, ArB b WHERE a.v + b.v = -1"
        ) as cur:
            assert list(cur) == [[0]]
        return SIDE * SIDE

    for _ in range(repeat):
        meter.measure("arith join pairs/s", join)
    for t in ("ArA", "ArB"):
        client.sql(f"DROP TABLE {t} IF EXISTS")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--points", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--singles", type=int, default=5_000)
    ap.add_argument("--client", choices=[*sorted(CLIENTS), "both"], default="both")
    ap.add_argument("--in-process", action="store_true")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--no-warmup", action="store_true")
    a = ap.parse_args()
    clients = ["embergrid", "pyignite"] if a.client == "both" else [a.client]
    ours: dict[str, Meter] = {}
    ref: dict[str, Meter] = {c: Meter(None) for c in clients}
    servers = [(embergrid_server(a.in_process), ours)]
    if not a.no_reference:
        servers.append((reference_server(), ref))
    for server, into in servers:
        with server as s:
            for c in clients:
                if not a.no_warmup:  # discarded: JIT and caches warm on both
                    run(s, a.rows // 10, a.points // 10, 1, c, a.singles // 10)
                into[c] = run(s, a.rows, a.points, a.repeat, c, a.singles)
    for c in clients:
        _table(a, c, ours[c], ref[c])


def _table(a: argparse.Namespace, client: str, ours: Meter, ref: Meter) -> None:
    where = "in this process" if a.in_process else "in its own process"
    print(
        f"\nrows={a.rows} points={a.points} repeat={a.repeat} singles={a.singles}"
        f" warmup={not a.no_warmup} (client {client} for both servers; best of the"
        f" repeats; embergrid {where})"
    )
    print(
        f"| {'measure':<22} | {'embergrid':>10} | {'ignite 2.17':>11} | {'ratio':>5} |"
        f" {'eg /cpu-s':>10} | {'ig /cpu-s':>10} | {'cpu ratio':>9} |"
    )
    print(
        f"|{'-' * 24}|{'-' * 12}|{'-' * 13}|{'-' * 7}|{'-' * 12}|{'-' * 12}|{'-' * 11}|"
    )
    for k, v in ours.rate.items():
        r = ref.rate.get(k)
        c, rc = ours.per_cpu.get(k), ref.per_cpu.get(k)
        print(
            f"| {k:<22} | {v:10.0f} | {_num(r, 11)} | {_ratio(v, r, 5)} |"
            f" {_num(c, 10)} | {_num(rc, 10)} | {_ratio(c, rc, 9)} |"
        )


def _num(v: float | None, width: int) -> str:
    return f"{v:{width}.0f}" if v else f"{'n/a':>{width}}"


def _ratio(v: float | None, r: float | None, width: int) -> str:
    return f"{v / r:{width}.2f}" if v and r else f"{'n/a':>{width}}"


if __name__ == "__main__":
    main()

"""SQL benchmark: embergrid vs the Ignite 2.17 SQL reference node, same client (pyignite).

Measures, on each server: a bulk INSERT of N rows (multi-row INSERT statements),
point SELECTs by primary key, a join with GROUP BY over the N rows and a full
SELECT of the N rows streamed through cursor pages. Prints a table with the
rates and embergrid's ratio to the reference.

Usage: ``python benchmarks/sql.py [--rows N] [--points K] [--no-reference]``.
The reference node is started from ``tools/reference-ignite/lib-sql`` (or taken
from ``IGNITE_SQL_REFERENCE=host:port``). Imports ``embergrid.server`` and the
test helper ``tests/_reference.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pyignite import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _reference import SQL_LIB_DIR, parse_address, start_node  # noqa: E402

from embergrid.server import Node, ServerThread  # noqa: E402

BATCH = 500
GROUPS = 100


@contextmanager
def embergrid_server() -> Iterator[tuple[str, int]]:
    with ServerThread(Node()) as st:
        yield st.address


@contextmanager
def reference_server() -> Iterator[tuple[str, int]]:
    external = os.environ.get("IGNITE_SQL_REFERENCE", "").strip()
    if external:
        yield parse_address(external)
        return
    node = start_node(lib_dir=SQL_LIB_DIR)
    try:
        yield node.host, node.port
    finally:
        node.stop()


def timed(fn: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    n = fn()
    return n, time.perf_counter() - start


def run(address: tuple[str, int], rows: int, points: int) -> dict[str, float]:
    client = Client()
    out: dict[str, float] = {}
    with client.connect(*address):
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

        def stream() -> int:
            with client.sql("SELECT * FROM Bench", page_size=1024) as cur:
                n = sum(1 for _ in cur)
            assert n == rows, n
            return n

        for name, fn in (
            ("insert rows/s", insert),
            ("point select/s", point),
            ("join+group rows/s", join),
            ("stream rows/s", stream),
        ):
            n, secs = timed(fn)
            out[name] = n / secs
        for t in ("Bench", "BenchGroup"):
            client.sql(f"DROP TABLE {t} IF EXISTS")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--points", type=int, default=5_000)
    ap.add_argument("--no-reference", action="store_true")
    a = ap.parse_args()
    with embergrid_server() as addr:
        ours = run(addr, a.rows, a.points)
    ref: dict[str, float] = {}
    if not a.no_reference:
        with reference_server() as addr:
            ref = run(addr, a.rows, a.points)
    print(f"rows={a.rows} points={a.points} (pyignite 0.6.1 client for both)")
    print(f"| {'measure':<20} | {'embergrid':>12} | {'ignite 2.17':>12} | {'ratio':>6} |")
    print(f"|{'-' * 22}|{'-' * 14}|{'-' * 14}|{'-' * 8}|")
    for k, v in ours.items():
        r = ref.get(k)
        ratio = f"{v / r:6.2f}" if r else "   n/a"
        rs = f"{r:12.0f}" if r else f"{'n/a':>12}"
        print(f"| {k:<20} | {v:12.0f} | {rs} | {ratio} |")


if __name__ == "__main__":
    main()

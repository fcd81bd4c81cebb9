"""Long aggregates on ``embergrid serve``: two source trees side by side.

Runs ``embergrid serve`` from each ``--src`` directory (its ``PYTHONPATH``: e.g.
this tree's ``src`` and an export of the commit before the map parts), loads the
sql benchmark's ``Bench`` table (``--rows``), and times the same statements on
each in blocks of runs (a quarter of ``--repeat``), alternating servers
block by block so that both see the same load (a server's load-aware choices,
``server/cores.py``, must not see the other server's runs as load):
``sql.py``'s "group by expr" query and a grouped and an ungrouped
SUM/MIN/MAX/COUNT. Reports, per server and statement, the best and median wall
milliseconds of ``--repeat`` runs and the server process's CPU milliseconds per
run (every thread's, ``sql._cpu_seconds``), plus the load average.

Usage: ``python benchmarks/aggsplit.py --src src --src /tmp/before/src
[--rows N] [--repeat R]``. Imports ``benchmarks/sql.py`` and ``_serve``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from contextlib import ExitStack
from pathlib import Path

from _serve import serve_process

import embergrid
from sql import BATCH, GROUPS, _cpu_seconds

BLOCKS = 4  # runs of one statement on one server in a row, order alternating
QUERIES = {
    "group by expr": "SELECT val % 10 + grp / 10, COUNT(*) FROM Bench"
    " GROUP BY val % 10 + grp / 10",
    "grouped sum/min/max": "SELECT grp, SUM(val), MIN(name), MAX(val) FROM Bench"
    " GROUP BY grp",
    "sum/min/max": "SELECT COUNT(*), SUM(val), MIN(val), MAX(name) FROM Bench",
}


def _load(client: embergrid.Client, rows: int) -> None:
    client.sql("DROP TABLE Bench IF EXISTS")
    client.sql(
        "CREATE TABLE Bench (id INT PRIMARY KEY, grp INT, val INT, name VARCHAR)"
    )
    for start in range(0, rows, BATCH):
        values = ", ".join(
            f"({i}, {i % GROUPS}, {i * 7 % 1000}, 'name-{i}')"
            for i in range(start, min(start + BATCH, rows))
        )
        client.sql(f"INSERT INTO Bench (id, grp, val, name) VALUES {values}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", action="append", required=True)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=30)
    a = ap.parse_args()
    print("load before:", os.getloadavg())
    with ExitStack() as stack:
        servers = []
        for src in a.src:
            env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
            address, pid = stack.enter_context(serve_process(env=env))
            client = embergrid.Client()
            stack.enter_context(client.connect(*address))
            _load(client, a.rows)
            servers.append((src, client, pid))
        wall: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        for block in range(BLOCKS):
            for name, q in QUERIES.items():
                order = servers if block % 2 == 0 else servers[::-1]
                for src, client, pid in order:
                    for _ in range(a.repeat // BLOCKS):
                        used = _cpu_seconds(pid)
                        start = time.perf_counter()
                        with client.sql(q) as cur:
                            list(cur)
                        took = time.perf_counter() - start
                        wall.setdefault((src, name), []).append(took)
                        cpu.setdefault((src, name), []).append(_cpu_seconds(pid) - used)
    print("load after:", os.getloadavg())
    print("| server src | statement | best ms | median ms | server cpu ms/run |")
    print("|---|---|---|---|---|")
    for (src, name), ts in wall.items():
        c = statistics.median(cpu[(src, name)]) * 1000
        print(
            f"| {src} | {name} | {min(ts) * 1000:.1f} |"
            f" {statistics.median(ts) * 1000:.1f} | {c:.1f} |"
        )


if __name__ == "__main__":
    main()

"""CPU of CONCAT projections over a scan, in process: what per-row typing costs.

H2's CONCAT answers a row whose only non-NULL part is not a string with that
part, of its own type; embergrid computes such a row as a tagged value that the
cell encoder decodes in Python (``engine/sql/types.py``). A CONCAT of strings
must not pay for it: its SQLite expression has no Python call, and its cells
take the plain VARCHAR encoder. This runs each statement over a ``--rows`` row
table on an in-memory engine (no server, no socket) and encodes every cell as
the server would, keeping the best of ``--repeat`` runs of process CPU time
(which survives a loaded machine better than wall time).

To compare with another tree, run it twice, once with ``PYTHONPATH`` on that
tree's ``src`` (e.g. a ``git archive`` of the commit before).
"""

from __future__ import annotations

import argparse
import os
import time

from embergrid.engine import Engine

STATEMENTS = [
    "SELECT id, s FROM T",
    "SELECT CONCAT(s, '-', t) FROM T",
    "SELECT CONCAT(s, t) FROM T",
    "SELECT CONCAT(s, i) FROM T",
    "SELECT CONCAT(i, NULL) FROM T",
    "SELECT CONCAT(i, bi) FROM T",
    "SELECT CONCAT(d, NULL) FROM T",
]


def _engine(rows: int) -> Engine:
    e = Engine()
    e.sql.execute(
        "CREATE TABLE T (id INT PRIMARY KEY, s VARCHAR, t VARCHAR, i INT,"
        " bi BIGINT, d DECIMAL(10,2))"
    )
    for start in range(0, rows, 500):
        values = ", ".join(
            f"({j}, 's{j}', 't{j}', {j}, {j * 7}, {j}.25)"
            for j in range(start, min(start + 500, rows))
        )
        e.sql.execute(f"INSERT INTO T (id, s, t, i, bi, d) VALUES {values}")
    return e


def _cpu_ms(e: Engine, sql: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        r = e.sql.execute(sql)
        for row in r.rows:
            for encode, v in zip(r.encoders, row, strict=True):
                encode(v)
        best = min(best, time.process_time() - t0)
    return best * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    e = _engine(args.rows)
    print(f"load average {os.getloadavg()[0]:.2f}; {args.rows} rows; CPU ms, best")
    for sql in STATEMENTS:
        print(f"{_cpu_ms(e, sql, args.repeat):8.1f}  {sql}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

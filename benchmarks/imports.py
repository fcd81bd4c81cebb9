"""What importing embergrid costs: fresh interpreters, median wall time and modules.

Measures ``import embergrid``, ``import embergrid.protocol``, ``from embergrid
import Client`` and ``embergrid serve`` from process start to its first accepted
connection, each as the median over ``--runs`` fresh interpreters less the median of
a bare ``python -c pass``; with ``--src DIR`` the same for another source tree
(``PYTHONPATH=DIR``), the runs of both interleaved so that load on the machine
falls on both alike. Usage: ``python benchmarks/imports.py [--runs N] [--src DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

IMPORTS = {
    "import embergrid": "import embergrid",
    "import embergrid.protocol": "import embergrid.protocol",
    "from embergrid import Client": "from embergrid import Client",
}
_COUNT = "\nimport json, sys; print(json.dumps(len(sys.modules)))"


def _env(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    return env


def _run(code: str, src: str | None) -> tuple[float, int]:
    """Seconds a fresh interpreter takes to run ``code``; modules it loaded."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code + _COUNT],
        env=_env(src),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return time.perf_counter() - start, int(json.loads(out.splitlines()[-1]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(src: str | None) -> float:
    """Seconds from starting ``embergrid serve`` to its first accepted connection."""
    port = _free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "embergrid", "serve", "--port", str(port)],
        env=_env(src),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                return time.perf_counter() - start
            except OSError:
                time.sleep(0.001)
    finally:
        proc.kill()
        proc.wait()


def measure(trees: dict[str, str | None], runs: int) -> dict[str, dict[str, str]]:
    samples: dict[tuple[str, str], list[float]] = {}
    modules: dict[tuple[str, str], int] = {}
    for _ in range(runs):
        for tree, src in trees.items():
            bare, _ = _run("pass", src)
            samples.setdefault((tree, "python -c pass"), []).append(bare)
            for name, code in IMPORTS.items():
                seconds, count = _run(code, src)
                samples.setdefault((tree, name), []).append(seconds)
                modules[tree, name] = count
            samples.setdefault((tree, "serve"), []).append(_serve(src))
    table: dict[str, dict[str, str]] = {}
    for tree in trees:
        bare = statistics.median(samples[tree, "python -c pass"])
        row = table.setdefault(tree, {})
        for name in IMPORTS:
            ms = (statistics.median(samples[tree, name]) - bare) * 1000
            row[name] = f"{ms:.0f} ms, {modules[tree, name]} modules"
        serve = statistics.median(samples[tree, "serve"]) * 1000
        row["serve to first connection"] = f"{serve:.0f} ms"
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--src", help="another source tree to compare with")
    args = parser.parse_args()
    trees: dict[str, str | None] = {"this tree": str(Path(__file__).parents[1] / "src")}
    if args.src:
        trees = {"--src": args.src, **trees}
    for tree, row in measure(trees, args.runs).items():
        print(tree)
        for name, value in row.items():
            print(f"  {name:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

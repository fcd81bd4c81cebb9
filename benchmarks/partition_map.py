"""What the partition map costs and buys, in process (no server or socket).

Every figure comes from a child process running one source tree (this one, or
``--before-src DIR``: e.g. ``git archive <commit> src`` unpacked), so both
trees are measured in the same run, alternating, on a data dir (WAL,
``synchronous=NORMAL``: what nodes sharing a data dir run on). Int keys,
14-character string values. CPU is ``time.process_time`` of the child (it
survives load better than rates); each row keeps its best round. The load
average is printed with every round.

``writes`` (the default): ``put`` of a new key and of an existing one, and
``put_all`` of 1,000 new and existing keys, for about ``--seconds`` each, on
a cache nobody scanned by partition (``plain``: the same on both trees), and
on this tree only, on a cache scanned by partition (``map``: its map done) and
on one with an earlier version's partition index (``index``); CPU µs per
entry.

``--scan N``: a cache of N entries and two live members in the cluster (so
the earlier lazy index build is not allowed past 100,000 entries, and before
walks the cache). This tree: the first partition scan (makes the map, maps a
chunk, walks the rest), then the fill to the end, a chunk per
``Engine.fill_partition_maps`` (the clock moved past the pause in between:
no sleeping), with the longest call (one write transaction and its commit,
which may include a WAL checkpoint that holds no write lock) and the longest
chunk's statements inside the transaction (the write lock's hold but for the
commit), and their CPU; then scans of partition 7 (pages
of 1,024), CPU ms per scan. Before: the same scans (walks), and the index
build a lone node makes (one write transaction over every key).

Usage: ``python benchmarks/partition_map.py [--before-src DIR] [--rounds R]
[--seconds S] [--scan N] [--dir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "src"

_CHILD = textwrap.dedent(
    r"""
    import itertools, json, sys, time, uuid
    from embergrid.engine import Engine, FakeClock, Member
    from embergrid.protocol.binary.codec import encode

    args = json.loads(sys.argv[1])

    def key(i):
        return b"\x03" + i.to_bytes(4, "little", signed=True)

    def value(i):
        return encode(f"value-{i:08d}")

    def measure(op, seconds):
        n, cpu0, end = 0, time.process_time(), time.monotonic() + seconds
        while time.monotonic() < end:
            n += op()
        return (time.process_time() - cpu0) / n * 1e6

    def writes(engine, kind):
        cid = engine.caches.create(kind).cache_id
        h = engine.caches.handle(cid)
        if kind == "index":
            engine.store.conn.execute(
                f'CREATE INDEX "{h.table}_part" ON "{h.table}"'
                " (eg_partition(key, 1024), key)"
            )
        elif kind == "map":
            engine.entries.map_partitions(h, 0, 10**9, 0)
        fresh = itertools.count(10_000_000)
        blocks = itertools.count(100_000)
        engine.kv.put_all(cid, [(key(i), value(i)) for i in range(1000)])

        def put_new():
            i = next(fresh)
            engine.kv.put(cid, key(i), value(i))
            return 1

        def put_existing():
            engine.kv.put(cid, key(0), value(1))
            return 1

        def put_all_new():
            start = next(blocks) * 1000
            items = [(key(i), value(i)) for i in range(start, start + 1000)]
            engine.kv.put_all(cid, items)
            return 1000

        def put_all_existing():
            engine.kv.put_all(cid, [(key(i), value(i + 1)) for i in range(1000)])
            return 1000

        s = args["seconds"]
        return {
            "put new": measure(put_new, s),
            "put existing": measure(put_existing, s),
            "put_all 1,000 new": measure(put_all_new, s),
            "put_all 1,000 existing": measure(put_all_existing, s),
        }

    def scan_once(engine, cid):
        cpu0, t0 = time.process_time(), time.monotonic()
        cursor = engine.open_scan(cid, 1024, 7)
        n = 0
        while True:
            page, more = cursor.next_page()
            n += len(page)
            if not more:
                break
        return (time.process_time() - cpu0) * 1e3, (time.monotonic() - t0) * 1e3, n

    held = []  # seconds: each build step's statements, inside its write transaction

    def timed(fn):
        def wrapper(*a, **k):
            t0 = time.monotonic()
            try:
                return fn(*a, **k)
            finally:
                held.append(time.monotonic() - t0)
        return wrapper

    try:  # this tree: a chunk of the map
        from embergrid.engine import partition_map
        partition_map.fill = timed(partition_map.fill)
    except ImportError:  # before: the index build
        from embergrid.engine.store import Store
        Store.index_partitions = timed(Store.index_partitions)

    def scan(engine, clock):
        out = {}
        cid = engine.caches.create("big").cache_id
        n = args["scan"]
        for start in range(0, n, 50_000):
            stop = min(n, start + 50_000)
            engine.kv.put_all(cid, [(key(i), value(i)) for i in range(start, stop)])
        for name in ("a", "b"):
            engine.membership.join(Member(uuid.uuid4(), name), 600_000, clock.now_ms())
        first = scan_once(engine, cid)
        out["first scan cpu ms"], out["first scan wall ms"] = first[0], first[1]
        if hasattr(engine, "fill_partition_maps"):
            calls, cpu0, longest, longest_cpu = 0, time.process_time(), 0.0, 0.0
            while True:
                clock.advance(10**6)
                c0, t0 = time.process_time(), time.monotonic()
                more = engine.fill_partition_maps()
                longest = max(longest, time.monotonic() - t0)
                longest_cpu = max(longest_cpu, time.process_time() - c0)
                calls += 1
                if not more:
                    break
            out["fill chunks"] = calls
            out["fill cpu s"] = time.process_time() - cpu0
            out["longest fill call wall ms"] = longest * 1e3
            out["longest fill call cpu ms"] = longest_cpu * 1e3
            out["longest chunk in its transaction ms"] = max(held) * 1e3
        scans = [scan_once(engine, cid) for _ in range(args["rounds"])]
        out["scan cpu ms"] = min(s[0] for s in scans)
        out["scan wall ms"] = min(s[1] for s in scans)
        out["entries"] = scans[0][2]
        if not hasattr(engine, "fill_partition_maps"):  # before: a lone node's build
            for m in engine.membership.members()[1:]:
                engine.membership.leave(m.node_id)
            c0, t0 = time.process_time(), time.monotonic()
            scan_once(engine, cid)
            out["lone index build (scan) cpu ms"] = (time.process_time() - c0) * 1e3
            out["lone index build (scan) wall ms"] = (time.monotonic() - t0) * 1e3
            out["index build in its transaction ms"] = max(held) * 1e3
        return out

    clock = FakeClock()
    with Engine(clock, args["dir"]) as engine:
        if args["scan"]:
            result = scan(engine, clock)
        else:
            result = {kind: writes(engine, kind) for kind in args["kinds"]}
    print(json.dumps(result))
    """
)


def child(src: Path, args: dict[str, object]) -> dict[str, object]:
    with tempfile.TemporaryDirectory(dir=args["base"]) as d:  # type: ignore[arg-type]
        env = dict(os.environ, PYTHONPATH=str(src))
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps({**args, "dir": d})],
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=3600,
        )
    if out.returncode:
        raise SystemExit(f"{src}: {out.stderr}")
    result: dict[str, object] = json.loads(out.stdout.splitlines()[-1])
    return result


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before-src", type=Path)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--scan", type=int, default=0)
    p.add_argument("--dir", default=tempfile.gettempdir())
    opts = p.parse_args()
    trees = [("this", HERE)]
    if opts.before_src is not None:
        trees.append(("before", opts.before_src))
    args = {"seconds": opts.seconds, "scan": opts.scan, "base": opts.dir}
    if opts.scan:
        for name, src in trees:
            print(f"[load {load()}] {name}:", flush=True)
            result = child(src, {**args, "rounds": opts.rounds})
            for k, v in result.items():
                print(f"  {k}: {v:.1f}" if isinstance(v, float) else f"  {k}: {v}")
            print(f"  [load {load()}]", flush=True)
        return
    best: dict[tuple[str, str, str], float] = {}
    for r in range(opts.rounds):
        for name, src in trees:
            kinds = ["plain", "map", "index"] if name == "this" else ["plain"]
            result = child(src, {**args, "kinds": kinds})
            print(f"round {r + 1} {name} [load {load()}]: {result}", flush=True)
            for kind, rows in result.items():
                for row, us in rows.items():  # type: ignore[attr-defined]
                    k = (name, kind, row)
                    best[k] = min(best.get(k, us), us)
    print("\nCPU µs per entry, best round:")
    for (name, kind, row), us in sorted(best.items()):
        print(f"  {name:6s} {kind:6s} {row:24s} {us:6.1f}")


if __name__ == "__main__":
    main()

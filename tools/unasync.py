#!/usr/bin/env python3
"""Generate ``src/embergrid/client/sync/`` from ``src/embergrid/client/aio/``, and
``tests/client/sync/`` from ``tests/client/aio/``.

Owns the rename table that turns the asyncio shells (the source) into the blocking
ones, in the spirit of httpcore's ``scripts/unasync.py`` and psycopg's
``tools/async_to_sync.py``. ``_transport.py`` (and ``__init__.py``) are
handwritten on both sides and skipped. Besides the table:

* a line ending in ``# aio-only`` is dropped;
* a comment line ``# sync-only: CODE`` becomes ``CODE`` at the same indentation;
* the per-operation ``timeout`` of the asyncio cache API (``timeout: Timeout = 0``
  and the ``, timeout)`` that passes it on) is removed, as pyignite's sync API has none.

Usage: ``python tools/unasync.py`` writes the files; ``--check`` only reports stale
ones and exits 1 if any. Standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "embergrid" / "client" / "aio"
DST = ROOT / "src" / "embergrid" / "client" / "sync"
SKIP = frozenset({"_transport.py", "__init__.py"})
TESTS_SRC = ROOT / "tests" / "client" / "aio"
TESTS_DST = ROOT / "tests" / "client" / "sync"

RENAMES: tuple[tuple[str, str], ...] = (
    (r"\bAioClient\b", "Client"),
    (r"\bAioCache\b", "Cache"),
    (r"\bAioScanCursor\b", "ScanCursor"),
    (r"\bAioSqlFieldsCursor\b", "SqlFieldsCursor"),
    (r"\bAioSqlCursor\b", "SqlCursor"),
    (r"\bAioCursor\b", "Cursor"),
    (r"\bAioTransaction\b", "Transaction"),
    (r"\bAioCluster\b", "Cluster"),
    (r"\bAioContinuousQuery\b", "ContinuousQuery"),
    (r"\bAioTransport\b", "SyncTransport"),
    (r"\bAioConnection\b", "SyncConnection"),
    (r"\bembergrid\.client\.aio\b", "embergrid.client.sync"),
    (r"\bclient/aio/", "client/sync/"),
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\basyncio\b", "threading"),
    (r",\s*timeout: Timeout = 0", ""),
    (r",\s*timeout,?\s*\)", ")"),
)
TEST_RENAMES: tuple[tuple[str, str], ...] = (
    (r"\baio_client\b", "client"),  # the fixtures of tests/client/conftest.py
    (r"\btests/client/aio/", "tests/client/sync/"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in RENAMES)
_TEST_COMPILED = tuple((re.compile(p), r) for p, r in TEST_RENAMES)
_SYNC_ONLY = re.compile(r"^(\s*)# sync-only: (.*)$")


def _lines(text: str) -> str:
    out = []
    for line in text.splitlines():
        if line.rstrip().endswith("# aio-only"):
            continue
        m = _SYNC_ONLY.match(line)
        out.append(m.group(1) + m.group(2) if m else line)
    return "\n".join(out) + "\n"


def convert(text: str, name: str, where: str = "client/aio") -> str:
    """The sync twin of ``<where>/<name>``."""
    text = _lines(text)
    table = _COMPILED if where == "client/aio" else _TEST_COMPILED + _COMPILED
    for pattern, repl in table:
        text = pattern.sub(repl, text)
    header = f"# GENERATED from {where}/{name}: edit that file\n"
    return header + text


def targets() -> dict[Path, str]:
    out = {
        DST / src.name: convert(src.read_text(), src.name)
        for src in sorted(SRC.glob("*.py"))
        if src.name not in SKIP
    }
    for src in sorted(TESTS_SRC.glob("*.py")):
        out[TESTS_DST / src.name] = convert(
            src.read_text(), src.name, "tests/client/aio"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on stale files")
    args = parser.parse_args(argv)
    stale = [
        p for p, text in targets().items() if not p.exists() or p.read_text() != text
    ]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in targets().items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Apache Ignite Node.js thin client (apache-ignite-client 1.0.0) against embergrid.

Runs ``tools/nodejs/smoke.js`` with ``node`` against the session's embergrid server and
against the reference Ignite node (which proves the program itself is right), and
checks every JSON line it prints. Skips with the reason when node or the npm package
is missing; with ``EMBERGRID_REQUIRE_REFERENCE=1`` (CI installs both) that fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from _reference import REPO_ROOT, reference_required
from _targets import Target

pytestmark = pytest.mark.nodejs

NODEJS_DIR = REPO_ROOT / "tools" / "nodejs"
SMOKE = NODEJS_DIR / "smoke.js"
PACKAGE = NODEJS_DIR / "node_modules" / "apache-ignite-client" / "package.json"

EXPECTED: list[dict[str, Any]] = [
    {"step": "int", "value": 42},
    {"step": "double", "value": 2.5},
    {"step": "string", "value": "héllo 世界"},
    {"step": "bool", "value": True},
    {"step": "long", "value": 1234567890123},
    {"step": "int_array", "value": [1, -2, 3]},
    {"step": "string_array", "value": ["a", "b"]},
    {"step": "map", "value": [["x", 1], ["y", 2]]},
    {"step": "complex", "value": {"name": "Ann", "age": 33}},
    {"step": "get_all", "value": [[200, 2000], [201, 2010], [202, 2020]]},
    {"step": "size", "value": 12},
    {"step": "scan_keys", "value": [1, 2, 3, 4, 5, 6, 7, 8, 100, 200, 201, 202]},
]


def missing_nodejs() -> str | None:
    """Why the Node.js client cannot run here, or None."""
    if shutil.which("node") is None:
        return "`node` is not on PATH"
    if not PACKAGE.is_file():
        return f"{PACKAGE} is missing (run `npm install` in {NODEJS_DIR})"
    version = json.loads(PACKAGE.read_text())["version"]
    if version != "1.0.0":
        return f"apache-ignite-client {version} installed, 1.0.0 expected"
    return None


def run_smoke(host: str, port: int, cache_name: str) -> list[dict[str, Any]]:
    reason = missing_nodejs()
    if reason is not None:
        message = f"Node.js thin client unavailable: {reason}"
        if reference_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    done = subprocess.run(
        ["node", str(SMOKE), f"{host}:{port}", cache_name],
        capture_output=True,
        text=True,
        timeout=45,
        check=False,
        cwd=Path(NODEJS_DIR),
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode == 0, (lines[-1:], done.stderr[-2000:])
    return lines


def test_nodejs_client_put_get_getall_scan(target: Target, cache_name: str) -> None:
    lines = run_smoke(target.host, target.port, cache_name)
    assert lines == [*EXPECTED, {"step": "destroyed", "value": cache_name}]

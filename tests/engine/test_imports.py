"""The engine imports neither asyncio nor protocol messages (STYLE.md §2, §5)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import embergrid.engine

ENGINE_DIR = Path(embergrid.engine.__file__).parent
FORBIDDEN = (
    "asyncio",
    "embergrid.protocol.messages",
    "embergrid.server",
    "embergrid.client",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(ENGINE_DIR.glob("*.py")), ids=lambda p: p.name)
def test_engine_module_has_no_forbidden_import(path: Path) -> None:
    bad = {
        n for n in _imports(path) for f in FORBIDDEN if n == f or n.startswith(f + ".")
    }
    assert bad == set()
    assert "from __future__ import annotations" in path.read_text()

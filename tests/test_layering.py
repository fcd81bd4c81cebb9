"""Imports go one way (STYLE §2): a back-edge between layers fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "embergrid"

# layer -> embergrid packages it must not import
FORBIDDEN = {
    "protocol": (
        "embergrid.client",
        "embergrid.server",
        "embergrid.engine",
        "embergrid.cli",
    ),
    "engine": (
        "embergrid.client",
        "embergrid.server",
        "embergrid.cli",
        "embergrid.protocol.messages",
        "embergrid.protocol.connection",
    ),
    "client": ("embergrid.server", "embergrid.engine", "embergrid.cli"),
    "server": ("embergrid.client", "embergrid.cli"),
}
STDLIB_ONLY = ("protocol",)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _modules(layer: str) -> list[Path]:
    return sorted((SRC / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_downward(layer: str) -> None:
    bad = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if _within(name, FORBIDDEN[layer])
    ]
    assert bad == []


def test_protocol_uses_only_the_standard_library() -> None:
    import sys

    allowed = set(sys.stdlib_module_names) | {"embergrid"}
    bad = [
        f"{path.relative_to(SRC)} imports {name}"
        for layer in STDLIB_ONLY
        for path in _modules(layer)
        for name in _imports(path)
        if name.split(".")[0] not in allowed
        or _within(name, ("embergrid.client", "embergrid.server", "embergrid.engine"))
    ]
    assert bad == []


def test_every_module_has_a_docstring_and_future_annotations() -> None:
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if ast.get_docstring(tree) is None:
            missing.append(f"{path.relative_to(SRC)}: no docstring")
        futures = [
            n
            for n in tree.body
            if isinstance(n, ast.ImportFrom) and n.module == "__future__"
        ]
        if path.name != "__main__.py" and tree.body[1:] and not futures:
            missing.append(
                f"{path.relative_to(SRC)}: no 'from __future__ import annotations'"
            )
    assert missing == []

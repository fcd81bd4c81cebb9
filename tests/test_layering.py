"""Imports go one way (STYLE §2), and a module loads no more than it uses.

Two checks of the same rules: the import statements of every module (absolute and
relative, at any depth, also inside functions), and what a fresh interpreter holds
in ``sys.modules`` after importing one thing (``import embergrid``,
``embergrid.protocol``, the server up to its first accepted connection, ...).
"""

from __future__ import annotations

import ast
import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "embergrid"

CLIENT, SERVER, ENGINE, CLI = (
    "embergrid.client",
    "embergrid.server",
    "embergrid.engine",
    "embergrid.cli",
)
# package or module (relative to src/embergrid) -> what it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "protocol": (CLIENT, SERVER, ENGINE, CLI),
    "engine": (
        CLIENT,
        SERVER,
        CLI,
        "embergrid.protocol.messages",
        "embergrid.protocol.connection",
    ),
    "client": (SERVER, ENGINE, CLI),
    "server": (CLIENT, CLI),
    "datatypes": (CLIENT, SERVER, ENGINE, CLI),
    "monitoring.py": ("embergrid",),
    "_busy_poll.py": ("embergrid",),
    "errors.py": ("embergrid",),
    "exceptions.py": (CLIENT, SERVER, ENGINE, CLI, "embergrid.protocol"),
    "binary.py": (CLIENT, SERVER, ENGINE, CLI),
    # pyignite's module paths: re-exports of one shell (cursors and transaction
    # hold both, as pyignite's do)
    "aio_client.py": (SERVER, ENGINE, CLI, "embergrid.client.sync"),
    "aio_cache.py": (SERVER, ENGINE, CLI, "embergrid.client.sync"),
    "cache.py": (SERVER, ENGINE, CLI, "embergrid.client.aio"),
    "cluster.py": (SERVER, ENGINE, CLI, "embergrid.client.aio"),
    "cursors.py": (SERVER, ENGINE, CLI),
    "transaction.py": (SERVER, ENGINE, CLI),
    # the DB-API driver is a client (sync) of either server
    "dbapi.py": (SERVER, ENGINE, CLI, "embergrid.client.aio"),
    # the pytest plugin starts a node and connects clients (both lazily)
    "pytest_plugin.py": (ENGINE, CLI),
}
STDLIB_ONLY = ("protocol",)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, relative imports resolved to absolute names
    (``from . import x`` names the package and ``package.x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _modules(layer: str) -> list[Path]:
    path = SRC / layer
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


def test_every_package_and_top_level_module_has_rules() -> None:
    covered = {layer.split("/")[0] for layer in FORBIDDEN} | {
        "cli",  # the top layer: may import anything
        "__init__.py",  # checked at run time below
        "__main__.py",
    }
    present = {p.name for p in SRC.iterdir() if p.name != "py.typed"} - {"__pycache__"}
    assert present - covered == set()


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_downward(layer: str) -> None:
    bad = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if _within(name, FORBIDDEN[layer])
    ]
    assert bad == []


def test_relative_imports_are_resolved() -> None:
    """The statement check sees a back-edge written as a relative import."""
    probe = SRC / "protocol" / "framing.py"
    tree_names = _imports(probe)
    assert all(not n.startswith(".") for n in tree_names)
    fake = probe.with_name("_layering_probe.py")
    fake.write_text("from ..client import flows\nfrom . import codes\n")
    try:
        names = _imports(fake)
    finally:
        fake.unlink()
    assert "embergrid.client" in names
    assert "embergrid.client.flows" in names
    assert "embergrid.protocol.codes" in names


def test_protocol_uses_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"embergrid"}
    bad = [
        f"{path.relative_to(SRC)} imports {name}"
        for layer in STDLIB_ONLY
        for path in _modules(layer)
        for name in _imports(path)
        if name.split(".")[0] not in allowed or _within(name, (CLIENT, SERVER, ENGINE))
    ]
    assert bad == []


# -- at run time: what one import loads ---------------------------------------------


def _loaded_after(code: str) -> set[str]:
    """``sys.modules`` of a fresh interpreter after running ``code``."""
    script = code + "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def _offending(loaded: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if _within(m, packages))


def test_import_embergrid_loads_no_client_asyncio_or_ssl() -> None:
    loaded = _loaded_after("import embergrid")
    assert _offending(loaded, (CLIENT, SERVER, ENGINE, "asyncio", "ssl")) == []


def test_the_protocol_loads_no_client_asyncio_or_ssl() -> None:
    modules = sorted(_module_name(p) for p in _modules("protocol"))
    loaded = _loaded_after("\n".join(f"import {m}" for m in modules))
    assert set(modules) <= loaded
    bad = (CLIENT, SERVER, ENGINE, "asyncio", "ssl", "socket", "threading")
    assert _offending(loaded, bad) == []


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        ("from embergrid import Client", ("embergrid.client.aio", "asyncio")),
        ("from embergrid import AioClient", ("embergrid.client.sync",)),
        ("from embergrid import GenericObjectMeta", (CLIENT, "asyncio", "ssl")),
        ("import embergrid.datatypes", (CLIENT, SERVER, ENGINE, "asyncio", "ssl")),
        ("import embergrid.exceptions", (CLIENT, "embergrid.protocol", "asyncio")),
        ("import embergrid.monitoring", (CLIENT, "embergrid.protocol", "asyncio")),
        ("import embergrid.client.flows", ("embergrid.client.sync", "asyncio", "ssl")),
        ("import embergrid.cli", (CLIENT, SERVER, ENGINE, "asyncio")),
    ],
)
def test_an_import_loads_only_what_it_uses(
    statement: str, absent: tuple[str, ...]
) -> None:
    assert _offending(_loaded_after(statement), absent) == []


def test_the_public_names_still_resolve() -> None:
    loaded = _loaded_after(
        "import embergrid\n"
        "assert embergrid.Client.__name__ == 'Client'\n"
        "assert embergrid.AioClient.__name__ == 'AioClient'\n"
        "assert embergrid.errors.ReconnectError\n"
        "from embergrid.client import Client\n"
        "assert Client is embergrid.Client"
    )
    assert {"embergrid.client.sync.client", "embergrid.client.aio.client"} <= loaded


def test_embergrid_serve_loads_no_client_up_to_its_first_connection() -> None:
    """The real command in a fresh interpreter: once it accepted a connection, a
    thread of the same process lists what is loaded and ends the process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = textwrap.dedent(
        f"""
        import json, os, socket, sys, threading, time

        def probe():
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", {port}), 1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        os._exit(3)
                    time.sleep(0.05)
            time.sleep(0.2)  # the server's accept callback runs
            print(json.dumps(sorted(sys.modules)), flush=True)
            os._exit(0)

        threading.Thread(target=probe, daemon=True).start()
        from embergrid.cli import main
        main(["serve", "--port", "{port}"])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "embergrid.server" in loaded
    assert _offending(loaded, (CLIENT,)) == []


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

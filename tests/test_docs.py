"""The documentation site: it builds without a warning, and its server page
names every flag of ``embergrid serve`` (so the page cannot fall behind; a hidden
flag, such as ``--worker-of`` that only ``--workers`` passes, is not for users)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from embergrid.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent


def _serve_flags() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    serve = sub.choices["serve"]  # type: ignore[index]
    return [
        a.option_strings[-1]
        for a in serve._actions
        if a.option_strings and a.dest != "help" and a.help != argparse.SUPPRESS
    ]


def test_the_server_page_names_every_flag() -> None:
    page = (ROOT / "docs" / "site-src" / "server.md").read_text()
    missing = [flag for flag in _serve_flags() if f"`{flag}" not in page]
    assert missing == []


def test_the_site_builds_without_warnings(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "client" / "index.html").exists()

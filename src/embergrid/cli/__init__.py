"""The ``embergrid`` command line; see ``embergrid --help``."""

from __future__ import annotations

from embergrid.cli.main import main

__all__ = ["main"]

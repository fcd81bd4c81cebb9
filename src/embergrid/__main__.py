"""``python -m embergrid``: the same command line as the ``embergrid`` script."""

from __future__ import annotations

from embergrid.cli import main

raise SystemExit(main())

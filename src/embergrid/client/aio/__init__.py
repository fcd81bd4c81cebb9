"""The asyncio client shells (the source the sync shells are generated from)."""

from __future__ import annotations

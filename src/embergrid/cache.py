"""pyignite-compatible module path embergrid.cache: re-exports ``Cache``.

Owns nothing; the class lives in ``embergrid.client.sync.cache``.
"""

from __future__ import annotations

from embergrid.client.sync.cache import Cache

__all__ = ["Cache"]

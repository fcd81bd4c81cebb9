"""pyignite-compatible module path embergrid.aio_cache: re-exports ``AioCache``.

Owns nothing; the class lives in ``embergrid.client.aio.cache``.
"""

from __future__ import annotations

from embergrid.client.aio.cache import AioCache

__all__ = ["AioCache"]

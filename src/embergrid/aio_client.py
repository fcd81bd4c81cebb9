"""pyignite-compatible module path embergrid.aio_client: re-exports ``AioClient``.

Owns nothing; the class lives in ``embergrid.client.aio.client``.
"""

from __future__ import annotations

from embergrid.client.aio.client import AioClient

__all__ = ["AioClient"]

"""pyignite-compatible module path embergrid.cluster: re-exports ``Cluster``.

Owns nothing; the class lives in ``embergrid.client.sync.cluster``.
"""

from __future__ import annotations

from embergrid.client.sync.cluster import Cluster

__all__ = ["Cluster"]

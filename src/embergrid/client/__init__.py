"""The client: flows (``client.flows``), drivers and shells (``client.aio``,
``client.sync``).

Also the pyignite-compatible module path ``embergrid.client``: re-exports ``Client``.
Imports go one way: client -> protocol, never back.
"""

from __future__ import annotations

from embergrid.client.sync.client import Client

__all__ = ["Client"]

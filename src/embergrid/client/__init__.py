"""The client: flows (``client.flows``), drivers and shells (``client.aio``,
``client.sync``).

Also the pyignite-compatible module path ``embergrid.client``: re-exports ``Client``,
loaded when first used (so that importing one of the client's modules does not load
the blocking shell too). Imports go one way: client -> protocol, never back.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embergrid.client.sync.client import Client

__all__ = ["Client"]


def __getattr__(name: str) -> Any:
    if name != "Client":
        raise AttributeError(f"module 'embergrid.client' has no attribute {name!r}")
    value = importlib.import_module("embergrid.client.sync.client").Client
    globals()["Client"] = value
    return value

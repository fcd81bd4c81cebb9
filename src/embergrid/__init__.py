"""embergrid: an Apache Ignite 2.x compatible data grid.

The public API keeps pyignite's names: ``Client``, ``AioClient`` and
``GenericObjectMeta``; ``embergrid.datatypes``, ``embergrid.exceptions`` and
``embergrid.monitoring`` mirror pyignite's modules of the same names.

Nothing is imported until it is used (PEP 562 ``__getattr__``): ``import
embergrid.protocol`` or ``embergrid serve`` does not load the clients, asyncio or
ssl, and ``from embergrid import Client`` loads the blocking client only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embergrid import errors
    from embergrid.client.aio.client import AioClient
    from embergrid.client.flows.listen import CacheEvent, CacheEventType
    from embergrid.client.sync.client import Client
    from embergrid.protocol.binary.generic import GenericObjectMeta

__version__ = "0.1.0"
__all__ = [
    "AioClient",
    "CacheEvent",
    "CacheEventType",
    "Client",
    "GenericObjectMeta",
    "__version__",
    "errors",
]

_LAZY = {
    "AioClient": "embergrid.client.aio.client",
    "CacheEvent": "embergrid.client.flows.listen",
    "CacheEventType": "embergrid.client.flows.listen",
    "Client": "embergrid.client.sync.client",
    "GenericObjectMeta": "embergrid.protocol.binary.generic",
    "errors": "embergrid.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'embergrid' has no attribute {name!r}")
    value = importlib.import_module(module)
    if name != "errors":
        value = getattr(value, name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

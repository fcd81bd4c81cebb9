"""embergrid: an Apache Ignite 2.x compatible data grid.

The public API keeps pyignite's names: ``Client``, ``AioClient`` and
``GenericObjectMeta``; ``embergrid.datatypes``, ``embergrid.exceptions`` and
``embergrid.monitoring`` mirror pyignite's modules of the same names.
"""

from __future__ import annotations

from embergrid import errors
from embergrid.client.aio.client import AioClient
from embergrid.client.sync.client import Client
from embergrid.protocol.binary.generic import GenericObjectMeta

__version__ = "0.1.0"
__all__ = ["AioClient", "Client", "GenericObjectMeta", "__version__", "errors"]

"""embergrid: an Apache Ignite 2.x compatible data grid.

The public API keeps pyignite's names: ``Client``, ``AioClient`` and ``GenericObjectMeta``
arrive with the client issue; for now the package exposes its version and error tree.
"""

from __future__ import annotations

from embergrid import errors

__version__ = "0.1.0"
__all__ = ["__version__", "errors"]

"""Request handlers, one module per op family; importing this registers them all.

Each module registers plain functions with ``@handler(OpCode.X)`` from
``embergrid.server.dispatch``; a handler takes the ``Session`` and the decoded
request message and returns the response message (or raises ``EngineError``).
Handlers run inline on the event loop and call the engine synchronously.
Imports the engine, ``embergrid.protocol`` and the rest of ``embergrid.server``.
"""

from __future__ import annotations

from embergrid.server.handlers import (
    binary_type,
    cache,
    cache_config,
    cluster,
    cluster_group,
    continuous,
    general,
    partitions,
    query,
    sql,
    tx,
)

__all__ = [
    "binary_type",
    "cache",
    "cache_config",
    "cluster",
    "cluster_group",
    "continuous",
    "general",
    "partitions",
    "query",
    "sql",
    "tx",
]

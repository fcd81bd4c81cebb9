"""SQL on the engine: Ignite's dialect translated to SQLite (DDL, DML, queries).

Owns the ``embergrid.engine.sql`` package: ``SqlEngine`` (``execute.py``), the
table catalog (``catalog.py``), DDL (``ddl.py``), translation (``translate.py``),
row objects (``rows.py``), SQL types (``types.py``) and error texts
(``messages.py``). Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from embergrid.engine.sql.execute import RowStream, SqlEngine, SqlResult

__all__ = ["RowStream", "SqlEngine", "SqlResult"]

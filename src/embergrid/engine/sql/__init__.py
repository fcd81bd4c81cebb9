"""SQL on the engine: Ignite's dialect translated to SQLite (DDL, DML, queries).

Owns the ``embergrid.engine.sql`` package: ``SqlEngine`` (``execute.py``), the
table catalog (``catalog.py``), DDL (``ddl.py``), DML (``dml.py``), op 2002's
statements (``sqlquery.py``), translation of queries (``translate.py`` and the
modules it names: ``plan``, ``scope``, ``inference``, ``h2semantics``,
``sysrange``, ``roworder``, ``mapreduce``, ``aggsplit``), H2's optimizer,
values, functions and texts (``h2fold``, ``h2values``, ``h2functions``,
``h2text``), row objects (``rows.py``), SQL types (``types.py``) and error
texts (``messages.py``).
Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from embergrid.engine.sql.execute import RowStream, SplitQuery, SqlEngine, SqlResult

__all__ = ["RowStream", "SplitQuery", "SqlEngine", "SqlResult"]

"""pyignite-compatible module path ``embergrid.cursors``: re-exports the cursor
classes. Owns nothing."""

from __future__ import annotations

from embergrid.client.aio.cursors import AioScanCursor, AioSqlCursor, AioSqlFieldsCursor
from embergrid.client.sync.cursors import ScanCursor, SqlCursor, SqlFieldsCursor

__all__ = [
    "AioScanCursor",
    "AioSqlCursor",
    "AioSqlFieldsCursor",
    "ScanCursor",
    "SqlCursor",
    "SqlFieldsCursor",
]

"""Cursors over scan, SQL and SQL-fields results (the SOURCE shell).

Owns ``AioCursor`` and its three kinds. A cursor holds the flow that opens it and
the last ``flows.query.Page``; iterating yields the page's items and asks the next
page's flow when they run out; closing frees the server-side cursor. Async cursors
open on first use (``async with``, ``async for`` or ``await``); the generated sync
ones open on construction, as pyignite's do. ``client/sync/cursors.py`` is generated
from this file by ``tools/unasync.py``. Imports ``client.flows``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from embergrid.client._cache_info import CacheInfo
from embergrid.client.flows import query
from embergrid.client.flows._call import Flow
from embergrid.client.flows._state import ClientState

if TYPE_CHECKING:
    from embergrid.client.aio.client import AioClient

__all__ = ["AioCursor", "AioScanCursor", "AioSqlCursor", "AioSqlFieldsCursor"]

NextPage = Callable[[ClientState, query.Page], Flow[query.Page]]


class AioCursor:
    """Iterates over the pages of one server-side cursor."""

    _next_page: NextPage = staticmethod(query.scan_next)

    def __init__(
        self,
        client: AioClient,
        opening: Flow[query.Page],
        cache_info: CacheInfo | None = None,
    ) -> None:
        self._client = client
        self._cache_info = cache_info
        self._opening: Flow[query.Page] | None = opening
        self._page: query.Page | None = None
        self._index = 0
        self._closed = False
        # sync-only: self._open()

    @property
    def client(self) -> AioClient:
        """The client this cursor runs on."""
        return self._client

    @property
    def cache_info(self) -> CacheInfo | None:
        """Meta info of the cache this cursor reads (``cache_id`` 0 for an SQL
        query not bound to a cache)."""
        return self._cache_info

    @property
    def cursor_id(self) -> int | None:
        """The server-side cursor id (None before the first page)."""
        return self._page.cursor_id if self._page is not None else None

    @property
    def more(self) -> bool:
        """Whether the server holds more pages."""
        return self._page is not None and self._page.more

    @property
    def connection(self) -> object | None:
        """The connection this cursor is bound to."""
        return self._page.conn if self._page is not None else None

    @property
    def data(self) -> list[Any] | None:
        """The items of the current page."""
        return self._page.items if self._page is not None else None

    async def _open(self) -> None:
        if self._opening is not None:
            opening, self._opening = self._opening, None
            self._page = await self._client._run(opening)

    def __await__(self) -> Any:  # aio-only
        return self.__aenter__().__await__()  # aio-only

    async def __aenter__(self) -> AioCursor:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __aiter__(self) -> AioCursor:
        return self

    async def __anext__(self) -> Any:
        if self._opening is not None:
            await self._open()
        page = self._page
        if page is None or self._closed:
            raise StopAsyncIteration
        while self._index >= len(page.items):
            if not page.more:
                raise StopAsyncIteration
            page = self._page = await self._client._run(
                type(self)._next_page(self._client._state, page)
            )
            self._index = 0
        item = page.items[self._index]
        self._index += 1
        return item

    async def close(self) -> None:
        """Close the cursor, freeing it on the server if it still holds pages."""
        if self._opening is not None:
            self._opening.close()
            self._opening = None
        page = self._page
        if not self._closed and page is not None and page.more:
            self._closed = True  # ``cursor_close`` does nothing after the last page
            await self._client._run(query.cursor_close(page))
        self._closed = True


class AioScanCursor(AioCursor):
    """Scan query cursor: yields ``(key, value)`` pairs."""

    _next_page = staticmethod(query.scan_next)


class AioSqlCursor(AioCursor):
    """SQL query cursor (``select_row``): yields ``(key, value)`` pairs."""

    _next_page = staticmethod(query.sql_next)


class AioSqlFieldsCursor(AioCursor):
    """SQL fields query cursor: yields rows as lists (field names first, if asked)."""

    _next_page = staticmethod(query.sql_fields_next)

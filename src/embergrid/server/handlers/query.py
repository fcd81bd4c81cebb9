"""Handlers of scan queries: 2000 QUERY_SCAN and 2001 its next page (reference §7.5).

A scan opens an engine ``ScanCursor`` (optionally of one partition: a range
of the cache's partition map, which the cache's first partition scan makes on
a worker thread and the nodes fill in the background); the first page travels
with the new resource id. A partition number past the cache's partitions
(1024, or 512 for a REPLICATED cache) fails as on Ignite; a negative one scans
them all. A cursor that has
delivered its last page is released at once, so a later RESOURCE_CLOSE or
get-page for it answers 1011, as Ignite does. The ``local`` flag changes
nothing on a single node (it owns every partition). A filter object is
refused with status 1: it would be Java/.NET code.
Imports ``embergrid.protocol``, the engine and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import EngineError, ScanCursor
from embergrid.engine.partitions import partition_count
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.messages import query as m
from embergrid.protocol.messages._fields import NULL_OBJECT
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session
from embergrid.server.values import returned

__all__: list[str] = []  # handlers are reached through the registry


@handler(Op.QUERY_SCAN)
def scan(s: Session, r: m.ScanQuery) -> m.EntryCursorResponse:
    if r.filter != NULL_OBJECT:
        raise EngineError(StatusCode.FAILED, msgs.SCAN_FILTER_UNSUPPORTED)
    if r.page_size <= 0:
        raise EngineError(StatusCode.FAILED, msgs.invalid_page_size(r.page_size))
    if r.partition is not None:
        config = s.engine.caches.handle(r.prefix.cache_id).config
        if r.partition >= partition_count(config):
            raise EngineError(StatusCode.FAILED, msgs.invalid_partition(r.partition))
    s.check_cursor_room()
    cursor = s.engine.open_scan(
        r.prefix.cache_id, r.page_size, r.partition, in_tx=s.in_tx(r.prefix.tx_id)
    )
    page, has_more = _next_page(s, cursor)
    rid = s.new_resource_id()
    if has_more:
        s.cursors[rid] = cursor
    return m.EntryCursorResponse(rid, _out(page), has_more)


@handler(Op.QUERY_SCAN_CURSOR_GET_PAGE)
def scan_page(s: Session, r: m.ScanCursorGetPage) -> m.EntryPageResponse:
    cursor = s.cursor(r.cursor_id)
    page, has_more = _next_page(s, cursor)
    if not has_more:
        s.drop_cursor(r.cursor_id)
    return m.EntryPageResponse(_out(page), has_more)


def _next_page(
    s: Session, cursor: ScanCursor
) -> tuple[list[tuple[bytes, bytes]], bool]:
    """A page; one of a partition scan whose partition map is not done yet
    (made by the cache's first) is read on a worker thread."""
    if cursor.partition is None:
        return cursor.next_page()
    return s.off_loop(
        lambda engine, budget: cursor.next_page(
            engine.scan_source(cursor.cache_id), budget
        )
    )


def _out(page: list[tuple[bytes, bytes]]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((returned(k), returned(v)) for k, v in page)

"""Handler of the continuous-query op 2006 (reference §7.10).

Registers a ``Subscription`` (``server/continuous.py``) as a resource of the
connection: it counts against the cursor limit as on Ignite, RESOURCE_CLOSE and
the connection's end unsubscribe it. A remote filter is refused: a filter that
is no binary object with Ignite's own text, a binary one (a Java or .NET class)
because embergrid runs no such code. Imports ``embergrid.protocol.messages``,
the engine and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.engine import EngineError
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.messages._fields import NULL_OBJECT
from embergrid.protocol.messages.continuous import ContinuousQuery
from embergrid.protocol.messages.general import LongResponse
from embergrid.server import status_messages as msgs
from embergrid.server.dispatch import handler
from embergrid.server.session import Session

__all__: list[str] = []  # handlers are reached through the registry


def _refuse_filter(obj: bytes) -> None:
    if obj == NULL_OBJECT:
        return
    text = msgs.continuous_filter_not_binary(obj[0])
    raise EngineError(StatusCode.FAILED, text or msgs.CONTINUOUS_FILTER_UNSUPPORTED)


@handler(Op.QUERY_CONTINUOUS)
def query_continuous(s: Session, req: ContinuousQuery) -> LongResponse:
    _refuse_filter(req.filter)
    h = s.engine.caches.handle(req.prefix.cache_id)
    s.check_cursor_room()
    rid = s.new_resource_id()
    s.cursors[rid] = s.node.feed.subscribe(
        s.conn,
        rid,
        h.table,
        h.config,
        req.page_size,
        req.time_interval,
        req.include_expired,
        s.pusher,
    )
    return LongResponse(rid)

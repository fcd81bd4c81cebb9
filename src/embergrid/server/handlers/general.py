"""Handlers of the general ops: 0 RESOURCE_CLOSE, 1 HEARTBEAT, 2 GET_IDLE_TIMEOUT.

Imports ``embergrid.protocol.messages`` and ``embergrid.server``; never asyncio.
"""

from __future__ import annotations

from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import general as m
from embergrid.server.dispatch import handler
from embergrid.server.session import Session

__all__ = ["get_idle_timeout", "heartbeat", "resource_close"]


@handler(OpCode.RESOURCE_CLOSE)
def resource_close(s: Session, req: m.ResourceClose) -> m.EmptyResponse:
    """Close a cursor; status 1011 if the id is unknown or already released."""
    s.close_resource(req.resource_id)
    return m.EmptyResponse()


@handler(OpCode.HEARTBEAT)
def heartbeat(s: Session, req: m.Heartbeat) -> m.EmptyResponse:
    return m.EmptyResponse()


@handler(OpCode.GET_IDLE_TIMEOUT)
def get_idle_timeout(s: Session, req: m.GetIdleTimeout) -> m.GetIdleTimeoutResponse:
    """The node's idle timeout in milliseconds (``Limits.idle_timeout``; 0 = off,
    Ignite's default)."""
    return m.GetIdleTimeoutResponse(round(s.node.limits.idle_timeout * 1000))

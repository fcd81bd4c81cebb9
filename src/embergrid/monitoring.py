"""Client event listeners and events, with pyignite's ``pyignite.monitoring`` names.

Owns the event classes (handshake start/success/fail, authentication fail,
connection closed/lost, query start/success/fail), the two listener bases users
subclass (``ConnectionEventListener``, ``QueryEventListener``) and ``EventPublisher``,
which the drivers call. Events are delivered synchronously, as in pyignite; a
listener that raises is ignored. Imports nothing from embergrid but ``errors``.

Example::

    class QueryLogger(monitoring.QueryEventListener):
        def on_query_success(self, event):
            print(event.op_name, event.duration)

    client = Client(event_listeners=[QueryLogger()])
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

__all__ = [
    "AuthenticationFailedEvent",
    "ConnectionClosedEvent",
    "ConnectionEventListener",
    "ConnectionLostEvent",
    "EventPublisher",
    "HandshakeFailedEvent",
    "HandshakeStartEvent",
    "HandshakeSuccessEvent",
    "QueryEventListener",
    "QueryFailEvent",
    "QueryStartEvent",
    "QuerySuccessEvent",
]


class _BaseEvent:
    """An immutable record of something that happened; fields are attributes."""

    _fields: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        for name in self._fields:
            object.__setattr__(self, name, kwargs.get(name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        body = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({body})"


class HandshakeStartEvent(_BaseEvent):
    """A handshake with ``host:port`` started."""

    _fields = ("host", "port", "protocol_context")


class HandshakeFailedEvent(_BaseEvent):
    """The handshake failed; ``error_msg`` says why."""

    _fields = ("host", "port", "protocol_context", "error_msg")


class AuthenticationFailedEvent(HandshakeFailedEvent):
    """The server refused the credentials."""


class HandshakeSuccessEvent(_BaseEvent):
    """The handshake succeeded; ``node_uuid`` is the server node's id."""

    _fields = ("host", "port", "protocol_context", "node_uuid")


class ConnectionClosedEvent(_BaseEvent):
    """The client closed the connection."""

    _fields: tuple[str, ...] = ("host", "port", "node_uuid")


class ConnectionLostEvent(ConnectionClosedEvent):
    """The connection broke; ``error_msg`` says how."""

    _fields: tuple[str, ...] = ("host", "port", "node_uuid", "error_msg")


class QueryStartEvent(_BaseEvent):
    """A request was sent."""

    _fields = ("host", "port", "node_uuid", "query_id", "op_code", "op_name")


class QuerySuccessEvent(_BaseEvent):
    """A request succeeded after ``duration`` milliseconds."""

    _fields = (
        "host",
        "port",
        "node_uuid",
        "query_id",
        "op_code",
        "op_name",
        "duration",
    )


class QueryFailEvent(_BaseEvent):
    """A request failed after ``duration`` milliseconds with ``err_msg`` (pyignite's
    name for this event's field; the connection events call it ``error_msg``)."""

    _fields = (
        "host",
        "port",
        "node_uuid",
        "query_id",
        "op_code",
        "op_name",
        "duration",
        "err_msg",
    )


class _EventListener:
    pass


class ConnectionEventListener(_EventListener):
    """Base class for connection event listeners; override what you need."""

    def on_handshake_start(self, event: HandshakeStartEvent) -> None:
        """Handle handshake start event."""

    def on_handshake_success(self, event: HandshakeSuccessEvent) -> None:
        """Handle handshake success event."""

    def on_handshake_fail(self, event: HandshakeFailedEvent) -> None:
        """Handle handshake failed event."""

    def on_authentication_fail(self, event: AuthenticationFailedEvent) -> None:
        """Handle authentication failed event."""

    def on_connection_closed(self, event: ConnectionClosedEvent) -> None:
        """Handle connection closed event."""

    def on_connection_lost(self, event: ConnectionLostEvent) -> None:
        """Handle connection lost event."""


class QueryEventListener(_EventListener):
    """Base class for query event listeners; override what you need."""

    def on_query_start(self, event: QueryStartEvent) -> None:
        """Handle query start event."""

    def on_query_success(self, event: QuerySuccessEvent) -> None:
        """Handle query success event."""

    def on_query_fail(self, event: QueryFailEvent) -> None:
        """Handle query fail event."""


_HANDLERS: dict[type[_BaseEvent], tuple[type[_EventListener], str]] = {
    HandshakeStartEvent: (ConnectionEventListener, "on_handshake_start"),
    HandshakeSuccessEvent: (ConnectionEventListener, "on_handshake_success"),
    HandshakeFailedEvent: (ConnectionEventListener, "on_handshake_fail"),
    AuthenticationFailedEvent: (ConnectionEventListener, "on_authentication_fail"),
    ConnectionClosedEvent: (ConnectionEventListener, "on_connection_closed"),
    ConnectionLostEvent: (ConnectionEventListener, "on_connection_lost"),
    QueryStartEvent: (QueryEventListener, "on_query_start"),
    QuerySuccessEvent: (QueryEventListener, "on_query_success"),
    QueryFailEvent: (QueryEventListener, "on_query_fail"),
}


class EventPublisher:
    """Delivers events to the listeners a client was created with."""

    def __init__(self, listeners: Sequence[Any] | None) -> None:
        self._connection = [
            x for x in listeners or () if isinstance(x, ConnectionEventListener)
        ]
        self._query = [x for x in listeners or () if isinstance(x, QueryEventListener)]

    @property
    def queries(self) -> bool:
        """Whether anyone listens to query events (the drivers skip them if not)."""
        return bool(self._query)

    def publish(self, event_type: type[_BaseEvent], **fields: Any) -> None:
        kind, method = _HANDLERS[event_type]
        targets = self._query if kind is QueryEventListener else self._connection
        if not targets:
            return
        event = event_type(**fields)
        for listener in targets:
            with contextlib.suppress(Exception):  # a listener never breaks a call
                getattr(listener, method)(event)

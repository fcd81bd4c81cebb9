"""The op code -> handler registry (fakeredis ``@command`` style, STYLE §5).

Owns ``handler`` (the decorator every ``server/handlers/<family>.py`` function
is registered with), ``HANDLERS`` and ``routes()``: op code -> (decode request
body, handler, encode response body), joined with the message codecs of
``embergrid.protocol.messages.registry``. Imports only ``embergrid.protocol``;
the handler modules import this one, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages.registry import REQUESTS, RESPONSES, Decoder, Encoder

if TYPE_CHECKING:
    from embergrid.server.session import Session

__all__ = ["HANDLERS", "Handler", "Route", "handler", "routes"]

# Any: each handler takes its own request message class and returns its own
# response class; the table is keyed by op code, as registry.REQUESTS is.
Handler = Callable[["Session", Any], Any]
Route = tuple[Decoder, Handler, Encoder]
H = TypeVar("H", bound=Handler)

HANDLERS: dict[int, Handler] = {}
_routes: dict[int, Route] = {}


def handler(op: OpCode) -> Callable[[H], H]:
    """Register the decorated function as the handler of ``op``."""

    def register(fn: H) -> H:
        if op in HANDLERS:
            raise RuntimeError(f"two handlers for {op.name}")
        HANDLERS[int(op)] = fn
        _routes.clear()
        return fn

    return register


def routes() -> dict[int, Route]:
    """Op code -> (request decoder, handler, response encoder) for every handler."""
    if not _routes:
        import embergrid.server.handlers  # noqa: F401  (registers every family)

        for op, fn in HANDLERS.items():
            key = OpCode(op)
            _routes[op] = (REQUESTS[key][0], fn, RESPONSES[key][1])
    return _routes

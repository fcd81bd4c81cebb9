"""A raw thin-client connection for differential tests of ops pyignite does not expose.

Owns ``Wire``: tests/server/_wire.py's ``RawSocket`` (our sans-IO ``ClientConnection``
on a blocking socket) sending one request message (encoded by ``registry.REQUESTS``)
or raw body bytes and returning a comparable ``("ok", decoded response)`` or
``("error", status, message)``. Used
against embergrid and the reference node alike, so the comparison sees exactly what
each server put on the wire.
"""

from __future__ import annotations

from typing import Any

from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.connection import Response
from embergrid.protocol.messages.registry import REQUESTS, RESPONSES
from server._wire import RawSocket

# Bits 1..17: everything the reference node echoes except USER_ATTRIBUTES (bit 0
# would need an attribute map) and TX_AWARE_QUERIES (it has no SQL engine).
FEATURES = ProtocolFeature(((1 << 18) - 1) & ~1)

Result = tuple[Any, ...]


class Wire:
    """One connection; ``call`` sends a request and returns its comparable result."""

    def __init__(
        self,
        address: tuple[str, int],
        features: ProtocolFeature = FEATURES,
        timeout: float = 30.0,
    ) -> None:
        self._socket = RawSocket(address, timeout)
        self._socket.handshake(features)
        self.sock, self.conn = self._socket.sock, self._socket.conn
        self.last_topo = False  # did the last response carry a new topology version

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()

    def raw(self, op: int, body: bytes = b"") -> Response:
        """Send ``body`` as op ``op``; the response, body undecoded."""
        event = self._socket.call(op, body)
        self.last_topo = event.header.topology_version is not None
        return event

    def call_raw(self, op: int, body: bytes = b"") -> Result:
        """Like ``call`` for a body built by hand; an ok answer's body stays bytes."""
        resp = self.raw(op, body)
        if not resp.header.ok:
            return ("error", resp.header.status, resp.header.message)
        return ("ok", bytes(resp.body))

    def call(self, op: OpCode, msg: Any) -> Result:
        """Send ``msg`` as op ``op``: ("ok", decoded response) or ("error", status,
        message)."""
        ctx = self.conn.context
        resp = self.raw(op, REQUESTS[op][1](msg, ctx))
        if not resp.header.ok:
            return ("error", resp.header.status, resp.header.message)
        return ("ok", RESPONSES[op][0](resp.body, ctx))

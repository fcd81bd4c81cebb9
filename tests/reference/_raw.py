"""Raw thin-client bytes for fact-finding against the reference node.

Owns: a tiny blocking socket helper (handshake, one request, header parsing) used by the
reference tests to see exactly what Ignite 2.18 sends. Deliberately independent of
embergrid: it must not import ``embergrid`` (it checks our assumptions, not our code).
"""

from __future__ import annotations

import socket
import struct
import uuid
from dataclasses import dataclass

HANDSHAKE_OP = 1
THIN_CLIENT = 2
TYPE_STRING = 9
TYPE_BYTE_ARRAY = 12
TYPE_UUID = 10
TYPE_NULL = 101
FLAG_ERROR = 0x1
FLAG_TOPOLOGY = 0x2


def string(text: str) -> bytes:
    """A typed Ignite String (code 9, i32 byte length, UTF-8)."""
    data = text.encode()
    return struct.pack("<bi", TYPE_STRING, len(data)) + data


def read_exact(sock: socket.socket, n: int) -> bytes:
    """Read exactly ``n`` bytes or raise EOFError."""
    chunks = bytearray()
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            raise EOFError(f"socket closed after {len(chunks)} of {n} bytes")
        chunks += chunk
    return bytes(chunks)


def read_frame(sock: socket.socket) -> bytes:
    """One length-prefixed frame, without its length."""
    (length,) = struct.unpack("<i", read_exact(sock, 4))
    return read_exact(sock, length)


def send_frame(sock: socket.socket, payload: bytes) -> None:
    """Send ``payload`` with its i32 length prefix."""
    sock.sendall(struct.pack("<i", len(payload)) + payload)


def handshake_request(version: tuple[int, int, int], features: bytes | None) -> bytes:
    """Handshake payload; ``features`` is the bitmask (>= 1.7.0 only)."""
    body = struct.pack("<bhhhb", HANDSHAKE_OP, *version, THIN_CLIENT)
    if features is not None:
        body += struct.pack("<bi", TYPE_BYTE_ARRAY, len(features)) + features
    return body


def parse_uuid(raw: bytes) -> uuid.UUID:
    """Ignite's UUID layout: Java's msb then lsb, each an i64 written little-endian."""
    msb, lsb = struct.unpack("<qq", raw)
    return uuid.UUID(int=((msb & (2**64 - 1)) << 64) | (lsb & (2**64 - 1)))


@dataclass(frozen=True, slots=True)
class HandshakeReply:
    """A decoded handshake response."""

    success: bool
    features: bytes | None = None
    node_id: uuid.UUID | None = None
    server_version: tuple[int, int, int] | None = None
    message: str | None = None
    status: int | None = None


def parse_string(payload: bytes, pos: int) -> tuple[str | None, int]:
    """A typed String or NULL at ``pos``; returns (value, next position)."""
    code = payload[pos]
    if code == TYPE_NULL:
        return None, pos + 1
    assert code == TYPE_STRING, f"type code {code} is not a String"
    (n,) = struct.unpack_from("<i", payload, pos + 1)
    return payload[pos + 5 : pos + 5 + n].decode(), pos + 5 + n


def parse_handshake_reply(payload: bytes) -> HandshakeReply:
    """Decode success (features + node UUID, 1.7.0 layout) or failure."""
    if payload[0] == 1:
        assert payload[1] == TYPE_BYTE_ARRAY
        (n,) = struct.unpack_from("<i", payload, 2)
        features = payload[6 : 6 + n]
        pos = 6 + n
        assert payload[pos] == TYPE_UUID
        node = parse_uuid(payload[pos + 1 : pos + 17])
        return HandshakeReply(True, features=features, node_id=node)
    version = struct.unpack_from("<hhh", payload, 1)
    message, pos = parse_string(payload, 7)
    status = struct.unpack_from("<i", payload, pos)[0] if pos < len(payload) else None
    return HandshakeReply(False, server_version=version, message=message, status=status)


@dataclass(frozen=True, slots=True)
class Reply:
    """A decoded >= 1.4.0 response header plus the raw body."""

    request_id: int
    flags: int
    topology: tuple[int, int] | None
    status: int
    message: str | None
    body: bytes
    raw: bytes


def parse_reply(payload: bytes) -> Reply:
    """Split a response frame into header fields and body."""
    request_id, flags = struct.unpack_from("<qh", payload, 0)
    pos = 10
    topology = None
    if flags & FLAG_TOPOLOGY:
        topology = struct.unpack_from("<qi", payload, pos)
        pos += 12
    status, message = 0, None
    if flags & FLAG_ERROR:
        (status,) = struct.unpack_from("<i", payload, pos)
        message, pos = parse_string(payload, pos + 4)
    return Reply(request_id, flags, topology, status, message, payload[pos:], payload)


class RawConnection:
    """One blocking socket to the node, after a successful 1.7.0 handshake."""

    def __init__(self, host: str, port: int, features: bytes = b"\x04") -> None:
        self.sock = socket.create_connection((host, port), timeout=10)
        send_frame(self.sock, handshake_request((1, 7, 0), features))
        self.handshake = parse_handshake_reply(read_frame(self.sock))
        assert self.handshake.success, self.handshake

    def request(self, op: int, request_id: int, body: bytes = b"") -> Reply:
        """Send one request and read the next frame as its reply."""
        send_frame(self.sock, struct.pack("<hq", op, request_id) + body)
        return parse_reply(read_frame(self.sock))

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


def sql_fields_body(
    query: str, *, page_size: int = 1024, include_names: bool = True
) -> bytes:
    """OP_QUERY_SQL_FIELDS body as pyignite's Client.sql() sends it (cache 0)."""
    return (
        struct.pack("<ib", 0, 0)
        + string("PUBLIC")
        + struct.pack("<ii", page_size, -1)
        + string(query)
        + struct.pack("<i", 0)  # no arguments
        + struct.pack("<b", 0)  # statement type ANY
        + bytes(
            6
        )  # distributed joins, local, replicated only, join order, collocated, lazy
        + struct.pack("<q", 0)  # timeout
        + struct.pack("<?", include_names)
    )

"""Raw handshakes and frames for the authentication and TLS tests, on either target.

Owns: building a thin-client handshake of any version with or without credentials,
sending frames over a plain or TLS socket and reading what comes back as a
comparable *outcome*: ``("ok",)``, ``("refused", status, message, version)`` or
``("closed",)``. Deliberately independent of embergrid (it must not import it): the
same bytes go to embergrid and to the reference node.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
from collections.abc import Iterator

__all__ = [
    "Outcome",
    "connect",
    "handshake",
    "handshake_payload",
    "op_frame",
    "read_outcome",
    "send",
]

Outcome = tuple[object, ...]
THIN = 2
TIMEOUT_S = 10.0


def _string(text: str | None) -> bytes:
    if text is None:
        return b"\x65"  # NULL
    data = text.encode()
    return struct.pack("<bi", 9, len(data)) + data


def handshake_payload(
    version: tuple[int, int, int] = (1, 7, 0),
    username: str | None = None,
    password: str | None = None,
    *,
    credentials: bool | None = None,
    client_type: int = THIN,
) -> bytes:
    """A handshake payload; credentials go on the wire when either is given
    (or ``credentials`` says so: both NULL), for versions >= 1.1.0."""
    body = struct.pack("<bhhhb", 1, *version, client_type)
    if version >= (1, 7, 0):
        body += struct.pack("<bi", 12, 1) + b"\x04"  # features: bit 2, no attributes
    if credentials is None:
        credentials = username is not None or password is not None
    if credentials and version >= (1, 1, 0):
        body += _string(username) + _string(password)
    return body


def op_frame(op: int, request_id: int = 1, body: bytes = b"") -> bytes:
    """A request payload: op code, request id, body."""
    return struct.pack("<hq", op, request_id) + body


def frame(payload: bytes) -> bytes:
    return struct.pack("<i", len(payload)) + payload


@contextlib.contextmanager
def connect(
    address: tuple[str, int], tls: ssl.SSLContext | None = None
) -> Iterator[socket.socket]:
    """A socket to ``address`` (TLS-wrapped when ``tls`` is given)."""
    sock = socket.create_connection(address, timeout=TIMEOUT_S)
    try:
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=None)
        yield sock
    finally:
        sock.close()


def send(sock: socket.socket, *payloads: bytes) -> None:
    """Send frames in one write (pipelined)."""
    sock.sendall(b"".join(frame(p) for p in payloads))


def _read_exact(sock: socket.socket, n: int) -> bytes | None:
    data = bytearray()
    while len(data) < n:
        try:
            chunk = sock.recv(n - len(data))
        except (ConnectionResetError, ssl.SSLError):
            return None
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def read_frame(sock: socket.socket) -> bytes | None:
    """One frame's payload, or None if the socket closed first."""
    head = _read_exact(sock, 4)
    if head is None:
        return None
    return _read_exact(sock, struct.unpack("<i", head)[0])


def _read_string(p: bytes, pos: int) -> tuple[str | None, int]:
    if p[pos] == 0x65:
        return None, pos + 1
    (n,) = struct.unpack_from("<i", p, pos + 1)
    return p[pos + 5 : pos + 5 + n].decode(), pos + 5 + n


def read_outcome(sock: socket.socket) -> Outcome:
    """What the server answered a handshake: ok, refused (with its fields), closed."""
    p = read_frame(sock)
    if p is None:
        return ("closed",)
    if p[0] == 1:
        return ("ok",)
    version = struct.unpack_from("<hhh", p, 1)
    message, pos = _read_string(p, 7)
    status = struct.unpack_from("<i", p, pos)[0] if pos < len(p) else None
    return ("refused", status, message, version)


def handshake(
    address: tuple[str, int],
    payload: bytes,
    tls: ssl.SSLContext | None = None,
) -> Outcome:
    """The outcome of one handshake on a fresh connection."""
    with connect(address, tls) as sock:
        send(sock, payload)
        return read_outcome(sock)


def closed_after(sock: socket.socket) -> bool:
    """Whether the server closes the socket (reading nothing more from it)."""
    return read_frame(sock) is None

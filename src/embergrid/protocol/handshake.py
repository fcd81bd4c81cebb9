"""Protocol versions, the feature bitmask and the handshake (reference §3).

Owns ``ProtocolVersion`` and ``SUPPORTED_VERSIONS`` (1.0.0-1.7.0), the java.util.BitSet
encoding of ``ProtocolFeature``, the handshake request, its success and failure
responses (encode and decode of each, payloads without the i32 frame length), the
server-side negotiation rule ``negotiate`` and the client-side ``fallback_version``.
Typed ``Str``, ``ByteArr`` and ``UUIDt`` fields come from ``messages._fields``;
``read_str``/``write_str`` are re-exported here for ``protocol.headers``. Standard
library only; imports ``embergrid.errors`` and ``embergrid.protocol`` (``codes``,
``wire``, ``binary.span``, ``messages._fields``); never the client or the server.

Theory of operation: the layout of every handshake message depends on a version.
The request carries its own; a response is laid out according to the version the
*client proposed* (the success body by that version, because success means the server
took it; the failure status field only if it is >= 1.1.0), so
``decode_handshake_response`` takes that version as an argument.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from embergrid.errors import ParseError
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.codes import ClientType, ProtocolFeature, StatusCode, TypeCode
from embergrid.protocol.messages._fields import (
    NULL_OBJECT,
    read_byte_array,
    read_count,
    read_str,
    read_uuid,
    write_byte_array,
    write_str,
    write_uuid,
)
from embergrid.protocol.wire import Buffer, Reader, Writer

__all__ = [
    "AUTH_FAILED_MESSAGE",
    "HANDSHAKE_OP",
    "LATEST_VERSION",
    "SUPPORTED_VERSIONS",
    "UNAUTHENTICATED_MESSAGE",
    "Authenticator",
    "HandshakeFailure",
    "HandshakeRequest",
    "HandshakeResponse",
    "HandshakeSuccess",
    "ProtocolVersion",
    "auth_failure",
    "decode_features",
    "decode_handshake_request",
    "decode_handshake_response",
    "decode_string_map",
    "encode_features",
    "encode_handshake_request",
    "encode_handshake_response",
    "encode_string_map",
    "fallback_version",
    "negotiate",
    "read_str",
    "write_str",
]

HANDSHAKE_OP = 1
_SUCCESS = 1
_FAILURE = 0
_HASH_MAP_KIND = 1

# Ignite < 2.9's text for a handshake without credentials (the seed quotes it);
# Ignite 2.18 answers every refused login with AUTH_FAILED_MESSAGE instead.
UNAUTHENTICATED_MESSAGE = "Unauthenticated sessions are prohibited."
AUTH_FAILED_MESSAGE = "The user name or password is incorrect"


class ProtocolVersion(NamedTuple):
    """A thin-client protocol version; tuples compare lexicographically."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


V1_0_0 = ProtocolVersion(1, 0, 0)
V1_1_0 = ProtocolVersion(1, 1, 0)
V1_4_0 = ProtocolVersion(1, 4, 0)
V1_7_0 = ProtocolVersion(1, 7, 0)
SUPPORTED_VERSIONS: tuple[ProtocolVersion, ...] = tuple(
    ProtocolVersion(1, minor, 0) for minor in range(8)
)
"""Every version an Ignite 2.x server accepts, oldest first."""
LATEST_VERSION = V1_7_0
_NO_VERSION = ProtocolVersion(0, 0, 0)
_NO_FEATURES = ProtocolFeature(0)


# -- feature bitmask (§3.5) ----------------------------------------------------


def encode_features(features: int) -> bytes:
    """java.util.BitSet bytes: bit i in byte i // 8; trailing zero bytes dropped."""
    if features < 0:
        raise ValueError("feature set must be non-negative")
    return features.to_bytes((features.bit_length() + 7) // 8, "little")


def decode_features(data: Buffer) -> ProtocolFeature:
    """Inverse of ``encode_features``; unknown bits are kept (negotiate drops them)."""
    return ProtocolFeature(int.from_bytes(data, "little"))


def _write_features(w: Writer, features: int) -> None:
    write_byte_array(w, encode_features(features))


def _read_features(r: Reader) -> ProtocolFeature:
    """A typed byte[] of feature bits; NULL means none."""
    return decode_features(read_byte_array(r) or b"")


# -- user attributes: a typed Map of Strings -----------------------------------


def encode_string_map(attrs: dict[str, str]) -> bytes:
    """A typed HashMap data object (code 25, kind 1) of String keys and values."""
    w = Writer()
    w.u8(TypeCode.MAP)
    w.i32(len(attrs))
    w.i8(_HASH_MAP_KIND)
    for key, value in attrs.items():
        write_str(w, key)
        write_str(w, value)
    return w.getvalue()


def decode_string_map(data: Buffer) -> dict[str | None, str | None] | None:
    """Read a typed Map (or NULL) whose keys and values are all Strings or NULL."""
    r = Reader(data)
    code = r.u8()
    result: dict[str | None, str | None] | None = None
    if code == TypeCode.NULL:
        pass
    elif code != TypeCode.MAP:
        raise ParseError(f"expected a Map (25) or NULL (101), got type code {code}")
    else:
        count = read_count(r, 2)  # each entry: two typed Str, at least 1 byte each
        r.i8()  # map kind
        result = {}
        for _ in range(count):
            key = read_str(r)
            result[key] = read_str(r)
    if r.remaining():
        raise ParseError("trailing bytes after the attribute map")
    return result


# -- request (§3.1) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandshakeRequest:
    """The first frame a client sends.

    ``features`` is sent only for versions >= 1.7.0; ``user_attributes`` holds the raw
    Map data object bytes (or ``None``) and goes on the wire exactly when the version is
    >= 1.7.0 and ``features`` has USER_ATTRIBUTES (a missing map is then sent as NULL).
    Credentials go on the wire (both fields) when either is set and version >= 1.1.0.
    """

    version: ProtocolVersion = LATEST_VERSION
    client_type: int = ClientType.THIN
    features: ProtocolFeature = _NO_FEATURES
    user_attributes: bytes | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never printed


def _has_attributes(version: ProtocolVersion, features: int) -> bool:
    return version >= V1_7_0 and bool(features & ProtocolFeature.USER_ATTRIBUTES)


def encode_handshake_request(req: HandshakeRequest) -> bytes:
    """The request payload (without the i32 frame length)."""
    w = Writer()
    w.u8(HANDSHAKE_OP)
    for part in req.version:
        w.i16(part)
    w.u8(req.client_type)
    if req.version >= V1_7_0:
        _write_features(w, req.features)
    if _has_attributes(req.version, req.features):
        w.raw(req.user_attributes if req.user_attributes is not None else NULL_OBJECT)
    if req.version >= V1_1_0 and (req.username is not None or req.password is not None):
        write_str(w, req.username)
        write_str(w, req.password)
    return w.getvalue()


def decode_handshake_request(payload: Buffer) -> HandshakeRequest:
    """Parse a handshake payload; only the thin-client tail is interpreted."""
    r = Reader(payload)
    op = r.u8()
    if op != HANDSHAKE_OP:
        raise ParseError(f"expected a handshake (1), got first byte {op}")
    version = ProtocolVersion(r.i16(), r.i16(), r.i16())
    client_type = r.u8()
    if client_type != ClientType.THIN:
        return HandshakeRequest(version, client_type)
    features = _read_features(r) if version >= V1_7_0 else ProtocolFeature(0)
    attrs = None
    if _has_attributes(version, features):
        end = object_end(r.buf, r.pos)
        attrs = r.bytes(end - r.pos)
    username = password = None
    if version >= V1_1_0 and r.remaining() > 0:
        username = read_str(r)
        password = read_str(r)
    return HandshakeRequest(version, client_type, features, attrs, username, password)


# -- responses (§3.2, §3.3) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandshakeSuccess:
    """Accepted: ``features`` present iff version >= 1.7.0, ``node_id`` iff >= 1.4.0."""

    features: ProtocolFeature | None = None
    node_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class HandshakeFailure:
    """Refused: the version the server would take, a message, and (for clients that
    proposed >= 1.1.0) a status code."""

    server_version: ProtocolVersion
    message: str | None
    status: int | None = None


HandshakeResponse = HandshakeSuccess | HandshakeFailure


def encode_handshake_response(
    resp: HandshakeResponse, version: ProtocolVersion
) -> bytes:
    """Payload of the answer to a client that proposed ``version``."""
    w = Writer()
    if isinstance(resp, HandshakeSuccess):
        w.u8(_SUCCESS)
        if version >= V1_7_0:
            _write_features(w, resp.features or 0)
        if version >= V1_4_0:
            write_uuid(w, resp.node_id)
        return w.getvalue()
    w.u8(_FAILURE)
    for part in resp.server_version:
        w.i16(part)
    write_str(w, resp.message)
    if version >= V1_1_0:
        w.i32(StatusCode.FAILED if resp.status is None else resp.status)
    return w.getvalue()


def decode_handshake_response(
    payload: Buffer, version: ProtocolVersion
) -> HandshakeResponse:
    """Parse the answer to a handshake that proposed ``version``."""
    r = Reader(payload)
    flag = r.u8()
    if flag == _SUCCESS:
        features = _read_features(r) if version >= V1_7_0 else None
        node_id = read_uuid(r) if version >= V1_4_0 else None
        result: HandshakeResponse = HandshakeSuccess(features, node_id)
    elif flag == _FAILURE:
        server_version = ProtocolVersion(r.i16(), r.i16(), r.i16())
        message = read_str(r)
        status = r.i32() if version >= V1_1_0 else None
        result = HandshakeFailure(server_version, message, status)
    else:
        raise ParseError(f"handshake response must start with 0 or 1, got {flag}")
    if r.remaining():
        raise ParseError(f"{r.remaining()} trailing bytes after the handshake response")
    return result


# -- negotiation (server) and fallback (client) --------------------------------

Authenticator = Callable[[str, str | None], bool]
"""``(username, password) -> accepted``; ``None`` in its place means auth is off."""


def auth_failure(username: str | None) -> HandshakeFailure:
    """Ignite 2.18's refusal of a login: status 2000, version 0.0.0, the name as
    sent (``null`` when none was: no credentials, or protocol 1.0.0)."""
    shown = "null" if username is None else username
    return HandshakeFailure(
        _NO_VERSION,
        f"{AUTH_FAILED_MESSAGE} [userName={shown}]",
        StatusCode.AUTH_FAILED,
    )


def negotiate(
    req: HandshakeRequest,
    *,
    node_id: uuid.UUID,
    server_features: int = 0,
    supported_versions: Iterable[ProtocolVersion] = SUPPORTED_VERSIONS,
    authenticate: Authenticator | None = None,
) -> HandshakeResponse:
    """The server's answer to ``req`` (reference §3.3, §3.6, §13 items 1-5).

    An unsupported version is refused with the newest of ``supported_versions``
    (1.7.0 by default, as Ignite does).
    Checks, in Ignite's order: client type, version, then credentials (refused
    with ``auth_failure``; no name at all, or an empty one, is refused without
    asking ``authenticate``). Features in a success are the intersection of the
    client's and ``server_features``.
    """
    if req.client_type != ClientType.THIN:
        return HandshakeFailure(
            _NO_VERSION, f"Unknown client type: {req.client_type}", StatusCode.FAILED
        )
    versions = tuple(supported_versions)
    if req.version not in versions:
        return HandshakeFailure(
            max(versions), f"Unsupported version: {req.version}", StatusCode.FAILED
        )
    if authenticate is not None and (
        not req.username or not authenticate(req.username, req.password)
    ):
        return auth_failure(req.username)
    features = ProtocolFeature(req.features & server_features)
    return HandshakeSuccess(
        features if req.version >= V1_7_0 else None,
        node_id if req.version >= V1_4_0 else None,
    )


def fallback_version(
    proposed: ProtocolVersion,
    failure: HandshakeFailure,
    known: Iterable[ProtocolVersion] = SUPPORTED_VERSIONS,
) -> ProtocolVersion | None:
    """The version to retry with on the same socket, or ``None`` to give up.

    Retry only when the server names a different version this client knows.
    """
    offered = failure.server_version
    if offered != proposed and offered in tuple(known):
        return offered
    return None

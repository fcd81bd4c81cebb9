"""Request and response headers (reference §4), checked against §15.4 and pyignite."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyignite.connection.protocol_context import ProtocolContext
from pyignite.datatypes import String
from pyignite.queries.response import Response as PyResponse
from pyignite.stream import BinaryStream

from embergrid.errors import ParseError
from embergrid.protocol.codes import OpCode, ResponseFlag, StatusCode
from embergrid.protocol.handshake import SUPPORTED_VERSIONS, ProtocolVersion
from embergrid.protocol.headers import (
    AffinityVersion,
    RequestHeader,
    ResponseHeader,
    decode_request_header,
    decode_response_header,
    encode_request_header,
    encode_response_header,
    invalid_op_code_message,
    request_frame,
    response_frame,
)

SETTINGS = settings(max_examples=200, deadline=None)
V = ProtocolVersion
V13, V14, V17 = V(1, 3, 0), V(1, 4, 0), V(1, 7, 0)
CACHE_ID_BYTES = bytes.fromhex("21e01c8e")  # cache id of "my-cache"
MISSING = "Cache does not exist [cacheId= -1910710239]"


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# -- §15.4 vectors -------------------------------------------------------------


def test_cache_get_request_vector_both_directions() -> None:
    body = CACHE_ID_BYTES + h("00 03 2a 00 00 00")
    wire = h("14 00 00 00 e8 03 05 00 00 00 00 00 00 00 21 e0 1c 8e 00 03 2a 00 00 00")
    assert request_frame(OpCode.CACHE_GET, 5, body) == wire
    header, offset = decode_request_header(wire[4:])
    assert header == RequestHeader(OpCode.CACHE_GET, 5)
    assert wire[4 + offset :] == body


RESPONSE_VECTORS = [
    (
        "success-with-topology",
        V17,
        ResponseHeader(5, topology_version=AffinityVersion(1, 0)),
        h("09 01 00 00 00 76"),
        h(
            "1c 00 00 00 05 00 00 00 00 00 00 00 02 00"
            " 01 00 00 00 00 00 00 00 00 00 00 00"
            " 09 01 00 00 00 76"
        ),
    ),
    (
        "error-1.4",
        V14,
        ResponseHeader(5, StatusCode.CACHE_DOES_NOT_EXIST, MISSING),
        b"",
        h("3e 00 00 00 05 00 00 00 00 00 00 00 01 00 e8 03 00 00 09 2b 00 00 00")
        + MISSING.encode(),
    ),
    (
        "error-1.3",
        V13,
        ResponseHeader(5, StatusCode.CACHE_DOES_NOT_EXIST, MISSING),
        b"",
        h("3c 00 00 00 05 00 00 00 00 00 00 00 e8 03 00 00 09 2b 00 00 00")
        + MISSING.encode(),
    ),
    (
        "success-1.0",
        V(1, 0, 0),
        ResponseHeader(7),
        h("01"),
        h("0d 00 00 00 07 00 00 00 00 00 00 00 00 00 00 00 01"),
    ),
]


@pytest.mark.parametrize(
    ("version", "header", "body", "wire"),
    [case[1:] for case in RESPONSE_VECTORS],
    ids=[case[0] for case in RESPONSE_VECTORS],
)
def test_response_vectors_both_directions(
    version: ProtocolVersion, header: ResponseHeader, body: bytes, wire: bytes
) -> None:
    built = response_frame(
        version,
        header.request_id,
        header.status,
        header.message,
        header.topology_version,
        body,
    )
    assert built == wire
    decoded, offset = decode_response_header(wire[4:], version)
    assert decoded == header
    assert wire[4 + offset :] == body


def test_error_response_drops_body_and_old_versions_drop_topology() -> None:
    wire = response_frame(
        V13, 1, StatusCode.FAILED, "x", AffinityVersion(3, 4), b"ignored"
    )
    header, offset = decode_response_header(wire[4:], V13)
    assert header == ResponseHeader(1, StatusCode.FAILED, "x")
    assert offset == len(wire) - 4


def test_flags_property() -> None:
    header = ResponseHeader(1, 1, "m", AffinityVersion(1, 0), 2007)
    assert header.flags == (
        ResponseFlag.ERROR
        | ResponseFlag.AFFINITY_TOPOLOGY_CHANGED
        | ResponseFlag.NOTIFICATION
    )
    assert ResponseHeader(1).flags == 0


def test_notification_header_layout() -> None:
    header = ResponseHeader(42, notification_op=2007)
    wire = encode_response_header(header, V17)
    assert wire == h("2a 00 00 00 00 00 00 00 04 00 d7 07")
    assert decode_response_header(wire, V17) == (header, len(wire))


def test_invalid_op_code_message() -> None:
    assert invalid_op_code_message(1234) == "Invalid request op code: 1234"


def test_null_error_message_is_accepted() -> None:
    wire = h("01 00 00 00 00 00 00 00 01 00 01 00 00 00 65")
    assert decode_response_header(wire, V17) == (ResponseHeader(1, 1, None), len(wire))


# -- pyignite parses our response frames ---------------------------------------

PYIGNITE_VERSIONS = [v for v in SUPPORTED_VERSIONS if v >= V(1, 2, 0)]


def pyignite_parse(wire: bytes, version: ProtocolVersion) -> tuple[Any, Any]:
    stream = BinaryStream(None, wire)
    resp = PyResponse(
        following=[("value", String)], protocol_context=ProtocolContext(tuple(version))
    )
    cls = resp.parse(stream)
    assert stream.tell() == len(wire)
    obj = stream.read_ctype(cls, position=0)
    return obj, resp


@pytest.mark.parametrize("version", PYIGNITE_VERSIONS, ids=str)
@pytest.mark.parametrize("topology", [None, AffinityVersion(7, 3)])
def test_pyignite_parses_our_success(
    version: ProtocolVersion, topology: AffinityVersion | None
) -> None:
    wire = response_frame(
        version, 99, topology_version=topology, body=h("09 02 00 00 00 6f 6b")
    )
    obj, resp = pyignite_parse(wire, version)
    assert obj.query_id == 99
    assert resp.to_python(obj) == {"value": "ok"}
    if version >= V14:
        expected_flags = ResponseFlag.AFFINITY_TOPOLOGY_CHANGED if topology else 0
        assert obj.flags == expected_flags
        if topology:
            assert (obj.affinity_version, obj.affinity_minor) == topology
    else:
        assert obj.status_code == 0


@pytest.mark.parametrize("version", PYIGNITE_VERSIONS, ids=str)
@pytest.mark.parametrize("topology", [None, AffinityVersion(2, 1)])
def test_pyignite_parses_our_error(
    version: ProtocolVersion, topology: AffinityVersion | None
) -> None:
    wire = response_frame(
        version, 3, StatusCode.CACHE_DOES_NOT_EXIST, MISSING, topology
    )
    obj, _ = pyignite_parse(wire, version)
    assert obj.query_id == 3
    assert obj.status_code == StatusCode.CACHE_DOES_NOT_EXIST
    assert String.to_python(obj.error_message) == MISSING
    if version >= V14 and topology:
        assert (obj.affinity_version, obj.affinity_minor) == topology


# -- properties ----------------------------------------------------------------

i64 = st.integers(-(1 << 63), (1 << 63) - 1)
i32 = st.integers(-(1 << 31), (1 << 31) - 1)
i16 = st.integers(-(1 << 15), (1 << 15) - 1)


@SETTINGS
@given(i16, i64, st.binary(max_size=20))
def test_request_header_round_trip(op: int, request_id: int, body: bytes) -> None:
    wire = encode_request_header(RequestHeader(op, request_id)) + body
    header, offset = decode_request_header(wire)
    assert header == RequestHeader(op, request_id)
    assert wire[offset:] == body


@st.composite
def headers(draw: st.DrawFn) -> ResponseHeader:
    status = draw(st.one_of(st.just(0), i32))
    message = draw(st.text(max_size=20)) if status else None
    topology = draw(st.one_of(st.none(), st.builds(AffinityVersion, i64, i32)))
    notification = draw(st.one_of(st.none(), i16))
    return ResponseHeader(draw(i64), status, message, topology, notification)


@SETTINGS
@given(st.sampled_from(SUPPORTED_VERSIONS), headers(), st.binary(max_size=20))
def test_response_header_round_trip(
    version: ProtocolVersion, header: ResponseHeader, body: bytes
) -> None:
    wire = encode_response_header(header, version) + body
    decoded, offset = decode_response_header(wire, version)
    if version < V14:
        header = ResponseHeader(header.request_id, header.status, header.message)
    assert decoded == header
    assert wire[offset:] == body


@SETTINGS
@given(st.binary(max_size=40), st.sampled_from(SUPPORTED_VERSIONS))
def test_garbage_raises_only_parse_error(data: bytes, version: ProtocolVersion) -> None:
    for decode in (
        lambda: decode_response_header(data, version),
        lambda: decode_request_header(data),
    ):
        with contextlib.suppress(ParseError):
            decode()


@pytest.mark.parametrize("cut", range(10))
def test_truncated_request_header(cut: int) -> None:
    with pytest.raises(ParseError):
        decode_request_header(encode_request_header(RequestHeader(1000, 1))[:cut])


@pytest.mark.parametrize("version", [V13, V17], ids=str)
def test_truncated_error_header(version: ProtocolVersion) -> None:
    wire = encode_response_header(
        ResponseHeader(1, 1, "abc", AffinityVersion(1, 1)), version
    )
    for cut in range(len(wire)):
        with pytest.raises(ParseError):
            decode_response_header(wire[:cut], version)


def test_unknown_flag_bits_rejected() -> None:
    with pytest.raises(ParseError):
        decode_response_header(h("01 00 00 00 00 00 00 00 08 00"), V17)


def test_error_flag_with_zero_status_rejected() -> None:
    with pytest.raises(ParseError):
        decode_response_header(h("01 00 00 00 00 00 00 00 01 00 00 00 00 00 65"), V17)

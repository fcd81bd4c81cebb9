"""Handshake request/response codec, feature bitmask and negotiation (reference §3)."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyignite.connection.bitmask_feature import BitmaskFeature
from pyignite.connection.handshake import HandshakeRequest as PyHandshakeRequest
from pyignite.connection.handshake import HandshakeResponse as PyHandshakeResponse
from pyignite.connection.protocol_context import ProtocolContext
from pyignite.datatypes import MapObject
from pyignite.stream import BinaryStream

from embergrid.errors import ParseError
from embergrid.protocol import handshake
from embergrid.protocol.codes import ClientType, ProtocolFeature, StatusCode
from embergrid.protocol.framing import frame
from embergrid.protocol.handshake import (
    LATEST_VERSION,
    SUPPORTED_VERSIONS,
    HandshakeFailure,
    HandshakeRequest,
    HandshakeSuccess,
    ProtocolVersion,
    decode_features,
    decode_handshake_request,
    decode_handshake_response,
    decode_string_map,
    encode_features,
    encode_handshake_request,
    encode_handshake_response,
    encode_string_map,
    fallback_version,
    negotiate,
)
from embergrid.protocol.messages import _fields

SETTINGS = settings(max_examples=200, deadline=None)

V = ProtocolVersion
NODE = uuid.UUID("00000000-0000-0001-0000-000000000002")
ALL_FEATURES = ProtocolFeature(sum(ProtocolFeature))


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# -- reference §15.4 vectors, both directions ----------------------------------

REQUEST_VECTORS = [
    (
        HandshakeRequest(V(1, 7, 0), ClientType.THIN, ProtocolFeature.CLUSTER_API),
        h("0e 00 00 00 01 01 00 07 00 00 00 02 0c 01 00 00 00 04"),
    ),
    (HandshakeRequest(V(1, 0, 0)), h("08 00 00 00 01 01 00 00 00 00 00 02")),
    (
        HandshakeRequest(V(1, 1, 0), username="u", password="p"),
        h("14 00 00 00 01 01 00 01 00 00 00 02 09 01 00 00 00 75 09 01 00 00 00 70"),
    ),
]

FAILURE_MESSAGE = b"Unsupported version: 1.8.0"
RESPONSE_VECTORS = [
    (
        HandshakeSuccess(ProtocolFeature.CLUSTER_API, NODE),
        V(1, 7, 0),
        h(
            "18 00 00 00 01 0c 01 00 00 00 04 0a 01 00 00 00 00 00 00 00"
            " 02 00 00 00 00 00 00 00"
        ),
    ),
    (HandshakeSuccess(None, None), V(1, 3, 0), h("01 00 00 00 01")),
    (
        HandshakeFailure(V(1, 7, 0), "Unsupported version: 1.8.0", StatusCode.FAILED),
        V(1, 8, 0),
        h("2a 00 00 00 00 01 00 07 00 00 00 09 1a 00 00 00")
        + FAILURE_MESSAGE
        + h("01 00 00 00"),
    ),
    (
        HandshakeFailure(V(1, 7, 0), "x", None),
        V(1, 0, 0),
        h("0d 00 00 00 00 01 00 07 00 00 00 09 01 00 00 00 78"),
    ),
]


@pytest.mark.parametrize(("request_", "wire"), REQUEST_VECTORS)
def test_request_vectors_both_directions(
    request_: HandshakeRequest, wire: bytes
) -> None:
    assert frame(encode_handshake_request(request_)) == wire
    assert decode_handshake_request(wire[4:]) == request_


@pytest.mark.parametrize(("response", "proposed", "wire"), RESPONSE_VECTORS)
def test_response_vectors_both_directions(
    response: HandshakeSuccess | HandshakeFailure,
    proposed: ProtocolVersion,
    wire: bytes,
) -> None:
    assert frame(encode_handshake_response(response, proposed)) == wire
    assert decode_handshake_response(wire[4:], proposed) == response


# -- pyignite as the oracle ----------------------------------------------------

PYIGNITE_VERSIONS = [v for v in SUPPORTED_VERSIONS if v >= V(1, 2, 0)]


def pyignite_request(
    version: ProtocolVersion, username: str | None, password: str | None
) -> bytes:
    ctx = ProtocolContext(tuple(version), BitmaskFeature.all_supported())
    stream = BinaryStream(None)
    PyHandshakeRequest(ctx, username, password).from_python(stream)
    return bytes(stream.getvalue())


@pytest.mark.parametrize("version", PYIGNITE_VERSIONS, ids=str)
@pytest.mark.parametrize(("username", "password"), [(None, None), ("ignite", "s3cret")])
def test_request_bytes_equal_pyignite(
    version: ProtocolVersion, username: str | None, password: str | None
) -> None:
    ours = HandshakeRequest(
        version, ClientType.THIN, ProtocolFeature.CLUSTER_API, None, username, password
    )
    assert frame(encode_handshake_request(ours)) == pyignite_request(
        version, username, password
    )


@SETTINGS
@given(
    username=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1
    ),
    password=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1
    ),
)
def test_request_bytes_equal_pyignite_for_any_ascii_credentials(
    username: str, password: str
) -> None:
    ours = HandshakeRequest(
        V(1, 7, 0),
        features=ProtocolFeature.CLUSTER_API,
        username=username,
        password=password,
    )
    assert frame(encode_handshake_request(ours)) == pyignite_request(
        V(1, 7, 0), username, password
    )


def test_we_decode_pyignite_empty_feature_set_with_trailing_zero_byte() -> None:
    # pyignite writes bytes(BitmaskFeature(0)) == b"\x00": one byte, not an empty array.
    ctx = ProtocolContext((1, 7, 0), BitmaskFeature(0))
    stream = BinaryStream(None)
    PyHandshakeRequest(ctx).from_python(stream)
    wire = stream.getvalue()
    assert wire[-6:] == h("0c 01 00 00 00 00")
    assert decode_handshake_request(wire[4:]) == HandshakeRequest(V(1, 7, 0))


def pyignite_parse(wire: bytes, version: ProtocolVersion) -> dict[str, object]:
    stream = BinaryStream(None, wire)
    parsed = PyHandshakeResponse.parse(stream, ProtocolContext(tuple(version)))
    assert stream.tell() == len(wire)
    return dict(parsed)


@pytest.mark.parametrize("version", PYIGNITE_VERSIONS, ids=str)
def test_pyignite_parses_our_success(version: ProtocolVersion) -> None:
    ours = negotiate(
        HandshakeRequest(version, features=ALL_FEATURES),
        node_id=NODE,
        server_features=ProtocolFeature.CLUSTER_API,
    )
    parsed = pyignite_parse(frame(encode_handshake_response(ours, version)), version)
    assert parsed["op_code"] == 1
    if version >= V(1, 4, 0):
        assert parsed["node_uuid"] == NODE
    else:
        assert "node_uuid" not in parsed
    if version >= V(1, 7, 0):
        assert (
            BitmaskFeature.from_array(parsed["features"]) == BitmaskFeature.CLUSTER_API
        )
    else:
        assert "features" not in parsed


@pytest.mark.parametrize("version", PYIGNITE_VERSIONS, ids=str)
def test_pyignite_parses_our_failure(version: ProtocolVersion) -> None:
    failure = HandshakeFailure(
        V(1, 4, 0), "Unsupported version: 9.9.9", StatusCode.FAILED
    )
    parsed = pyignite_parse(frame(encode_handshake_response(failure, version)), version)
    assert parsed == {
        "length": parsed["length"],
        "op_code": 0,
        "version_major": 1,
        "version_minor": 4,
        "version_patch": 0,
        "message": "Unsupported version: 9.9.9",
        "client_status": 1,
    }


def test_attribute_map_bytes_equal_pyignite_map_object() -> None:
    attrs = {"a": "b", "key": "välue"}
    stream = BinaryStream(None)
    MapObject.from_python(stream, (1, attrs))
    assert encode_string_map(attrs) == stream.getvalue()
    assert decode_string_map(stream.getvalue()) == attrs


# -- feature bitmask -----------------------------------------------------------


@pytest.mark.parametrize(
    ("bits", "wire"),
    [
        (0, b""),
        (1 << 0, h("01")),
        (1 << 2, h("04")),
        (1 << 8, h("00 01")),
        ((1 << 13) | 1, h("01 20")),
        (1 << 18, h("00 00 04")),
    ],
)
def test_features_use_bitset_layout(bits: int, wire: bytes) -> None:
    assert encode_features(bits) == wire
    assert decode_features(wire) == bits


@SETTINGS
@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_features_round_trip_without_trailing_zero(bits: int) -> None:
    wire = encode_features(bits)
    assert decode_features(wire) == bits
    assert wire == b"" or wire[-1] != 0
    assert decode_features(wire + b"\0\0") == bits


def test_null_feature_array_means_no_features() -> None:
    payload = h("01 01 00 07 00 00 00 02 65")
    assert decode_handshake_request(payload).features == 0


# -- round trips and robustness ------------------------------------------------

credentials = st.one_of(st.none(), st.text(max_size=20))


@st.composite
def handshake_requests(draw: st.DrawFn) -> HandshakeRequest:
    version = draw(st.sampled_from(SUPPORTED_VERSIONS))
    features = (
        ProtocolFeature(draw(st.integers(0, (1 << 19) - 1)))
        if version >= V(1, 7, 0)
        else ProtocolFeature(0)
    )
    attrs = None
    if features & ProtocolFeature.USER_ATTRIBUTES:
        mapping = draw(
            st.one_of(
                st.none(),
                st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
            )
        )
        attrs = b"\x65" if mapping is None else encode_string_map(mapping)
    username = password = None
    if version >= V(1, 1, 0):
        username, password = draw(credentials), draw(credentials)
    return HandshakeRequest(
        version, ClientType.THIN, features, attrs, username, password
    )


@SETTINGS
@given(handshake_requests())
def test_request_round_trip(req: HandshakeRequest) -> None:
    assert decode_handshake_request(encode_handshake_request(req)) == req


def test_attribute_map_is_consumed_before_credentials() -> None:
    attrs = encode_string_map({"user": "attr"})
    req = HandshakeRequest(
        V(1, 7, 0),
        features=ProtocolFeature.USER_ATTRIBUTES,
        user_attributes=attrs,
        username="ignite",
        password="pw",
    )
    decoded = decode_handshake_request(encode_handshake_request(req))
    assert decoded.user_attributes == attrs
    assert decode_string_map(decoded.user_attributes) == {"user": "attr"}
    assert (decoded.username, decoded.password) == ("ignite", "pw")


def test_credentials_ignored_before_1_1_0() -> None:
    req = HandshakeRequest(V(1, 0, 0), username="u", password="p")
    assert encode_handshake_request(req) == h("01 01 00 00 00 00 00 02")


@SETTINGS
@given(
    st.sampled_from([*SUPPORTED_VERSIONS, V(1, 8, 0)]),
    st.one_of(
        st.builds(
            HandshakeSuccess,
            st.builds(ProtocolFeature, st.integers(0, 1 << 18)),
            st.uuids(),
        ),
        st.builds(
            HandshakeFailure,
            st.sampled_from(SUPPORTED_VERSIONS),
            st.text(max_size=30),
            st.sampled_from([StatusCode.FAILED, StatusCode.AUTH_FAILED]),
        ),
    ),
)
def test_response_round_trip(
    proposed: ProtocolVersion, resp: HandshakeSuccess | HandshakeFailure
) -> None:
    decoded = decode_handshake_response(
        encode_handshake_response(resp, proposed), proposed
    )
    if isinstance(resp, HandshakeSuccess):
        assert decoded == HandshakeSuccess(
            resp.features if proposed >= V(1, 7, 0) else None,
            resp.node_id if proposed >= V(1, 4, 0) else None,
        )
    else:
        expected_status = resp.status if proposed >= V(1, 1, 0) else None
        assert decoded == HandshakeFailure(
            resp.server_version, resp.message, expected_status
        )


@SETTINGS
@given(st.binary(max_size=64))
def test_garbage_request_raises_only_parse_error(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        decode_handshake_request(data)


@SETTINGS
@given(st.binary(max_size=64), st.sampled_from(SUPPORTED_VERSIONS))
def test_garbage_response_raises_only_parse_error(
    data: bytes, version: ProtocolVersion
) -> None:
    with contextlib.suppress(ParseError):
        decode_handshake_response(data, version)


TRUNCATION_WIRE = encode_handshake_request(
    HandshakeRequest(
        V(1, 7, 0), features=ProtocolFeature(4), username="u", password="p"
    )
)
END_OF_FEATURES = 14  # op 1 + version 6 + client type 1 + typed byte array 6


@pytest.mark.parametrize(
    "cut", [n for n in range(len(TRUNCATION_WIRE)) if n != END_OF_FEATURES]
)
def test_truncated_request_is_parse_error(cut: int) -> None:
    with pytest.raises(ParseError):
        decode_handshake_request(TRUNCATION_WIRE[:cut])


def test_request_may_end_before_credentials() -> None:
    decoded = decode_handshake_request(TRUNCATION_WIRE[:END_OF_FEATURES])
    assert decoded == HandshakeRequest(V(1, 7, 0), features=ProtocolFeature(4))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("01 01 00 07 00 00 00 02 03 01000000", "expected a byte array"),  # features
        ("01 01 00 01 00 00 00 02 09 02000000 ff", "cannot fit"),  # user name
        ("01 01 00 01 00 00 00 02 09 ffffffff", "negative count"),
        ("01 01 00 01 00 00 00 02 09 01000000 ff 65", "UTF-8"),
        ("01 01 00 01 00 00 00 02 03 00000000 65", "expected a String"),
    ],
)
def test_malformed_typed_fields_in_request(payload: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        decode_handshake_request(h(payload))


def test_malformed_typed_fields_in_response() -> None:
    with pytest.raises(ParseError, match="expected a UUID"):
        decode_handshake_response(h("01 03 00000000"), V(1, 4, 0))
    with pytest.raises(ParseError, match="expected a String"):
        decode_handshake_response(h("00 0100 0700 0000 0c 00000000"), V(1, 0, 0))


def test_str_helpers_are_the_message_field_helpers() -> None:
    # One typed-Str codec for the handshake and every message body.
    assert handshake.read_str is _fields.read_str
    assert handshake.write_str is _fields.write_str


# -- negotiation and fallback --------------------------------------------------


def test_negotiate_refuses_unsupported_version_with_1_7_0() -> None:
    resp = negotiate(HandshakeRequest(V(1, 8, 0)), node_id=NODE)
    assert resp == HandshakeFailure(
        V(1, 7, 0), "Unsupported version: 1.8.0", StatusCode.FAILED
    )


def test_negotiate_offers_newest_of_a_narrower_version_list() -> None:
    resp = negotiate(
        HandshakeRequest(V(1, 7, 0)),
        node_id=NODE,
        supported_versions=SUPPORTED_VERSIONS[:5],
    )
    assert resp == HandshakeFailure(
        V(1, 4, 0), "Unsupported version: 1.7.0", StatusCode.FAILED
    )


def test_negotiate_refuses_unknown_client_type_with_0_0_0() -> None:
    resp = negotiate(HandshakeRequest(V(1, 7, 0), client_type=5), node_id=NODE)
    assert resp == HandshakeFailure(
        V(0, 0, 0), "Unknown client type: 5", StatusCode.FAILED
    )


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS, ids=str)
def test_negotiate_success_body_follows_version(version: ProtocolVersion) -> None:
    req = HandshakeRequest(
        version,
        features=ProtocolFeature(0b1111)
        if version >= V(1, 7, 0)
        else ProtocolFeature(0),
    )
    resp = negotiate(req, node_id=NODE, server_features=0b0110 | (1 << 30))
    assert resp == HandshakeSuccess(
        ProtocolFeature(0b0110) if version >= V(1, 7, 0) else None,
        NODE if version >= V(1, 4, 0) else None,
    )


def _checker(user: str, password: str | None) -> bool:
    return (user, password) == ("ignite", "ignite")


def _refused(name: str) -> HandshakeFailure:
    """Ignite 2.18's refusal (tools/reference-ignite/observed-facts.md)."""
    return HandshakeFailure(
        V(0, 0, 0),
        f"The user name or password is incorrect [userName={name}]",
        StatusCode.AUTH_FAILED,
    )


@pytest.mark.parametrize(
    ("req", "expected"),
    [
        (HandshakeRequest(V(1, 7, 0), username="ignite", password="ignite"), None),
        (HandshakeRequest(V(1, 1, 0), username="ignite", password="ignite"), None),
        (HandshakeRequest(V(1, 7, 0)), _refused("null")),
        (HandshakeRequest(V(1, 7, 0), username="", password="x"), _refused("")),
        (HandshakeRequest(V(1, 7, 0), username="ignite", password="wrong"),
         _refused("ignite")),
        (HandshakeRequest(V(1, 7, 0), username="ignite"), _refused("ignite")),
        (HandshakeRequest(V(1, 7, 0), username="IGNITE", password="ignite"),
         _refused("IGNITE")),
        (HandshakeRequest(V(1, 0, 0)), _refused("null")),
    ],
)  # fmt: skip
def test_negotiate_authentication(
    req: HandshakeRequest, expected: HandshakeFailure | None
) -> None:
    resp = negotiate(req, node_id=NODE, authenticate=_checker)
    if expected is None:
        assert isinstance(resp, HandshakeSuccess)
    else:
        assert resp == expected


def test_auth_refusal_comes_after_the_version_check() -> None:
    req = HandshakeRequest(V(1, 8, 0), username="ignite", password="wrong")
    resp = negotiate(req, node_id=NODE, authenticate=_checker)
    assert resp == HandshakeFailure(
        V(1, 7, 0), "Unsupported version: 1.8.0", StatusCode.FAILED
    )


def test_credentials_ignored_when_auth_is_off() -> None:
    req = HandshakeRequest(V(1, 7, 0), username="anyone", password="anything")
    assert isinstance(negotiate(req, node_id=NODE), HandshakeSuccess)


def test_auth_failure_for_1_0_0_has_no_status_on_the_wire() -> None:
    resp = negotiate(HandshakeRequest(V(1, 0, 0)), node_id=NODE, authenticate=_checker)
    wire = encode_handshake_response(resp, V(1, 0, 0))
    assert wire.endswith(b"[userName=null]")


def test_a_request_never_prints_its_password() -> None:
    req = HandshakeRequest(V(1, 7, 0), username="ignite", password="s3cret-pw")
    assert "s3cret-pw" not in repr(req)
    assert "s3cret-pw" not in str(req)


@pytest.mark.parametrize(
    ("proposed", "offered", "expected"),
    [
        (V(1, 8, 0), V(1, 7, 0), V(1, 7, 0)),
        (V(1, 7, 0), V(1, 4, 0), V(1, 4, 0)),
        (V(1, 7, 0), V(1, 7, 0), None),
        (V(1, 7, 0), V(0, 0, 0), None),
        (V(1, 7, 0), V(2, 0, 0), None),
    ],
)
def test_fallback_version(
    proposed: ProtocolVersion,
    offered: ProtocolVersion,
    expected: ProtocolVersion | None,
) -> None:
    failure = HandshakeFailure(offered, "no", StatusCode.FAILED)
    assert fallback_version(proposed, failure) == expected


def test_latest_version_is_1_7_0() -> None:
    assert V(1, 7, 0) == LATEST_VERSION
    assert [str(v) for v in SUPPORTED_VERSIONS] == [f"1.{m}.0" for m in range(8)]

"""What both drivers do around one request, without waiting: the shared half.

Owns ``encode_call`` (a flow's ``Call`` -> op code and body bytes for one
connection), ``reply_for`` (a ``Response`` event -> ``Reply``, or the ``ServerError``
the call asked for), the handshake helpers (``handshake_request`` and
``handshake_outcome``: accept, retry with another version, or raise pyignite's
``HandshakeError``/``AuthenticationError``). ``aio/_transport.py`` and
``sync/_transport.py`` add only the waiting and feed each reply (``flow.send``) or
``ServerError`` (``flow.throw``) back into the flow.
No I/O; imports ``embergrid.protocol``, ``embergrid.errors``, ``client.flows``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from embergrid.client.flows._call import Call, Flow, Reply
from embergrid.client.flows._state import ClientState
from embergrid.errors import (
    AuthenticationError,
    HandshakeError,
    ParameterError,
    ServerError,
)
from embergrid.protocol.codes import ProtocolFeature, StatusCode
from embergrid.protocol.connection import (
    ClientConnection,
    HandshakeAccepted,
    HandshakeRejected,
    Response,
)
from embergrid.protocol.handshake import (
    LATEST_VERSION,
    HandshakeRequest,
    ProtocolVersion,
    fallback_version,
)
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.registry import REQUESTS, RESPONSES

__all__ = [
    "ANSWER_SPIN",
    "DISCOVERY_FEATURE",
    "FEATURES",
    "drive",
    "drive_many",
    "encode_call",
    "handshake_outcome",
    "handshake_request",
    "reply_for",
]

FEATURES = ProtocolFeature.CLUSTER_API | ProtocolFeature.HEARTBEAT
DISCOVERY_FEATURE = ProtocolFeature.CLUSTER_GROUP_GET_NODES_ENDPOINTS
ANSWER_SPIN = 100e-6
"""Seconds a request polls for its answer before sleeping, while answers keep coming
that quickly: waking a sleeping CPU costs tens of microseconds on virtual machines
(``sync._transport.SpinningReceiver``, ``aio._transport.AioConnection``)."""
_ENCODERS = {op: enc for op, (_, enc) in REQUESTS.items()}
_DECODERS = {op: dec for op, (dec, _) in RESPONSES.items()}


T = TypeVar("T")


def drive(flow: Flow[T], answer: Callable[[Call], Reply]) -> T:
    """Run ``flow`` to its result, ``answer`` giving the reply to each call it
    yields; a ``ServerError`` that ``answer`` raises is thrown into the flow. The
    blocking driver's ``run``; ``AioTransport._run`` is this loop with ``await``
    (and the common case inlined). A broken connection leaves the flow closed."""
    try:
        call = next(flow)
        while True:
            try:
                reply = answer(call)
            except ServerError as exc:
                error = exc
            else:
                call = flow.send(reply)
                continue
            call = flow.throw(error)  # outside the handler: no chained context
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        flow.close()


def drive_many(
    flows: Iterable[Flow[T]],
    window: int,
    send: Callable[[Call], int],
    receive: Callable[[], Response],
    reply: Callable[[Call, Response], Reply],
) -> list[T]:
    """Run ``flows`` side by side on one connection with at most ``window``
    requests in flight (the blocking driver's pipeline; ``flows`` is consumed
    lazily). ``send`` writes a call and returns its request id, ``receive`` gives
    the next response (in any order: they are matched by id), ``reply`` decodes
    it or raises ``ServerError``, which goes into its flow. The results in the
    flows' order; the first exception a flow raises is raised once every request
    sent has its answer, so the connection stays in step."""
    if window < 1:
        raise ParameterError("window must be at least 1")
    results: list[Any] = []
    waiting: dict[int, tuple[int, Flow[T], Call]] = {}
    failure: list[Exception] = []
    source = iter(flows)

    def step(index: int, flow: Flow[T], outcome: Reply | ServerError | None) -> None:
        try:
            if outcome is None:
                call = next(flow)
            elif isinstance(outcome, ServerError):
                call = flow.throw(outcome)
            else:
                call = flow.send(outcome)
        except StopIteration as stop:
            results[index] = stop.value
            return
        except Exception as exc:
            failure.append(exc)
            return
        waiting[send(call)] = (index, flow, call)

    try:
        while True:
            while not failure and len(waiting) < window:
                flow = next(source, None)
                if flow is None:
                    break
                results.append(None)
                step(len(results) - 1, flow, None)
            if not waiting:
                break
            resp = receive()
            index, flow, call = waiting.pop(resp.header.request_id)
            try:
                outcome: Reply | ServerError = reply(call, resp)
            except ServerError as exc:
                outcome = exc
            if failure:
                flow.close()
            else:
                step(index, flow, outcome)
    finally:
        for _, flow, _ in waiting.values():
            flow.close()
    if failure:
        raise failure[0]
    return results


def encode_call(call: Call, conn: ClientConnection) -> tuple[int, bytes]:
    """Request id and framed bytes of ``call`` on ``conn`` (through ``call.encode``
    when the flow wrote the body itself)."""
    encode = call.encode
    if encode is not None:
        return conn.send_request(call.op, encode(conn.context))
    body = _ENCODERS[call.op](call.message, conn.context)
    return conn.send_request(call.op, body)


def reply_for(
    call: Call, resp: Response, conn: ClientConnection, token: object
) -> Reply:
    """Decode a response to ``call``; a non-zero status raises ``call.error``."""
    header = resp.header
    if header.status != 0:
        raise call.error(header.message or "", header.status)
    decode = call.decode or _DECODERS[call.op]
    return Reply(decode(resp.body, conn.context), token)


def handshake_request(
    version: ProtocolVersion,
    username: str | None,
    password: str | None,
    discovery: bool = False,
) -> HandshakeRequest:
    """The handshake for ``version``; credentials go only when both are given, as
    pyignite sends them (a lone user name would reach the server as ``userName=x``
    with a null password instead of an unauthenticated session). ``discovery``
    adds the endpoint feature bit (client/_discovery.py)."""
    if not (username and password):
        username = password = None
    features = FEATURES | DISCOVERY_FEATURE if discovery else FEATURES
    return HandshakeRequest(
        version=version, features=features, username=username, password=password
    )


def handshake_outcome(
    event: HandshakeAccepted | HandshakeRejected | None,
) -> ProtocolVersion | None:
    """``None`` when accepted, the version to retry with, or raise."""
    if isinstance(event, HandshakeAccepted):
        return None
    if event is None:
        raise OSError("Connection broken.")
    failure = event.failure
    message = failure.message or ""
    if failure.status == StatusCode.AUTH_FAILED:
        raise AuthenticationError(message)
    retry = fallback_version(event.proposed, failure)
    if retry is None:
        raise HandshakeError(failure.server_version, message)
    return retry


__all__ += ["LATEST_VERSION", "ClientState", "ServerError"]


def proposed_context(version: ProtocolVersion) -> ProtocolContext:
    """What a handshake proposes (``version`` and our ``FEATURES``): the protocol
    context pyignite's handshake start and failure events carry."""
    return ProtocolContext(version, FEATURES)


def node_text(node: uuid.UUID | None) -> str:
    """A node id as pyignite's events give it: the UUID's text, '' if unknown."""
    return str(node) if node is not None else ""

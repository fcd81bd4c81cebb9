"""The node's idle timeout (``Limits.idle_timeout``, ``embergrid serve
--idle-timeout MS``): off by default as in Ignite; when on, GET_IDLE_TIMEOUT reports
it and a connection silent that long is closed. Keeping a connection open with
heartbeats, and the same against the reference node, is in
``tests/client/aio/test_heartbeats.py``."""

from __future__ import annotations

from embergrid.cli.main import build_parser
from embergrid.cli.serve import _limits
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.general import decode_get_idle_timeout_response
from embergrid.server import Limits, Node, ServerThread

from ._wire import RawSocket

CTX = ProtocolContext((1, 7, 0))


def _idle_timeout_ms(raw: RawSocket) -> int:
    resp = raw.call(OpCode.GET_IDLE_TIMEOUT)
    return decode_get_idle_timeout_response(resp.body, CTX).timeout_ms


def test_the_flag_sets_the_limit_in_milliseconds_and_is_off_by_default() -> None:
    parser = build_parser()
    assert _limits(parser.parse_args(["serve"])).idle_timeout == 0
    assert Limits().idle_timeout == 0
    assert (
        _limits(parser.parse_args(["serve", "--idle-timeout", "1500"])).idle_timeout
        == 1.5
    )


def test_without_an_idle_timeout_the_node_reports_zero() -> None:
    with ServerThread(Node()) as server:
        raw = RawSocket(server.address)
        raw.handshake()
        assert _idle_timeout_ms(raw) == 0
        raw.close()


def test_a_silent_connection_is_closed_after_the_idle_timeout() -> None:
    # 3 s: the request after the handshake must come within the timeout, even
    # on a loaded machine (pauses of a second were seen)
    with ServerThread(Node(limits=Limits(idle_timeout=3.0))) as server:
        raw = RawSocket(server.address, timeout=60)
        raw.handshake()
        assert _idle_timeout_ms(raw) == 3000
        assert raw.closed_by_server()  # nothing sent: closed well within 60 s
        raw.close()

"""When a connection sends heartbeats (``client._connection``), without I/O: the
interval Ignite's Java thin client derives from the server's idle timeout
(``TcpClientChannel.getHeartbeatInterval``: a third of it, at least 500 ms, at most
the default ``ClientConfiguration.heartbeatInterval`` of 30 s), and a heartbeat only
after an interval in which nothing was sent."""

from __future__ import annotations

import pytest

from embergrid.client._connection import Heartbeats, heartbeat_interval
from embergrid.client._driver import FEATURES
from embergrid.protocol.codes import OpCode, ProtocolFeature
from embergrid.protocol.handshake import LATEST_VERSION
from embergrid.protocol.messages.context import ProtocolContext


@pytest.mark.parametrize(
    ("idle_ms", "seconds"),
    [
        (0, None),  # the server closes no idle connection: no heartbeats
        (-1, None),
        (300, 0.5),  # a third would be 100 ms: the 500 ms floor
        (1500, 0.5),
        (4000, 4 / 3),
        (90_000, 30.0),
        (600_000, 30.0),  # a third would be 200 s: the 30 s default interval
    ],
)
def test_the_interval_follows_the_java_thin_client(
    idle_ms: int, seconds: float | None
) -> None:
    assert heartbeat_interval(idle_ms) == (
        None if seconds is None else pytest.approx(seconds)
    )


def test_the_handshake_offers_heartbeats() -> None:
    assert ProtocolFeature.HEARTBEAT in FEATURES
    assert int(ProtocolFeature.HEARTBEAT) == 1 << 11
    assert Heartbeats.ASK.op == OpCode.GET_IDLE_TIMEOUT == 2
    assert Heartbeats.BEAT.op == OpCode.HEARTBEAT == 1


def test_the_idle_timeout_is_asked_only_of_servers_with_heartbeats() -> None:
    with_beats = ProtocolContext(LATEST_VERSION, ProtocolFeature.HEARTBEAT)
    assert Heartbeats.wanted(with_beats)
    assert not Heartbeats.wanted(ProtocolContext(LATEST_VERSION))
    assert not Heartbeats.wanted(ProtocolContext((1, 6, 0), ProtocolFeature.HEARTBEAT))
    assert not Heartbeats.wanted(None)


class FakeProto:
    next_request_id = 1


def test_a_heartbeat_goes_only_after_an_interval_with_nothing_sent() -> None:
    proto = FakeProto()
    beats = Heartbeats(proto, 1.0)  # type: ignore[arg-type]
    assert beats.due()  # nothing sent since the heartbeats started
    proto.next_request_id += 1  # the heartbeat itself
    beats.sent()
    assert beats.due()  # an interval with only the heartbeat: the next one is due
    beats.sent()
    proto.next_request_id += 5  # the application sent requests meanwhile
    assert not beats.due()
    beats.sent()
    assert beats.due()

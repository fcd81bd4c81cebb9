"""The connection policy of both clients (``client._policy``), driven without I/O.

Both transports only dial what these generators yield, so each behaviour here is
tested once for ``Client`` and ``AioClient``. The node list is scripted: ``up`` says
which nodes answer a dial. pyignite's rules are the reference: failover goes to the
next node and wraps around (``pyignite/client.py`` ``random_node``), partition-aware
recovery dials every node, and running out raises ``ReconnectError``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from embergrid.client._discovery import Listing
from embergrid.client._policy import Dial, Dialling, NodePolicy, NodePool, unreachable
from embergrid.client.flows._call import Call
from embergrid.client.flows._state import ClientState
from embergrid.errors import AuthenticationError, HandshakeError, ReconnectError
from embergrid.protocol.codes import OpCode
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.messages import cluster_group as cg


def drive(dials: Dial, up: set[int]) -> tuple[list[int], int]:
    """Run ``dials`` against nodes of which ``up`` answer: (dialled, chosen)."""
    dialled: list[int] = []
    try:
        i = next(dials)
        while True:
            dialled.append(i)
            i = dials.send(i in up)
    except StopIteration as stop:
        return dialled, stop.value


def first(items: Sequence[int]) -> int:
    return items[0]


# -- opening ------------------------------------------------------------------------


def test_opening_stops_at_the_first_node_up_without_partition_awareness() -> None:
    policy = NodePolicy(3, partition_aware=False)
    assert drive(policy.opening(), up={1, 2}) == ([0, 1], 1)
    assert policy.current == 1


def test_opening_dials_every_node_with_partition_awareness() -> None:
    policy = NodePolicy(3, partition_aware=True)
    assert drive(policy.opening(), up={1, 2}) == ([0, 1, 2], 1)


@pytest.mark.parametrize("partition_aware", [True, False])
def test_opening_with_no_node_up_cannot_connect(partition_aware: bool) -> None:
    policy = NodePolicy(3, partition_aware)
    with pytest.raises(ReconnectError, match=r"^Can not connect\.$"):
        drive(policy.opening(), up=set())


# -- a call without a node ------------------------------------------------------------


def test_the_current_node_serves_while_it_is_alive() -> None:
    policy = NodePolicy(3, partition_aware=False)
    policy.current = 2
    assert policy.ready([True, True, True]) == 2
    assert policy.ready([True, True, False]) is None  # dead: recovery must dial


def test_partition_aware_calls_go_to_a_random_live_node() -> None:
    seen: list[Sequence[int]] = []

    def choice(items: Sequence[int]) -> int:
        seen.append(list(items))
        return items[-1]

    policy = NodePolicy(3, partition_aware=True, choice=choice)
    assert policy.ready([True, False, True]) == 2
    assert seen == [[0, 2]]
    assert policy.ready([False, False, False]) is None


# -- recovery -------------------------------------------------------------------------


def test_failover_tries_the_next_node_first_and_wraps_around() -> None:
    policy = NodePolicy(3, partition_aware=False)
    policy.current = 1
    assert drive(policy.recovery([False, False, False]), up={0}) == ([2, 0], 0)
    assert policy.current == 0  # the node that came up is the current one


def test_failover_tries_the_dead_current_node_last() -> None:
    policy = NodePolicy(3, partition_aware=False)
    assert drive(policy.recovery([False] * 3), up={0}) == ([1, 2, 0], 0)


@pytest.mark.parametrize("partition_aware", [True, False])
def test_recovery_with_every_node_down_is_out_of_nodes(partition_aware: bool) -> None:
    policy = NodePolicy(3, partition_aware)
    dialled: list[int] = []

    def dial_all_down() -> None:
        i = next(dials)
        while True:
            dialled.append(i)
            i = dials.send(False)

    dials = policy.recovery([False] * 3)
    with pytest.raises(ReconnectError, match=r"^Can not reconnect: out of nodes\.$"):
        dial_all_down()
    assert sorted(dialled) == [0, 1, 2]  # every node was tried once


def test_recovery_with_no_nodes_is_out_of_nodes() -> None:
    with pytest.raises(ReconnectError, match="out of nodes"):
        drive(NodePolicy(0).recovery([]), up=set())


@pytest.mark.parametrize("partition_aware", [True, False])
def test_recovery_dials_nothing_when_a_node_came_back_meanwhile(
    partition_aware: bool,
) -> None:
    """Another thread or task recovered first (failed over to node 1): the
    re-check finds it."""
    policy = NodePolicy(2, partition_aware, choice=first)
    policy.current = 1
    assert drive(policy.recovery([False, True]), up=set()) == ([], 1)


def test_partition_aware_recovery_dials_every_node_and_picks_among_those_up() -> None:
    policy = NodePolicy(3, partition_aware=True, choice=lambda items: items[-1])
    assert drive(policy.recovery([False] * 3), up={0, 1}) == ([0, 1, 2], 1)


# -- retrying dead nodes --------------------------------------------------------------


def test_a_topology_change_redials_dead_nodes_when_partition_aware() -> None:
    policy = NodePolicy(3, partition_aware=True)
    assert drive(policy.revival([True, False, False]), up={2}) == ([1, 2], 0)
    assert drive(policy.revival([False, False, True]), up={0}) == ([0, 1], 0)
    assert drive(policy.revival([False, True, False]), up=set()) == ([0, 2], 1)


def test_revived_nodes_make_a_connection_to_use() -> None:
    """Every dead node came back: the dials settle on a live connection (they
    ended past the last one before)."""

    class Conn:
        def __init__(self, alive: bool) -> None:
            self.alive = alive

    conns = [Conn(True), Conn(False), Conn(False)]
    dialling = Dialling(conns, NodePolicy(3, True).revival([c.alive for c in conns]))
    for conn in dialling:
        conn.alive = True
    assert dialling.chosen is conns[0]


def test_a_topology_change_redials_nothing_without_partition_awareness() -> None:
    policy = NodePolicy(3, partition_aware=False)
    assert drive(policy.revival([True, False, False]), up={1, 2}) == ([], 0)


# -- what a failed dial means ------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "dead"),
    [
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (OSError("Connection broken."), True),
        (EOFError(), True),
        (HandshakeError(None, "refused"), False),
        (AuthenticationError("bad password"), False),
        (ValueError("certfile must be specified"), False),
    ],
)
def test_which_dial_failures_leave_a_node_dead(exc: BaseException, dead: bool) -> None:
    assert unreachable(exc) is dead


# -- routing -----------------------------------------------------------------------


@dataclass
class FakeLink:
    alive: bool
    uuid: uuid.UUID | None
    protocol_context: None = None


def _pool(links: list[FakeLink], partition_aware: bool = True) -> NodePool[FakeLink]:
    pool: NodePool[FakeLink] = NodePool(ClientState(), partition_aware)
    drive(pool.reset(links), up={i for i, link in enumerate(links) if link.alive})
    pool.policy._choice = first
    return pool


def test_a_routed_call_goes_to_its_node_while_alive_else_to_a_live_one() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    links = [FakeLink(True, a), FakeLink(True, b)]
    pool = _pool(links)
    assert pool.pick(Call(OpCode.CACHE_GET, None, node=b)) is links[1]
    links[1].alive = False
    assert pool.pick(Call(OpCode.CACHE_GET, None, node=b)) is links[0]
    unknown = uuid.uuid4()  # a node the client has no connection to
    assert pool.pick(Call(OpCode.CACHE_GET, None, node=unknown)) is links[0]
    links[0].alive = False
    assert pool.pick(Call(OpCode.CACHE_GET, None, node=b)) is None  # recover


def test_a_call_bound_to_a_connection_goes_there_even_if_dead() -> None:
    """A transaction's calls stay on its connection: a dead one fails them."""
    links = [FakeLink(True, None), FakeLink(False, None)]
    pool = _pool(links)
    assert pool.pick(Call(OpCode.CACHE_GET, None, conn=links[1])) is links[1]


def test_routing_needs_partition_awareness_and_more_than_one_node() -> None:
    from embergrid.protocol.handshake import LATEST_VERSION
    from embergrid.protocol.messages.context import ProtocolContext

    ctx = ProtocolContext(LATEST_VERSION)
    old = ProtocolContext((1, 3, 0))
    assert NodePolicy(2, True).routing(ctx)
    assert not NodePolicy(1, True).routing(ctx)
    assert not NodePolicy(2, False).routing(ctx)
    assert not NodePolicy(2, True).routing(old)  # 1.3.0 names no node
    assert not NodePolicy(2, True).routing(None)


def test_only_a_newer_topology_with_dead_nodes_asks_for_redials() -> None:
    links = [FakeLink(True, None), FakeLink(False, None)]
    pool = _pool(links)
    dials = pool.saw_topology(AffinityVersion(2, 0))
    assert dials is not None
    assert drive(dials, up={1}) == ([1], 0)  # a live node to use
    assert pool.saw_topology(AffinityVersion(2, 0)) is None  # not a change
    assert pool.saw_topology(AffinityVersion(1, 5)) is None  # older
    links[1].alive = True
    assert pool.saw_topology(AffinityVersion(3, 0)) is None  # nobody dead


@dataclass
class _Down:
    """A connection that never comes up."""

    alive: bool = False
    protocol_context: None = None
    uuid: uuid.UUID | None = None


def _dial_all(dialling: Dialling[_Down], failures: list[Exception]) -> None:
    """What a transport does: dial each node, which fails with the next error."""
    for _ in dialling:
        with dialling:
            raise failures.pop(0)


@pytest.mark.parametrize("partition_aware", [True, False])
def test_running_out_of_nodes_is_raised_from_the_last_failure(
    partition_aware: bool,
) -> None:
    """Each dial fails with a connection error, swallowed; the ``ReconnectError``
    at the end carries the last one as its cause."""
    failures: list[Exception] = [ConnectionRefusedError("first"), TimeoutError("last")]
    policy = NodePolicy(2, partition_aware)
    dialling = Dialling([_Down(), _Down()], policy.recovery([False, False]))
    out_of_nodes = r"^Can not reconnect: out of nodes\.$"
    with pytest.raises(ReconnectError, match=out_of_nodes) as info:
        _dial_all(dialling, failures)
    assert info.value.__cause__ is not None
    assert str(info.value.__cause__) == "last"


def test_a_refused_login_is_no_dial_failure() -> None:
    """Bad credentials are the caller's error: raised as they are, no failover."""
    dialling = Dialling([_Down(), _Down()], NodePolicy(2).opening())
    refused = AuthenticationError("The user name or password is incorrect")
    with pytest.raises(AuthenticationError):
        _dial_all(dialling, [refused])


# -- endpoint discovery: forgetting nodes the cluster no longer lists --------------


@dataclass
class _Node:
    """A connection with an address, as discovery compares them."""

    alive: bool
    uuid: uuid.UUID | None
    host: str = "127.0.0.1"
    port: int = 0
    protocol_context: None = None


def _listing(*nodes: tuple[uuid.UUID, int]) -> Listing:
    return Listing(tuple((n, (("127.0.0.1", port),)) for n, port in nodes))


def test_a_discovered_node_the_cluster_no_longer_lists_is_never_dialled_again() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    given = _Node(True, ids[0], port=10800)
    pool: NodePool[_Node] = NodePool(ClientState(), True, discovery=True)
    drive(pool.reset([given]), up={0})
    found, gone = pool.listed(
        _listing((ids[0], 10800), (ids[1], 10801), (ids[2], 10802))
    )
    assert (found, gone) == ([("127.0.0.1", 10801), ("127.0.0.1", 10802)], [])
    learned = [_Node(False, None, port=port) for _, port in found]
    assert drive(pool.add(learned), up={1, 2}) == ([1, 2], 0)
    learned[0].alive, learned[0].uuid = True, ids[1]
    learned[1].alive, learned[1].uuid = False, ids[2]  # node 2 left the cluster

    found, gone = pool.listed(_listing((ids[0], 10800), (ids[1], 10801)))
    assert (found, gone) == ([], [learned[1]])
    assert drive(pool.recovery(), up=set())[0] == []  # a live node: no dial
    given.alive = learned[0].alive = False
    assert drive(pool.recovery(), up={0}) == ([0, 1], 0)  # node 2 is not dialled
    given.alive = False
    assert drive(pool.policy.revival(pool.alive()), up=set())[0] == [0, 1]

    # back at the same address (a new node id): new to the client again
    back = uuid.uuid4()
    found, gone = pool.listed(_listing((ids[0], 10800), (back, 10802)))
    assert (found, gone) == ([("127.0.0.1", 10802)], [learned[0]])


def test_a_node_the_user_gave_is_never_forgotten() -> None:
    ids = [uuid.uuid4() for _ in range(2)]
    given = [_Node(True, ids[0], port=10800), _Node(False, ids[1], port=10801)]
    pool: NodePool[_Node] = NodePool(ClientState(), False, discovery=True)
    drive(pool.reset(given), up={0})
    assert pool.listed(_listing((ids[0], 10800))) == ([], [])
    given[0].alive = False
    assert drive(pool.recovery(), up={1}) == ([1], 1)  # still a failover candidate


def test_without_partition_awareness_failover_skips_forgotten_nodes() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    given = _Node(True, ids[0], port=10800)
    pool: NodePool[_Node] = NodePool(ClientState(), False, discovery=True)
    drive(pool.reset([given]), up={0})
    found, _ = pool.listed(_listing((ids[0], 10800), (ids[1], 10801), (ids[2], 10802)))
    drive(pool.add([_Node(False, None, port=port) for _, port in found]), up=set())
    assert pool.listed(_listing((ids[0], 10800), (ids[2], 10802)))[1] == [pool.conns[1]]
    given.alive = False
    assert drive(pool.recovery(), up={0}) == ([2, 0], 0)


def test_a_discovery_answered_before_the_node_saw_the_change_is_asked_again() -> None:
    """Nodes learn of a topology change one by one: the node that answers the
    endpoint request may still list the old topology. While the last answer is
    older than a version a response reported, every response (even one carrying
    that same version) asks again; an answer that caught up ends it."""
    pool: NodePool[_Node] = NodePool(ClientState(), True, discovery=True)
    drive(pool.reset([_Node(True, uuid.uuid4())]), up={0})
    pool.discovery.learned(cg.GetNodeEndpointsResponse(3, (), ()))  # at connect
    changed = AffinityVersion(4, 0)  # one object, as a connection keeps it

    assert pool.saw_topology(changed) is not None  # ask: the topology changed
    pool.discovery.learned(cg.GetNodeEndpointsResponse(3, (), ()))  # a stale node
    pool.recheck()
    assert pool.saw_topology(changed) is not None  # the same version: ask again
    pool.discovery.learned(cg.GetNodeEndpointsResponse(4, (), ()))
    pool.recheck()
    assert pool.saw_topology(changed) is None  # caught up
    assert pool.saw_topology(AffinityVersion(4, 0)) is None

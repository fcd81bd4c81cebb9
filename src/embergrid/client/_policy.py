"""The connection policy of both clients: every decision about nodes, none of the I/O.

Owns ``NodePolicy`` (which node to dial, when to fail over, when a node counts as
dead, when to retry it, what to raise, whether keyed calls are routed by partition)
and ``NodePool`` (a client's connections under that policy: the one to use for a
call, the dials a recovery needs), ``Dialling`` (those dials as connections),
``unreachable`` (which dial failures make a node
dead) and ``TransportBase`` (what both transports hold). No sockets, no asyncio, no
waiting; imports ``embergrid.errors``, ``embergrid.monitoring``,
``embergrid.protocol``, ``client.flows`` and ``client._discovery`` (opt-in
endpoint discovery: the nodes it learns are added to the pool, ``add``, and the
discovered nodes the cluster no longer lists are retired, ``listed``) only.

Theory of operation (psycopg's connect generators): a decision that needs nodes to
be dialled is a generator, ``Dial = Generator[int, bool, int]``. It yields the index
of a node to dial; the transport dials it (``connect()``) and sends back whether it
came up (a connection error means no; an authentication or handshake error is the
caller's and ends the generator where it stands). The generator returns the index of
the node to use, or raises ``ReconnectError``. A node counts as dead from the moment
its connection broke or failed to open, and alive from its next successful
handshake. The policies, as pyignite's clients follow them:

* opening: partition-aware, every node is dialled; otherwise nodes are dialled in
  order until one comes up, and that one is current. None up: "Can not connect.";
* a call without a node: partition-aware, a random live node; otherwise the current
  one. A call for a node (partition awareness) goes to it while it is alive, else
  as a call without a node;
* recovery, when the above found no live node (re-checked first: another thread or
  task may have recovered meanwhile): partition-aware, every node is dialled and a
  random one that came up is used; otherwise fail over to the next node, wrapping
  around (the dead current one last), and it becomes current. Nothing up: "Can not
  reconnect: out of nodes.";
* retrying a dead node: partition-aware, when the cluster's topology changed (the
  node may be back: pyignite re-dials dead nodes after each partition map refresh),
  and in recovery; otherwise only in failover.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from embergrid.client._discovery import EndpointDiscovery, Listing
from embergrid.client._nodes import OUT_OF_NODES, ConnectParams
from embergrid.client.flows._call import Call
from embergrid.client.flows._state import ClientState
from embergrid.errors import (
    AuthenticationError,
    HandshakeError,
    ReconnectError,
    connection_errors,
)
from embergrid.monitoring import EventPublisher
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.messages.context import ProtocolContext

__all__ = [
    "CANNOT_CONNECT",
    "Dial",
    "Dialling",
    "DiscoveryAsk",
    "Link",
    "NodePolicy",
    "NodePool",
    "TransportBase",
    "unreachable",
]

CANNOT_CONNECT = "Can not connect."
Dial = Generator[int, bool, int]
"""Yields nodes (indexes) to dial, receives whether each came up, returns one to use."""


def unreachable(exc: BaseException) -> bool:
    """Whether a failed dial leaves the node dead and the dials go on, rather than
    being the caller's error (bad credentials, a handshake the node refused)."""
    refused = isinstance(exc, AuthenticationError | HandshakeError)
    return isinstance(exc, connection_errors) and not refused


class NodePolicy:
    """Node choice for one client over ``count`` configured nodes, by index."""

    def __init__(
        self,
        count: int = 0,
        partition_aware: bool = False,
        choice: Callable[[Sequence[int]], int] = random.choice,
    ) -> None:
        self.count, self.partition_aware = count, partition_aware
        self.current = 0  # the node in use when not partition-aware
        self.retired: set[int] = set()  # forgotten nodes: never dialled again
        self._choice = choice

    def _dialable(self) -> list[int]:
        return [i for i in range(self.count) if i not in self.retired]

    def opening(self) -> Dial:
        """Dial the nodes as ``connect()`` does; return the first that came up."""
        first: int | None = None
        for i in range(self.count):
            if (yield i):
                first = i if first is None else first
                if not self.partition_aware:
                    self.current = i
                    break
        if first is None:
            raise ReconnectError(CANNOT_CONNECT)
        return first

    def ready(self, alive: Sequence[bool]) -> int | None:
        """The node for a call without a node, or ``None`` if recovery must dial."""
        if not self.partition_aware:
            return self.current if self.count and alive[self.current] else None
        up = [i for i, a in enumerate(alive) if a]
        return self._choice(up) if up else None

    def for_node(
        self, node: uuid.UUID, ids: Sequence[uuid.UUID | None], alive: Sequence[bool]
    ) -> int | None:
        """The node for a call routed to ``node``: it while alive, else ``ready``."""
        for i, node_id in enumerate(ids):
            if node_id == node and alive[i]:
                return i
        return self.ready(alive)

    def recovery(self, alive: Sequence[bool]) -> Dial:
        """Dial until a node is usable (nothing if one already is); return it."""
        found = self.ready(alive) if self.count else None
        if found is not None:
            return found
        if self.partition_aware:
            up = []
            for i in self._dialable():
                if (yield i):
                    up.append(i)
            if up:
                return self._choice(up)
        else:
            for step in range(1, self.count + 1):
                i = (self.current + step) % self.count
                if i not in self.retired and (yield i):
                    self.current = i
                    return i
        raise ReconnectError(OUT_OF_NODES)

    def revival(self, alive: Sequence[bool]) -> Dial:
        """After a topology change: dial the dead nodes again when partition-aware.
        Returns a live node afterwards (the first; 0 if none), never raises: the
        call that saw the change has its answer. (It returned how many were up,
        which ``Dialling`` took for an index: past the end once every dead node
        came back.)"""
        up = list(alive)
        if self.partition_aware:
            for i in self._dialable():
                if not alive[i] and (yield i):
                    up[i] = True
        return next((i for i, u in enumerate(up) if u), 0)

    def routing(self, ctx: ProtocolContext | None) -> bool:
        """Whether keyed calls are routed by partition: asked for, more than one node,
        and a protocol whose handshake names the node."""
        return (
            self.partition_aware
            and self.count > 1
            and ctx is not None
            and ctx.is_partition_awareness_supported()
        )


class Link(Protocol):
    """What the pool reads of a connection."""

    @property
    def alive(self) -> bool: ...

    @property
    def protocol_context(self) -> ProtocolContext | None: ...

    uuid: uuid.UUID | None
    host: str
    port: int


C = TypeVar("C", bound=Link)


class NodePool(Generic[C]):
    """The connections of one client (index i is node i) under a ``NodePolicy``."""

    def __init__(
        self, state: ClientState, partition_aware: bool, discovery: bool = False
    ) -> None:
        self.state, self.partition_aware = state, partition_aware
        self.policy = NodePolicy(0, partition_aware)
        self.discovery = EndpointDiscovery(discovery)
        self.conns: list[C] = []
        self.given = 0  # conns[:given] are the user's nodes, the rest discovered
        self._context: ProtocolContext | None = None  # the last one negotiated
        self._version: AffinityVersion | None = None  # the last one looked at

    def reset(self, conns: list[C]) -> Dial:
        """Take ``conns`` (not yet open); the dials that open them."""
        self.conns, self.given = conns, len(conns)
        self.policy = NodePolicy(len(conns), self.partition_aware)
        self.discovery = EndpointDiscovery(self.discovery.enabled)  # ask again
        return self.policy.opening()

    def release(self) -> list[C]:
        """Forget the connections (the caller closes them); the protocol context
        they negotiated is kept, as pyignite keeps it after ``close``."""
        self._context = self.protocol_context
        conns, self.conns = self.conns, []
        self.policy = NodePolicy(0, self.partition_aware)
        return conns

    def opened(self, first: C) -> None:
        """The opening dials settled on ``first``: decide on partition routing."""
        self.state.routing = self.policy.routing(first.protocol_context)

    def add(self, conns: list[C]) -> Dial:
        """Take more nodes (discovered, not yet open); the dials that open them
        when partition-aware (otherwise they wait for a failover)."""
        self.conns.extend(conns)
        self.policy.count = len(self.conns)
        return self.policy.revival(self.alive())

    def listed(self, listing: Listing) -> tuple[list[tuple[str, int]], list[C]]:
        """Take a discovery's listing of the cluster's nodes: the discovered
        nodes it no longer names are forgotten (returned for the caller to
        close; their indexes stay, retired, so dials under way never shift);
        the endpoints of the nodes new to the client, a forgotten one named
        again among them, are returned (for ``add``). The user's nodes are
        never forgotten."""
        retired = self.policy.retired
        gone = []
        for i in range(self.given, len(self.conns)):
            c = self.conns[i]
            if i not in retired and not listing.names(c.host, c.port, c.uuid):
                retired.add(i)
                gone.append(c)
        known = [
            (c.host, c.port, c.uuid)
            for i, c in enumerate(self.conns)
            if i not in retired
        ]
        return listing.new(known), gone

    def dialling(self, dials: Dial) -> Dialling[C]:
        """``dials`` as the connections to dial."""
        return Dialling(self.conns, dials)

    def alive(self) -> list[bool]:
        return [c.alive for c in self.conns]

    def pick(self, call: Call) -> C | None:
        """The connection for ``call`` unless one must be dialled first."""
        if call.conn is not None:
            return call.conn  # type: ignore[return-value]
        conns, policy = self.conns, self.policy
        if call.node is None and conns and not policy.partition_aware:
            conn = conns[policy.current]  # the common case, in one call
            return conn if conn.alive else None
        return self.to_node(call.node)

    def to_node(self, node: uuid.UUID | None) -> C | None:
        """The live connection to ``node`` (any usable one if ``None`` or dead), or
        ``None`` if recovery must dial."""
        conns, policy = self.conns, self.policy
        if node is None and conns and (not policy.partition_aware or len(conns) == 1):
            conn = conns[policy.current]  # the common case, without lists
            return conn if conn.alive else None
        if node is None:
            i = policy.ready(self.alive())
        else:
            i = policy.for_node(node, [c.uuid for c in conns], self.alive())
        return None if i is None else conns[i]

    def recovery(self) -> Dial:
        """The dials that make a connection usable (see ``NodePolicy.recovery``);
        which nodes are alive is read when the dials start, under the caller's lock."""
        return (yield from self.policy.recovery(self.alive()))

    def recheck(self) -> None:
        """Look at the next response's version even if it is the one looked at
        last: an endpoint discovery that ended behind it asks again then."""
        if self.discovery.behind(self.state.topology):
            self._version = None

    def saw_topology(self, version: AffinityVersion | None) -> Dial | None:
        """Driver hook: a response carried ``version``; the dials to retry dead nodes
        if it is a change and any node is dead (with endpoint discovery on, any
        change: the transport asks for the endpoints after them)."""
        if version is self._version:  # the common case: the same object as before
            return None
        self._version = version
        changed = self.state.saw_topology(version)
        if self.discovery.enabled:  # the transport then asks for endpoints
            behind = self.discovery.behind(self.state.topology)
            return self.policy.revival(self.alive()) if changed or behind else None
        if not changed:
            return None
        if not self.policy.partition_aware:
            return None
        alive = self.alive()
        return None if all(alive) else self.policy.revival(alive)

    @property
    def protocol_context(self) -> ProtocolContext | None:
        """The first live connection's context; while none is up (also after
        ``close``) the last one seen, as pyignite keeps it; None before any."""
        conn = next((c for c in self.conns if c.alive), None)
        if conn is not None:
            self._context = conn.protocol_context
        return self._context


class Dialling(Generic[C]):
    """The dials of a ``Dial`` as connections. A transport dials each one with its
    ``connect()`` inside ``with dialling:`` (which swallows what ``unreachable``
    says leaves the node dead; whether it came up is its ``alive`` afterwards);
    once the iteration ends ``chosen`` is the connection to use. A
    ``ReconnectError`` is raised from the last dial's error."""

    def __init__(self, conns: list[C], dials: Dial) -> None:
        self.conns, self._dials = conns, dials
        self._last: C | None = None
        self._failure: BaseException | None = None  # the last dial's error
        self.chosen: C

    def __iter__(self) -> Dialling[C]:
        return self

    def __next__(self) -> C:
        last, dials = self._last, self._dials
        try:
            i = next(dials) if last is None else dials.send(last.alive)
        except StopIteration as stop:
            self.chosen = self.conns[stop.value]
            raise
        except ReconnectError as exc:  # what the last node failed with is the cause
            raise exc from self._failure
        self._last = self.conns[i]
        return self._last

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> bool:
        if exc is not None and unreachable(exc):
            self._failure = exc
            return True
        return False


@dataclass(slots=True)
class DiscoveryAsk(Generic[C]):
    """One endpoint discovery: its call (None: none due), the answer the transport
    got, and what the answer changes once the ask has ended."""

    call: Call | None
    answer: object | None = None
    found: list[tuple[str, int]] = field(default_factory=list)
    gone: list[C] = field(default_factory=list)


class TransportBase(Generic[C]):
    """What both transports hold: the client's state, settings, events and pool."""

    def __init__(
        self,
        state: ClientState,
        partition_aware: bool,
        params: ConnectParams,
        events: EventPublisher,
    ) -> None:
        self.state, self.params, self.events = state, params, events
        self.pool: NodePool[C] = NodePool(state, partition_aware, params.discovery)

    @property
    def conns(self) -> list[C]:
        return self.pool.conns

    @contextlib.contextmanager
    def discovery(self, version: AffinityVersion | None) -> Iterator[DiscoveryAsk[C]]:
        """The endpoint discovery due now (client/_discovery.py; ``call`` None if
        none is). The transport makes the call inside the block and sets ``answer``;
        when the block ends, even by an error or a cancellation, the policy learns
        the answer (None: none came) and the ask says which addresses to dial and
        which discovered connections the cluster no longer lists (to be closed)."""
        ask = DiscoveryAsk[C](self.pool.discovery.due(self.protocol_context, version))
        try:
            yield ask
        finally:
            if ask.call is not None:
                listing = self.pool.discovery.learned(ask.answer)
                if listing is not None:
                    ask.found, ask.gone = self.pool.listed(listing)
                self.pool.recheck()

    @property
    def protocol_context(self) -> ProtocolContext | None:
        return self.pool.protocol_context

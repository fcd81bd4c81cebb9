"""One client connection's server-side state and its bytes-in/bytes-out loop.

Owns ``Session``: the ``ServerConnection`` (sans-IO framing, handshake and
headers), the negotiated ``ProtocolContext``, the open scan cursors with the
per-connection limit and the resource-id counter (from 1, shared by every
resource kind, never reused; reference §7.1, §13.17). ``feed(data)`` returns the
bytes to write and whether to close, so the asyncio protocol in ``listener.py``
stays a few lines and tests can drive a session without a socket.
Imports the engine and ``embergrid.protocol``; never asyncio.

Theory of operation
-------------------
Each complete frame is handled in arrival order (pyignite reads the next frame
as its reply, reference §13.26). A request is decoded with the op's body codec,
handed to its handler and the response encoded; the outcomes are:

* success -> a response with the handler's body;
* ``EngineError`` (raised by the engine or by a handler) -> its status and text;
* a bulk key-value op naming more than ``Limits.bulk_on_loop`` keys outside a
  transaction of this connection -> not decoded here: its body goes to a
  worker thread whole (``server/bulk.py``, ``WholeRequest``), which decodes,
  runs and encodes it in pieces; a body that does not decode there closes the
  connection as it would here;
* unknown op code -> status 2; a known op without a handler -> status 1;
* a body that does not decode (``ParseError``), a bad frame length or a first
  frame that is not a handshake -> the connection closes without a reply, as
  Ignite does (reference §4.4);
* a handshake on a node with authentication (``node.auth``) is answered only
  once its password check, run by the listener on a thread, ends
  (``pending_login``, ``finish_login``; ``server/auth.py``); ``user`` is then
  the connection's user;
* any other exception (a handler bug) -> status 1 and a log line; the session
  carries on;
* the store's write lock held by another node past the loop's short busy
  timeout -> treated as a lock wait that ends a few milliseconds later
  (``store_busy``), so no lock wait ever becomes an error;
* ``WouldBlock`` (a key lock another transaction holds) -> no answer yet: the
  request is left in ``blocked`` as a ``Blocked``; the listener waits for what
  it waits for and calls ``resume``, which runs it again. Later requests of the
  same transaction queue behind it (``_lanes``) and run, in order, once it
  completes; every other request goes on, so answers on one connection may
  come out of order (clients match them by request id).

Every response carries the node's current topology version; the connection
decides whether the header flag is set (reference §4.3).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar, cast

from embergrid.engine import (
    Engine,
    EngineError,
    LockWait,
    OverBudget,
    ScanCursor,
    Tx,
    WouldBlock,
)
from embergrid.engine.kv import KeyValue
from embergrid.engine.store import is_busy
from embergrid.engine.tx import store_busy
from embergrid.errors import ParseError
from embergrid.protocol.codes import OpCode, StatusCode
from embergrid.protocol.connection import (
    HandshakeReceived,
    Request,
    RequestTooLarge,
    ServerConnection,
    ServerState,
)
from embergrid.protocol.handshake import (
    HandshakeFailure,
    HandshakeRequest,
    HandshakeResponse,
    HandshakeSuccess,
    negotiate,
)
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.tx import TxEnd
from embergrid.server import status_messages as msgs
from embergrid.server.auth import PendingLogin
from embergrid.server.bulk import WholeRequest, whole_request
from embergrid.server.continuous import Pusher
from embergrid.server.dispatch import routes
from embergrid.server.node import Node

__all__ = ["Blocked", "ReadsAhead", "Session"]

log = logging.getLogger("embergrid.server")
C = TypeVar("C")
T = TypeVar("T")


class ReadsAhead(Protocol):
    """A cursor that makes its next page before it is asked for."""

    @property
    def prepares_off_loop(self) -> bool:
        """Whether ``prepare`` is a worker thread's job (it reads the store)."""
        ...

    def prepare(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LongWork:
    """Engine work too long for the event loop: ``job`` runs on a worker thread
    with an engine of its own (``Node.run_off_loop``); its outcome goes back to
    the session (``finish``) and the request runs again to answer it."""

    job: Callable[[Engine], Any]
    discard: Callable[[Any], None] | None = None
    """Called with the job's value when nobody will take it (the connection
    closed meanwhile): releases what the value holds."""


@dataclass(slots=True)
class Blocked:
    """A request that waits: for a lock (``LockWait``, the engine's
    ``WouldBlock``) or for its long work (``LongWork``). The listener waits and
    calls ``Session.resume``; ``lane`` is its transaction's wire id."""

    req: Request
    msg: Any
    lane: int | None
    waiter: LockWait | LongWork


class Session:
    """Server half of one client socket."""

    def __init__(self, node: Node, peer: str = "?") -> None:
        self.node = node
        self.engine: Engine = node.engine
        self.peer = peer
        self.conn = ServerConnection(node.limits.max_frame_size)
        self.user: str | None = None  # logged in as (nodes with authentication)
        self.pending_login: PendingLogin | None = None  # see finish_login
        self.ctx = ProtocolContext()
        self.cursors: dict[int, Any] = {}  # ScanCursor or an SQL cursor
        self._read_ahead: list[ReadsAhead] = []  # to prepare once answers are sent
        self._next_resource_id = 1
        self._routes = routes()
        self.txs: dict[int, Tx] = {}  # wire tx id -> transaction
        self._next_tx_id = 1
        # Lanes: requests of a transaction whose earlier request is blocked wait
        # behind it, in arrival order (tx id -> the queued requests).
        self._lanes: dict[int, deque[tuple[Request, Any]]] = {}
        self.blocked: list[Blocked] = []  # left by ``feed`` for the listener to wait on
        # Received, not yet handled: the answers before them reached the bound.
        self._backlog: deque[HandshakeReceived | Request | RequestTooLarge] = deque()
        self._request_id = 0  # of the request being handled
        self._finished: dict[int, tuple[Any, BaseException | None]] = {}
        # Where server-initiated frames (continuous-query events) go: the
        # listener's protocol sets it; None without a socket.
        self.pusher: Pusher | None = None

    @property
    def established(self) -> bool:
        return self.conn.state is ServerState.ESTABLISHED

    # -- resources ------------------------------------------------------------

    def new_resource_id(self) -> int:
        rid = self._next_resource_id
        self._next_resource_id += 1
        return rid

    def check_cursor_room(self) -> None:
        """Raise status 1010 if this connection holds its maximum of cursors."""
        limit = self.node.limits.max_cursors
        if len(self.cursors) >= limit:
            raise EngineError(
                StatusCode.TOO_MANY_CURSORS,
                msgs.too_many_cursors(limit, len(self.cursors)),
            )

    def cursor(self, resource_id: int) -> ScanCursor:
        """An open scan cursor; status 1011 if there is none with that id."""
        return self.cursor_of(resource_id, ScanCursor)

    def cursor_of(self, resource_id: int, kind: type[C]) -> C:
        """An open cursor of this kind; status 1011 if there is none with that id."""
        cur = self.cursors.get(resource_id)
        if not isinstance(cur, kind):
            raise _resource_not_found(resource_id)
        return cur

    def close_resource(self, resource_id: int) -> None:
        cur = self.cursors.pop(resource_id, None)
        if cur is None:
            raise _resource_not_found(resource_id)
        _close_cursor(cur)

    def drop_cursor(self, resource_id: int) -> None:
        """Forget a cursor that has delivered its last page."""
        cur = self.cursors.pop(resource_id, None)
        if cur is not None:
            _close_cursor(cur)

    def close(self) -> None:
        """The socket went away: release every resource of this connection,
        rolling back its open transactions (their locks are freed)."""
        cursors, self.cursors = list(self.cursors.values()), {}
        for cur in cursors:
            _close_cursor(cur)
        self._read_ahead.clear()
        self._lanes.clear()
        self._backlog.clear()
        self._finished.clear()
        txs, self.txs = list(self.txs.values()), {}
        for tx in txs:
            try:
                self.engine.txs.rollback(tx)
            except Exception:
                log.exception("rollback on close failed (peer %s)", self.peer)
        if txs:
            self.node.locks_changed()

    # -- work off the event loop ----------------------------------------------------

    def off_loop(
        self,
        job: Callable[[Engine, float], T],
        discard: Callable[[T], None] | None = None,
        key: Hashable = None,
    ) -> T:
        """``job(engine, budget_s)``: on the loop within the node's loop budget,
        or, once it stopped at it (``OverBudget``, nothing written), again on a
        worker thread without one; the request is then answered when that ends
        (the handler runs again and this returns the worker's outcome).
        ``discard``: see ``LongWork``. ``key`` names the work for the node's
        ``GoesLong``: work that went past the budget last time goes straight
        to a worker."""
        done = self._take_finished()
        if done is not None:
            return cast(T, done())
        node = self.node
        if key is None or not node.can_offload or not node.goes_long.skip_loop(key):
            try:
                value = job(self.engine, node.limits.loop_budget)
            except OverBudget:
                if not node.can_offload:
                    return job(self.engine, 0.0)
                if key is not None:
                    node.goes_long.went_long(key)
            else:
                if key is not None:
                    node.goes_long.fit(key)
                return value
        raise _Offloaded(LongWork(lambda engine: job(engine, 0.0), discard))

    def on_worker(self, job: Callable[[], T], *, inline: bool = False) -> T:
        """``job()`` on a worker thread, the request answered when it ends (as
        ``off_loop``); on the loop when the node has no workers, or ``inline``
        (the job will not wait: asked again when the request runs again, the
        answer is still the worker's)."""
        done = self._take_finished()
        if done is not None:
            return cast(T, done())
        if inline or not self.node.can_offload:
            return job()
        raise _Offloaded(LongWork(lambda _engine: job()))

    def _take_finished(self) -> Callable[[], Any] | None:
        """The outcome of the current request's long work, if it has ended: a
        call that returns its value or raises its error."""
        done = self._finished.pop(self._request_id, None)
        if done is None:
            return None
        value, error = done

        def outcome() -> Any:
            if error is not None:
                raise error
            return value

        return outcome

    def finish(self, blocked: Blocked, value: Any, error: BaseException | None) -> None:
        """The outcome of ``blocked``'s long work, for its handler's next run."""
        self._finished[blocked.req.request_id] = (value, error)

    # -- transactions ---------------------------------------------------------------

    def next_tx_id(self) -> int:
        """A fresh wire id (from 1, never 0); a refused start uses one up too."""
        tx_id = self._next_tx_id
        self._next_tx_id = tx_id + 1 if tx_id < 2**31 - 1 else 1
        return tx_id

    def in_tx(self, tx_id: int | None) -> bool:
        """Whether a request's tx id names an open transaction of this connection."""
        return tx_id is not None and tx_id in self.txs

    def kv(self, tx_id: int | None) -> KeyValue:
        """The key-value ops of a request: inside transaction ``tx_id`` if this
        connection holds it; an id it does not hold (another connection's, a
        finished one) is ignored and the op runs outside any, as on Ignite."""
        if tx_id is None or (tx := self.txs.get(tx_id)) is None:
            return self.engine.kv
        try:
            return self.engine.kv_in(tx)
        except EngineError:  # timed out: rolled back (the id stays till it ends)
            self.node.locks_changed()
            raise

    # -- work after the answer is sent -------------------------------------------

    def read_ahead(self, cursor: ReadsAhead) -> None:
        """Have ``cursor.prepare()`` run once the current answers are on the wire,
        so its next page is ready while the client reads this one: on the loop,
        or on a worker thread when the cursor says it ``prepares_off_loop``
        (and the node has workers)."""
        self._read_ahead.append(cursor)

    @property
    def has_read_ahead(self) -> bool:
        return bool(self._read_ahead)

    def run_read_ahead(self) -> None:
        """Prepare the next page of every cursor asked for (see ``read_ahead``)."""
        pending, self._read_ahead = self._read_ahead, []
        for cursor in pending:
            if cursor.prepares_off_loop and self.node.can_offload:
                self.node.in_background(partial(self._prepare, cursor))
            else:
                self._prepare(cursor)

    def _prepare(self, cursor: ReadsAhead) -> None:
        try:
            cursor.prepare()
        except Exception:  # the request for that page will meet it again
            log.exception("reading ahead failed (peer %s)", self.peer)

    # -- bytes in, bytes out ----------------------------------------------------

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """Handle ``data``; the bytes to send and whether to close afterwards
        (see ``pump``: requests past the answer bound wait in the backlog)."""
        self.conn.receive_data(data)
        return self.pump()

    @property
    def settled(self) -> bool:
        """Whether ``feed`` left nothing for the listener: no request blocked
        or backlogged, no unfinished frame, no password being checked, no page
        to read ahead."""
        return not (
            self.blocked
            or self._backlog
            or self._read_ahead
            or self.pending_login is not None
            or self.conn.partial_bytes
        )

    @property
    def backlogged(self) -> bool:
        """Requests received but not handled: the answers reached the bound."""
        return bool(self._backlog)

    def pump(self) -> tuple[bytes, bool]:
        """Handle the requests received so far, in order, until their answers
        reach ``Limits.max_unsent`` bytes; the rest stay in the backlog for the
        next call (the listener stops reading meanwhile). The bytes to send and
        whether to close afterwards."""
        conn, backlog = self.conn, self._backlog
        limit = self.node.limits.max_unsent
        out: list[bytes] = []
        size = 0
        try:
            while True:
                if not backlog:
                    events = conn.next_events()
                    if not events:
                        break
                    backlog.extend(events)
                event: HandshakeReceived | Request | RequestTooLarge | None = None
                while backlog:
                    event = backlog.popleft()
                    if type(event) is Request:
                        res = self.handle(event)
                        if isinstance(res, Blocked):
                            self.blocked.append(res)
                            continue
                        if res is None:
                            continue
                    elif isinstance(event, HandshakeReceived):
                        res = self._handshake(event)
                        if res is None:
                            continue  # waits for its password check
                    elif isinstance(event, RequestTooLarge):
                        res = self._too_large(event)
                    else:
                        continue
                    out.append(res)
                    size += len(res)
                    if size >= limit and backlog:
                        self._detach()
                        return b"".join(out), False
                if type(event) is Request and conn.state is ServerState.ESTABLISHED:
                    break  # the buffer holds no further frame: no call to learn that
        except ParseError as exc:
            log.warning("closing connection from %s: %s", self.peer, exc)
            return b"".join(out), True
        return (out[0] if len(out) == 1 else b"".join(out)), False

    def _detach(self) -> None:
        """Backlogged requests keep copies of their bodies: the frame buffer
        they point into is compacted by the next ``receive_data``."""
        self._backlog = deque(
            Request(e.op_code, e.request_id, memoryview(bytes(e.body)))
            if type(e) is Request
            else e
            for e in self._backlog
        )

    def _handshake(self, event: HandshakeReceived) -> bytes | None:
        """The answer to a handshake, or None while its password is checked."""
        req = event.request
        resp: HandshakeResponse = negotiate(
            req, node_id=self.node.node_id, server_features=self.node.features
        )
        auth = self.node.auth
        if auth is not None and isinstance(resp, HandshakeSuccess):
            login = auth.login(req, resp)
            if isinstance(login, HandshakeFailure):
                resp = login
            else:
                self.pending_login = login
                return None
        return self._answer(req, resp)

    def finish_login(self, accepted: bool) -> bytes:
        """The answer to the handshake whose password check ended; then call
        ``feed(b"")`` for the requests that came behind it."""
        login, self.pending_login = self.pending_login, None
        assert login is not None
        if not accepted:
            return self._answer(login.request, login.failure)
        self.user = login.username
        return self._answer(login.request, login.success)

    def _answer(self, req: HandshakeRequest, resp: HandshakeResponse) -> bytes:
        data = self.conn.answer_handshake(resp)
        if isinstance(resp, HandshakeSuccess):
            self.ctx = self.conn.context
            log.debug("handshake from %s: %s", self.peer, req.version)
        else:
            log.info("handshake from %s refused: %s", self.peer, resp.message)
        return data

    def handle(self, req: Request) -> bytes | Blocked | None:
        """The response frame to one request, a ``Blocked`` request to wait for,
        or None when it queued behind a blocked request of its transaction
        (``ParseError`` = close the socket)."""
        route = self._routes.get(req.op_code)
        if route is None:
            return self._no_handler(req)
        limit = self.node.limits.bulk_on_loop
        msg: Any = whole_request(req.op_code, req.body, self.ctx, limit)
        if msg is None or self.in_tx(msg.prefix.tx_id):
            msg = route[0](req.body, self.ctx)
        lane = _lane(msg)
        if lane is not None and lane in self._lanes:
            self._lanes[lane].append((req, msg))
            return None
        return self._run(req, msg, lane)

    def resume(self, blocked: Blocked) -> list[bytes | Blocked]:
        """Run a blocked request again, then whatever queued behind it until one
        blocks: the answers to send, the last one maybe ``Blocked`` again."""
        out: list[bytes | Blocked] = []
        lane = blocked.lane
        queue = self._lanes.pop(lane, None) if lane is not None else None
        res = self._run(blocked.req, blocked.msg, lane)
        while True:
            out.append(res)
            if isinstance(res, Blocked) or not queue:
                break
            req, msg = queue.popleft()
            res = self._run(req, msg, lane)
        if isinstance(res, Blocked) and lane is not None:
            self._lanes[lane] = queue if queue is not None else deque()
        return out

    def _run(self, req: Request, msg: Any, lane: int | None) -> bytes | Blocked:
        if type(msg) is WholeRequest:
            _, fn, encode = _WHOLE_ROUTE
        else:
            _, fn, encode = self._routes[req.op_code]
        self._request_id = req.request_id
        self.engine.store.next_request()
        try:
            body = encode(fn(self, msg), self.ctx)
        except (WouldBlock, _Offloaded) as exc:
            return self._block(req, msg, lane, exc.waiter)
        except EngineError as exc:
            return self._error(req, exc.status, exc.message)
        except ParseError:
            if type(msg) is WholeRequest:
                raise  # a body decoded on a worker: closes as one decoded here
            log.exception("handler of op %d failed (peer %s)", req.op_code, self.peer)
            return self._error(req, StatusCode.FAILED, msgs.INTERNAL_ERROR)
        except Exception as exc:
            if is_busy(exc):  # another node writes: nothing written, try again soon
                return self._block(req, msg, lane, store_busy(self.engine.clock))
            log.exception("handler of op %d failed (peer %s)", req.op_code, self.peer)
            return self._error(req, StatusCode.FAILED, msgs.INTERNAL_ERROR)
        return self.conn.send_response(
            req.request_id, body, topology_version=self.node.topology
        )

    def _too_large(self, event: RequestTooLarge) -> bytes:
        log.warning(
            "request %d (op %d) from %s: %d bytes, over the frame limit; answered",
            event.request_id,
            event.op_code,
            self.peer,
            event.length,
        )
        return self.conn.send_error(
            event.request_id,
            StatusCode.FAILED,
            msgs.request_too_large(event.length, event.limit),
            topology_version=self.node.topology,
        )

    def _block(
        self, req: Request, msg: Any, lane: int | None, waiter: LockWait | LongWork
    ) -> Blocked:
        if lane is not None:
            self._lanes.setdefault(lane, deque())
        return Blocked(req, msg, lane, waiter)

    def _no_handler(self, req: Request) -> bytes:
        if not req.known:
            return self.conn.send_invalid_op_code(
                req, topology_version=self.node.topology
            )
        op = OpCode(req.op_code)
        return self._error(req, StatusCode.FAILED, msgs.not_implemented(op.name, op))

    def _error(self, req: Request, status: int, message: str) -> bytes:
        return self.conn.send_error(
            req.request_id, status, message, topology_version=self.node.topology
        )


def _whole(s: Session, msg: WholeRequest) -> bytes:
    return s.off_loop(msg.run)


def _same(body: bytes, ctx: ProtocolContext) -> bytes:
    return body


# A bulk request decoded, run and encoded on a worker (server/bulk.py).
_WHOLE_ROUTE: tuple[None, Callable[[Session, WholeRequest], bytes], Any] = (
    None,
    _whole,
    _same,
)


def _close_cursor(cur: Any) -> None:
    close = getattr(cur, "close", None)
    if close is not None:
        close()


class _Offloaded(Exception):
    def __init__(self, waiter: LongWork) -> None:
        super().__init__(waiter)
        self.waiter = waiter


def _lane(msg: Any) -> int | None:
    """The transaction a request belongs to (its prefix's tx id, or the id a
    TX_END ends), if any."""
    prefix = getattr(msg, "prefix", None)
    if prefix is not None:
        tx_id: int | None = getattr(prefix, "tx_id", None)
        return tx_id
    if isinstance(msg, TxEnd):
        return msg.tx_id
    return None


def _resource_not_found(resource_id: int) -> EngineError:
    return EngineError(
        StatusCode.RESOURCE_DOES_NOT_EXIST, msgs.resource_not_found(resource_id)
    )

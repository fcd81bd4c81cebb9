"""Transactions on both servers: ops 4000 TX_START / 4001 TX_END and tx-aware cache ops.

Each scenario is parametrized by ``side``: ``embergrid`` (an embergrid server on the
real clock, since transactions time out) or ``ignite`` (the Apache Ignite 2.18
reference node). A scenario records labelled, normalized step outcomes and they must
equal the outcome pinned in the test, which is what the reference node answers: the
``ignite`` case keeps the pin honest, the ``embergrid`` case compares embergrid with
it. So either side runs alone (``-k ignite``, ``-k embergrid``) and a mismatch prints
both the pin and the side's steps. The SQL scenarios use the 2.17 SQL reference
(``reference_sql``; 2.18 has no SQL engine) and are named ``ignite-2.17``.

Several clients interleave on one server. An ``Actor`` is a pyignite ``Client`` driven
from a thread of its own: pyignite keeps the current transaction in a context
variable, so two clients in one thread would share it. ``Wire`` is a raw connection
for status codes (pyignite drops them) and for what pyignite cannot send: a foreign or
finished tx id, several open transactions on one connection, pipelined requests. A
request that must block is sent, then found still unanswered after ``QUIET`` seconds
(this can only fail if a server answers when it should not); every answer is awaited
for ``ANSWER_TIMEOUT`` seconds. Nothing asserts that an answer comes quickly.

Transaction timeouts are real time: a transaction that must not time out before the
scenario has set up its locks gets at least ``SETUP_MS``.

Error texts are compared after ``tx_text``: transaction ids (xid), cache version
numbers, node UUIDs, start times, durations and the server thread's description are
placeholders, the test's cache names read ``<tag>``; "Failed to acquire lock" texts
also hide the state and rollbackOnly flag (they race with the timeout handler).

Caches are TRANSACTIONAL (``PROP_CACHE_ATOMICITY_MODE`` 0) unless a test says
otherwise, created per test with unique names before any transaction takes a lock
(Ignite's cache creation waits for transactions holding locks) and destroyed after
every client of the test has been closed (which rolls back what it left open).
"""

from __future__ import annotations

import contextlib
import pprint
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import pytest
from pyignite import Client
from pyignite.cache import Cache
from pyignite.datatypes import prop_codes as prop
from pyignite.datatypes.transactions import (
    TransactionConcurrency,
    TransactionIsolation,
)

from _reference import reference_sql  # noqa: F401 - the SQL scenarios' fixture
from _targets import EMBERGRID, IGNITE
from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.connection import Response
from embergrid.protocol.messages import cache as kv
from embergrid.protocol.messages import tx as txm
from embergrid.protocol.messages.general import ObjectResponse
from embergrid.protocol.messages.registry import REQUESTS, RESPONSES
from embergrid.server import ServerThread

from ._outcome import Outcome, normalize, outcome
from ._wire import Wire

pytestmark = pytest.mark.timeout(300)

Address = tuple[str, int]
PESSIMISTIC = TransactionConcurrency.PESSIMISTIC
OPTIMISTIC = TransactionConcurrency.OPTIMISTIC
READ_COMMITTED = TransactionIsolation.READ_COMMITTED
REPEATABLE_READ = TransactionIsolation.REPEATABLE_READ
SERIALIZABLE = TransactionIsolation.SERIALIZABLE

QUIET = 0.2  # seconds a blocked request must stay unanswered
ANSWER_TIMEOUT = 60.0  # seconds any answer is awaited
SETUP_MS = 2000  # a tx timeout that must not pass while the scenario sets up

# -- what varies between runs -----------------------------------------------------

_VARYING = [
    (re.compile(r"xid=[0-9a-f]+(?:-[0-9a-f]+)*"), "xid=<xid>"),
    (re.compile(r"topVer=\d+"), "topVer=<n>"),
    (re.compile(r"(?<![A-Za-z])order=\d+"), "order=<n>"),
    (re.compile(r"nodeOrder=\d+"), "nodeOrder=<n>"),
    (re.compile(r"startTime=-?\d+"), "startTime=<ms>"),
    (re.compile(r"duration=-?\d+"), "duration=<ms>"),
    (
        re.compile(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
            r"[0-9a-fA-F]{12}"
        ),
        "<uuid>",
    ),
    (re.compile(r"thread=[\w-]* ?\[[^\]]*\]"), "thread=<thread>"),
]
LOCK_TIMEOUT_PREFIX = "Failed to acquire lock within provided timeout for transaction"
TIMED_OUT_PREFIX = "Cache transaction timed out: "
_RACY = [
    (re.compile(r"state=[A-Z_]+"), "state=<state>"),
    (re.compile(r"rollbackOnly=\w+"), "rollbackOnly=<bool>"),
]


def tx_text(text: str) -> str:
    """``text`` with the parts that vary between runs replaced by placeholders."""
    for pattern, placeholder in _VARYING:
        text = pattern.sub(placeholder, text)
    if text.startswith(LOCK_TIMEOUT_PREFIX):
        for pattern, placeholder in _RACY:
            text = pattern.sub(placeholder, text)
    elif text.startswith(TIMED_OUT_PREFIX):
        # Ignite rolls a timed-out transaction back asynchronously: an op that
        # comes soon after the timeout may print it still MARKED_ROLLBACK (seen on
        # the reference node at load average ~35), later ones ROLLED_BACK.
        text = text.replace("state=MARKED_ROLLBACK,", "state=ROLLED_BACK,")
    return text


# -- expected texts (Ignite 2.18's wording) ---------------------------------------

VERSION = "GridCacheVersion [topVer=<n>, order=<n>, nodeOrder=<n>, dataCenterId=0]"


def tx_description(
    timeout: int,
    label: str | None,
    concurrency: str = "PESSIMISTIC",
    isolation: str = "REPEATABLE_READ",
    state: str = "ROLLED_BACK",
    rollback_only: str = "true",
) -> str:
    """How Ignite prints a transaction (GridNearTxLocal) in its error texts."""
    return (
        f"GridNearTxLocal[xid=<xid>, xidVersion={VERSION}, nearXidVersion={VERSION}, "
        f"concurrency={concurrency}, isolation={isolation}, state={state}, "
        f"invalidate=false, rollbackOnly={rollback_only}, nodeId=<uuid>, "
        f"timeout={timeout}, startTime=<ms>, duration=<ms>, "
        f"label={'null' if label is None else label}]"
    )


def timed_out(timeout: int, label: str | None, **kw: str) -> str:
    """Any op or commit in a transaction whose timeout has passed (status 1)."""
    return TIMED_OUT_PREFIX + tx_description(timeout, label, **kw)


def lock_timeout(timeout: int, label: str | None, **kw: str) -> str:
    """A lock wait (op or optimistic commit) that outlived the tx timeout."""
    desc = tx_description(timeout, label, state="<state>", rollback_only="<bool>", **kw)
    return f"{LOCK_TIMEOUT_PREFIX} [timeout={timeout}, tx={desc}]"


def conflict(key: str, key_cls: str, val: str, val_cls: str | None) -> str:
    """Optimistic SERIALIZABLE commit after another client changed a key it read."""
    val_part = f"val={val}" + ("" if val_cls is None else f", valCls={val_cls}")
    return (
        f"Failed to prepare transaction, read/write conflict [key={key}, "
        f"keyCls={key_cls}, {val_part}, cache=<c>, thread=<thread>]"
    )


def not_found(tx_id: int) -> str:
    return f"Transaction with id {tx_id} not found."


TX_LIMIT = (
    "Active transactions per connection limit (100) exceeded. To start a new "
    "transaction you need to wait for some of currently active transactions "
    "complete. To change the limit set up ThinClientConfiguration."
    "MaxActiveTxPerConnection property."
)
ATOMIC_IN_TX = (
    "Transaction spans operations on atomic cache (don't use atomic cache inside a "
    "transaction). Since 2.15.0 atomic operations inside transactions are not "
    "allowed by default. Since 2.16.0 atomic operations inside transactions are "
    "finally forbidden."
)
CLEAR_IN_TX = (
    "Failed to invoke a non-transactional IgniteCache clear operation within a "
    "transaction."
)
DML_IN_TX = (
    "50000: DML statements are not allowed inside a transaction over cache(s) with "
    "TRANSACTIONAL atomicity mode (disable this error message with system property "
    '"-DIGNITE_ALLOW_DML_INSIDE_TRANSACTION=true")'
)


def ok(value: Any = None) -> Outcome:
    """A pyignite call's expected value (normalized like ``_outcome.outcome``)."""
    return ("ok", normalize(value))


def err(text: str, cls: str = "CacheError") -> Outcome:
    """A pyignite call's expected exception (pyignite keeps no status)."""
    return ("error", cls, None, text)


def status(code: int, text: str) -> Outcome:
    """A raw request's expected failure: the status code and the message."""
    return ("error", code, text)


WAITING: Outcome = ("waiting",)  # still unanswered QUIET seconds after sending
CLOSED: Outcome = ("closed",)  # the client's socket was shut down under the call


# -- clients ----------------------------------------------------------------------


class Pending:
    """A request sent by an actor; its answer is read later."""

    def __init__(self, future: Future[Outcome]) -> None:
        self._future = future

    def waiting(self) -> bool:
        """True when no answer has come ``QUIET`` seconds after sending."""
        time.sleep(QUIET)
        return not self._future.done()

    def result(self) -> Outcome:
        """The answer, awaited up to ``ANSWER_TIMEOUT`` seconds."""
        try:
            return self._future.result(ANSWER_TIMEOUT)
        except FutureTimeout:
            return ("no answer", ANSWER_TIMEOUT)


def settle(pending: Pending, blocks: bool) -> Outcome:
    """``WAITING`` when the request must block and does; else its answer."""
    if blocks:
        return WAITING if pending.waiting() else ("answered", pending.result())
    return pending.result()


class Actor:
    """One pyignite ``Client`` used from its own thread (and so its own tx context).

    ``kv(fn)`` runs ``fn(cache)`` on the actor's thread and waits for it; ``send(fn)``
    returns a ``Pending`` instead. The cache is the scenario's first one
    (``Side.main``) unless ``cache`` names another. ``call``/``run`` do the same
    with ``fn(client)``. ``start``/``commit``/``rollback`` drive the actor's current
    pyignite ``Transaction``. Outcomes are ``_outcome.outcome``'s, cleaned by the side.
    """

    def __init__(self, side: Side) -> None:
        self._side = side
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="tx-actor")
        self.client = self._pool.submit(self._connect).result(ANSWER_TIMEOUT)
        self.tx: Any = None
        self._cut: list[socket.socket] = []

    def _connect(self) -> Client:
        client = Client()
        client.connect(*self._side.address)
        return client

    def _outcome(self, fn: Callable[[], Any]) -> Outcome:
        return self._side.clean(outcome(fn))

    def run(self, fn: Callable[[Client], Any]) -> Pending:
        return Pending(self._pool.submit(self._outcome, lambda: fn(self.client)))

    def call(self, fn: Callable[[Client], Any]) -> Outcome:
        return self.run(fn).result()

    def _cache(self, name: str | None) -> Cache:
        return self.client.get_cache(name or self._side.main)

    def send(self, fn: Callable[[Cache], Any], cache: str | None = None) -> Pending:
        return self.run(lambda c: fn(self._cache(cache)))

    def kv(self, fn: Callable[[Cache], Any], cache: str | None = None) -> Outcome:
        return self.send(fn, cache).result()

    def start(
        self,
        concurrency: TransactionConcurrency = PESSIMISTIC,
        isolation: TransactionIsolation = REPEATABLE_READ,
        timeout: int = 0,
        label: str | None = None,
    ) -> Outcome:
        """Start a transaction; its outcome is the tx id."""

        def begin(client: Client) -> int:
            self.tx = client.tx_start(concurrency, isolation, timeout, label)
            return int(self.tx.tx_id)

        return self.call(begin)

    def send_commit(self) -> Pending:
        return self.run(lambda c: self.tx.commit())

    def commit(self) -> Outcome:
        return self.send_commit().result()

    def rollback(self) -> Outcome:
        return self.call(lambda c: self.tx.rollback())

    def _sockets(self) -> list[socket.socket]:
        nodes = getattr(self.client, "_nodes", None) or ()
        socks = (getattr(node, "_socket", None) for node in nodes)
        return [s for s in socks if s is not None]

    def disconnect(self) -> None:
        """Shut the client's sockets down (the server sees the connection close).

        The sockets are kept until ``close``: pyignite drops a socket it cannot
        shut down again without closing it.
        """
        for sock in self._sockets():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            self._cut.append(sock)

    def close(self) -> None:
        """Disconnect (a call still waiting returns), close the client and sockets."""
        self.disconnect()
        with contextlib.suppress(Exception):
            self._pool.submit(self.client.close).result(ANSWER_TIMEOUT)
        for sock in self._cut:
            sock.close()
        self._pool.shutdown(wait=False)


class Side:
    """One server under test, with the clients and caches of one scenario.

    ``cache`` creates a cache (the first is ``main``), ``actor`` and ``wire`` open
    clients; ``close`` closes them all, then destroys the caches.

    ``clean`` normalizes an outcome: the scenario's cache names read ``<tag>`` and
    error texts go through ``tx_text``.
    """

    def __init__(self, name: str, address: Address) -> None:
        self.name = name
        self.address = address
        self.main = ""
        self._names: dict[str, str] = {}
        self._actors: list[Actor] = []
        self._wires: list[Wire] = []
        self._setup: Client | None = None

    @property
    def setup(self) -> Client:
        """A client that never starts a transaction (cache set-up and teardown)."""
        if self._setup is None:
            self._setup = Client()
            self._setup.connect(*self.address)
        return self._setup

    def cache(
        self,
        tag: str = "c",
        atomic: bool = False,
        settings: dict[int, Any] | None = None,
    ) -> str:
        """Create a cache named uniquely for ``tag``; the first one is ``main``."""
        name = f"compat-tx-{tag}-{uuid.uuid4().hex[:8]}"
        config = {
            prop.PROP_NAME: name,
            prop.PROP_CACHE_ATOMICITY_MODE: 1 if atomic else 0,
            **(settings or {}),
        }
        self.setup.create_cache(config)
        self._names[name] = f"<{tag}>"
        self.main = self.main or name
        return name

    def actor(self) -> Actor:
        actor = Actor(self)
        self._actors.append(actor)
        return actor

    def wire(self) -> Wire:
        w = Wire(self.address, timeout=ANSWER_TIMEOUT)
        self._wires.append(w)
        return w

    def clean(self, value: Any) -> Any:
        if isinstance(value, str):
            for name, tag in self._names.items():
                value = value.replace(name, tag)
            return tx_text(value)
        if isinstance(value, tuple):
            return tuple(self.clean(v) for v in value)
        if isinstance(value, list):
            return [self.clean(v) for v in value]
        return value

    def close(self) -> None:
        for actor in self._actors:
            actor.close()
        for w in self._wires:
            with contextlib.suppress(OSError):
                w.__exit__()
        if self._setup is not None:
            for name in self._names:
                with contextlib.suppress(Exception):
                    self.setup.get_cache(name).destroy()
            self._setup.close()


Steps = list[tuple[str, Any]]


def check(side: Side, got: Steps, expected: Steps) -> None:
    """The scenario's steps on ``side`` must be the pinned (Ignite) ones."""
    got = side.clean(got)
    if got != expected:
        lines = [
            f"  {label}: {value!r}\n      pinned: {want!r}"
            for (label, value), (_, want) in zip(got, expected, strict=False)
            if value != want
        ]
        if len(got) != len(expected):
            lines.append(f"  {len(got)} steps, {len(expected)} pinned")
        raise AssertionError(
            f"{side.name} differs from the pinned Ignite outcome:\n"
            + "\n".join(lines)
            + f"\nall steps on {side.name}:\n{pprint.pformat(got, width=100)}"
        )


@pytest.fixture(params=[EMBERGRID, pytest.param(IGNITE, marks=pytest.mark.reference)])
def side(request: pytest.FixtureRequest) -> Iterator[Side]:
    """The server of this case: real-clock embergrid, or the Ignite 2.18 node."""
    if request.param == IGNITE:
        address = request.getfixturevalue("reference")
    else:
        server: ServerThread = request.getfixturevalue("realtime_server")
        address = server.address
    s = Side(request.param, address)
    yield s
    s.close()


@pytest.fixture(
    params=[EMBERGRID, pytest.param("ignite-2.17", marks=pytest.mark.reference)]
)
def sql_side(request: pytest.FixtureRequest) -> Iterator[Side]:
    """Like ``side`` for SQL: real-clock embergrid, or the Ignite 2.17 SQL node."""
    if request.param == EMBERGRID:
        server: ServerThread = request.getfixturevalue("realtime_server")
        address = server.address
    else:
        address = request.getfixturevalue("reference_sql")
    s = Side(request.param, address)
    yield s
    s.close()


# -- raw requests -----------------------------------------------------------------


def simple(result: tuple[Any, ...]) -> Outcome:
    """A ``Wire`` result as ("ok", plain value) or ("error", status, text)."""
    if result[0] != "ok":
        return result
    body = result[1]
    if isinstance(body, txm.TxStartResponse):
        return ("ok", normalize(body.tx_id))
    if isinstance(body, ObjectResponse):
        return ("ok", normalize(decode(body.value)))
    return ("ok", normalize(getattr(body, "value", None)))


def prefix(name: str, tx_id: int | None) -> kv.CachePrefix:
    return kv.CachePrefix(cache_id(name), tx_id=tx_id)


def w_start(
    w: Wire,
    concurrency: int = 1,
    isolation: int = 1,
    timeout: int = 0,
    label: str | None = None,
) -> Outcome:
    return simple(
        w.call(Op.TX_START, txm.TxStart(concurrency, isolation, timeout, label))
    )


def w_end(w: Wire, tx_id: int, commit: bool = True) -> Outcome:
    return simple(w.call(Op.TX_END, txm.TxEnd(tx_id, commit)))


def w_put(
    w: Wire, name: str, key: Any, value: Any, tx_id: int | None = None
) -> Outcome:
    msg = kv.CachePut(prefix(name, tx_id), encode(key), encode(value))
    return simple(w.call(Op.CACHE_PUT, msg))


def w_get(w: Wire, name: str, key: Any, tx_id: int | None = None) -> Outcome:
    return simple(w.call(Op.CACHE_GET, kv.CacheGet(prefix(name, tx_id), encode(key))))


def w_send(w: Wire, op: Op, msg: Any) -> int:
    """Send a request without reading its answer; its request id."""
    rid, data = w.conn.send_request(op, REQUESTS[op][1](msg, w.conn.context))
    w.sock.sendall(data)
    return rid


def w_answers(w: Wire, ops: dict[int, Op]) -> dict[int, Outcome]:
    """Read one answer per request id in ``ops`` (in whatever order they come)."""
    answers: dict[int, Outcome] = {}
    while len(answers) < len(ops):
        event = w._socket._event()
        assert isinstance(event, Response)
        rid = event.header.request_id
        if event.header.ok:
            body = RESPONSES[ops[rid]][0](event.body, w.conn.context)
            answers[rid] = simple(("ok", body))
        else:
            answers[rid] = ("error", event.header.status, event.header.message)
    return answers


def w_quiet(w: Wire) -> bool:
    """True when nothing arrives on ``w`` for ``QUIET`` seconds."""
    w.sock.settimeout(QUIET)
    try:
        w.sock.recv(1, socket.MSG_PEEK)
    except TimeoutError:
        return True
    finally:
        w.sock.settimeout(ANSWER_TIMEOUT)
    return False  # an answer (or the end of the stream) is there


# -- ids, unknown and foreign ids, several transactions per connection ------------


def test_tx_ids_count_per_connection(side: Side) -> None:
    """Tx ids count from 1 on each connection and are never handed out again, even
    after the transaction ended."""
    a, b = side.wire(), side.wire()
    got = [
        ("a start", w_start(a)),
        ("a start", w_start(a)),
        ("a start", w_start(a)),
        ("b start", w_start(b)),
        ("a commit 2", w_end(a, 2)),
        ("a rollback 1", w_end(a, 1, commit=False)),
        ("a start", w_start(a)),
        ("b start", w_start(b)),
    ]
    expected = [
        ("a start", ok(1)),
        ("a start", ok(2)),
        ("a start", ok(3)),
        ("b start", ok(1)),
        ("a commit 2", ok()),
        ("a rollback 1", ok()),
        ("a start", ok(4)),
        ("b start", ok(2)),
    ]
    check(side, got, expected)


def test_commit_twice_then_rollback(side: Side) -> None:
    """A second commit of an ended transaction is 1021; a rollback of it succeeds."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got = [
        ("start", w_start(a)),
        ("put in tx", w_put(a, name, 1, "v", 1)),
        ("commit", w_end(a, 1)),
        ("commit again", w_end(a, 1)),
        ("rollback after commit", w_end(a, 1, commit=False)),
        ("other connection reads", w_get(b, name, 1)),
    ]
    expected = [
        ("start", ok(1)),
        ("put in tx", ok()),
        ("commit", ok()),
        ("commit again", status(1021, not_found(1))),
        ("rollback after commit", ok()),
        ("other connection reads", ok("v")),
    ]
    check(side, got, expected)


UNKNOWN_IDS = [99, 0, -1, 2**31 - 1]


def test_end_of_unknown_tx_ids(side: Side) -> None:
    """Commit of an id the connection never had is 1021 (0 and negatives too);
    rollback of it succeeds silently."""
    w = side.wire()
    got = [(f"commit {i}", w_end(w, i)) for i in UNKNOWN_IDS]
    got += [(f"rollback {i}", w_end(w, i, commit=False)) for i in UNKNOWN_IDS]
    expected = [(f"commit {i}", status(1021, not_found(i))) for i in UNKNOWN_IDS]
    expected += [(f"rollback {i}", ok()) for i in UNKNOWN_IDS]
    check(side, got, expected)


def test_end_of_another_connections_tx_id(side: Side) -> None:
    """Ids are looked up on the connection that sends TX_END: another connection's
    commit of them is 1021 and its rollback a silent no-op; the owner's transaction
    stays open and commits."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got = [
        ("a start", w_start(a)),
        ("a put in tx", w_put(a, name, 1, "A", 1)),
        ("b commit 1", w_end(b, 1)),
        ("b rollback 1", w_end(b, 1, commit=False)),
        ("a reads in tx", w_get(a, name, 1, 1)),
        ("b reads", w_get(b, name, 1)),
        ("a commit", w_end(a, 1)),
        ("b reads after commit", w_get(b, name, 1)),
    ]
    expected = [
        ("a start", ok(1)),
        ("a put in tx", ok()),
        ("b commit 1", status(1021, not_found(1))),
        ("b rollback 1", ok()),
        ("a reads in tx", ok("A")),
        ("b reads", ok(None)),
        ("a commit", ok()),
        ("b reads after commit", ok("A")),
    ]
    check(side, got, expected)


def test_op_with_another_connections_tx_id_runs_outside_it(side: Side) -> None:
    """A cache op carrying a tx id its connection does not have runs as if it had
    none: it applies at once, survives the owner's rollback, and waits for the
    owner's lock like any other writer."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got: Steps = [
        ("a start", w_start(a)),
        ("a put 1 in tx", w_put(a, name, 1, "A", 1)),
        ("b put 2 with a's id", w_put(b, name, 2, "B", 1)),
        ("a reads 2 outside tx", w_get(a, name, 2)),
    ]
    rid = w_send(b, Op.CACHE_PUT, kv.CachePut(prefix(name, 1), encode(1), encode("B1")))
    got.append(("b put 1 with a's id", WAITING if w_quiet(b) else ("answered",)))
    got.append(("a rollback", w_end(a, 1, commit=False)))
    got.append(("b put 1 answer", w_answers(b, {rid: Op.CACHE_PUT})[rid]))
    got.append(("reads 1", w_get(a, name, 1)))
    got.append(("reads 2", w_get(a, name, 2)))
    expected = [
        ("a start", ok(1)),
        ("a put 1 in tx", ok()),
        ("b put 2 with a's id", ok()),
        ("a reads 2 outside tx", ok("B")),
        ("b put 1 with a's id", WAITING),
        ("a rollback", ok()),
        ("b put 1 answer", ok()),
        ("reads 1", ok("B1")),
        ("reads 2", ok("B")),
    ]
    check(side, got, expected)


def test_op_with_a_finished_tx_id(side: Side) -> None:
    """After commit the id is gone: an op still carrying it applies at once, and a
    rollback of the id changes nothing."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got = [
        ("start", w_start(a)),
        ("commit", w_end(a, 1)),
        ("put with the old id", w_put(a, name, 1, "late", 1)),
        ("other connection reads", w_get(b, name, 1)),
        ("rollback of the old id", w_end(a, 1, commit=False)),
        ("other connection reads again", w_get(b, name, 1)),
    ]
    expected = [
        ("start", ok(1)),
        ("commit", ok()),
        ("put with the old id", ok()),
        ("other connection reads", ok("late")),
        ("rollback of the old id", ok()),
        ("other connection reads again", ok("late")),
    ]
    check(side, got, expected)


def test_two_open_transactions_on_one_connection(side: Side) -> None:
    """A second TX_START with a transaction open is fine: each id is its own
    transaction, blind to the other's writes; ending one leaves the other. (Both are
    OPTIMISTIC REPEATABLE_READ: tx1 read key 2 before tx2 committed it, so it keeps
    reading the absent value.)"""
    name = side.cache()
    w = side.wire()
    got = [
        ("start", w_start(w, 0, 1)),
        ("start again", w_start(w, 0, 1)),
        ("tx1 put 1", w_put(w, name, 1, "T1", 1)),
        ("tx2 put 2", w_put(w, name, 2, "T2", 2)),
        ("tx1 reads 2", w_get(w, name, 2, 1)),
        ("tx2 reads 1", w_get(w, name, 1, 2)),
        ("tx1 reads 1", w_get(w, name, 1, 1)),
        ("no tx reads 1", w_get(w, name, 1)),
        ("commit tx2", w_end(w, 2)),
        ("tx1 reads 2 after tx2 commit", w_get(w, name, 2, 1)),
        ("rollback tx1", w_end(w, 1, commit=False)),
        ("reads 1", w_get(w, name, 1)),
        ("reads 2", w_get(w, name, 2)),
    ]
    expected = [
        ("start", ok(1)),
        ("start again", ok(2)),
        ("tx1 put 1", ok()),
        ("tx2 put 2", ok()),
        ("tx1 reads 2", ok(None)),
        ("tx2 reads 1", ok(None)),
        ("tx1 reads 1", ok("T1")),
        ("no tx reads 1", ok(None)),
        ("commit tx2", ok()),
        ("tx1 reads 2 after tx2 commit", ok(None)),
        ("rollback tx1", ok()),
        ("reads 1", ok(None)),
        ("reads 2", ok("T2")),
    ]
    check(side, got, expected)


def test_second_tx_on_one_connection_waits_for_the_first(side: Side) -> None:
    """Two pessimistic transactions of one connection contend like two clients: the
    second's read of a key the first wrote waits, and the connection still takes
    the first's commit (pipelined), after which the read answers the committed
    value. Answers are compared by request id, whatever their order."""
    name = side.cache()
    w = side.wire()
    got: Steps = [
        ("start", w_start(w)),
        ("start again", w_start(w)),
        ("tx1 put", w_put(w, name, 1, "T1", 1)),
    ]
    read = w_send(w, Op.CACHE_GET, kv.CacheGet(prefix(name, 2), encode(1)))
    got.append(("tx2 get", WAITING if w_quiet(w) else ("answered",)))
    end = w_send(w, Op.TX_END, txm.TxEnd(1, True))
    answers = w_answers(w, {read: Op.CACHE_GET, end: Op.TX_END})
    got += [
        ("tx2 get answer", answers[read]),
        ("tx1 commit answer", answers[end]),
        ("tx2 put", w_put(w, name, 1, "T2", 2)),
        ("tx2 commit", w_end(w, 2)),
        ("reads", w_get(w, name, 1)),
    ]
    expected = [
        ("start", ok(1)),
        ("start again", ok(2)),
        ("tx1 put", ok()),
        ("tx2 get", WAITING),
        ("tx2 get answer", ok("T1")),
        ("tx1 commit answer", ok()),
        ("tx2 put", ok()),
        ("tx2 commit", ok()),
        ("reads", ok("T2")),
    ]
    check(side, got, expected)


def test_open_transaction_limit_per_connection(side: Side) -> None:
    """100 open transactions per connection; the 101st start is 1020 and still
    uses up an id; other connections are not limited; ending one frees a place."""
    a, b = side.wire(), side.wire()
    got: Steps = [("100 starts", [w_start(a) for _ in range(100)])]
    got += [
        ("101st start", w_start(a)),
        ("102nd start", w_start(a)),
        ("other connection starts", w_start(b)),
        ("commit 1", w_end(a, 1)),
        ("start", w_start(a)),
        ("start over the limit", w_start(a)),
        ("rollback 50", w_end(a, 50, commit=False)),
        ("start", w_start(a)),
    ]
    expected = [
        ("100 starts", [ok(i) for i in range(1, 101)]),
        ("101st start", status(1020, TX_LIMIT)),
        ("102nd start", status(1020, TX_LIMIT)),
        ("other connection starts", ok(1)),
        ("commit 1", ok()),
        ("start", ok(103)),
        ("start over the limit", status(1020, TX_LIMIT)),
        ("rollback 50", ok()),
        ("start", ok(105)),
    ]
    check(side, got, expected)


START_ARGS = [
    (0, 0, 0, None),
    (0, 1, 0, "opt-rr"),
    (0, 2, 0, ""),
    (1, 0, 0, "pess-rc"),
    (1, 1, 0, None),
    (1, 2, 0, "pess-ser"),
    (1, 1, -1, "negative timeout"),
]


def test_tx_start_arguments(side: Side) -> None:
    """Every concurrency/isolation pair, labels (none, empty), timeout 0 and a
    negative one (no timeout either): each start answers an id, and a put/get/commit
    in the transaction works."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got: Steps = []
    for i, (conc, iso, timeout, label) in enumerate(START_ARGS, start=1):
        got += [
            (
                f"start {conc}/{iso}/{timeout}/{label!r}",
                w_start(a, conc, iso, timeout, label),
            ),
            ("put", w_put(a, name, i, f"v{i}", i)),
            ("get", w_get(a, name, i, i)),
            ("commit", w_end(a, i)),
            ("other reads", w_get(b, name, i)),
        ]
    expected: Steps = []
    for i, (conc, iso, timeout, label) in enumerate(START_ARGS, start=1):
        expected += [
            (f"start {conc}/{iso}/{timeout}/{label!r}", ok(i)),
            ("put", ok()),
            ("get", ok(f"v{i}")),
            ("commit", ok()),
            ("other reads", ok(f"v{i}")),
        ]
    check(side, got, expected)


def test_tx_start_out_of_range_codes(side: Side) -> None:
    """Concurrency and isolation codes past the enums are accepted (Ignite keeps them
    as null): concurrency 2 takes no lock when it reads (like OPTIMISTIC), a
    PESSIMISTIC transaction with isolation 3 locks what it reads (like
    REPEATABLE_READ); both commit."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got: Steps = [
        ("setup", w_put(b, name, 1, "v0")),
        ("start 2/1", w_start(a, 2, 1)),
        ("get", w_get(a, name, 1, 1)),
        ("other put", w_put(b, name, 1, "B")),
        ("put", w_put(a, name, 2, "A", 1)),
        ("commit", w_end(a, 1)),
        ("start 1/3", w_start(a, 1, 3)),
        ("get", w_get(a, name, 1, 2)),
    ]
    rid = w_send(
        b, Op.CACHE_PUT, kv.CachePut(prefix(name, None), encode(1), encode("C"))
    )
    got += [
        ("other put", WAITING if w_quiet(b) else ("answered",)),
        ("commit", w_end(a, 2)),
        ("other put answer", w_answers(b, {rid: Op.CACHE_PUT})[rid]),
        ("reads", w_get(b, name, 1)),
    ]
    expected = [
        ("setup", ok()),
        ("start 2/1", ok(1)),
        ("get", ok("v0")),
        ("other put", ok()),
        ("put", ok()),
        ("commit", ok()),
        ("start 1/3", ok(2)),
        ("get", ok("B")),
        ("other put", WAITING),
        ("commit", ok()),
        ("other put answer", ok()),
        ("reads", ok("C")),
    ]
    check(side, got, expected)


# -- timeouts and lock waits over raw connections (status codes) ------------------


def test_tx_timeout_status_and_text(side: Side) -> None:
    """Past its timeout a transaction is rolled back: every later op in it and its
    commit fail with status 1 and the "timed out" text; the id is then gone."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got: Steps = [
        ("start", w_start(a, 1, 1, 1000, "raw")),
        ("put in tx", w_put(a, name, 1, "x", 1)),
    ]
    time.sleep(2.0)
    got += [
        ("get in tx", w_get(a, name, 1, 1)),
        ("put in tx", w_put(a, name, 2, "y", 1)),
        ("commit", w_end(a, 1)),
        ("commit again", w_end(a, 1)),
        ("rollback", w_end(a, 1, commit=False)),
        ("reads 1", w_get(b, name, 1)),
        ("reads 2", w_get(b, name, 2)),
    ]
    expected = [
        ("start", ok(1)),
        ("put in tx", ok()),
        ("get in tx", status(1, timed_out(1000, "raw"))),
        ("put in tx", status(1, timed_out(1000, "raw"))),
        ("commit", status(1, timed_out(1000, "raw"))),
        ("commit again", status(1021, not_found(1))),
        ("rollback", ok()),
        ("reads 1", ok(None)),
        ("reads 2", ok(None)),
    ]
    check(side, got, expected)


def test_lock_wait_timeout_status_and_text(side: Side) -> None:
    """A pessimistic put waiting for another transaction's lock fails at its own
    timeout (status 1, "Failed to acquire lock"); its transaction is then timed out
    for every later op and the commit; the holder commits normally."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got = [
        ("a start", w_start(a)),
        ("a put", w_put(a, name, 1, "A", 1)),
        ("b start", w_start(b, 1, 1, 1000, "waiter")),
        ("b put waits, then", w_put(b, name, 1, "B", 1)),
        ("b get other key in tx", w_get(b, name, 2, 1)),
        ("b commit", w_end(b, 1)),
        ("b commit again", w_end(b, 1)),
        ("a commit", w_end(a, 1)),
        ("reads", w_get(b, name, 1)),
    ]
    expected = [
        ("a start", ok(1)),
        ("a put", ok()),
        ("b start", ok(1)),
        ("b put waits, then", status(1, lock_timeout(1000, "waiter"))),
        ("b get other key in tx", status(1, timed_out(1000, "waiter"))),
        ("b commit", status(1, timed_out(1000, "waiter"))),
        ("b commit again", status(1021, not_found(1))),
        ("a commit", ok()),
        ("reads", ok("A")),
    ]
    check(side, got, expected)


def test_optimistic_conflict_status_and_text(side: Side) -> None:
    """OPTIMISTIC SERIALIZABLE: a key read by the transaction and changed by another
    client before the commit makes the commit fail (status 1); the id is gone."""
    name = side.cache()
    a, b = side.wire(), side.wire()
    got = [
        ("setup", w_put(b, name, 1, "v0")),
        ("a start", w_start(a, 0, 2)),
        ("a get", w_get(a, name, 1, 1)),
        ("b put", w_put(b, name, 1, "B")),
        ("a put", w_put(a, name, 1, "A", 1)),
        ("a commit", w_end(a, 1)),
        ("a commit again", w_end(a, 1)),
        ("reads", w_get(b, name, 1)),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a get", ok("v0")),
        ("b put", ok()),
        ("a put", ok()),
        (
            "a commit",
            status(1, conflict("1", "java.lang.Long", "B", "java.lang.String")),
        ),
        ("a commit again", status(1021, not_found(1))),
        ("reads", ok("B")),
    ]
    check(side, got, expected)


# -- timeouts and lock waits seen through pyignite --------------------------------


def test_seed_long_tx_timeout(side: Side) -> None:
    """The seed's example: a put, a sleep past the 1 s timeout, then commit raises
    CacheError "Cache transaction timed out: ..." and the cache keeps its value;
    the client goes on with a new transaction (id 2)."""
    name = side.cache()
    a = side.actor()

    def seed(client: Client) -> None:
        cache = client.get_cache(name)
        with client.tx_start(timeout=1000, label="long-tx") as tx:
            cache.put(1, "fail")
            time.sleep(2.0)
            tx.commit()

    got = [
        ("setup", a.kv(lambda k: k.put(1, "v0"))),
        ("seed", a.call(seed)),
        ("reads", a.kv(lambda k: k.get(1))),
        ("next tx", a.start()),
        ("put", a.kv(lambda k: k.put(1, "ok"))),
        ("commit", a.commit()),
        ("reads again", a.kv(lambda k: k.get(1))),
    ]
    expected = [
        ("setup", ok()),
        ("seed", err(timed_out(1000, "long-tx"))),
        ("reads", ok("v0")),
        ("next tx", ok(2)),
        ("put", ok()),
        ("commit", ok()),
        ("reads again", ok("ok")),
    ]
    check(side, got, expected)


def test_timed_out_tx_releases_its_locks(side: Side) -> None:
    """A writer waiting for a lock gets it when the holder's transaction times out,
    without the holder doing anything; the holder's commit then fails."""
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("a start", a.start(timeout=SETUP_MS, label="holder")),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
    ]
    put = b.send(lambda k: k.put(1, "B"))
    got += [
        ("b put", settle(put, blocks=True)),
        ("b put answer", put.result()),
        ("reads", b.kv(lambda k: k.get(1))),
        ("a commit", a.commit()),
    ]
    expected = [
        ("a start", ok(1)),
        ("a put", ok()),
        ("b put", WAITING),
        ("b put answer", ok()),
        ("reads", ok("B")),
        ("a commit", err(timed_out(SETUP_MS, "holder"))),
    ]
    check(side, got, expected)


def test_lock_wait_then_commit(side: Side) -> None:
    """A pessimistic write holds its key until commit: another client's plain put
    waits (its plain get does not and reads the committed value), then applies."""
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("setup", b.kv(lambda k: k.put(1, "v0"))),
        ("a start", a.start()),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
        ("b get", b.kv(lambda k: k.get(1))),
    ]
    put = b.send(lambda k: k.put(1, "B"))
    got += [
        ("b put", settle(put, blocks=True)),
        ("a commit", a.commit()),
        ("b put answer", put.result()),
        ("reads", b.kv(lambda k: k.get(1))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a put", ok()),
        ("b get", ok("v0")),
        ("b put", WAITING),
        ("a commit", ok()),
        ("b put answer", ok()),
        ("reads", ok("B")),
    ]
    check(side, got, expected)


def test_lock_wait_then_rollback(side: Side) -> None:
    """A transaction waiting for a key gets it when the holder rolls back, and then
    sees the committed value, not the rolled-back one."""
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("setup", b.kv(lambda k: k.put(1, "v0"))),
        ("a start", a.start()),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
        ("b start", b.start()),
    ]
    swap = b.send(lambda k: k.get_and_put(1, "B"))
    got += [
        ("b get_and_put", settle(swap, blocks=True)),
        ("a rollback", a.rollback()),
        ("b get_and_put answer", swap.result()),
        ("b commit", b.commit()),
        ("reads", a.kv(lambda k: k.get(1))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a put", ok()),
        ("b start", ok(1)),
        ("b get_and_put", WAITING),
        ("a rollback", ok()),
        ("b get_and_put answer", ok("v0")),
        ("b commit", ok()),
        ("reads", ok("B")),
    ]
    check(side, got, expected)


def test_deadlock_with_timeouts(side: Side) -> None:
    """Two pessimistic transactions lock 1 and 2, then each wants the other's key.
    The one with the shorter timeout fails with "Failed to acquire lock" (no
    deadlock report in the text) and is rolled back; the other then gets its lock
    and commits."""
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("a start", a.start(timeout=SETUP_MS, label="A")),
        ("b start", b.start(timeout=60000, label="B")),
        ("a put 1", a.kv(lambda k: k.put(1, "A1"))),
        ("b put 2", b.kv(lambda k: k.put(2, "B2"))),
    ]
    a_put = a.send(lambda k: k.put(2, "A2"))
    got.append(("a put 2", settle(a_put, blocks=True)))
    b_put = b.send(lambda k: k.put(1, "B1"))
    got += [
        ("b put 1", settle(b_put, blocks=True)),
        ("a put 2 answer", a_put.result()),
        ("b put 1 answer", b_put.result()),
        ("a commit", a.commit()),
        ("b commit", b.commit()),
        ("reads", b.kv(lambda k: sorted(k.get_all([1, 2]).items()))),
    ]
    expected = [
        ("a start", ok(1)),
        ("b start", ok(1)),
        ("a put 1", ok()),
        ("b put 2", ok()),
        ("a put 2", WAITING),
        ("b put 1", WAITING),
        ("a put 2 answer", err(lock_timeout(SETUP_MS, "A"))),
        ("b put 1 answer", ok()),
        ("a commit", err(timed_out(SETUP_MS, "A"))),
        ("b commit", ok()),
        ("reads", ok([(1, "B1"), (2, "B2")])),
    ]
    check(side, got, expected)


def closed(pending: Pending) -> Outcome:
    """A call cut off by ``Actor.disconnect``: ``CLOSED`` when it failed."""
    result = pending.result()
    return CLOSED if result[0] == "error" else result


def test_deadlock_broken_by_disconnect(side: Side) -> None:
    """Two transactions without timeouts in a deadlock wait forever; closing one
    client's socket rolls its transaction back and the other proceeds."""
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("a start", a.start()),
        ("b start", b.start()),
        ("a put 1", a.kv(lambda k: k.put(1, "A1"))),
        ("b put 2", b.kv(lambda k: k.put(2, "B2"))),
    ]
    a_put = a.send(lambda k: k.put(2, "A2"))
    got.append(("a put 2", settle(a_put, blocks=True)))
    b_put = b.send(lambda k: k.put(1, "B1"))
    got.append(("b put 1", settle(b_put, blocks=True)))
    a.disconnect()
    got += [
        ("a put 2 answer", closed(a_put)),
        ("b put 1 answer", b_put.result()),
        ("b commit", b.commit()),
        ("reads", b.kv(lambda k: sorted(k.get_all([1, 2]).items()))),
    ]
    expected = [
        ("a start", ok(1)),
        ("b start", ok(1)),
        ("a put 1", ok()),
        ("b put 2", ok()),
        ("a put 2", WAITING),
        ("b put 1", WAITING),
        ("a put 2 answer", CLOSED),
        ("b put 1 answer", ok()),
        ("b commit", ok()),
        ("reads", ok([(1, "B1"), (2, "B2")])),
    ]
    check(side, got, expected)


def test_disconnect_rolls_back_uncommitted_writes(side: Side) -> None:
    """A client that closes its socket mid-transaction leaves nothing behind: its
    writes are rolled back and another transaction can lock the keys."""
    side.cache()
    a, b = side.actor(), side.actor()
    view = [1, 2, 3]
    got: Steps = [
        ("setup", b.kv(lambda k: k.put_all({1: "v1", 2: "v2"}))),
        ("a start", a.start()),
        ("a put 1", a.kv(lambda k: k.put(1, "A1"))),
        ("a remove 2", a.kv(lambda k: k.remove_key(2))),
        ("a put 3", a.kv(lambda k: k.put(3, "A3"))),
        ("b reads", b.kv(lambda k: sorted(k.get_all(view).items()))),
    ]
    a.disconnect()
    got += [
        ("b start", b.start(timeout=60000)),
        ("b get_and_put 1", b.kv(lambda k: k.get_and_put(1, "B1"))),
        ("b get_and_put 2", b.kv(lambda k: k.get_and_put(2, "B2"))),
        ("b commit", b.commit()),
        ("reads", b.kv(lambda k: sorted(k.get_all(view).items()))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a put 1", ok()),
        ("a remove 2", ok(True)),
        ("a put 3", ok()),
        ("b reads", ok([(1, "v1"), (2, "v2")])),
        ("b start", ok(1)),
        ("b get_and_put 1", ok("v1")),
        ("b get_and_put 2", ok("v2")),
        ("b commit", ok()),
        ("reads", ok([(1, "B1"), (2, "B2")])),
    ]
    check(side, got, expected)


def test_disconnect_releases_lock_for_waiter(side: Side) -> None:
    """A plain put waiting for a lock proceeds when the holder's socket closes."""
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("a start", a.start()),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
    ]
    put = b.send(lambda k: k.put(1, "B"))
    got.append(("b put", settle(put, blocks=True)))
    a.disconnect()
    got += [
        ("b put answer", put.result()),
        ("reads", b.kv(lambda k: k.get(1))),
    ]
    expected = [
        ("a start", ok(1)),
        ("a put", ok()),
        ("b put", WAITING),
        ("b put answer", ok()),
        ("reads", ok("B")),
    ]
    check(side, got, expected)


def test_timeout_zero_means_none(side: Side) -> None:
    """Timeout 0 is no timeout: a transaction idle past a second still commits."""
    side.cache()
    a = side.actor()
    got: Steps = [
        ("start", a.start(timeout=0)),
        ("put", a.kv(lambda k: k.put(1, "v"))),
    ]
    time.sleep(1.5)
    got += [("commit", a.commit()), ("reads", a.kv(lambda k: k.get(1)))]
    expected = [
        ("start", ok(1)),
        ("put", ok()),
        ("commit", ok()),
        ("reads", ok("v")),
    ]
    check(side, got, expected)


def test_optimistic_commit_waits_for_a_pessimistic_lock(side: Side) -> None:
    """An optimistic write takes no lock until commit: the put answers at once, the
    commit waits for the pessimistic holder and then applies."""
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("a start", a.start()),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
        ("b start", b.start(OPTIMISTIC, REPEATABLE_READ)),
        ("b put", b.kv(lambda k: k.put(1, "B"))),
    ]
    commit = b.send_commit()
    got += [
        ("b commit", settle(commit, blocks=True)),
        ("a commit", a.commit()),
        ("b commit answer", commit.result()),
        ("reads", a.kv(lambda k: k.get(1))),
    ]
    expected = [
        ("a start", ok(1)),
        ("a put", ok()),
        ("b start", ok(1)),
        ("b put", ok()),
        ("b commit", WAITING),
        ("a commit", ok()),
        ("b commit answer", ok()),
        ("reads", ok("B")),
    ]
    check(side, got, expected)


def test_optimistic_commit_lock_timeout(side: Side) -> None:
    """An optimistic commit waiting for a lock fails at the transaction's timeout
    (counted from its start) with "Failed to acquire lock"; nothing of it applies."""
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("a start", a.start()),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
        ("b start", b.start(OPTIMISTIC, REPEATABLE_READ, SETUP_MS, "opt")),
        ("b put 1", b.kv(lambda k: k.put(1, "B"))),
        ("b put 2", b.kv(lambda k: k.put(2, "B"))),
        ("b commit", b.commit()),
        ("a commit", a.commit()),
        ("reads", a.kv(lambda k: sorted(k.get_all([1, 2]).items()))),
    ]
    expected = [
        ("a start", ok(1)),
        ("a put", ok()),
        ("b start", ok(1)),
        ("b put 1", ok()),
        ("b put 2", ok()),
        ("b commit", err(lock_timeout(SETUP_MS, "opt", concurrency="OPTIMISTIC"))),
        ("a commit", ok()),
        ("reads", ok([(1, "A")])),
    ]
    check(side, got, expected)


# -- optimistic SERIALIZABLE conflicts ---------------------------------------------

# case: (key, value before (None: absent), the other client's change, the change's
# result, the value after it, the commit's error text)
CHANGES: dict[str, tuple[Any, Any, Callable[[Cache, Any], Any], Outcome, Any, str]] = {
    "changed": (
        1,
        "v0",
        lambda k, key: k.put(key, "B"),
        ok(),
        "B",
        conflict("1", "java.lang.Long", "B", "java.lang.String"),
    ),
    "removed": (
        1,
        "v0",
        lambda k, key: k.remove_key(key),
        ok(True),
        None,
        conflict("1", "java.lang.Long", "null", None),
    ),
    "inserted": (
        1,
        None,
        lambda k, key: k.put(key, 7),
        ok(),
        7,
        conflict("1", "java.lang.Long", "7", "java.lang.Long"),
    ),
    "string key": (
        "s",
        "v0",
        lambda k, key: k.put(key, "B"),
        ok(),
        "B",
        conflict("s", "java.lang.String", "B", "java.lang.String"),
    ),
    "double key and value": (
        0.1,
        "v0",
        lambda k, key: k.put(key, 1e-7),
        ok(),
        1e-7,
        conflict("0.1", "java.lang.Double", "1.0E-7", "java.lang.Double"),
    ),
}


@pytest.mark.parametrize("case", list(CHANGES))
def test_optimistic_serializable_conflict(side: Side, case: str) -> None:
    """A key read in an OPTIMISTIC SERIALIZABLE transaction and changed (or removed,
    or created) by another client fails the commit with a read/write conflict that
    names the key, the value now in the cache and their Java classes."""
    key, before, change, changed, after, text = CHANGES[case]
    side.cache()
    a, b = side.actor(), side.actor()
    if before is not None:
        b.kv(lambda k: k.put(key, before))
    got = [
        ("a start", a.start(OPTIMISTIC, SERIALIZABLE)),
        ("a get", a.kv(lambda k: k.get(key))),
        ("b changes it", b.kv(lambda k: change(k, key))),
        ("a put", a.kv(lambda k: k.put(key, "A"))),
        ("a commit", a.commit()),
        ("reads", b.kv(lambda k: k.get(key))),
    ]
    expected = [
        ("a start", ok(1)),
        ("a get", ok(before)),
        ("b changes it", changed),
        ("a put", ok()),
        ("a commit", err(text)),
        ("reads", ok(after)),
    ]
    check(side, got, expected)


def test_optimistic_serializable_read_only_conflict(side: Side) -> None:
    """A read-only OPTIMISTIC SERIALIZABLE transaction also fails its commit when a
    key it read changed meanwhile."""
    side.cache()
    a, b = side.actor(), side.actor()
    got = [
        ("setup", b.kv(lambda k: k.put(1, "v0"))),
        ("a start", a.start(OPTIMISTIC, SERIALIZABLE)),
        ("a get", a.kv(lambda k: k.get(1))),
        ("b put", b.kv(lambda k: k.put(1, "B"))),
        ("a commit", a.commit()),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a get", ok("v0")),
        ("b put", ok()),
        ("a commit", err(conflict("1", "java.lang.Long", "B", "java.lang.String"))),
    ]
    check(side, got, expected)


def test_optimistic_serializable_blind_write(side: Side) -> None:
    """A key written but never read is not checked: the commit succeeds and
    overwrites the other client's value."""
    side.cache()
    a, b = side.actor(), side.actor()
    got = [
        ("setup", b.kv(lambda k: k.put(1, "v0"))),
        ("a start", a.start(OPTIMISTIC, SERIALIZABLE)),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
        ("b put", b.kv(lambda k: k.put(1, "B"))),
        ("a commit", a.commit()),
        ("reads", b.kv(lambda k: k.get(1))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a put", ok()),
        ("b put", ok()),
        ("a commit", ok()),
        ("reads", ok("A")),
    ]
    check(side, got, expected)


def test_optimistic_serializable_two_writers(side: Side) -> None:
    """Two OPTIMISTIC SERIALIZABLE transactions read and write one key: the first
    commit wins, the second fails with the conflict."""
    side.cache()
    a, b = side.actor(), side.actor()
    got = [
        ("setup", b.kv(lambda k: k.put(1, "v0"))),
        ("a start", a.start(OPTIMISTIC, SERIALIZABLE)),
        ("b start", b.start(OPTIMISTIC, SERIALIZABLE)),
        ("a get", a.kv(lambda k: k.get(1))),
        ("b get", b.kv(lambda k: k.get(1))),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
        ("b put", b.kv(lambda k: k.put(1, "B"))),
        ("b commit", b.commit()),
        ("a commit", a.commit()),
        ("reads", b.kv(lambda k: k.get(1))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("b start", ok(1)),
        ("a get", ok("v0")),
        ("b get", ok("v0")),
        ("a put", ok()),
        ("b put", ok()),
        ("b commit", ok()),
        ("a commit", err(conflict("1", "java.lang.Long", "B", "java.lang.String"))),
        ("reads", ok("B")),
    ]
    check(side, got, expected)


# -- isolation levels: what another client's write does to a transaction ----------

MODES = [
    (c, i)
    for c in (PESSIMISTIC, OPTIMISTIC)
    for i in (READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE)
]
MODE_IDS = [f"{c.name.lower()}-{i.name.lower()}" for c, i in MODES]
# Does a pessimistic read lock the key (another client's put then waits)?
READ_LOCKS = {
    (PESSIMISTIC, READ_COMMITTED): False,
    (PESSIMISTIC, REPEATABLE_READ): True,
    (PESSIMISTIC, SERIALIZABLE): True,
}


@pytest.mark.parametrize(("concurrency", "isolation"), MODES, ids=MODE_IDS)
def test_read_twice(
    side: Side, concurrency: TransactionConcurrency, isolation: TransactionIsolation
) -> None:
    """A transaction reads a key twice around another client's put. READ_COMMITTED
    sees the new value (non-repeatable read allowed); REPEATABLE_READ and
    SERIALIZABLE read the first value again: pessimistic ones by locking the key at
    the first read (the put waits for the commit), optimistic ones from the
    transaction's own copy (the put goes through; SERIALIZABLE then fails the
    commit)."""
    blocks = READ_LOCKS.get((concurrency, isolation), False)
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("setup", b.kv(lambda k: k.put(1, "v0"))),
        ("a start", a.start(concurrency, isolation)),
        ("a first read", a.kv(lambda k: k.get(1))),
    ]
    put = b.send(lambda k: k.put(1, "v1"))
    got += [
        ("b put", settle(put, blocks)),
        ("a second read", a.kv(lambda k: k.get(1))),
        ("a commit", a.commit()),
        ("b put answer", put.result()),
        ("reads", b.kv(lambda k: k.get(1))),
    ]
    repeatable = isolation != READ_COMMITTED
    fails = concurrency == OPTIMISTIC and isolation == SERIALIZABLE
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a first read", ok("v0")),
        ("b put", WAITING if blocks else ok()),
        ("a second read", ok("v0" if repeatable else "v1")),
        (
            "a commit",
            err(conflict("1", "java.lang.Long", "v1", "java.lang.String"))
            if fails
            else ok(),
        ),
        ("b put answer", ok()),
        ("reads", ok("v1")),
    ]
    check(side, got, expected)


@pytest.mark.parametrize(("concurrency", "isolation"), MODES, ids=MODE_IDS)
def test_read_modify_write(
    side: Side, concurrency: TransactionConcurrency, isolation: TransactionIsolation
) -> None:
    """Read, another client's put, write the first read plus a suffix, commit: lost
    update under READ_COMMITTED and optimistic REPEATABLE_READ (the transaction's
    value wins); pessimistic REPEATABLE_READ/SERIALIZABLE make the other put wait
    and apply after; optimistic SERIALIZABLE fails the commit."""
    blocks = READ_LOCKS.get((concurrency, isolation), False)
    side.cache()
    a, b = side.actor(), side.actor()
    seen: dict[str, Any] = {}
    got: Steps = [
        ("setup", b.kv(lambda k: k.put(1, "w0"))),
        ("a start", a.start(concurrency, isolation)),
        ("a read", a.kv(lambda k: seen.setdefault("v", k.get(1)))),
    ]
    put = b.send(lambda k: k.put(1, "w1"))
    got += [
        ("b put", settle(put, blocks)),
        ("a write", a.kv(lambda k: k.put(1, f"{seen.get('v')}+A"))),
        ("a commit", a.commit()),
        ("b put answer", put.result()),
        ("reads", b.kv(lambda k: k.get(1))),
    ]
    fails = concurrency == OPTIMISTIC and isolation == SERIALIZABLE
    lost = not blocks and not fails
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a read", ok("w0")),
        ("b put", WAITING if blocks else ok()),
        ("a write", ok()),
        (
            "a commit",
            err(conflict("1", "java.lang.Long", "w1", "java.lang.String"))
            if fails
            else ok(),
        ),
        ("b put answer", ok()),
        ("reads", ok("w0+A" if lost else "w1")),
    ]
    check(side, got, expected)


# -- which pessimistic reads lock ----------------------------------------------------

READS: dict[str, tuple[TransactionIsolation, Any, Callable[[Cache], Any], bool]] = {
    # case: (isolation, key another client then writes, the read, does it lock)
    "get": (REPEATABLE_READ, 1, lambda k: k.get(1), True),
    "get-absent-key": (REPEATABLE_READ, 9, lambda k: k.get(9), True),
    "get_all": (REPEATABLE_READ, 2, lambda k: sorted(k.get_all([1, 2]).items()), True),
    "get-serializable": (SERIALIZABLE, 1, lambda k: k.get(1), True),
    "get-read-committed": (READ_COMMITTED, 1, lambda k: k.get(1), False),
    "contains_key": (REPEATABLE_READ, 1, lambda k: k.contains_key(1), False),
    "contains_keys": (REPEATABLE_READ, 1, lambda k: k.contains_keys([1, 2]), False),
    "get_size": (REPEATABLE_READ, 1, lambda k: k.get_size(), False),
    "scan": (REPEATABLE_READ, 1, lambda k: sorted(k.scan()), False),
}
READ_RESULTS = {
    "get": "v1",
    "get-absent-key": None,
    "get_all": [(1, "v1"), (2, "v2")],
    "get-serializable": "v1",
    "get-read-committed": "v1",
    "contains_key": True,
    "contains_keys": True,
    "get_size": 2,
    "scan": [(1, "v1"), (2, "v2")],
}


@pytest.mark.parametrize("case", list(READS))
def test_pessimistic_reads_that_lock(side: Side, case: str) -> None:
    """In a PESSIMISTIC transaction, get/get_all lock the keys they read (absent
    ones too) under REPEATABLE_READ and SERIALIZABLE, so another client's put waits
    for the commit; READ_COMMITTED gets, contains_key(s), get_size and scans lock
    nothing."""
    isolation, key, read, locks = READS[case]
    side.cache()
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("setup", b.kv(lambda k: k.put_all({1: "v1", 2: "v2"}))),
        ("a start", a.start(PESSIMISTIC, isolation)),
        ("a read", a.kv(read)),
    ]
    put = b.send(lambda k: k.put(key, "B"))
    got += [
        ("b put", settle(put, locks)),
        ("a commit", a.commit()),
        ("b put answer", put.result()),
        ("reads", b.kv(lambda k: k.get(key))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a read", ok(READ_RESULTS[case])),
        ("b put", WAITING if locks else ok()),
        ("a commit", ok()),
        ("b put answer", ok()),
        ("reads", ok("B")),
    ]
    check(side, got, expected)


# -- what a transaction and the others see ------------------------------------------


def view(k: Cache) -> list[Any]:
    """Keys 1, 2 and 5 as get_all, contains_key and get_size see them."""
    return [
        sorted(k.get_all([1, 2, 5]).items()),
        k.contains_key(1),
        k.contains_key(5),
        k.get_size(),
    ]


BEFORE = [[(1, "v1"), (2, "v2")], True, False, 2]
EMPTY = [[], False, False, 0]


def with_view(pairs: list[tuple[int, str]], has1: bool, has5: bool) -> list[Any]:
    return [pairs, has1, has5, 2]  # get_size counts committed entries only


# op: (the op, its result, the tx's own view after it (None: BEFORE), does it apply
# at once, outside the transaction and for good)
KV_OPS: dict[str, tuple[Callable[[Cache], Any], Outcome, list[Any] | None, bool]] = {
    "get": (lambda k: k.get(1), ok("v1"), None, False),
    "put": (
        lambda k: k.put(1, "new"),
        ok(),
        with_view([(1, "new"), (2, "v2")], True, False),
        False,
    ),
    "put-new-key": (
        lambda k: k.put(5, "new"),
        ok(),
        with_view([(1, "v1"), (2, "v2"), (5, "new")], True, True),
        False,
    ),
    "get_all": (
        lambda k: sorted(k.get_all([1, 2, 5]).items()),
        ok([(1, "v1"), (2, "v2")]),
        None,
        False,
    ),
    "put_all": (
        lambda k: k.put_all({1: "n1", 5: "n5"}),
        ok(),
        with_view([(1, "n1"), (2, "v2"), (5, "n5")], True, True),
        False,
    ),
    "replace": (
        lambda k: k.replace(1, "rep"),
        ok(True),
        with_view([(1, "rep"), (2, "v2")], True, False),
        False,
    ),
    "replace-absent": (lambda k: k.replace(5, "rep"), ok(False), None, False),
    "replace_if_equals": (
        lambda k: k.replace_if_equals(1, "v1", "rie"),
        ok(True),
        with_view([(1, "rie"), (2, "v2")], True, False),
        False,
    ),
    "replace_if_equals-mismatch": (
        lambda k: k.replace_if_equals(1, "zz", "rie"),
        ok(False),
        None,
        False,
    ),
    "remove_key": (
        lambda k: k.remove_key(1),
        ok(True),
        with_view([(2, "v2")], False, False),
        False,
    ),
    "remove_if_equals": (
        lambda k: k.remove_if_equals(1, "v1"),
        ok(True),
        with_view([(2, "v2")], False, False),
        False,
    ),
    "remove_keys": (
        lambda k: k.remove_keys([1, 2]),
        ok(),
        with_view([], False, False),
        False,
    ),
    "get_and_put": (
        lambda k: k.get_and_put(1, "gap"),
        ok("v1"),
        with_view([(1, "gap"), (2, "v2")], True, False),
        False,
    ),
    "get_and_replace": (
        lambda k: k.get_and_replace(1, "gar"),
        ok("v1"),
        with_view([(1, "gar"), (2, "v2")], True, False),
        False,
    ),
    "get_and_remove": (
        lambda k: k.get_and_remove(1),
        ok("v1"),
        with_view([(2, "v2")], False, False),
        False,
    ),
    "put_if_absent": (
        lambda k: k.put_if_absent(5, "pia"),
        ok(True),
        with_view([(1, "v1"), (2, "v2"), (5, "pia")], True, True),
        False,
    ),
    "put_if_absent-present": (
        lambda k: k.put_if_absent(1, "pia"),
        ok(False),
        None,
        False,
    ),
    "get_and_put_if_absent": (
        lambda k: k.get_and_put_if_absent(5, "gapia"),
        ok(None),
        with_view([(1, "v1"), (2, "v2"), (5, "gapia")], True, True),
        False,
    ),
    "get_and_put_if_absent-present": (
        lambda k: k.get_and_put_if_absent(1, "gapia"),
        ok("v1"),
        None,
        False,
    ),
    "contains_key": (lambda k: k.contains_key(1), ok(True), None, False),
    "contains_keys": (lambda k: k.contains_keys([1, 2]), ok(True), None, False),
    "get_size": (lambda k: k.get_size(), ok(2), None, False),
    "clear_key": (lambda k: k.clear_key(1), err(CLEAR_IN_TX), None, False),
    "clear_keys": (lambda k: k.clear_keys([1]), err(CLEAR_IN_TX), None, False),
    "clear": (lambda k: k.clear(), ok(), EMPTY, True),
    "remove_all": (lambda k: k.remove_all(), ok(), EMPTY, True),
}
CONCURRENCY = {
    "pessimistic": (PESSIMISTIC, REPEATABLE_READ),
    "optimistic": (OPTIMISTIC, SERIALIZABLE),
}


@pytest.mark.parametrize("concurrency", list(CONCURRENCY))
@pytest.mark.parametrize("op", list(KV_OPS))
def test_read_your_own_writes(side: Side, op: str, concurrency: str) -> None:
    """Each key-value op inside a transaction: its result, then what the same
    transaction reads (its own writes; get_size counts committed entries only),
    what another client reads (the committed state) and what is left after a
    rollback. clear_key(s) fail inside a transaction; clear and remove_all are not
    transactional: they apply at once and survive the rollback."""
    fn, result, inside, immediate = KV_OPS[op]
    side.cache()
    a, b = side.actor(), side.actor()
    got = [
        ("setup", b.kv(lambda k: k.put_all({1: "v1", 2: "v2"}))),
        ("start", a.start(*CONCURRENCY[concurrency])),
        (op, a.kv(fn)),
        ("tx reads", a.kv(view)),
        ("other reads", b.kv(view)),
        ("rollback", a.rollback()),
        ("reads after rollback", b.kv(view)),
    ]
    outside = EMPTY if immediate else BEFORE
    expected = [
        ("setup", ok()),
        ("start", ok(1)),
        (op, result),
        ("tx reads", ok(inside or BEFORE)),
        ("other reads", ok(outside)),
        ("rollback", ok()),
        ("reads after rollback", ok(outside)),
    ]
    check(side, got, expected)


@pytest.mark.parametrize("concurrency", list(CONCURRENCY))
def test_writes_invisible_until_commit(side: Side, concurrency: str) -> None:
    """Another client sees none of a transaction's writes (get_all, contains_key,
    get_size, scan) until it commits, then all of them."""
    side.cache()
    a, b = side.actor(), side.actor()

    def seen(k: Cache) -> list[Any]:
        return [
            sorted(k.get_all([1, 2, 3, 4]).items()),
            k.contains_key(3),
            k.get_size(),
            sorted(k.scan()),
        ]

    got = [
        ("setup", b.kv(lambda k: k.put_all({1: "v1", 2: "v2"}))),
        ("a start", a.start(*CONCURRENCY[concurrency])),
        ("a put", a.kv(lambda k: k.put(1, "A1"))),
        ("a remove", a.kv(lambda k: k.remove_key(2))),
        ("a put new", a.kv(lambda k: k.put(3, "A3"))),
        ("a put_all", a.kv(lambda k: k.put_all({4: "A4"}))),
        ("b reads", b.kv(seen)),
        ("a commit", a.commit()),
        ("b reads after commit", b.kv(seen)),
    ]
    committed = [(1, "v1"), (2, "v2")]
    written = [(1, "A1"), (3, "A3"), (4, "A4")]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a put", ok()),
        ("a remove", ok(True)),
        ("a put new", ok()),
        ("a put_all", ok()),
        ("b reads", ok([committed, False, 2, committed])),
        ("a commit", ok()),
        ("b reads after commit", ok([written, True, 3, written])),
    ]
    check(side, got, expected)


def test_scan_and_size_inside_tx_see_committed_state(side: Side) -> None:
    """A scan and get_size inside a transaction ignore its own uncommitted writes
    (get and contains_key do see them)."""
    side.cache()
    a = side.actor()
    got = [
        ("setup", a.kv(lambda k: k.put_all({1: "v1", 2: "v2"}))),
        ("start", a.start()),
        ("put new", a.kv(lambda k: k.put(3, "A3"))),
        ("remove", a.kv(lambda k: k.remove_key(1))),
        ("scan", a.kv(lambda k: sorted(k.scan()))),
        ("get_size", a.kv(lambda k: k.get_size())),
        ("get 3", a.kv(lambda k: k.get(3))),
        ("contains 1", a.kv(lambda k: k.contains_key(1))),
        ("commit", a.commit()),
        ("scan after commit", a.kv(lambda k: sorted(k.scan()))),
    ]
    expected = [
        ("setup", ok()),
        ("start", ok(1)),
        ("put new", ok()),
        ("remove", ok(True)),
        ("scan", ok([(1, "v1"), (2, "v2")])),
        ("get_size", ok(2)),
        ("get 3", ok("A3")),
        ("contains 1", ok(False)),
        ("commit", ok()),
        ("scan after commit", ok([(2, "v2"), (3, "A3")])),
    ]
    check(side, got, expected)


# -- ATOMIC caches inside a transaction ---------------------------------------------

ATOMIC_OPS: dict[str, tuple[Callable[[Cache], Any], Outcome]] = {
    "get": (lambda k: k.get(1), err(ATOMIC_IN_TX)),
    "put": (lambda k: k.put(3, "x"), err(ATOMIC_IN_TX)),
    "get_all": (lambda k: k.get_all([1]), err(ATOMIC_IN_TX)),
    "put_all": (lambda k: k.put_all({3: "x"}), err(ATOMIC_IN_TX)),
    "replace": (lambda k: k.replace(1, "x"), err(ATOMIC_IN_TX)),
    "get_and_put": (lambda k: k.get_and_put(1, "x"), err(ATOMIC_IN_TX)),
    "remove_key": (lambda k: k.remove_key(1), err(ATOMIC_IN_TX)),
    "contains_key": (lambda k: k.contains_key(1), err(ATOMIC_IN_TX)),
    "contains_keys": (lambda k: k.contains_keys([1]), err(ATOMIC_IN_TX)),
    "get_size": (lambda k: k.get_size(), err(ATOMIC_IN_TX)),
    "scan": (lambda k: list(k.scan()), err(ATOMIC_IN_TX)),
    "clear_key": (lambda k: k.clear_key(1), err(ATOMIC_IN_TX)),
}


def test_atomic_cache_inside_tx(side: Side) -> None:
    """Every key-value op and scan on an ATOMIC cache inside a transaction fails
    with the "spans operations on atomic cache" text and changes nothing; the
    transaction stays usable and commits its TRANSACTIONAL writes."""
    side.cache()
    atomic = side.cache("atomic", atomic=True)
    a, b = side.actor(), side.actor()
    got: Steps = [
        ("setup", b.kv(lambda k: k.put_all({1: "a1", 2: "a2"}), atomic)),
        ("start", a.start()),
    ]
    got += [(op, a.kv(fn, atomic)) for op, (fn, _) in ATOMIC_OPS.items()]
    got += [
        ("transactional put", a.kv(lambda k: k.put(1, "t1"))),
        ("commit", a.commit()),
        ("atomic cache", b.kv(lambda k: sorted(k.scan()), atomic)),
        ("transactional cache", b.kv(lambda k: sorted(k.scan()))),
    ]
    expected: Steps = [("setup", ok()), ("start", ok(1))]
    expected += [(op, result) for op, (_, result) in ATOMIC_OPS.items()]
    expected += [
        ("transactional put", ok()),
        ("commit", ok()),
        ("atomic cache", ok([(1, "a1"), (2, "a2")])),
        ("transactional cache", ok([(1, "t1")])),
    ]
    check(side, got, expected)


@pytest.mark.parametrize("op", ["clear", "remove_all"])
def test_atomic_cache_clear_inside_tx(side: Side, op: str) -> None:
    """clear and remove_all of an ATOMIC cache inside a transaction are allowed and
    apply at once (they are not transactional); the rollback keeps them."""
    side.cache()
    atomic = side.cache("atomic", atomic=True)
    a, b = side.actor(), side.actor()
    got = [
        ("setup", b.kv(lambda k: k.put_all({1: "a1", 2: "a2"}), atomic)),
        ("start", a.start()),
        (op, a.kv(lambda k: getattr(k, op)(), atomic)),
        ("other reads", b.kv(lambda k: sorted(k.scan()), atomic)),
        ("rollback", a.rollback()),
        ("reads after rollback", b.kv(lambda k: sorted(k.scan()), atomic)),
    ]
    expected = [
        ("setup", ok()),
        ("start", ok(1)),
        (op, ok()),
        ("other reads", ok([])),
        ("rollback", ok()),
        ("reads after rollback", ok([])),
    ]
    check(side, got, expected)


# -- pyignite's transaction API -----------------------------------------------------


@pytest.mark.parametrize(("concurrency", "isolation"), MODES, ids=MODE_IDS)
def test_tx_start_modes(
    side: Side, concurrency: TransactionConcurrency, isolation: TransactionIsolation
) -> None:
    """pyignite's tx_start with each concurrency/isolation, a label and timeout 0:
    the transaction writes, reads its write, commits; the next one is id 2."""
    side.cache()
    a, b = side.actor(), side.actor()
    label = f"{concurrency.name}-{isolation.name}"
    got = [
        ("start", a.start(concurrency, isolation, 0, label)),
        ("put", a.kv(lambda k: k.put(1, "v"))),
        ("get", a.kv(lambda k: k.get(1))),
        ("other reads", b.kv(lambda k: k.get(1))),
        ("commit", a.commit()),
        ("other reads after commit", b.kv(lambda k: k.get(1))),
        ("next start", a.start(concurrency, isolation)),
        ("rollback", a.rollback()),
    ]
    expected = [
        ("start", ok(1)),
        ("put", ok()),
        ("get", ok("v")),
        ("other reads", ok(None)),
        ("commit", ok()),
        ("other reads after commit", ok("v")),
        ("next start", ok(2)),
        ("rollback", ok()),
    ]
    check(side, got, expected)


def test_context_manager_rolls_back(side: Side) -> None:
    """Leaving ``with client.tx_start()`` without commit (normally or by an
    exception) rolls the transaction back."""
    name = side.cache()
    a = side.actor()

    def no_commit(client: Client) -> None:
        with client.tx_start():
            client.get_cache(name).put(1, "forgotten")

    def raises(client: Client) -> None:
        with client.tx_start():
            client.get_cache(name).put(1, "failed")
            raise RuntimeError("boom")

    got = [
        ("setup", a.kv(lambda k: k.put(1, "v0"))),
        ("no commit", a.call(no_commit)),
        ("reads", a.kv(lambda k: k.get(1))),
        ("raises", a.call(raises)),
        ("reads again", a.kv(lambda k: k.get(1))),
    ]
    expected = [
        ("setup", ok()),
        ("no commit", ok()),
        ("reads", ok("v0")),
        ("raises", err("boom", "RuntimeError")),
        ("reads again", ok("v0")),
    ]
    check(side, got, expected)


# -- SQL inside a transaction (Ignite 2.17 with ignite-indexing) --------------------


def sql_table(side: Side) -> str:
    """A TRANSACTIONAL cache holding SQL table T(ID BIGINT key, V VARCHAR value) in
    a schema of its own; returns the schema."""
    schema = f"TX_{uuid.uuid4().hex[:8].upper()}"
    entity = {
        "table_name": "T",
        "key_field_name": "ID",
        "key_type_name": "java.lang.Long",
        "value_field_name": "V",
        "value_type_name": "java.lang.String",
        "field_name_aliases": [],
        "query_fields": [
            {
                "name": name,
                "type_name": type_name,
                "is_key_field": name == "ID",
                "is_notnull_constraint_field": False,
                "default_value": None,
                "precision": -1,
                "scale": -1,
            }
            for name, type_name in (("ID", "java.lang.Long"), ("V", "java.lang.String"))
        ],
        "query_indexes": [],
    }
    side.cache(
        "sql",
        settings={prop.PROP_QUERY_ENTITIES: [entity], prop.PROP_SQL_SCHEMA: schema},
    )
    return schema


def sql(schema: str, statement: str, *args: Any) -> Callable[[Client], Any]:
    """A step running ``statement`` in ``schema``: its rows."""
    return lambda c: list(c.sql(statement, schema=schema, query_args=list(args)))


SELECT = "SELECT ID, V FROM T ORDER BY ID"


def test_sql_select_inside_tx_sees_committed_rows(sql_side: Side) -> None:
    """A SELECT inside a transaction reads the committed rows: the transaction's own
    uncommitted puts and removes are not in it."""
    schema = sql_table(sql_side)
    a, b = sql_side.actor(), sql_side.actor()
    got = [
        ("setup", b.kv(lambda k: k.put_all({1: "one", 2: "two"}))),
        ("a start", a.start()),
        ("a put 1", a.kv(lambda k: k.put(1, "ONE"))),
        ("a put 3", a.kv(lambda k: k.put(3, "three"))),
        ("a remove 2", a.kv(lambda k: k.remove_key(2))),
        ("a select", a.call(sql(schema, SELECT))),
        ("a get 1", a.kv(lambda k: k.get(1))),
        ("b select", b.call(sql(schema, SELECT))),
        ("a commit", a.commit()),
        ("b select after commit", b.call(sql(schema, SELECT))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a put 1", ok()),
        ("a put 3", ok()),
        ("a remove 2", ok(True)),
        ("a select", ok([[1, "one"], [2, "two"]])),
        ("a get 1", ok("ONE")),
        ("b select", ok([[1, "one"], [2, "two"]])),
        ("a commit", ok()),
        ("b select after commit", ok([[1, "ONE"], [3, "three"]])),
    ]
    check(sql_side, got, expected)


DML = {
    "insert": ("INSERT INTO T (ID, V) VALUES (4, ?)", "four"),
    "update": ("UPDATE T SET V = ? WHERE ID = 1", "upd"),
    "merge": ("MERGE INTO T (ID, V) VALUES (5, ?)", "five"),
    "delete": ("DELETE FROM T WHERE ID = ?", 2),
}


@pytest.mark.parametrize("concurrency", list(CONCURRENCY))
def test_sql_dml_inside_tx_is_rejected(sql_side: Side, concurrency: str) -> None:
    """INSERT/UPDATE/MERGE/DELETE inside a transaction over a TRANSACTIONAL cache
    fail (SQLError, "DML statements are not allowed inside a transaction") and change
    nothing; the transaction stays usable and commits."""
    schema = sql_table(sql_side)
    a, b = sql_side.actor(), sql_side.actor()
    got: Steps = [
        ("setup", b.kv(lambda k: k.put_all({1: "one", 2: "two"}))),
        ("a start", a.start(*CONCURRENCY[concurrency])),
    ]
    got += [(kind, a.call(sql(schema, *DML[kind]))) for kind in DML]
    got += [
        ("a put", a.kv(lambda k: k.put(3, "three"))),
        ("a commit", a.commit()),
        ("b select", b.call(sql(schema, SELECT))),
    ]
    expected: Steps = [("setup", ok()), ("a start", ok(1))]
    expected += [(kind, err(DML_IN_TX, "SQLError")) for kind in DML]
    expected += [
        ("a put", ok()),
        ("a commit", ok()),
        ("b select", ok([[1, "one"], [2, "two"], [3, "three"]])),
    ]
    check(sql_side, got, expected)


def test_sql_dml_waits_for_a_lock(sql_side: Side) -> None:
    """An UPDATE outside any transaction of a row whose key a pessimistic
    transaction holds waits for its commit, then applies (a SELECT does not wait)."""
    schema = sql_table(sql_side)
    a, b, c = sql_side.actor(), sql_side.actor(), sql_side.actor()
    got: Steps = [
        ("setup", b.kv(lambda k: k.put_all({1: "one", 2: "two"}))),
        ("a start", a.start()),
        ("a put", a.kv(lambda k: k.put(1, "A"))),
    ]
    update = b.run(sql(schema, "UPDATE T SET V = ? WHERE ID = 1", "sql"))
    got += [
        ("b update", settle(update, blocks=True)),
        ("c select", c.call(sql(schema, SELECT))),
        ("a commit", a.commit()),
        ("b update answer", update.result()),
        ("c select after", c.call(sql(schema, SELECT))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a put", ok()),
        ("b update", WAITING),
        ("c select", ok([[1, "one"], [2, "two"]])),
        ("a commit", ok()),
        ("b update answer", ok([[1]])),
        ("c select after", ok([[1, "sql"], [2, "two"]])),
    ]
    check(sql_side, got, expected)


# -- OPTIMISTIC conditional writes: the condition is checked again at commit -------

CONDITIONAL: dict[
    str, tuple[Any, Callable[[Cache], Any], Any, Callable[[Cache], Any], Any]
] = {
    # case: (value before, the op in the tx, its result, the other's change, final)
    "replace, key removed": (
        "x",
        lambda k: k.replace(0, "y"),
        True,
        lambda k: k.remove_key(0),
        None,
    ),
    "put_if_absent, key created": (
        None,
        lambda k: k.put_if_absent(0, "y"),
        True,
        lambda k: k.put(0, "z"),
        "z",
    ),
    "replace_if_equals, value changed": (
        "x",
        lambda k: k.replace_if_equals(0, "x", "y"),
        True,
        lambda k: k.put(0, "z"),
        "z",
    ),
    "remove_if_equals, value changed": (
        "x",
        lambda k: k.remove_if_equals(0, "x"),
        True,
        lambda k: k.put(0, "z"),
        "z",
    ),
    "get_and_replace, key still there": (
        "x",
        lambda k: k.get_and_replace(0, "y"),
        "x",
        lambda k: k.put(0, "z"),
        "y",
    ),
}


@pytest.mark.parametrize("isolation", [READ_COMMITTED, REPEATABLE_READ])
@pytest.mark.parametrize("case", list(CONDITIONAL))
def test_optimistic_conditional_write_rechecked_at_commit(
    side: Side, case: str, isolation: TransactionIsolation
) -> None:
    """An OPTIMISTIC (not SERIALIZABLE) transaction's conditional write whose
    condition another client breaks before the commit is dropped, silently: the
    commit succeeds and the other client's change stays."""
    before, op, result, change, final = CONDITIONAL[case]
    side.cache()
    a, b = side.actor(), side.actor()
    got = [
        ("setup", b.kv(lambda k: None if before is None else k.put(0, before))),
        ("a start", a.start(OPTIMISTIC, isolation)),
        ("a op", a.kv(op)),
        ("b changes it", b.kv(lambda k: (change(k), None)[1])),
        ("a commit", a.commit()),
        ("reads", b.kv(lambda k: k.get(0))),
    ]
    expected = [
        ("setup", ok()),
        ("a start", ok(1)),
        ("a op", ok(result)),
        ("b changes it", ok()),
        ("a commit", ok()),
        ("reads", ok(final)),
    ]
    check(side, got, expected)

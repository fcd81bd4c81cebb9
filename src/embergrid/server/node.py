"""One embergrid node: the engine, its identity, topology version and limits.

Owns ``Node`` (what every session of this process shares: the ``Engine``, the
node UUID sent in the handshake and in op 1101, the consistent id, the affinity
topology version, the ``Limits`` and, with ``auth``, the ``Authenticator``
over the store's users), ``Limits`` (the per-connection and
per-frame limits, Ignite's defaults where Ignite has one) and ``SERVER_FEATURES``
(the feature bits this server implements and therefore advertises, reference
§3.5). Never opens a socket. The waiting the session asks for lives here: the
background expiry purge and partition-map fill, the wake-up of requests
blocked on a lock (``locks_changed`` / ``wait_for_locks``) and the worker
threads long work runs on, each with an engine of its own over the same store
(``run_off_loop``; work nobody waits for, a cursor's read-ahead, with
``in_background``), and which work went past the loop's budget last time
(``goes_long``: it goes straight to a worker), and the second core a long
aggregate query's map parts use (``map_parts``, ``server/mapparts.py``).
Imports the engine and ``embergrid.protocol``.

Membership (``engine/membership.py``): the node joins its cluster when it is
built (nodes on one ``data_dir`` are one cluster; without one it is a cluster of
one in private memory) and from then on a ``Heartbeat`` thread renews its lease
until ``left``; it records its address once it listens (``joined``). A node
the others reaped while it did not run is ``segmented`` (whoever runs it stops
it: ``embergrid serve`` exits with status 1). The
topology version (reference §4.3) lives in the store, so every node reports
the same one: joins and leaves bump the major part, creating or destroying a
cache the minor part, so clients refresh their partition maps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from embergrid.engine import (
    Clock,
    Engine,
    EngineError,
    Member,
    Store,
    SystemClock,
    TopologyVersion,
    partition_map,
)
from embergrid.engine.baseline import free_consistent_id
from embergrid.engine.store import is_busy
from embergrid.engine.users import DEFAULT_USER, Users
from embergrid.protocol.codes import ProtocolFeature, StatusCode
from embergrid.protocol.headers import AffinityVersion
from embergrid.server import processes
from embergrid.server import status_messages as msgs
from embergrid.server.auth import Authenticator
from embergrid.server.continuous import Feed
from embergrid.server.goes_long import GoesLong
from embergrid.server.heartbeat import Heartbeat
from embergrid.server.mapparts import MapParts

__all__ = [
    "LOOP_BUSY_TIMEOUT_MS",
    "SERVER_FEATURES",
    "Limits",
    "Node",
]

T = TypeVar("T")
log = logging.getLogger("embergrid.server")

SERVER_FEATURES = (
    ProtocolFeature.USER_ATTRIBUTES  # the map is parsed (and ignored)
    | ProtocolFeature.CLUSTER_API  # 5000 answers a state byte; pyignite needs it
    | ProtocolFeature.CLUSTER_GROUP_GET_NODES_ENDPOINTS  # op 5102
    | ProtocolFeature.CLUSTER_GROUPS  # ops 5100 and 5101
    | ProtocolFeature.BINARY_CONFIGURATION  # op 3004
    | ProtocolFeature.HEARTBEAT  # ops 1 and 2 (idle timeout 0 = disabled)
    | ProtocolFeature.ALL_AFFINITY_MAPPINGS  # 1101 layout with the extra bools
)
"""Feature bits advertised in the handshake (intersected with the client's)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Server limits; defaults are Ignite's where Ignite has one (reference §11.4)."""

    max_frame_size: int = 64 * 1024 * 1024
    max_cursors: int = 128
    max_tx: int = 100  # ThinClientConfiguration.maxActiveTxPerConnection
    partial_frame_timeout: float = 30.0
    """Seconds a connection may leave a frame unfinished with nothing more
    arriving; then it is closed (a partial frame is held in memory)."""
    max_partial_total: int = 128 * 1024 * 1024
    """Bytes of unfinished frames the node holds over all connections: past
    them, a connection that receives more stops being read (unless it holds
    the most) until others finish or leave."""
    max_unsent: int = 4 * 1024 * 1024
    """Bytes of answers a connection may have waiting to be sent: past them the
    server stops reading its requests until the client reads (back-pressure)."""
    max_unread_events: int = 1_000_000
    """Changes a continuous query may leave unread (logged for its cache past
    what its connection was sent); past them the node closes that connection
    and logs why, so a listener that does not read holds a bounded part of the
    store. Ignite's ``sessionOutboundMessageQueueLimit`` (off there by default);
    0 = no bound."""
    loop_budget: float = 0.002
    """Seconds a SQL statement may run on the event loop; past that it runs
    again on a worker thread (``Node.run_off_loop``) while others are served."""
    workers: int = 2
    """Worker threads for long work, each with its own engine (SQLite connection)."""
    bulk_on_loop: int = 256
    """Keys (or entries) a bulk op (get_all, contains_keys, put_all,
    remove_keys, clear_keys) outside a transaction may name and still run on
    the event loop; one naming more is decoded, run and answered on a worker
    thread in pieces (``server/bulk.py``)."""
    max_open_queries: int = 64
    """Queries with more than one page the node keeps open for their cursors,
    over all connections. Each holds a SQLite connection of its own (page cache
    ``open_query_cache_kib``) and one page of rows, never its whole result;
    past the bound such a query fails with status 1010."""
    open_query_cache_kib: int = 256
    handshake_timeout: float = 10.0
    idle_timeout: float = 0.0
    """Seconds a connection may stay silent (nothing received, nothing sent)
    before the node closes it; 0 = never (Ignite's
    ``ClientConnectorConfiguration.idleTimeout``, off by default). Reported to
    clients by GET_IDLE_TIMEOUT, so that they send heartbeats in time."""
    expiry_interval: float = 1.0
    lease: float = 2.0
    """Seconds a node stays in the topology without renewing its lease: a node
    killed with ``kill -9`` leaves within this plus a quarter of it (Ignite's
    failureDetectionTimeout; beats come every quarter)."""
    busy_poll: float = 0.0
    """Seconds the event loop keeps polling (instead of sleeping) after a request.

    A sleeping CPU takes tens of microseconds to wake on virtual machines; polling
    briefly answers the next request of a busy client without that wake. Burns up
    to this much CPU after each burst of requests; 0 = never (the default, so that
    an in-process ``ServerThread`` never spins against its client for the GIL)."""


LOOP_BUSY_TIMEOUT_MS = 2
"""How long a statement on the event loop waits for another node's write lock;
past it the request waits off the loop and runs again (``Session``)."""


def _discard_value(done: Future[object], discard: Callable[[object], None]) -> None:
    if done.cancelled() or done.exception() is not None:
        return
    try:
        discard(done.result())
    except Exception:
        log.exception("releasing the value of abandoned work failed")


def _log_failure(done: Future[None]) -> None:
    if not done.cancelled() and (exc := done.exception()) is not None:
        log.error("background work failed", exc_info=exc)


AUTH_NEEDS_PERSISTENCE = (
    "Authentication can be enabled only for cluster with enabled persistence. "
    "Check the DataRegionConfiguration"
)
"""Ignite's refusal to start authentication without persistence (``auth=True``
needs ``persistent=True``, which needs a data dir)."""


@dataclass(frozen=True, slots=True)
class WorkerOf:
    """What a worker process needs to serve as part of a node (``embergrid serve
    --workers``): the node's ids and, for a node without a data dir, the
    directory of its private store."""

    node_id: uuid.UUID
    consistent_id: str
    private_store: str | None

    def spec(self) -> str:
        """As one command-line argument (``parse`` reads it back)."""
        return f"{self.node_id}:{self.private_store or ''}:{self.consistent_id}"

    @classmethod
    def parse(cls, text: str) -> WorkerOf:
        node_id, store, consistent_id = text.split(":", 2)
        return cls(uuid.UUID(node_id), consistent_id, store or None)


def _free_baseline_id(data_dir: str | os.PathLike[str], clock: Clock) -> str | None:
    """The consistent id a node of the persistent cluster in ``data_dir``
    takes when none is given (``engine.baseline.free_consistent_id``)."""
    store = Store(data_dir)
    try:
        return free_consistent_id(store, clock.now_ms())
    finally:
        store.close()


class Node:
    """State shared by every connection of one server process.

    A worker process (``worker_of``) serves as part of a node another process
    started: the same ids and store, no membership of its own (no join, no
    heartbeat, no leave), so clients and the cluster see one node."""

    def __init__(
        self,
        *,
        consistent_id: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        clock: Clock | None = None,
        limits: Limits | None = None,
        engine: Engine | None = None,
        auth: bool = False,
        persistent: bool = False,
        worker_of: WorkerOf | None = None,
    ) -> None:
        if auth and not (persistent if engine is None else engine.store.persistent):
            raise ValueError(AUTH_NEEDS_PERSISTENCE)
        self.worker_of = worker_of
        self.node_id = uuid.uuid4() if worker_of is None else worker_of.node_id
        if worker_of is not None:
            consistent_id = worker_of.consistent_id
        elif consistent_id is None and persistent and engine is None and data_dir:
            consistent_id = _free_baseline_id(data_dir, clock or SystemClock())
        self.consistent_id = consistent_id or f"embergrid-{self.node_id.hex[:12]}"
        self.limits = limits or Limits()
        process = processes.this_process() if worker_of is None else None
        self.member = Member(self.node_id, self.consistent_id, process=process)
        lease_ms = int(self.limits.lease * 1000)
        if engine is None:
            # Without a data dir the node runs on a private store (memory-backed,
            # gone with the node) that worker threads can open too.
            store = Store.private() if data_dir is None else None
            if worker_of is not None and worker_of.private_store is not None:
                store = Store.private_at(worker_of.private_store)
            engine = Engine(
                clock=clock,
                data_dir=data_dir,
                start_inactive=persistent,
                busy_timeout_ms=LOOP_BUSY_TIMEOUT_MS,
                join=self.member if worker_of is None else None,
                lease_ms=lease_ms,
                persistent=persistent,
                store=store,
            )
        else:
            first = engine.membership.join(self.member, lease_ms, engine.clock.now_ms())
            engine.cluster.joined(first)
        self.engine = engine
        # continuous queries (server/continuous.py)
        self.feed = Feed(engine, self.limits.max_unread_events, self.node_id)
        self.goes_long = GoesLong()  # work that went past the loop's budget
        self.map_parts = MapParts(self.engine.sibling)  # long aggregates' 2nd core
        # The topology version every answer carries (``topology``), as last read.
        self._topology_of: TopologyVersion | None = None
        self._topology = AffinityVersion(0, 0)
        self._heartbeat: Heartbeat | None = None
        self.segmented = threading.Event()
        """Set when the others reaped this node (it did not run past its
        lease): it is no member any more and must stop, as Ignite's does."""
        self.on_segmented: Callable[[], None] = lambda: None
        """Called (from the heartbeat thread) once ``segmented`` is set."""
        if engine.data_dir is not None and worker_of is None:  # beat from now on
            self._heartbeat = Heartbeat(
                self.member,
                engine.data_dir,
                lease_ms,
                engine.clock,
                on_segmented=self._segmented,
                persistent=engine.persistent,
            )
            self._heartbeat.start()
        self._left = worker_of is not None  # a worker never leaves: its node does
        self.features = SERVER_FEATURES
        # Authentication (server/auth.py): users in the store, ignite/ignite at first.
        self.auth: Authenticator | None = None
        if auth:
            users = Users(self.engine.store, self.node_id)
            if users.ensure_default():
                log.info("authentication on: default user %r created", DEFAULT_USER)
            self.auth = Authenticator(users)
        # (host, port) clients reach this node at; set by ``Server.start`` (op 1100).
        self.client_address: tuple[str, int] | None = None
        self._locks_freed: asyncio.Event | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._siblings: list[Engine] = []
        self._siblings_lock = threading.Lock()
        self._closing = threading.Event()
        self._lent = 0  # engines of open queries (``keep_engine``)
        self._cache_sizes: dict[Engine, int] = {}  # theirs before they were kept
        self._idle: list[Engine] = []  # given back, for threads without one

    # -- work off the event loop -----------------------------------------------------

    @property
    def can_offload(self) -> bool:
        """Whether other threads can open the store (an engine passed in on
        ``:memory:`` cannot be shared: long work then runs on the loop)."""
        return self.engine.store.shared and self.limits.workers > 0

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self.limits.workers, thread_name_prefix="embergrid-worker"
            )
        return self._pool

    async def run_off_loop(
        self,
        job: Callable[[Engine], object],
        discard: Callable[[object], None] | None = None,
    ) -> tuple[object, BaseException | None]:
        """Run ``job`` on a worker thread with that thread's engine; its value
        or the exception it raised. If the caller is cancelled meanwhile, the
        value the job still returns goes to ``discard``."""
        cancelled = threading.Event()
        done = self._workers().submit(self._in_worker, job, cancelled)
        try:
            value = await asyncio.wrap_future(done)
        except asyncio.CancelledError:
            cancelled.set()  # the client left: its statement stops as it steps
            if discard is not None:
                done.add_done_callback(lambda f: _discard_value(f, discard))
            raise
        except Exception as exc:
            return None, exc
        return value, None

    def _in_worker(
        self, job: Callable[[Engine], object], cancelled: threading.Event
    ) -> object:
        engine: Engine | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = self._idle_engine()
            self._local.engine = engine
        closing = self._closing
        engine.sql.stop_when = lambda: cancelled.is_set() or closing.is_set()
        try:
            return job(engine)
        finally:
            if self._local.engine is engine:  # not kept by an open query
                engine.sql.stop_when = None

    def _idle_engine(self) -> Engine:
        """An engine for a worker thread without one: one an open query gave
        back (``end_loan``), else a new one."""
        with self._siblings_lock:
            if self._idle:
                return self._idle.pop()
        engine = self.engine.sibling()
        assert engine is not None  # can_offload
        with self._siblings_lock:
            self._siblings.append(engine)
        return engine

    def in_background(self, job: Callable[[], None]) -> None:
        """Run ``job()`` on a worker thread, nobody waiting for it (a cursor's
        read-ahead: ``job`` keeps its own outcome; one it raises is logged). A
        closing node runs nothing more."""
        if self._closing.is_set():
            return
        try:
            self._workers().submit(job).add_done_callback(_log_failure)
        except RuntimeError:  # shut down meanwhile
            return

    def keep_engine(self, engine: Engine) -> Engine:
        """Hand the engine of this worker thread (the one its job was given)
        over to a query left open for its next pages; status 1010 when
        ``limits.max_open_queries`` are out. The query holds it (page cache
        ``open_query_cache_kib``; its statements stop as they step when the
        node closes) until ``end_loan`` (any thread); the thread takes an idle
        engine, or makes itself a new one. So the query ran on a warm engine
        (its plans, its page cache) and is not run again to be kept."""
        mine: Engine | None = getattr(self._local, "engine", None)
        assert mine is engine  # called from the job of a worker thread
        limit = self.limits.max_open_queries
        with self._siblings_lock:
            if self._lent >= limit:
                raise EngineError(
                    StatusCode.TOO_MANY_CURSORS, msgs.too_many_open_queries(limit)
                )
            self._lent += 1
            self._siblings.remove(engine)
        self._local.engine = None
        conn = engine.store.conn
        self._cache_sizes[engine] = conn.execute("PRAGMA cache_size").fetchone()[0]
        kib = int(self.limits.open_query_cache_kib)
        conn.execute(f"PRAGMA cache_size = -{kib}")
        engine.sql.stop_when = self._closing.is_set
        return engine

    def end_loan(self, engine: Engine) -> None:
        """An engine from ``keep_engine`` is done with (any thread; its query's
        statement closed): it waits, its page cache as it was, for a worker
        thread without one (its plans and pages still warm), while fewer than
        ``limits.workers`` wait; else it is closed."""
        with self._siblings_lock:
            self._lent -= 1
            size = self._cache_sizes.pop(engine)
            keep = len(self._idle) < self.limits.workers
        if keep and not self._closing.is_set():
            engine.store.conn.execute(f"PRAGMA cache_size = {int(size)}")
            engine.sql.stop_when = None
            with self._siblings_lock:
                if not self._closing.is_set():
                    self._idle.append(engine)
                    self._siblings.append(engine)
                    return
        engine.close()

    @property
    def open_queries(self) -> int:
        """Queries open for their next pages now (engines lent)."""
        return self._lent

    def locks_changed(self) -> None:
        """A transaction of this node ended: wake every request waiting for a lock."""
        if self._locks_freed is not None:
            self._locks_freed.set()
            self._locks_freed = None

    async def wait_for_locks(self, seconds: float) -> None:
        """Until a transaction of this node ends, or ``seconds`` pass (a
        transaction of another node sharing the store ends unannounced)."""
        if self._locks_freed is None:
            self._locks_freed = asyncio.Event()
        event = self._locks_freed
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()

    # -- membership ------------------------------------------------------------------

    @property
    def topology(self) -> AffinityVersion:
        """The cluster's affinity topology version (the same on every node)."""
        version: TopologyVersion = self.engine.membership.version()
        if version is not self._topology_of:  # made again only when it changed
            self._topology_of = version
            self._topology = AffinityVersion(version.major, version.minor)
        return self._topology

    def bump_topology(self) -> None:
        """A cache was created or destroyed: the minor version grows."""
        self.engine.membership.bump_minor()

    def joined(self, host: str, port: int) -> None:
        """The node listens on ``host:port``: record it for the other nodes."""
        self.client_address = (host, port)
        self.member = Member(self.node_id, self.consistent_id, host, port)
        if self.worker_of is not None:
            return  # its node recorded the address
        self.engine.membership.set_address(self.node_id, host, port)
        if self._heartbeat is not None:
            self._heartbeat.member = self.member

    def _segmented(self) -> None:
        self.segmented.set()
        self.on_segmented()

    def left(self) -> None:
        """Leave the topology now (a clean stop; again: nothing)."""
        if self._left:
            return
        self._left = True
        if self._heartbeat is not None:
            self._heartbeat.stop()  # its last act is the leave
            self._heartbeat = None
        else:
            self.engine.membership.leave(self.node_id)

    def purge_expired(self) -> int:
        """Delete expired entries now; the number removed (errors are logged)."""
        try:
            return self.engine.expire_due()
        except Exception as exc:
            if not is_busy(exc):  # busy: another node writes; the next round purges
                log.exception("expiry purge failed")
            return 0

    async def run_expiry(self) -> None:
        """Purge expired entries every ``limits.expiry_interval`` seconds, forever."""
        while True:
            await asyncio.sleep(self.limits.expiry_interval)
            if self.purge_expired():
                self.feed.poke()

    async def run_partition_maps(self) -> None:
        """Fill the store's partition maps, forever: a chunk on a worker thread
        whenever one is due (``Engine.fill_partition_maps``, which spaces the
        chunks of every node), else a look every ``limits.expiry_interval``
        seconds for a map some scan (on any node) began."""
        pause = partition_map.PAUSE_MS / 1000
        while True:
            more = await self._fill_partition_map()
            await asyncio.sleep(pause if more else self.limits.expiry_interval)

    async def _fill_partition_map(self) -> bool:
        """A chunk, if one is due (looked for on the loop: one small read);
        whether any map is still to be filled."""
        due, unfinished = self._filled(self.engine.partition_maps_due, (False, True))
        if not due:
            return unfinished
        if not self.can_offload:
            return self._filled(self.engine.fill_partition_maps, True)
        value, error = await self.run_off_loop(
            lambda engine: self._filled(engine.fill_partition_maps, True)
        )
        return error is not None or bool(value)

    @staticmethod
    def _filled(step: Callable[[], T], failed: T) -> T:
        try:
            return step()
        except Exception as exc:
            if not is_busy(exc):  # busy: another node writes; the next round fills
                log.exception("partition map fill failed")
            return failed

    def close(self) -> None:
        try:
            self.left()
        except Exception:  # the others reap it when its lease ends
            log.exception("node %s could not leave the topology", self.consistent_id)
        self._closing.set()  # statements on worker threads stop as they step
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self.map_parts.close()
        for engine in self._siblings:
            engine.close()
        self.engine.close()

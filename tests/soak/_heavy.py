"""Legal but heavy requests, each run in a thread on a connection of its own
while a ``with`` block runs.

Owns ``fill`` (a cache of many integer keys, put in batches), ``Running`` (the
handle of a load: is it done, what did it return or raise) and the loads:
``big_get_all`` (one ``get_all`` of every key of a filled cache),
``partition_scan`` (a scan of one partition of a filled cache, to its end),
``open_cursors`` (SQL cursors of a large result, page size 1, left open until
the block ends) and ``endless_join`` (a cross join without a timeout, its
answer never read). Leaving the block closes the load's connection and waits
for its thread. Reaches the node only through sockets (the protocol and
embergrid's client, never ``embergrid.server``'s objects).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from embergrid import Client
from embergrid.errors import IgniteError
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import query as q
from embergrid.protocol.messages.cache import CachePrefix
from server._wire import RawSocket, body

from ._fuzz import FEATURES

__all__ = [
    "Running",
    "big_get_all",
    "endless_join",
    "fill",
    "open_cursors",
    "partition_scan",
]

TIMEOUT = 300.0  # seconds a heavy request may take before its client gives up
ROWS = "SELECT x, x * 2 FROM SYSTEM_RANGE(1, {rows})"
ENDLESS = "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 100000000) a, SYSTEM_RANGE(1, 10) b"


def fill(address: tuple[str, int], name: str, keys: int, value: object) -> None:
    """Cache ``name`` holds ``value`` under each of the keys 0 .. keys-1."""
    client = Client(timeout=TIMEOUT)
    with client.connect(*address):
        cache = client.get_or_create_cache(name)
        for start in range(0, keys, 10_000):
            stop = min(keys, start + 10_000)
            cache.put_all(dict.fromkeys(range(start, stop), value))


class Running:
    """One load in its thread: ``done`` is set when it returned or raised."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.done = threading.Event()
        self.result: object = None
        self.error: BaseException | None = None
        self._work = work
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self._work()
        except (IgniteError, OSError) as exc:
            self.error = exc
        finally:
            self.done.set()

    def join(self) -> None:
        self._thread.join(TIMEOUT)


@contextlib.contextmanager
def _client_load(
    address: tuple[str, int], work: Callable[[Client], object]
) -> Iterator[Running]:
    client = Client(timeout=TIMEOUT)
    with client.connect(*address):
        running = Running(lambda: work(client))
        try:
            yield running
        finally:
            running.join()


def big_get_all(
    address: tuple[str, int], name: str, keys: int
) -> AbstractContextManager[Running]:
    """``get_all`` of the keys 0 .. keys-1 of cache ``name``; the result is
    the number of entries it returned."""

    def work(client: Client) -> int:
        return len(client.get_cache(name).get_all(list(range(keys))))

    return _client_load(address, work)


def partition_scan(
    address: tuple[str, int], name: str, partition: int
) -> AbstractContextManager[Running]:
    """A scan of one partition of cache ``name`` (pages of 1,024) to its end;
    the result is the number of entries it returned."""

    def work(client: Client) -> int:
        cache = client.get_cache(name)
        with cache.scan(page_size=1024, partitions=partition) as cursor:
            return sum(1 for _ in cursor)

    return _client_load(address, work)


@contextlib.contextmanager
def open_cursors(
    address: tuple[str, int], cursors: int, rows: int
) -> Iterator[Running]:
    """One connection opens ``cursors`` cursors of a ``rows``-row select with
    page size 1 and leaves them open until the block ends; the result is the
    list of answer statuses (0 for each cursor opened)."""
    raw = RawSocket(address, timeout=TIMEOUT)
    raw.handshake(FEATURES)
    query = q.SqlFieldsQuery(CachePrefix(0), "PUBLIC", ROWS.format(rows=rows), 1)
    payload = body(OpCode.QUERY_SQL_FIELDS, query, raw.conn.context)

    def work() -> list[int]:
        return [
            int(raw.call(OpCode.QUERY_SQL_FIELDS, payload).header.status)
            for _ in range(cursors)
        ]

    running = Running(work)
    try:
        yield running
    finally:
        raw.close()
        running.join()


@contextlib.contextmanager
def endless_join(address: tuple[str, int]) -> Iterator[RawSocket]:
    """A connection that has sent a cross join of 10^9 rows without a timeout
    and reads nothing; closed when the block ends."""
    raw = RawSocket(address, timeout=TIMEOUT)
    raw.handshake(FEATURES)
    query = q.SqlFieldsQuery(CachePrefix(0), "PUBLIC", ENDLESS, 1024, -1)
    _rid, data = raw.conn.send_request(
        OpCode.QUERY_SQL_FIELDS, body(OpCode.QUERY_SQL_FIELDS, query, raw.conn.context)
    )
    raw.sock.sendall(data)
    try:
        yield raw
    finally:
        raw.close()

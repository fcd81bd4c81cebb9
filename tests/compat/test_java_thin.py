"""The Apache Ignite Java thin client (ignite-core 2.18.0 IgniteClient) vs embergrid.

Owns the run of ``tools/java-thin/ThinClientSmoke.java`` (compiled once per module
with ``javac``: the single-file source launcher keeps the program's classes in a
class loader Ignite's binary marshaller cannot see, so POJOs and enums would not
deserialize) against three servers, one JVM each:

* embergrid on the real clock (``realtime_server``; the expiry and transaction-timeout
  checks sleep): every check must print ``OK``;
* the reference Ignite 2.18 node with ``--no-sql`` (it has no indexing module): all
  ``OK``, which proves the program's expectations are Ignite's;
* the reference Ignite 2.17 + indexing node (``reference_sql``): all ``OK``, so the
  SQL checks are proven too (and the transaction checks once more).

The transaction checks (``TX_CHECKS``) are what a Java user does with
``client.transactions()``: commit, rollback and close, reads of its own writes that
another client does not see, getAll/putAll/removeAll, a labelled transaction timing out,
an OPTIMISTIC SERIALIZABLE conflict, lock waits between two clients and two threads, a
lock wait outliving its timeout, a closed client's rollback, isolation levels, ATOMIC
caches refused. Server texts are compared whole, once the parts that vary between runs
are replaced (the placeholders of ``test_diff_tx.py``). Timing is assumed only as "a
waiter still waits after 300 ms" and "a transaction's first put arrives within its 1 s
timeout".

Also the regression tests of the server bugs the program found: the optimized-marshaller
blob (code -2) a Java client sends for objects like ``Arrays.asList`` closed the
connection; an explicit schema in op 2004 sent with a cache id was overridden by the
cache's schema. Skips with the reason when ``java``/``javac`` or the jars are
missing; with ``EMBERGRID_REQUIRE_REFERENCE=1`` that fails instead.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from pyignite import Client

from _reference import (
    JVM_OPTIONS,
    LIB_DIR,
    REPO_ROOT,
    missing_prerequisite,
    reference_sql,  # type: ignore[import-not-found, unused-ignore]
    unavailable,
)
from embergrid.errors import ParseError
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.hashing import cache_id
from embergrid.protocol.binary.span import OPTIMIZED, object_end
from embergrid.protocol.codes import OpCode
from embergrid.protocol.connection import HandshakeAccepted, Response
from embergrid.protocol.messages import cache as kv
from embergrid.protocol.messages import query as q
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.server import Limits, Node, ServerThread
from server._wire import Pair, RawSocket

__all__ = ["reference_sql"]

SOURCE = REPO_ROOT / "tools" / "java-thin" / "ThinClientSmoke.java"
MAIN_CLASS = "ThinClientSmoke"
RUN_TIMEOUT_S = 240.0  # one JVM run of every check: ~20 s idle, minutes at load ~35
# javac's own JVM: C1 only and the serial collector (as jvm-options.txt has them for
# the program) halve the CPU a compile takes on a small machine.
JAVAC_JVM = ["-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"]

SQL_CHECKS = [
    "sql create table",
    "sql insert args",
    "sql select paged",
    "sql select through cache",
    "sql update",
    "sql error",
    "sql drop table",
    "sql query entity table",
]
TX_CHECKS = [
    "tx commit",
    "tx rollback",
    "tx pessimistic repeatable read",
    "tx getAll/putAll/removeAll",
    "tx timeout and label",
    "tx optimistic serializable conflict",
    "tx lock wait between clients",
    "tx lock wait between threads",
    "tx lock wait timeout",
    "tx client closed rolls back",
    "tx isolation levels",
    "tx atomic cache refused",
]

# Every check of ThinClientSmoke.java, in the order it prints them.
CHECKS = [
    "connect",
    "createCache name",
    "createCache existing fails",
    "getOrCreateCache name",
    "createCache configuration",
    "getConfiguration",
    "getOrCreateCache configuration",
    "put/get int",
    "put/get long",
    "put/get string",
    "put/get uuid",
    "put/get byte[]",
    "put/get date",
    "put/get timestamp",
    "put/get decimal",
    "put/get primitives",
    "put/get primitive arrays",
    "put/get object arrays",
    "put/get collections",
    "put/get maps",
    "put/get nested",
    "put/get enum",
    "put/get null value rejected",
    "putAll/getAll",
    "size",
    "containsKey",
    "replace",
    "getAndPut",
    "putIfAbsent",
    "remove",
    "removeAll keys",
    "clear key",
    "removeAll",
    "clear",
    "async put/get",
    "binary builder put/get",
    "binary toBuilder",
    "binary type metadata",
    "pojo put/get",
    "pojo as binary",
    "pojo key",
    "scan query",
    "scan query getAll",
    "scan query partition",
    "scan query closed early",
    *SQL_CHECKS,
    "expiry policy",
    "cluster state",
    *TX_CHECKS,
    "destroyCache",
    "cacheNames",
]

# -- running the program --------------------------------------------------------


def missing_java() -> str | None:
    """Why the program cannot be compiled and run here, or None."""
    if shutil.which("javac") is None and shutil.which("java") is not None:
        return "`javac` (JDK 17+) is not on PATH"
    return missing_prerequisite()


def compile_java(
    tmp_path_factory: pytest.TempPathFactory, source: Path, timeout: float
) -> Path:
    """The classes of ``source`` compiled against the Ignite 2.18 jars into a
    fresh directory; skips (or fails) as ``missing_java`` says."""
    reason = missing_java()
    if reason is not None:
        unavailable(reason)
    out = tmp_path_factory.mktemp(source.stem)
    classpath = str(LIB_DIR / "*")
    done = subprocess.run(
        ["javac", *JAVAC_JVM, "-nowarn", "-cp", classpath, "-d", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def smoke_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ThinClientSmoke compiled against the Ignite 2.18 jars (one javac per module)."""
    return compile_java(tmp_path_factory, SOURCE, RUN_TIMEOUT_S)


def run_java(
    classes: Path, main_class: str, args: Sequence[object], timeout: float
) -> list[str]:
    """Run ``main_class`` of ``classes`` on the Ignite 2.18 jars with ``args``; the
    lines it printed (it must exit 0)."""
    classpath = f"{LIB_DIR / '*'}:{classes}"
    done = subprocess.run(
        ["java", f"@{JVM_OPTIONS}", "-cp", classpath, main_class, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout.splitlines()


def check_results(lines: list[str]) -> dict[str, str]:
    """A check program's ``OK name`` / ``FAIL name: text`` lines, ended by
    ``DONE``: check name -> ``OK`` or the ``FAIL`` text."""
    assert lines, "the program printed nothing"
    assert lines[-1].startswith("DONE"), lines[-40:]
    results: dict[str, str] = {}
    for line in lines[:-1]:
        status, _, rest = line.partition(" ")
        name, _, error = rest.partition(": ") if status == "FAIL" else (rest, "", "")
        assert status in ("OK", "FAIL"), line
        assert name not in results, line
        results[name] = "OK" if status == "OK" else error
    return results


def run_smoke(classes: Path, host: str, port: int, *flags: str) -> dict[str, str]:
    """Run the program once; check name -> ``OK`` or the ``FAIL`` text."""
    lines = run_java(classes, MAIN_CLASS, [host, port, *flags], RUN_TIMEOUT_S)
    return check_results(lines)


def failures(results: dict[str, str]) -> dict[str, str]:
    """The checks that did not print ``OK``, with their text."""
    return {k: v for k, v in results.items() if v != "OK"}


def assert_all_ok(results: dict[str, str]) -> None:
    """Every check printed ``OK``; else fail with each failure's whole text
    (pytest would cut a long one short, and the server's texts are long)."""
    failed = failures(results)
    assert not failed, "\n".join(f"{name}: {text}" for name, text in failed.items())


# -- the three runs -------------------------------------------------------------


@pytest.mark.timeout(RUN_TIMEOUT_S + 30)
def test_java_thin_client_on_embergrid(
    smoke_classes: Path, realtime_server: ServerThread
) -> None:
    results = run_smoke(smoke_classes, *realtime_server.address)
    assert list(results) == CHECKS
    assert_all_ok(results)


@pytest.mark.reference
@pytest.mark.timeout(RUN_TIMEOUT_S + 30)
def test_java_thin_client_on_ignite(
    smoke_classes: Path, reference: tuple[str, int]
) -> None:
    results = run_smoke(smoke_classes, *reference, "--no-sql")
    assert list(results) == [c for c in CHECKS if c not in SQL_CHECKS]
    assert_all_ok(results)


@pytest.mark.reference
@pytest.mark.timeout(RUN_TIMEOUT_S + 30)
def test_java_thin_client_sql_on_ignite(
    smoke_classes: Path, reference_sql: tuple[str, int]
) -> None:
    """The whole program (SQL included) on Ignite 2.17 + indexing, 2.18 client."""
    results = run_smoke(smoke_classes, *reference_sql)
    assert list(results) == CHECKS
    assert_all_ok(results)


# -- regression: code -2, the optimized-marshaller blob ------------------------

# Any payload: the server never looks inside (a Java client sends JDK-serialized
# bytes). LIST_OF_ONE: an ArrayList header (collection 24, one element, kind 1).
LIST_OF_ONE = bytes([24]) + (1).to_bytes(4, "little") + bytes([1])
BLOB = (
    bytes([OPTIMIZED])
    + (7).to_bytes(4, "little", signed=True)
    + b"\xac\xed\x00\x05sr\x00"
)


def test_object_end_of_an_optimized_blob() -> None:
    assert object_end(BLOB, 0) == len(BLOB)
    assert object_end(LIST_OF_ONE + BLOB, 0) == len(LIST_OF_ONE) + len(BLOB)
    with pytest.raises(ParseError):
        object_end(BLOB[:-1], 0)
    with pytest.raises(ParseError):
        object_end(bytes([OPTIMIZED]) + (-1).to_bytes(4, "little", signed=True), 0)


def _ok(p: Pair, op: OpCode, body: bytes) -> Response:
    """``body`` as op ``op`` through the session; the answer, which must be ok."""
    event = p.call(op, body)
    assert event.header.ok, event.header.message
    return event


def test_optimized_blob_key_and_value_are_kept() -> None:
    node = Node(limits=Limits(workers=0))  # Pair runs no worker threads
    try:
        c = Pair(node)
        assert isinstance(c.handshake(), HandshakeAccepted)
        node.engine.caches.get_or_create("blobs")
        prefix = CachePrefix(cache_id("blobs"))
        _ok(
            c,
            OpCode.CACHE_PUT,
            kv.encode_cache_put(kv.CachePut(prefix, BLOB, BLOB), c.client.context),
        )
        got = _ok(
            c,
            OpCode.CACHE_GET,
            kv.encode_cache_get(kv.CacheGet(prefix, BLOB), c.client.context),
        )
        assert got.body == BLOB
        nested = LIST_OF_ONE + BLOB
        _ok(
            c,
            OpCode.CACHE_PUT,
            kv.encode_cache_put(kv.CachePut(prefix, nested, nested), c.client.context),
        )
        got = _ok(
            c,
            OpCode.CACHE_GET,
            kv.encode_cache_get(kv.CacheGet(prefix, nested), c.client.context),
        )
        assert got.body == nested
    finally:
        node.close()


# -- regression: an explicit schema beats the cache's in op 2004 ---------------


def _sql(raw: RawSocket, sql: str, cid: int, schema: str | None) -> tuple[int, object]:
    """Op 2004 with any (cache id, schema) pair: (status, rows or None)."""
    req = q.SqlFieldsQuery(CachePrefix(cid), schema, sql, include_field_names=True)
    resp = raw.call(
        OpCode.QUERY_SQL_FIELDS, q.encode_sql_fields_query(req, raw.conn.context)
    )
    if not resp.header.ok:
        return resp.header.status, None
    page = q.decode_sql_fields_response(
        resp.body, raw.conn.context, include_field_names=True
    )
    return 0, [tuple(cell for cell in row) for row in page.rows]


@pytest.fixture(
    params=["embergrid", pytest.param("ignite-2.17", marks=pytest.mark.reference)]
)
def sql_target(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    if request.param == "embergrid":
        yield request.getfixturevalue("server_address")
    else:
        yield request.getfixturevalue("reference_sql")


def test_explicit_schema_wins_over_the_cache_schema(
    sql_target: tuple[str, int], cache_name: str
) -> None:
    table = "JT_" + cache_name.rsplit("-", 1)[-1].upper()
    client = Client()
    with client.connect(*sql_target):
        cache = client.get_or_create_cache(cache_name)
        list(client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR)"))
        list(client.sql(f"INSERT INTO {table} (id, v) VALUES (1, 'a')"))
        raw = RawSocket(sql_target, timeout=30)
        raw.handshake()
        try:
            cid = cache_id(cache_name)
            sql = f"SELECT COUNT(*) FROM {table}"
            assert _sql(raw, sql, cid, "PUBLIC") == (0, [(encode(1),)])
            # No schema: the cache's own schema (its name), which has no such table.
            assert _sql(raw, sql, cid, None)[0] == 1
            # The cache must exist even when a schema is given.
            assert _sql(raw, sql, cache_id(cache_name + "-none"), "PUBLIC")[0] == 1000
        finally:
            raw.close()
            list(client.sql(f"DROP TABLE {table}"))
            cache.destroy()

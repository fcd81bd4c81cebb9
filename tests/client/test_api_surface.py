"""Our public classes expose pyignite 0.6.1's whole public surface, and the generated
sync shells are up to date.

For every pyignite class a user reaches (the clients and what their methods return:
caches, cursors, transactions, cluster facades, connections, the protocol context,
cache meta info, the ``connect()`` context managers, the event listener bases) the
test collects its public members: methods, properties (and whether they have a
setter) and the public attributes its methods assign (``self.x = ...``, found by
reading the class source). Ours must have each name, as the same kind of thing (a
method is a method, data is data), with the same parameters (names, kinds and
defaults; annotations may differ), sync or async alike, and a setter wherever
pyignite's property has one. Where pyignite's member is internal plumbing or means
nothing for us, ``EXCEPTIONS`` says why; an exception that no longer excuses anything
fails, so the table stays true.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import inspect
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attr
import pyignite
import pyignite.aio_cache
import pyignite.aio_client
import pyignite.aio_cluster
import pyignite.cache
import pyignite.client
import pyignite.cluster
import pyignite.connection
import pyignite.connection.bitmask_feature
import pyignite.connection.protocol_context
import pyignite.cursors
import pyignite.monitoring
import pyignite.queries.cache_info
import pyignite.transaction
import pytest

import embergrid
import embergrid.aio_cache
import embergrid.cache
import embergrid.cursors
import embergrid.exceptions
import embergrid.monitoring
import embergrid.transaction
from embergrid.client._cache_info import CacheInfo
from embergrid.client.aio import client as aio_client
from embergrid.client.aio._transport import AioConnection
from embergrid.client.aio.cluster import AioCluster
from embergrid.client.sync import client as sync_client
from embergrid.client.sync._transport import SyncConnection
from embergrid.client.sync.cluster import Cluster
from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.messages.context import ProtocolContext

ROOT = Path(__file__).resolve().parents[2]

PAIRS = [
    (pyignite.Client, embergrid.Client),
    (pyignite.AioClient, embergrid.AioClient),
    (pyignite.client._ConnectionContextManager, sync_client._ConnectionContextManager),
    (
        pyignite.aio_client._ConnectionContextManager,
        aio_client._ConnectionContextManager,
    ),
    (pyignite.cache.Cache, embergrid.cache.Cache),
    (pyignite.aio_cache.AioCache, embergrid.aio_cache.AioCache),
    (pyignite.transaction.Transaction, embergrid.transaction.Transaction),
    (pyignite.transaction.AioTransaction, embergrid.transaction.AioTransaction),
    (pyignite.cluster.Cluster, Cluster),
    (pyignite.aio_cluster.AioCluster, AioCluster),
    (pyignite.cursors.ScanCursor, embergrid.cursors.ScanCursor),
    (pyignite.cursors.SqlCursor, embergrid.cursors.SqlCursor),
    (pyignite.cursors.SqlFieldsCursor, embergrid.cursors.SqlFieldsCursor),
    (pyignite.cursors.AioScanCursor, embergrid.cursors.AioScanCursor),
    (pyignite.cursors.AioSqlFieldsCursor, embergrid.cursors.AioSqlFieldsCursor),
    (pyignite.connection.Connection, SyncConnection),
    (pyignite.connection.AioConnection, AioConnection),
    (pyignite.connection.protocol_context.ProtocolContext, ProtocolContext),
    (pyignite.connection.bitmask_feature.BitmaskFeature, ProtocolFeature),
    (pyignite.queries.cache_info.CacheInfo, CacheInfo),
    (
        pyignite.monitoring.ConnectionEventListener,
        embergrid.monitoring.ConnectionEventListener,
    ),
    (pyignite.monitoring.QueryEventListener, embergrid.monitoring.QueryEventListener),
]

_CURSOR_STATE = (
    "pyignite's cursor code assigns its own state through these setters; there is "
    "nothing for a user to set (ours keep that state private)"
)
_BUILT_BY_CLIENT = "built by the client (or its transport), never by users"
_RAW_FRAMES = (
    "wire level: pyignite's api functions hand raw request frames to the "
    "connection; embergrid's connections take a flow's Call instead"
)
_CACHE_INFO_WIRE = (
    "pyignite's CacheInfo also writes the cache request prefix; ours is only what "
    "users read (the prefix is embergrid.protocol.messages.cache.CachePrefix)"
)
_IMMUTABLE_CONTEXT = (
    "our ProtocolContext is an immutable value (a new one per negotiation); "
    "pyignite's connection rewrites its shared context while it negotiates"
)

EXCEPTIONS: dict[tuple[str, str, str], str] = {
    # (pyignite class, member, what differs: "absent" | "setter" | "signature")
    ("Client", "protocol_context", "setter"): (
        "pyignite's connections store the negotiated context into the client "
        "through it; ours is per connection and read from the live one"
    ),
    ("AioClient", "protocol_context", "setter"): (
        "pyignite's connections store the negotiated context into the client "
        "through it; ours is per connection and read from the live one"
    ),
    ("ProtocolContext", "version", "setter"): _IMMUTABLE_CONTEXT,
    ("ProtocolContext", "features", "setter"): _IMMUTABLE_CONTEXT,
    ("ProtocolContext", "__init__", "signature"): (
        "the protocol core builds contexts with defaults (1.7.0, no features); "
        "pyignite's required version and features=None are accepted alike"
    ),
    ("BitmaskFeature", "all_supported", "absent"): (
        "pyignite's handshake helper; our handshake offers client._driver.FEATURES"
    ),
    ("BitmaskFeature", "from_array", "absent"): (
        "pyignite's handshake parser; ours is protocol.handshake.decode_features"
    ),
    ("CacheInfo", "TRANSACTIONS_MASK", "absent"): _CACHE_INFO_WIRE,
    ("CacheInfo", "EXPIRY_POLICY_MASK", "absent"): _CACHE_INFO_WIRE,
    ("CacheInfo", "from_python", "absent"): _CACHE_INFO_WIRE,
    ("CacheInfo", "from_python_async", "absent"): _CACHE_INFO_WIRE,
    ("Connection", "__init__", "signature"): _BUILT_BY_CLIENT,
    ("AioConnection", "__init__", "signature"): _BUILT_BY_CLIENT,
    ("Connection", "client", "absent"): (
        "pyignite's back-reference for reaching the client's shared context and "
        "listeners; our connections get their settings and listeners directly"
    ),
    ("AioConnection", "client", "absent"): (
        "pyignite's back-reference for reaching the client's shared context and "
        "listeners; our connections get their settings and listeners directly"
    ),
    ("Connection", "request", "signature"): _RAW_FRAMES,
    ("AioConnection", "request", "signature"): _RAW_FRAMES,
    ("Connection", "send", "absent"): _RAW_FRAMES,
    ("Connection", "recv", "absent"): _RAW_FRAMES,
    ("AioConnection", "process_message", "absent"): (
        "callback of pyignite's asyncio protocol object; our AioConnection is the "
        "asyncio protocol itself (data_received)"
    ),
    ("AioConnection", "process_connection_lost", "absent"): (
        "callback of pyignite's asyncio protocol object; our AioConnection is the "
        "asyncio protocol itself (connection_lost)"
    ),
    **{
        (cursor, member, "setter"): _CURSOR_STATE
        for cursor in (
            "ScanCursor",
            "SqlCursor",
            "SqlFieldsCursor",
            "AioScanCursor",
            "AioSqlFieldsCursor",
        )
        for member in (
            "client",
            "cache_info",
            "connection",
            "cursor_id",
            "data",
            "more",
        )
    },
    **{
        (cls, "__init__", "signature"): _BUILT_BY_CLIENT
        for cls in (
            "ScanCursor",
            "SqlCursor",
            "SqlFieldsCursor",
            "AioScanCursor",
            "AioSqlFieldsCursor",
        )
    },
    **{
        (cls, exit_, "signature"): (
            "takes *exc_info: any call the context-manager protocol makes works"
        )
        for cls, exit_ in (
            ("Transaction", "__exit__"),
            ("AioTransaction", "__aexit__"),
            ("_ConnectionContextManager", "__exit__"),
            ("_ConnectionContextManager", "__aexit__"),
            ("ScanCursor", "__exit__"),
            ("SqlCursor", "__exit__"),
            ("SqlFieldsCursor", "__exit__"),
            ("AioScanCursor", "__aexit__"),
            ("AioSqlFieldsCursor", "__aexit__"),
        )
    },
}

_PROTOCOL_DUNDERS = frozenset(
    {
        "__init__",
        "__enter__",
        "__exit__",
        "__aenter__",
        "__aexit__",
        "__await__",
        "__iter__",
        "__next__",
        "__aiter__",
        "__anext__",
    }
)


@dataclass(frozen=True)
class Member:
    """One public member of a class, as far as a caller can tell."""

    method: bool  # a method (else data: a property, attribute or constant)
    setter: bool  # data with a property setter
    coroutine: bool
    params: tuple[tuple[str, Any, Any], ...]  # (name, kind, default), without self


def _own_classes(cls: type) -> list[type]:
    """The classes of ``cls``'s MRO outside the standard library."""
    stdlib = sys.stdlib_module_names
    return [k for k in cls.__mro__ if k.__module__.split(".")[0] not in stdlib]


def _assigned(cls: type) -> set[str]:
    """Public attributes the class's own code assigns (``self.x = ...``), and the
    fields of attrs classes and dataclasses."""
    names: set[str] = set()
    for klass in _own_classes(cls):
        if attr.has(klass):
            names |= {a.name for a in attr.fields(klass)}
        if dataclasses.is_dataclass(klass):
            names |= {f.name for f in dataclasses.fields(klass)}
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            else:
                continue
            for target in targets:
                for t in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if (
                        isinstance(t, ast.Attribute)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == "self"
                    ):
                        names.add(t.attr)
    return {n for n in names if not n.startswith("_")}


def _params(fn: Any) -> tuple[tuple[str, Any, Any], ...]:
    params = list(inspect.signature(fn).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return tuple((p.name, p.kind, p.default) for p in params)


def _member(cls: type, name: str) -> Member:
    raw = inspect.getattr_static(cls, name, None)
    if isinstance(raw, property):
        return Member(False, raw.fset is not None, False, ())
    if isinstance(raw, staticmethod | classmethod):
        raw = raw.__func__
    if inspect.isfunction(raw) or inspect.ismethoddescriptor(raw):
        fn = getattr(cls, name)
        try:
            params = _params(fn)
        except ValueError:  # a builtin without a signature
            params = ()
        return Member(True, False, inspect.iscoroutinefunction(fn), params)
    return Member(False, False, False, ())  # attribute, slot or constant


def _surface(cls: type) -> dict[str, Member]:
    own = _own_classes(cls)
    names = {
        n
        for n in {*dir(cls), *(n for k in own for n in vars(k))}  # enums hide methods
        if (not n.startswith("_") or n in _PROTOCOL_DUNDERS)
        and any(n in vars(k) for k in own)
    }
    surface = {n: _member(cls, n) for n in names}
    for name in _assigned(cls) - names:
        surface[name] = Member(False, False, False, ())
    if isinstance(cls, enum.EnumMeta):  # enum flags: their members are the surface
        members: Any = cls
        surface.update({m.name: Member(False, False, False, ()) for m in members})
    return surface


def _differences(theirs: type, ours: type) -> dict[tuple[str, str, str], str]:
    """What ``ours`` lacks of ``theirs``'s public surface, keyed like EXCEPTIONS."""
    found: dict[tuple[str, str, str], str] = {}
    mine = _surface(ours)
    for name, their in sorted(_surface(theirs).items()):
        key = (theirs.__name__, name)
        our = mine.get(name)
        if our is None:
            found[(*key, "absent")] = f"{ours.__name__} lacks {name}"
        elif their.method != our.method:
            kind = "a method" if their.method else "data (a property or attribute)"
            found[(*key, "signature")] = f"{name} should be {kind}"
        elif their.setter and not our.setter and not _settable(ours, name):
            found[(*key, "setter")] = f"{name} has no setter"
        elif their.method and (
            their.params != our.params or their.coroutine != our.coroutine
        ):
            found[(*key, "signature")] = (
                f"{name}: {their.params} {their.coroutine} != "
                f"{our.params} {our.coroutine}"
            )
    return found


def _settable(cls: type, name: str) -> bool:
    """A plain attribute our code assigns (not a read-only property or a frozen
    dataclass field) can be set as well as pyignite's property with a setter."""
    raw = inspect.getattr_static(cls, name, None)
    if isinstance(raw, property):
        return raw.fset is not None
    params = getattr(cls, "__dataclass_params__", None)
    return name in _assigned(cls) and not (params is not None and params.frozen)


@pytest.mark.parametrize(("theirs", "ours"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_same_public_surface(theirs: type, ours: type) -> None:
    excused = {k for k in EXCEPTIONS if k[0] == theirs.__name__}
    found = _differences(theirs, ours)
    missing = {k: v for k, v in found.items() if k not in excused}
    assert not missing, "\n".join(missing.values())


class _Theirs:
    def __init__(self) -> None:
        self.host = "h"

    @property
    def alive(self) -> bool:
        return True

    @alive.setter
    def alive(self, value: bool) -> None:
        pass

    @property
    def name(self) -> str:
        return ""

    def get(self, key: Any, key_hint: Any = None) -> None:
        pass

    async def close(self) -> None:
        pass


class _Ours:
    @property
    def alive(self) -> bool:
        return True

    def name(self) -> str:
        return ""

    def get(self, key: Any, hint: Any = None) -> None:
        pass

    def close(self) -> None:
        pass


def test_the_comparison_sees_each_kind_of_gap() -> None:
    assert set(_differences(_Theirs, _Ours)) == {
        ("_Theirs", "host", "absent"),
        ("_Theirs", "alive", "setter"),
        ("_Theirs", "name", "signature"),
        ("_Theirs", "get", "signature"),
        ("_Theirs", "close", "signature"),
        ("_Theirs", "__init__", "absent"),
    }
    assert _differences(_Theirs, _Theirs) == {}


def test_every_exception_still_excuses_something() -> None:
    found: set[tuple[str, str, str]] = set()
    for theirs, ours in PAIRS:
        found |= set(_differences(theirs, ours))
    assert set(EXCEPTIONS) - found == set()


def test_client_constructors_match() -> None:
    for theirs, ours in PAIRS[:2]:
        assert _params(ours.__init__) == _params(theirs.__init__)


def _event_fields(cls: type) -> set[str]:
    return {s for k in cls.__mro__ for s in getattr(k, "__slots__", ())}


def test_monitoring_events_carry_pyignite_fields() -> None:
    events = [
        obj
        for name, obj in vars(pyignite.monitoring).items()
        if isinstance(obj, type) and name.endswith("Event") and not name.startswith("_")
    ]
    assert events
    for theirs in events:
        ours = getattr(embergrid.monitoring, theirs.__name__)
        assert _event_fields(theirs) <= set(ours._fields), theirs.__name__


def test_exceptions_module_has_pyignite_names() -> None:
    import pyignite.exceptions as pe

    for name in dir(pe):
        obj = getattr(pe, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert hasattr(embergrid.exceptions, name), name
    assert embergrid.exceptions.SocketError is OSError


def test_monitoring_module_has_pyignite_names() -> None:
    for name in (
        pyignite.monitoring.__all__ if hasattr(pyignite.monitoring, "__all__") else []
    ):
        assert hasattr(embergrid.monitoring, name), name
    for name in (
        "ConnectionEventListener",
        "QueryEventListener",
        "QueryStartEvent",
        "HandshakeSuccessEvent",
    ):
        assert hasattr(embergrid.monitoring, name)


def test_generated_sync_shells_are_fresh() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "unasync.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for path in (ROOT / "src/embergrid/client/sync").glob("*.py"):
        if path.name not in ("_transport.py", "__init__.py"):
            assert path.read_text().startswith(
                f"# GENERATED from client/aio/{path.name}: edit that file"
            )

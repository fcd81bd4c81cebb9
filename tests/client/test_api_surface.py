"""Our public classes expose pyignite 0.6.1's methods with the same parameters,
and the generated sync shells are up to date."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyignite
import pyignite.aio_cache
import pyignite.aio_cluster
import pyignite.cache
import pyignite.cluster
import pyignite.cursors
import pyignite.monitoring
import pyignite.transaction
import pytest

import embergrid
import embergrid.aio_cache
import embergrid.cache
import embergrid.cursors
import embergrid.exceptions
import embergrid.monitoring
import embergrid.transaction
from embergrid.client.aio.cluster import AioCluster
from embergrid.client.sync.cluster import Cluster

ROOT = Path(__file__).resolve().parents[2]

PAIRS = [
    (pyignite.Client, embergrid.Client),
    (pyignite.AioClient, embergrid.AioClient),
    (pyignite.cache.Cache, embergrid.cache.Cache),
    (pyignite.aio_cache.AioCache, embergrid.aio_cache.AioCache),
    (pyignite.transaction.Transaction, embergrid.transaction.Transaction),
    (pyignite.transaction.AioTransaction, embergrid.transaction.AioTransaction),
    (pyignite.cluster.Cluster, Cluster),
    (pyignite.aio_cluster.AioCluster, AioCluster),
    (pyignite.cursors.ScanCursor, embergrid.cursors.ScanCursor),
    (pyignite.cursors.SqlFieldsCursor, embergrid.cursors.SqlFieldsCursor),
    (pyignite.cursors.AioScanCursor, embergrid.cursors.AioScanCursor),
]
SKIP_SIGNATURE = {"__init__"}  # cursors and caches are built by the client


def _public(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_")
        or name
        in (
            "__enter__",
            "__exit__",
            "__aenter__",
            "__aexit__",
            "__iter__",
            "__next__",
            "__aiter__",
            "__anext__",
        )
    }


def _params(fn: Any) -> list[tuple[str, Any]]:
    sig = inspect.signature(fn)
    return [
        (p.name, p.default)
        for p in sig.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


@pytest.mark.parametrize(("theirs", "ours"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_same_public_members_and_parameters(theirs: type, ours: type) -> None:
    mine = _public(ours)
    for name, member in _public(theirs).items():
        assert name in mine, f"{ours.__name__} lacks {name}"
        if isinstance(member, property):
            assert isinstance(mine[name], property), f"{name} should be a property"
            continue
        if not callable(member) or name in SKIP_SIGNATURE:
            continue
        assert (
            _params(mine[name])[1:] == _params(member)[1:]
            or name == "__exit__"
            or name == "__aexit__"
        ), name
        assert inspect.iscoroutinefunction(mine[name]) == inspect.iscoroutinefunction(
            member
        ), name


def test_client_constructors_match() -> None:
    for theirs, ours in PAIRS[:2]:
        assert _params(ours.__init__) == _params(theirs.__init__)


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

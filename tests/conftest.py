"""Root fixtures: one in-process embergrid server for the whole test session.

STYLE §9 "In-process server": the server runs in a background thread with its
own event loop on 127.0.0.1:<free port>. Its engine reads time from a
``FakeClock`` that tests advance (``server_clock.advance(ms)``) instead of
sleeping. ``cache_name`` gives each test a cache name no other test uses.

Reference wiring (STYLE §9 "Differential tests"): ``reference`` is the real
Apache Ignite 2.18 node of ``tests/_reference.py``; ``target`` runs a test once
against this session's embergrid server and once against that node. The
``ignite`` case carries ``@pytest.mark.reference`` (skipped with the reason when
Java/Maven/jars are missing, a failure with ``EMBERGRID_REQUIRE_REFERENCE=1``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from _reference import (
    fresh_reference_cluster,
    mark_reference_items,
    persistent_reference_cluster,
    reference,
    reference_cluster,
    reference_required,
)
from _targets import EMBERGRID, IGNITE, Target
from _tls_certs import Certificates, make_certificates, missing_keytool
from compat.divergences import DIVERGENCES
from embergrid.engine import FakeClock
from embergrid.server import Node, ServerThread

__all__ = [
    "fresh_reference_cluster",
    "persistent_reference_cluster",
    "reference",
    "reference_cluster",
]

# pytester runs sample test projects in a subprocess (tests/test_pytest_plugin.py).
pytest_plugins = ("pytester",)


@pytest.fixture(scope="session")
def server_clock() -> FakeClock:
    """The clock of the session server's engine."""
    return FakeClock()


@pytest.fixture(scope="session")
def server_thread(server_clock: FakeClock) -> Iterator[ServerThread]:
    """The session's embergrid server (node, engine and address)."""
    with ServerThread(Node(clock=server_clock)) as st:
        yield st


@pytest.fixture(scope="session")
def server_address(server_thread: ServerThread) -> tuple[str, int]:
    """(host, port) of the session's embergrid server."""
    return server_thread.address


@pytest.fixture
def cache_name(request: pytest.FixtureRequest) -> str:
    """A cache name unique to this test."""
    base = request.node.name.split("[")[0][:40]
    return f"{base}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=[EMBERGRID, pytest.param(IGNITE, marks=pytest.mark.reference)])
def target(request: pytest.FixtureRequest) -> Target:
    """The server a test runs against: this session's embergrid, then real Ignite.

    The reference node is started only when an ``ignite`` case runs; it is shared by
    the whole session, so tests must use unique cache names (``cache_name``).
    """
    if request.param == IGNITE:
        host, port = request.getfixturevalue("reference")
    else:
        host, port = request.getfixturevalue("server_address")
    return Target(request.param, host, port)


@pytest.fixture(scope="session")
def tls_certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """Throw-away TLS material (``tests/_tls_certs.py``), made once per session:
    needs keytool (a JDK) and openssl; skips without them, fails instead with
    ``EMBERGRID_REQUIRE_REFERENCE=1``."""
    reason = missing_keytool()
    if reason is None:
        certs = make_certificates(tmp_path_factory.mktemp("tls"))
        reason = certs.openssl_missing
    if reason is not None:
        message = f"TLS certificates cannot be made here: {reason}"
        if reference_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return certs


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tag every test that uses the ``reference`` fixture with ``reference``; reject
    ``divergence`` markers whose key is not in tests/compat/divergences.py; record both
    markers as junit properties for tools/compat_report.py."""
    mark_reference_items(items)
    for item in items:
        for mark in item.iter_markers("divergence"):
            key = mark.args[0] if mark.args else None
            if key not in DIVERGENCES:
                raise pytest.UsageError(
                    f"{item.nodeid}: divergence key {key!r} is not in "
                    "tests/compat/divergences.py"
                )
            item.user_properties.append(("divergence", key))
        if item.get_closest_marker("reference") is not None:
            item.user_properties.append(("reference", "1"))

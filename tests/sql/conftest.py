"""Fixtures of the SQL tests: the world sample and the SQL reference node.

``reference_sql`` (from ``tests/_reference.py``) is the Ignite 2.17.0 node with
ignite-indexing; ``sql_address`` runs a test against this session's embergrid
server and then against that node. ``world`` is ``tests/data/world-sample.json``
with decimals as ``Decimal`` (``_world.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from _world import load_world

from _reference import reference_sql  # type: ignore[import-not-found, unused-ignore]

__all__ = ["reference_sql"]


@pytest.fixture(scope="session")
def world() -> dict[str, Any]:
    return load_world()


@pytest.fixture(
    params=["embergrid", pytest.param("ignite-2.17", marks=pytest.mark.reference)]
)
def sql_address(request: pytest.FixtureRequest) -> tuple[str, int]:
    """This session's embergrid server, then the Ignite 2.17 SQL reference node."""
    if request.param == "embergrid":
        return request.getfixturevalue("server_address")  # type: ignore[no-any-return]
    return request.getfixturevalue("reference_sql")  # type: ignore[no-any-return]

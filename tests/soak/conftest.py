"""Fixtures of the soak suite: a fresh ``embergrid serve`` per test, in its own
process (its peak memory is then the test's alone), holding the witness entries
``_survival.survived`` checks at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ._node import ServedNode, served_node
from ._survival import store_witness


@pytest.fixture
def node_flags() -> tuple[str, ...]:
    """Flags of ``embergrid serve`` beyond the defaults (none)."""
    return ()


@pytest.fixture
def node(tmp_path: Path, node_flags: tuple[str, ...]) -> Iterator[ServedNode]:
    """``embergrid serve`` for this test, holding the witness entries."""
    with served_node(*node_flags, log_file=tmp_path / "node.log") as served:
        store_witness(served.address)
        yield served

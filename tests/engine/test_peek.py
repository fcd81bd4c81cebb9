"""Peek-mode arithmetic of cluster-wide sizes (op 1020), as a 3-node Ignite 2.18
cluster answers with 100 entries (tests/compat/test_diff_cluster.py pins the
same against the real cluster)."""

from __future__ import annotations

import pytest

from embergrid.engine.peek import (
    ALL,
    BACKUP,
    NEAR,
    OFFHEAP,
    ONHEAP,
    PRIMARY,
    copies_counted,
)

CASES = [
    # (peek modes, copies counted with 0, 1 and 2 backups)
    ((), (1, 1, 1)),
    ((ALL,), (1, 2, 3)),
    ((PRIMARY,), (1, 1, 1)),
    ((BACKUP,), (0, 1, 2)),
    ((NEAR,), (0, 0, 0)),
    ((ONHEAP,), (0, 0, 0)),
    ((OFFHEAP,), (1, 1, 1)),
    ((PRIMARY, BACKUP), (1, 2, 3)),
    ((ALL, BACKUP), (1, 2, 3)),
]


@pytest.mark.parametrize(("modes", "copies"), CASES)
def test_copies_counted(modes: tuple[int, ...], copies: tuple[int, int, int]) -> None:
    assert tuple(copies_counted(modes, b) for b in range(3)) == copies

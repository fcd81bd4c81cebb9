"""What a cache size (op 1020) counts on a cluster, by peek mode.

Owns ``copies_counted``: from a peek-mode list and the number of backup
copies each entry has on the live nodes, how many stored copies of one entry
the size counts. Ignite's cluster-wide size reads its modes like this
(observed on a 3-node Ignite 2.18 cluster, tests/compat/test_diff_cluster.py):

* ALL is every mode; PRIMARY, BACKUP and NEAR name the copies; ONHEAP and
  OFFHEAP name where they live;
* no copy named (the empty list, ONHEAP or OFFHEAP alone) means the primary;
* nowhere named means both places;
* entries live off-heap only (no on-heap cache, no near cache), so ONHEAP
  alone and NEAR alone count nothing.

So the empty list counts each entry once, ALL once plus its backups, BACKUP
its backups only. Pure arithmetic; imports nothing of the engine's.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ALL", "BACKUP", "NEAR", "OFFHEAP", "ONHEAP", "PRIMARY", "copies_counted"]

ALL, NEAR, PRIMARY, BACKUP, ONHEAP, OFFHEAP = range(6)


def copies_counted(peek_modes: Iterable[int], backups: int) -> int:
    """Copies of one entry a size with ``peek_modes`` counts, when each entry
    has a primary and ``backups`` backup copies."""
    modes = set(peek_modes)
    if ALL in modes:
        modes |= {NEAR, PRIMARY, BACKUP, ONHEAP, OFFHEAP}
    if not modes & {PRIMARY, BACKUP, NEAR}:
        modes.add(PRIMARY)
    if not modes & {ONHEAP, OFFHEAP}:
        modes |= {ONHEAP, OFFHEAP}
    if OFFHEAP not in modes:
        return 0
    return (1 if PRIMARY in modes else 0) + (backups if BACKUP in modes else 0)

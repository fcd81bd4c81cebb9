"""Soak: legal but heavy requests, against ``embergrid serve`` in its own
process with its default limits (in memory, no ``--data-dir``).

A ``get_all`` of every key of a large cache, a scan of one partition, SQL
cursors of a large result left open (page size 1), and a cross join without a
timeout. Sizes come from the profile (``EMBERGRID_SOAK=long`` for the long one,
see README, "Testing"). While the request runs the node must answer another
client within 10 s and stay under its memory bound (polled, failing at once);
each test ends with ``survived``. The latency others see meanwhile is measured
by ``benchmarks/hostile.py``, not asserted here.
"""

from __future__ import annotations

import signal

import pytest

from embergrid import Client
from embergrid.engine.partitions import partition_of
from embergrid.errors import CacheError
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.codes import StatusCode
from embergrid.server import Limits

from ._heavy import big_get_all, endless_join, fill, open_cursors, partition_scan
from ._node import ServedNode
from ._probe import ANSWER_WITHIN, check_answers
from ._profile import MEMORY_BOUND, PROFILE
from ._survival import survived

pytestmark = [pytest.mark.slow, pytest.mark.timeout(PROFILE.timeout)]

RUN_WITHIN = 300.0  # seconds a heavy request may take
TOO_MANY_CURSORS = int(StatusCode.TOO_MANY_CURSORS)
STOP_WITHIN = 10.0  # seconds SIGTERM may take to end the node


def test_get_all_of_every_key(node: ServedNode) -> None:
    fill(node.address, "soak-big", PROFILE.get_all_keys, 1)
    with big_get_all(node.address, "soak-big", PROFILE.get_all_keys) as running:
        check_answers(node.address)
        node.watch(running.done.is_set, MEMORY_BOUND, RUN_WITHIN)
    assert running.error is None
    assert running.result == PROFILE.get_all_keys
    survived(node)


def test_scan_of_one_partition(node: ServedNode) -> None:
    fill(node.address, "soak-wide", PROFILE.scan_keys, "v" * 2000)
    with partition_scan(node.address, "soak-wide", 7) as running:
        check_answers(node.address)
        node.watch(running.done.is_set, MEMORY_BOUND, RUN_WITHIN)
    assert running.error is None
    keys = range(PROFILE.scan_keys)  # int keys, sent as longs
    assert running.result == sum(partition_of(encode(k)) == 7 for k in keys)
    survived(node)


def test_scan_of_a_partition_out_of_range_is_refused(node: ServedNode) -> None:
    fill(node.address, "soak-small", 10, 1)
    client = Client(timeout=ANSWER_WITHIN)
    with client.connect(*node.address):
        cache = client.get_cache("soak-small")
        with pytest.raises(CacheError) as refused, cache.scan(partitions=5000) as cur:
            list(cur)
    assert "Invalid partition number: 5000" in str(refused.value)
    survived(node)


def test_open_cursors_of_a_large_result(node: ServedNode) -> None:
    """Past the node's bound on open queries a new one is refused (1010)."""
    with open_cursors(node.address, PROFILE.cursors, PROFILE.cursor_rows) as running:
        node.watch(running.done.is_set, MEMORY_BOUND, RUN_WITHIN)
        check_answers(node.address)
    assert running.error is None
    statuses = running.result
    assert isinstance(statuses, list)
    assert len(statuses) == PROFILE.cursors
    opened = min(PROFILE.cursors, Limits().max_open_queries)  # then status 1010
    assert statuses == [0] * opened + [TOO_MANY_CURSORS] * (PROFILE.cursors - opened)
    survived(node)


def test_cross_join_without_timeout_leaves_others_served(node: ServedNode) -> None:
    with endless_join(node.address):
        check_answers(node.address)
        survived(node)


def test_sigterm_ends_the_node_during_a_cross_join(node: ServedNode) -> None:
    with endless_join(node.address):
        check_answers(node.address)  # the join was sent before this connected
        node.proc.send_signal(signal.SIGTERM)
        assert node.proc.wait(timeout=STOP_WITHIN) == 0

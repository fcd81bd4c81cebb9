"""What every soak scenario must leave intact, and the check that it did.

Owns the witness entries (``store_witness`` puts them before the load) and
``survived(node)``, the check every scenario ends with: the node runs, answers
a new client promptly, stayed under ``MEMORY_BOUND``, logged no traceback, and
still holds every witness entry. Uses embergrid's client; never the server.
"""

from __future__ import annotations

from embergrid import Client

from ._node import MIB, ServedNode
from ._probe import ANSWER_WITHIN, check_answers
from ._profile import MEMORY_BOUND

__all__ = ["WITNESS_ENTRIES", "store_witness", "survived"]

WITNESS = "soak-witness"
WITNESS_ENTRIES = {i: f"witness-{i}" for i in range(1_000)}


def store_witness(address: tuple[str, int]) -> None:
    client = Client(timeout=ANSWER_WITHIN)
    with client.connect(*address):
        client.get_or_create_cache(WITNESS).put_all(WITNESS_ENTRIES)


def survived(node: ServedNode) -> None:
    """The node runs, answers, stayed under its bound and lost nothing."""
    assert node.alive(), "the node died"
    check_answers(node.address)
    client = Client(timeout=ANSWER_WITHIN)
    with client.connect(*node.address):
        stored = client.get_cache(WITNESS).get_all(list(WITNESS_ENTRIES))
    assert stored == WITNESS_ENTRIES, "witness entries lost"
    peak = node.peak_rss()
    assert peak < MEMORY_BOUND, f"the node's peak RSS {peak / MIB:.0f} MiB"
    assert node.tracebacks() == [], "the node logged a traceback"

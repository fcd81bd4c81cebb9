# GENERATED from tests/client/aio/_failing.py: edit that file
"""What the failover tests of both shells expect once every node is gone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from embergrid.exceptions import ReconnectError

BROKEN = "Connection broken."
OUT_OF_NODES = "Can not reconnect: out of nodes."


def assert_out_of_nodes(call: Callable[[], Any], tries: int) -> None:
    """Call ``call()`` up to ``tries`` times with every node down: each connection
    that still looked alive fails once with "Connection broken.", then the client
    says it is out of nodes (``ReconnectError``)."""
    outcomes = []
    for _ in range(tries):
        try:
            call()
        except ReconnectError as exc:
            outcomes.append(str(exc))
            break
        except OSError as exc:
            outcomes.append(str(exc))
    assert outcomes[-1] == OUT_OF_NODES
    assert set(outcomes[:-1]) <= {BROKEN}

"""The seed's failover example (pyignite's ``failover.py``) on three
``embergrid serve`` nodes sharing one data dir, with real pyignite 0.6.1 and
with our client, killing real processes.

The example's loop reads a counter and writes it back plus one. The nodes are
shut down one by one while it runs: each loss shows as ``OSError`` /
``SocketError`` in the loop, the client reconnects to a node still alive and
the counter goes on from where it was (never lower than the last value the loop
wrote: the nodes share the store). With no node left the client raises
``ReconnectError``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyignite
import pyignite.exceptions
import pytest

import embergrid
import embergrid.exceptions
from server._nodes import ServeNode, cluster

pytestmark = pytest.mark.timeout(300)

CLIENTS = {
    "pyignite": (pyignite.Client, pyignite.exceptions),
    "embergrid": (embergrid.Client, embergrid.exceptions),
}
STEPS_BETWEEN_KILLS = 200
# pyignite 0.6.1 drops the socket of a connection that failed without closing it.
_PYIGNITE_LEAKS = pytest.mark.filterwarnings(
    "ignore:unclosed <socket.socket:ResourceWarning"
)


def _until_out_of_nodes(cache: Any, exceptions: Any) -> None:
    """Call until the client gives up (the first calls may meet the broken
    socket first)."""
    for _ in range(5):
        try:
            cache.get("test_key")
        except (OSError, exceptions.SocketError):
            continue


@pytest.mark.parametrize(
    "flavour",
    [pytest.param("pyignite", marks=_PYIGNITE_LEAKS), pytest.param("embergrid")],
)
@pytest.mark.parametrize("how", ["kill", "stop"])
def test_failover_example(flavour: str, how: str, tmp_path: Path) -> None:
    client_class, exceptions = CLIENTS[flavour]
    mode = pyignite.datatypes.cache_config.CacheMode.PARTITIONED
    props = pyignite.datatypes.prop_codes
    with cluster(tmp_path, ["node-a", "node-b", "node-c"]) as nodes:
        client = client_class(timeout=4.0)
        with client.connect([n.address for n in nodes]):
            my_cache = client.get_or_create_cache(
                {
                    props.PROP_NAME: "my_cache",
                    props.PROP_CACHE_MODE: mode,
                    props.PROP_BACKUPS_NUMBER: 2,
                }
            )
            my_cache.put("test_key", 0)
            test_value = 0
            errors: list[BaseException] = []
            shut: Callable[[ServeNode], Any] = (
                ServeNode.kill if how == "kill" else ServeNode.stop
            )

            def work(steps: int) -> None:
                nonlocal test_value
                done = 0
                while done < steps:
                    try:
                        before = test_value
                        test_value = my_cache.get("test_key") or 0
                        assert test_value >= before  # the counter is intact
                        my_cache.put("test_key", test_value + 1)
                        done += 1
                    except (OSError, exceptions.SocketError) as e:
                        errors.append(e)  # recover: just continue

            work(STEPS_BETWEEN_KILLS)
            for node in nodes[:2]:
                shut(node)
                work(STEPS_BETWEEN_KILLS)
            assert 1 <= len(errors) <= 4  # each loss seen, then recovered
            assert my_cache.get("test_key") == test_value + 1
            assert test_value >= 3 * STEPS_BETWEEN_KILLS - 1
            shut(nodes[2])
            with pytest.raises(exceptions.ReconnectError):
                _until_out_of_nodes(my_cache, exceptions)

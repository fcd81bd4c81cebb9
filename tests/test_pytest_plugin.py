"""The pytest plugin (``embergrid.pytest_plugin``) as a user's project sees it.

A sample test project is run by pytester in a subprocess, where pytest finds
the plugin through embergrid's ``pytest11`` entry point, as in any project that
installed embergrid: its fixtures give a node, its address for pyignite, and
connected clients, and every test starts without the caches earlier tests made.
"""

from __future__ import annotations

import pytest

SAMPLE = """
import pyignite

def test_put_get_with_our_client(embergrid_client):
    cache = embergrid_client.create_cache("users")
    cache.put(1, "Ada")
    assert cache.get(1) == "Ada"

def test_the_cache_of_the_last_test_is_gone(embergrid_client):
    assert embergrid_client.get_cache_names() == []
    embergrid_client.sql("CREATE TABLE T (ID INT PRIMARY KEY, V VARCHAR)")
    embergrid_client.sql("INSERT INTO T (ID, V) VALUES (1, 'x')")

def test_pyignite_on_the_address(embergrid_address):
    client = pyignite.Client()
    with client.connect(*embergrid_address):
        assert client.get_cache_names() == []  # the SQL table went too
        client.create_cache("p").put("k", 42)
        assert client.get_cache("p").get("k") == 42

async def test_aio_client(embergrid_aio_client):
    cache = await embergrid_aio_client.get_or_create_cache("aio")
    await cache.put(1, 2)
    assert await cache.get(1) == 2

def test_one_node_for_the_session(embergrid_node, embergrid_address):
    assert embergrid_node.address == embergrid_address
"""


def test_a_sample_project_uses_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SAMPLE)
    pytester.makeini("[pytest]\nasyncio_mode = auto\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=5)

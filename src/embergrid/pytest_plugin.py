"""A pytest plugin: Ignite-compatible tests without a JVM or containers.

Owns the fixtures it registers (loaded by pytest through the ``pytest11`` entry
point whenever embergrid is installed; nothing starts until a test asks):

* ``embergrid_node`` (session) -- an ``embergrid.server.ServerThread``: a node in
  this process on a free loopback port (``.address``, ``.host``, ``.port``);
* ``embergrid_address`` -- ``(host, port)`` of that node for any thin client
  (pyignite's ``Client().connect(*embergrid_address)``, ours, Node.js, Java).
  Every cache (and so every SQL table) a test creates is destroyed after it,
  so each test starts from the caches the session had before it;
* ``embergrid_client`` -- an ``embergrid.Client`` connected to it;
* ``embergrid_aio_client`` -- an ``embergrid.AioClient`` connected to it (needs
  pytest-asyncio; defined only when it is installed).

Example::

    def test_put_get(embergrid_client):
        cache = embergrid_client.create_cache("users")
        cache.put(1, "Ada")
        assert cache.get(1) == "Ada"

Imports pytest; the server and client are imported only when a fixture runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from embergrid import AioClient, Client
    from embergrid.server import ServerThread

__all__ = [
    "embergrid_address",
    "embergrid_client",
    "embergrid_node",
]


@pytest.fixture(scope="session")
def embergrid_node() -> Iterator[ServerThread]:
    """A node in this process for the whole session."""
    from embergrid.server import Node, ServerThread

    with ServerThread(Node()) as node:
        yield node


@pytest.fixture
def embergrid_address(embergrid_node: ServerThread) -> Iterator[tuple[str, int]]:
    """The node's address; the caches a test creates are destroyed after it."""
    from embergrid import Client

    keeper = Client()
    with keeper.connect(*embergrid_node.address):
        before = set(keeper.get_cache_names())
        yield embergrid_node.address
        for name in set(keeper.get_cache_names()) - before:
            keeper.get_cache(name).destroy()


@pytest.fixture
def embergrid_client(embergrid_address: tuple[str, int]) -> Iterator[Client]:
    """A connected ``embergrid.Client``."""
    from embergrid import Client

    client = Client()
    with client.connect(*embergrid_address):
        yield client


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - pytest-asyncio is a test dependency here
    pass
else:

    @pytest_asyncio.fixture
    async def embergrid_aio_client(
        embergrid_address: tuple[str, int],
    ) -> AsyncIterator[AioClient]:
        """A connected ``embergrid.AioClient``."""
        from embergrid import AioClient

        client = AioClient()
        async with client.connect(*embergrid_address):
            yield client

    __all__ += ["embergrid_aio_client"]

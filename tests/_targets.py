"""``Target``: one server under test (embergrid or the reference Ignite node).

Owns the small value the ``target`` fixture (tests/conftest.py) yields: name, host,
port and connected pyignite clients. A module of its own (imported as ``_targets``,
like ``_reference``) because test modules cannot safely import from ``conftest``.
Must not import ``embergrid``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from pyignite import AioClient, Client

EMBERGRID = "embergrid"
IGNITE = "ignite"


@dataclass(frozen=True, slots=True)
class Target:
    """One server under test: ``name`` is ``embergrid`` or ``ignite``."""

    name: str
    host: str
    port: int

    @contextmanager
    def client(self, **kwargs: Any) -> Iterator[Client]:
        """A connected pyignite ``Client`` (closed on exit); kwargs go to ``Client``."""
        c = Client(**kwargs)
        with c.connect(self.host, self.port):
            yield c

    @asynccontextmanager
    async def aio_client(self, **kwargs: Any) -> AsyncIterator[AioClient]:
        """A connected pyignite ``AioClient`` (closed on exit)."""
        c = AioClient(**kwargs)
        async with c.connect(self.host, self.port):
            yield c

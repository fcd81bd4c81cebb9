"""Fixtures for engine tests: a fake clock, an in-memory engine, a fresh cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from embergrid.engine import Engine, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(clock: FakeClock) -> Iterator[Engine]:
    e = Engine(clock=clock)
    yield e
    e.close()


@pytest.fixture
def cid(engine: Engine) -> int:
    """The id of a fresh, empty cache with default configuration."""
    return engine.caches.create("test-cache").cache_id

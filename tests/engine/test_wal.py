"""WAL state by cache name (ops 5002/5003): a name is looked up by name, not by
its Java hash ("Aa" and "BB" share one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from embergrid.engine import Engine
from embergrid.engine.errors import EngineError
from embergrid.protocol.binary.hashing import java_string_hash
from embergrid.protocol.config import CacheConfiguration


def test_a_name_with_the_same_hash_is_not_that_cache(tmp_path: Path) -> None:
    assert java_string_hash("Aa") == java_string_hash("BB")
    e = Engine(data_dir=str(tmp_path))
    e.caches.create(CacheConfiguration(name="Aa"))
    with pytest.raises(EngineError, match="Cache not found: BB"):
        e.wal.is_enabled("BB")
    with pytest.raises(EngineError, match="Cache doesn't exist: BB"):
        e.wal.change("BB", False)
    assert e.wal.is_enabled("Aa") is True
    e.close()

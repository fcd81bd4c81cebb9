"""A private store (``Store.private()``): what a node without a data dir runs on.

Memory-backed and gone with its owner, yet open to other connections of the
process, so long work can run on another thread; never persistent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from embergrid.engine import Engine, FakeClock, Store
from embergrid.engine.store import DB_FILE_NAME


def _directory(store: Store) -> Path:
    return Path(store.path).parent


def test_a_sibling_sees_the_owners_writes_and_the_owner_its(clock: FakeClock) -> None:
    owner = Engine(clock=clock, store=Store.private())
    sibling = owner.sibling()
    assert sibling is not None
    try:
        cid = owner.caches.get_or_create("shared").cache_id
        owner.kv.put(cid, b"k", b"v1")
        assert sibling.kv.get(cid, b"k") == b"v1"
        sibling.kv.put(cid, b"k", b"v2")
        assert owner.kv.get(cid, b"k") == b"v2"
    finally:
        sibling.close()
        owner.close()


def test_it_is_not_persistent_and_its_directory_goes_with_the_owner(
    clock: FakeClock,
) -> None:
    owner = Engine(clock=clock, store=Store.private())
    directory = _directory(owner.store)
    assert (directory / DB_FILE_NAME).exists()
    assert not owner.store.persistent
    assert not owner.wal.persistent
    sibling = owner.sibling()
    assert sibling is not None
    sibling.close()
    assert directory.exists()  # a sibling closing removes nothing
    owner.close()
    assert not directory.exists()


def test_a_killed_owners_directory_is_removed_by_the_next_private_store() -> None:
    code = (
        "import os; from embergrid.engine import Store; s = Store.private();"
        "print(s.path, flush=True); os._exit(0)"  # no close: as if killed
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    left = Path(out.stdout.strip()).parent
    assert left.exists()
    fresh = Store.private()
    try:
        assert not left.exists()
        assert str(os.getpid()) in _directory(fresh).name
    finally:
        fresh.close()

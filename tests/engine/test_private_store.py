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


def test_the_owner_notices_a_siblings_changes_without_asking_sqlite(
    clock: FakeClock,
) -> None:
    """A private store's data version counts the other connections' row changes
    (they are all in this process): a sibling's write moves it, the owner's own
    writes do not, and a sibling closing never moves it back."""
    owner = Store.private()
    sibling = owner.sibling()
    assert sibling is not None
    try:
        asked: list[str] = []
        owner.conn.set_trace_callback(asked.append)
        before = owner.data_version()
        owner.meta_set("mine", 1)
        assert owner.data_version() == before
        sibling.meta_set("theirs", 1)
        moved = owner.data_version()
        assert moved > before
        assert sibling.data_version() > 0  # the owner's write counts for it
        assert not [s for s in asked if "data_version" in s]
        sibling.close()
        assert owner.data_version() == moved
        later = owner.sibling()
        assert later is not None
        later.meta_set("later", 1)
        assert owner.data_version() > moved
        later.close()
    finally:
        owner.close()


def test_a_data_dir_store_asks_once_per_request(tmp_path: Path) -> None:
    """On a data dir another process may commit at any time: ``data_version``
    asks SQLite, once per request after ``next_request`` (every time before)."""
    store = Store(tmp_path)
    other = Store(tmp_path)
    try:
        asked: list[str] = []
        store.conn.set_trace_callback(asked.append)
        store.data_version()
        store.data_version()
        assert len([s for s in asked if "data_version" in s]) == 2
        asked.clear()
        store.next_request()
        first = store.data_version()
        other.meta_set("x", 1)
        assert store.data_version() == first  # the same request: one answer
        assert len([s for s in asked if "data_version" in s]) == 1
        store.next_request()
        assert store.data_version() != first
    finally:
        other.close()
        store.close()


def test_a_private_store_other_processes_open_asks_sqlite(tmp_path: Path) -> None:
    """Once other processes open a private store (``embergrid serve --workers``),
    their commits count: another process's write moves the data version."""
    owner = Store.private()
    try:
        owner.open_to_processes()
        owner.next_request()
        before = owner.data_version()
        code = (
            "import sys; from embergrid.engine import Store;"
            "s = Store.private_at(sys.argv[1]); s.meta_set('other', 1); s.close()"
        )
        subprocess.run([sys.executable, "-c", code, str(_directory(owner))], check=True)
        owner.next_request()
        assert owner.data_version() != before
    finally:
        owner.close()

"""A long aggregate query runs as two map parts on two threads, then a reduce.

Whether a statement is long is decided without timing: the loop's budget here
is a nanosecond, and SQLite looks at it every 10,000 steps, so a query over a
few thousand rows always stops on the loop and runs on a worker (where it
splits), and one over three rows never does. Which way a statement went is read
from ``Node.map_parts``' counters. Under concurrent writes, every answer is one
the store held at some moment (each write keeps the total).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest

from embergrid import Client
from embergrid.server import Limits, Node, ServerThread
from embergrid.server.cores import WINDOW, SpareCores

ROWS = 3000
COLUMNS = "id INT PRIMARY KEY, grp INT, val INT, name VARCHAR"
GROUPED = "SELECT grp, COUNT(*), SUM(val), MIN(name), MAX(val) FROM Split GROUP BY grp"


@pytest.fixture
def node() -> Iterator[Node]:
    # One worker: its engine and the map parts' are made by the first long
    # statement (a new engine takes the write lock once, to check the schema).
    node = Node(limits=Limits(loop_budget=1e-9, workers=1))
    node.map_parts.cores = SpareCores(busy=lambda: None, cores=2)  # always free
    with ServerThread(node) as st:
        c = Client()
        with c.connect(*st.address):
            c.sql(f"CREATE TABLE Split ({COLUMNS})")
            c.sql("CREATE TABLE Tiny (id INT PRIMARY KEY, val INT)")
            for start in range(0, ROWS, 500):
                c.sql(
                    "INSERT INTO Split (id, grp, val, name) VALUES "
                    + ", ".join(
                        f"({i}, {i % 100}, {i * 7 % 1000}, 'n{i}')"
                        for i in range(start, start + 500)
                    )
                )
            c.sql("INSERT INTO Tiny (id, val) VALUES (1, 1), (2, 2), (3, 3)")
        yield node


def _rows(
    address: tuple[str, int], q: str, page_size: int = 1024
) -> list[list[object]]:
    c = Client()
    with c.connect(*address), c.sql(q, page_size=page_size) as cur:
        return [list(r) for r in cur]


@pytest.fixture
def address(node: Node) -> tuple[str, int]:
    assert node.client_address is not None
    return node.client_address


def test_a_long_aggregate_is_answered_by_its_map_parts_as_run_whole(
    node: Node, address: tuple[str, int]
) -> None:
    whole = [list(r) for r in node.engine.sql.execute(GROUPED).rows]
    assert len(whole) == 100
    assert _rows(address, GROUPED, page_size=7) == whole  # over several pages
    assert (node.map_parts.split, node.map_parts.whole) == (1, 0)
    total = "SELECT COUNT(*), SUM(val), MIN(val), MAX(name) FROM Split WHERE grp > 5"
    assert _rows(address, total) == [list(node.engine.sql.execute(total).rows[0])]
    assert node.map_parts.split == 2


def test_a_short_aggregate_runs_whole_on_the_loop(
    node: Node, address: tuple[str, int]
) -> None:
    assert _rows(address, "SELECT COUNT(*), SUM(val) FROM Tiny") == [[3, 6]]
    assert (node.map_parts.split, node.map_parts.whole) == (0, 0)


def test_under_concurrent_writes_every_answer_is_a_committed_state(
    node: Node, address: tuple[str, int]
) -> None:
    """Each write moves 1 from one row to another in one commit (the two rows
    often in different key halves): the sum never changes, so parts answering
    from two different states would answer another sum. (How often a commit
    lands between the parts' first reads is the scheduler's; the tests in
    ``tests/sql/test_sql_aggsplit.py`` put one there, and one after them.)"""
    total = ROWS // 1000 * sum(i * 7 % 1000 for i in range(1000))
    query = "SELECT SUM(val), COUNT(*) FROM Split"
    assert _rows(address, query) == [[total, ROWS]]  # the engines are made
    stop = threading.Event()
    writes = 0
    writer_engine = node.engine.sibling()
    assert writer_engine is not None

    def write() -> None:
        nonlocal writes
        rng = random.Random(7)
        sql = writer_engine.sql
        while not stop.is_set():
            a, b = rng.sample(range(ROWS), 2)
            with writer_engine.store.atomic():
                sql.execute("UPDATE Split SET val = val + 1 WHERE id = ?", args=[a])
                sql.execute("UPDATE Split SET val = val - 1 WHERE id = ?", args=[b])
            writes += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for _ in range(40):
            assert _rows(address, query) == [[total, ROWS]]
    finally:
        stop.set()
        writer.join()
        writer_engine.close()
    assert node.map_parts.split + node.map_parts.whole == 41
    assert writes > 0


def test_no_split_while_other_processes_keep_the_second_core_busy(
    node: Node, address: tuple[str, int]
) -> None:
    node.map_parts.cores = SpareCores(busy=lambda: None, cores=1)
    whole = [list(r) for r in node.engine.sql.execute(GROUPED).rows]
    assert _rows(address, GROUPED) == whole
    assert (node.map_parts.split, node.map_parts.no_core) == (0, 1)


def test_spare_cores_are_those_other_processes_left_free() -> None:
    """CPU seconds of the machine's busy cores and of this process, on a
    clock: others' share is the machine's less ours."""
    busy, own, now = [100.0], [10.0], [0.0]
    cores = SpareCores(lambda: busy[0], lambda: own[0], lambda: now[0], cores=2)
    assert cores.free() == 2  # nothing measured yet
    now[0] += WINDOW
    busy[0] += WINDOW * 1.5  # 1.5 cores busy, of which ours 1
    own[0] += WINDOW
    assert cores.free() == 1.5
    assert cores.spare_second()
    busy[0] += WINDOW  # within the window: the last answer
    assert cores.free() == 1.5
    now[0] += WINDOW
    busy[0] += WINDOW  # 2 cores busy over that window, ours 1 of them
    own[0] += WINDOW
    assert cores.free() == 1.0
    assert not cores.spare_second()

"""The Java thin client's continuous query against embergrid and the reference node:
``tools/java-thin/ContinuousQueryCheck.java`` runs one fixed sequence of operations
(puts, replaces, removes, removeAll, clear and clear of keys, an expiry, transactions
committed and rolled back, with an initial query) and prints what its listener heard;
both servers must make it print the same lines.

The program is compiled once per module with ``javac`` against the Ignite 2.18 jars
(as tests/compat/test_java_thin.py compiles its smoke program). Skips with the
reason when ``java``/``javac`` or the jars are missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _reference import REPO_ROOT
from compat.test_java_thin import RUN_TIMEOUT_S, compile_java, run_java
from embergrid.server import ServerThread

SOURCE = REPO_ROOT / "tools" / "java-thin" / "ContinuousQueryCheck.java"
MAIN_CLASS = "ContinuousQueryCheck"

# What the listener must hear on both servers: pinned, so that a change of either
# shows here (the reference's own run is compared with it too).
EXPECTED = [
    "I a 100=before",
    "E a CREATED 1 null a",
    "E a UPDATED 1 a b",
    "E a UPDATED 1 b c",
    "E a UPDATED 1 c d",
    "E a REMOVED 1 d d",  # the Java client's REMOVED event gives the old value twice
    "E a REMOVED 100 before before",
    "E a CREATED 3 null x",
    "E a REMOVED 3 x x",  # removeAll is heard, clear (of key 4) is not
    "E a CREATED 4 null y",
    "E a CREATED 7 null z",  # clear(7) is not heard
    "E a CREATED 8 null u",
    "E a CREATED 9 null v",  # nor clearAll({8, 9})
    "E a CREATED 10 null w",
    "E a REMOVED 10 w w",  # removeAll({10}) is
    "E a CREATED 5 null short",
    "E a EXPIRED 5 short short",
    "E a CREATED 6 null after expiry",
    "E t CREATED 1 null second",  # a transaction's net change, at commit
    "E t CREATED 2 null other",
    "E t UPDATED 1 second outside",  # the rolled-back transaction: nothing
    "DONE",
]


@pytest.fixture(scope="module")
def check_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_java(tmp_path_factory, SOURCE, RUN_TIMEOUT_S)


def heard(classes: Path, host: str, port: int) -> list[str]:
    return run_java(classes, MAIN_CLASS, [host, port], RUN_TIMEOUT_S * 2)


def test_java_continuous_query_hears_on_embergrid_what_it_hears_on_ignite(
    check_classes: Path, realtime_server: ServerThread
) -> None:
    assert heard(check_classes, *realtime_server.address) == EXPECTED


@pytest.mark.reference
def test_java_continuous_query_on_ignite(
    check_classes: Path, reference: tuple[str, int]
) -> None:
    assert heard(check_classes, *reference) == EXPECTED

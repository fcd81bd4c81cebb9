"""Fixtures for the differential tests: both servers at once, and a real-time embergrid.

``pair`` gives the session's embergrid server and the reference Ignite node together
(the test runs one scenario on each and compares normalized outcomes); it uses the
``reference`` fixture, so every test using it is marked ``reference``.
``realtime_pair`` does the same with a second embergrid server whose engine reads the
real clock, for expiry tests that sleep. ``divergence("key")`` markers are checked
against ``divergences.DIVERGENCES`` at collection by the root conftest.
Imports ``embergrid.server`` only to start the real-time server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from pyignite import Client

from _targets import EMBERGRID, IGNITE, Target
from embergrid.server import Node, ServerThread

from ._outcome import Outcome, outcome


@dataclass(frozen=True, slots=True)
class Pair:
    """embergrid and Ignite, each with a connected pyignite client."""

    ours: Target
    ignite: Target
    ours_client: Client
    ignite_client: Client

    def clients(self) -> tuple[tuple[str, Client], tuple[str, Client]]:
        return (EMBERGRID, self.ours_client), (IGNITE, self.ignite_client)

    def run(self, scenario: Callable[[Client], Any]) -> tuple[Outcome, Outcome]:
        """(embergrid's outcome, Ignite's outcome) of ``scenario(client)``."""
        ours = outcome(lambda: scenario(self.ours_client))
        theirs = outcome(lambda: scenario(self.ignite_client))
        return ours, theirs

    def assert_same(self, scenario: Callable[[Client], Any]) -> Outcome:
        """Run ``scenario`` on both servers; fail unless the outcomes are equal."""
        ours, theirs = self.run(scenario)
        assert ours == theirs, f"\nembergrid: {ours!r}\nignite:    {theirs!r}"
        return ours

    def assert_same_steps(
        self, steps: Callable[[Client], Sequence[Callable[[], Any]]]
    ) -> list[Outcome]:
        """Run each step on embergrid, then each on Ignite; compare step by step."""
        ours = [outcome(step) for step in steps(self.ours_client)]
        theirs = [outcome(step) for step in steps(self.ignite_client)]
        diffs = [
            f"step {i}:\n  embergrid: {a!r}\n  ignite:    {b!r}"
            for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
            if a != b
        ]
        assert not diffs, "\n" + "\n".join(diffs)
        return ours


def unique(prefix: str) -> str:
    """A cache (or type) name no other test in the session uses."""
    return f"compat-{prefix}-{uuid.uuid4().hex[:8]}"


def make_pair(ours: Target, ignite: Target) -> Iterator[Pair]:
    with ours.client() as oc, ignite.client() as ic:
        yield Pair(ours, ignite, oc, ic)


@pytest.fixture(scope="module")
def pair(server_address: tuple[str, int], reference: tuple[str, int]) -> Iterator[Pair]:
    """The session's embergrid server and the reference node, one client each."""
    yield from make_pair(Target(EMBERGRID, *server_address), Target(IGNITE, *reference))


@pytest.fixture(scope="session")
def realtime_server() -> Iterator[ServerThread]:
    """An embergrid server on the real clock (for expiry tests that sleep)."""
    with ServerThread(Node()) as st:
        yield st


@pytest.fixture(scope="module")
def realtime_pair(
    realtime_server: ServerThread, reference: tuple[str, int]
) -> Iterator[Pair]:
    """Like ``pair`` but embergrid's side runs on the real clock."""
    yield from make_pair(
        Target(EMBERGRID, *realtime_server.address), Target(IGNITE, *reference)
    )

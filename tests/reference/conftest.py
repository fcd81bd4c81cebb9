"""Fixtures for tests/reference/: the session-wide node from tests/_reference.py
(imported as ``_reference``: pytest puts tests/ on sys.path, it has no __init__.py).
Must not import: ``embergrid`` (these tests observe Ignite, not our code).
"""

from __future__ import annotations

import pytest

from _reference import mark_reference_items, reference

__all__ = ["reference"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tag tests that use the ``reference`` fixture with ``@pytest.mark.reference``."""
    mark_reference_items(items)

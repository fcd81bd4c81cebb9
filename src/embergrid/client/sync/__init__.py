"""The blocking client shells: generated from ``client/aio`` except ``_transport``."""

from __future__ import annotations

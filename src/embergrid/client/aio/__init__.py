"""embergrid.client.aio"""

from __future__ import annotations

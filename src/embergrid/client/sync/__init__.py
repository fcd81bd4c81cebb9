"""embergrid.client.sync"""

from __future__ import annotations

"""embergrid.client"""

from __future__ import annotations

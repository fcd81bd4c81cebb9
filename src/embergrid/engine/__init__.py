"""embergrid.engine"""

from __future__ import annotations

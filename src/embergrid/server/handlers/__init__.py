"""embergrid.server.handlers"""

from __future__ import annotations

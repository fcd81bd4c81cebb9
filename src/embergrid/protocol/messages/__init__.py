"""embergrid.protocol.messages"""

from __future__ import annotations

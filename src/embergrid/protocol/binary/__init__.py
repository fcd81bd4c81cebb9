"""embergrid.protocol.binary"""

from __future__ import annotations

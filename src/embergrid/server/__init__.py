"""embergrid.server: the asyncio front over the engine (STYLE §5).

Owns the listener (``listener.py``), one ``Session`` per socket
(``session.py``), the node (``node.py``), the handler registry
(``dispatch.py``) with one handler module per op family (``handlers/``) and
every server-level status text (``status_messages.py``). Imports
``embergrid.protocol`` and ``embergrid.engine``; the client never imports this.
"""

from __future__ import annotations

from embergrid.server.listener import Server, new_event_loop
from embergrid.server.node import Limits, Node
from embergrid.server.session import Session
from embergrid.server.thread import ServerThread

__all__ = ["Limits", "Node", "Server", "ServerThread", "Session", "new_event_loop"]

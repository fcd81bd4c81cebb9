"""Every client operation, written once as a sans-IO generator (STYLE §3).

A flow is ``Generator[Call, Reply, T]``: it yields the requests it needs, receives
their decoded answers and returns the result. The asyncio driver
(``client.aio._transport``) and the blocking driver (``client.sync._transport``) run
the very same flows, so sync and async clients differ only in how they wait.

Why under ``client/`` and not ``protocol/``: flows are *client behaviour* — hint
inference, partition routing, fetching and registering binary types, cursor paging,
transaction binding. The protocol package only knows bytes and messages; the server
never runs a flow. Flows do no I/O, import no asyncio and never sleep; they import
``embergrid.protocol``, ``embergrid.errors`` and ``embergrid.datatypes`` only.
"""

from __future__ import annotations

from embergrid.client.flows._call import Call, Flow, Reply
from embergrid.client.flows._state import CacheRef, ClientState, TxContext

__all__ = ["CacheRef", "Call", "ClientState", "Flow", "Reply", "TxContext"]

"""Message bodies of every op code the thin protocol needs (reference §6-§7, §11).

Owns one module per op family: ``general`` (0-2 and shared response shapes),
``cache`` (1000-1021 and the cache prefix), ``cache_config`` (1050-1056),
``partitions`` (1101), ``query`` (2000-2005), ``binary_type`` (3000-3004), ``tx``
(4000/4001), ``cluster`` (5000-5003); ``ProtocolContext`` (what layouts depend on)
and the dispatch tables ``REQUESTS``/``RESPONSES``. Bodies only: headers belong to
``protocol.headers``. Standard library only; must not import the client, the server,
the engine or the value codec (keys and values stay encoded ``bytes``).

Every ``decode_x(body, ctx)`` raises ``embergrid.errors.ParseError`` and nothing else
on malformed input; every ``encode_x(msg, ctx)`` returns the body bytes.
"""

from __future__ import annotations

from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.messages.registry import REQUESTS, RESPONSES, Decoder, Encoder

__all__ = ["REQUESTS", "RESPONSES", "Decoder", "Encoder", "ProtocolContext"]

"""How stored objects enter and leave the server: Java's view of them.

Owns ``stored`` (a request's key or value as the engine keeps it, i.e. as a Java
node keeps it: a wrapped binary object, code 27, is replaced by the complex object
it embeds, so a key is the same key whether a client sent it bare or wrapped;
reference §8.8, §13.20; anything else goes through
``java_values.normalized``, which rewrites collections, maps and some leaves
the way the node's deserialize-then-marshal round trip does) and ``returned`` (a
stored object as a response carries it: a bare complex object, code 103, goes out
wrapped in 27 with offset 0, as a Java server sends it). The wrapping is required
by pyignite 0.6.1: it decodes a top-level 103 in a response without its client and
fails with ``Can not query binary type``; only a 27 goes through
``unwrap_binary``, which fetches the type. Complex objects nested in collections
come out of ``normalized`` already 27-wrapped. Imports only ``embergrid.protocol``
and ``embergrid.protocol.binary.java_values``.
"""

from __future__ import annotations

from embergrid.errors import ParseError
from embergrid.protocol.binary.java_values import normalized
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.codes import TypeCode
from embergrid.protocol.wire import I32

__all__ = ["returned", "stored"]

_COMPLEX = TypeCode.COMPLEX_OBJECT
_WRAPPED = TypeCode.BINARY_OBJECT
_WRAPPED_BYTE = bytes([_WRAPPED])
_OFFSET_ZERO = I32.pack(0)


def stored(obj: bytes) -> bytes:
    """The form the engine stores: what a Java node keeps (a 27 wrapper becomes its
    embedded 103; collections, maps and leaves as Java re-serializes them)."""
    if not obj or obj[0] != _WRAPPED:
        return normalized(obj)
    return _unwrapped(obj)


def _unwrapped(obj: bytes) -> bytes:
    try:
        (n,) = I32.unpack_from(obj, 1)
        (offset,) = I32.unpack_from(obj, 5 + n)
        start = 5 + offset
        if not 0 <= offset < n or obj[start] != _COMPLEX:
            return obj
        end = object_end(obj, start)
    except (ParseError, IndexError, ValueError):
        return obj
    return obj[start:end] if end <= 5 + n else obj


def returned(obj: bytes) -> bytes:
    """The form a response carries: a bare 103 goes out wrapped (27, offset 0)."""
    if not obj or obj[0] != _COMPLEX:
        return obj
    return b"".join((_WRAPPED_BYTE, I32.pack(len(obj)), obj, _OFFSET_ZERO))

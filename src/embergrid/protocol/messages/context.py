"""What a message layout depends on: the negotiated protocol version and features.

Owns ``ProtocolContext``, the small value every ``encode_x``/``decode_x`` in
``embergrid.protocol.messages`` takes as ``ctx``. Standard library only; imports only
``embergrid.protocol.codes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from embergrid.protocol.codes import ProtocolFeature

__all__ = ["ProtocolContext"]

_FEATURES_SINCE = (1, 7, 0)
_NO_FEATURES = ProtocolFeature(0)


@dataclass(frozen=True, slots=True)
class ProtocolContext:
    """Negotiated protocol version and feature bits of one connection.

    Feature bits only exist from 1.7.0 on (reference §3.5); ``has`` ignores them on
    older versions, as both ends do.
    """

    version: tuple[int, int, int] = (1, 7, 0)
    features: ProtocolFeature = _NO_FEATURES

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool:
        """True when the negotiated version is ``major.minor.patch`` or newer."""
        return self.version >= (major, minor, patch)

    def has(self, feature: ProtocolFeature) -> bool:
        """True when ``feature`` was negotiated (needs protocol 1.7.0)."""
        return self.version >= _FEATURES_SINCE and feature in self.features

"""What a message layout depends on: the negotiated protocol version and features.

Owns ``ProtocolContext``, the small value every ``encode_x``/``decode_x`` in
``embergrid.protocol.messages`` takes as ``ctx``. The client hands the same value to
users as ``Client.protocol_context``, so it also answers pyignite's questions
(``is_transactions_supported()`` and the other ``is_*_supported()``) and prints as
pyignite's does. Which protocol version brought which capability is written here
once, in the ``_*_SINCE`` constants; the client asks these methods instead of
comparing versions.
Standard library only; imports only ``embergrid.protocol.codes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from embergrid.protocol.codes import ProtocolFeature

__all__ = ["ProtocolContext"]

# The first protocol version with each capability pyignite asks about.
_PARTITION_AWARENESS_SINCE = (1, 4, 0)  # the handshake names the node (reference §3)
_STATUS_FLAGS_SINCE = (1, 4, 0)  # the i16 flags response header (reference §4.3)
_TRANSACTIONS_SINCE = (1, 6, 0)  # ops 4000/4001, the transactional cache flag
_EXPIRY_POLICY_SINCE = (1, 6, 0)  # per-request and per-cache expiry policies
_FEATURES_SINCE = (1, 7, 0)  # the handshake's feature bitmask (reference §3.5)
_NO_FEATURES = ProtocolFeature(0)


@dataclass(frozen=True, slots=True, repr=False)
class ProtocolContext:
    """Negotiated protocol version and feature bits of one connection.

    Feature bits only exist from 1.7.0 on (reference §3.5): on older versions
    ``features`` is always empty, whatever was passed. ``features`` also accepts
    ``None`` or a plain int (pyignite's ``BitmaskFeature``) and stores a
    ``ProtocolFeature``. Immutable: a connection that negotiates again gets a new one.
    Two contexts are equal when version and features are.
    """

    version: tuple[int, int, int] = (1, 7, 0)
    features: ProtocolFeature = _NO_FEATURES

    def __post_init__(self) -> None:
        features = self.features
        if self.version < _FEATURES_SINCE:
            if features is not _NO_FEATURES:
                object.__setattr__(self, "features", _NO_FEATURES)
        elif type(features) is not ProtocolFeature:
            object.__setattr__(self, "features", ProtocolFeature(int(features or 0)))

    def __repr__(self) -> str:
        """pyignite's form: features as an int, ``None`` before 1.7.0 (none exist)."""
        features = int(self.features) if self.version >= _FEATURES_SINCE else None
        return f"ProtocolContext(version={tuple(self.version)}, features={features})"

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool:
        """True when the negotiated version is ``major.minor.patch`` or newer."""
        return self.version >= (major, minor, patch)

    def has(self, feature: ProtocolFeature) -> bool:
        """True when ``feature`` was negotiated (needs protocol 1.7.0)."""
        return feature in self.features

    def copy(self) -> ProtocolContext:
        """An equal context: this one, as contexts are immutable."""
        return self

    # -- pyignite's questions ---------------------------------------------------------

    def is_partition_awareness_supported(self) -> bool:
        """Whether the protocol supports partition awareness (1.4.0 and newer)."""
        return self.version >= _PARTITION_AWARENESS_SINCE

    def is_status_flags_supported(self) -> bool:
        """Whether responses carry status flags (1.4.0 and newer)."""
        return self.version >= _STATUS_FLAGS_SINCE

    def is_transactions_supported(self) -> bool:
        """Whether the protocol supports transactions (1.6.0 and newer)."""
        return self.version >= _TRANSACTIONS_SINCE

    def is_expiry_policy_supported(self) -> bool:
        """Whether the protocol supports expiry policies (1.6.0 and newer)."""
        return self.version >= _EXPIRY_POLICY_SINCE

    def is_feature_flags_supported(self) -> bool:
        """Whether the handshake negotiates feature flags (1.7.0 and newer)."""
        return self.version >= _FEATURES_SINCE

    def is_cluster_api_supported(self) -> bool:
        """Whether the server offers the cluster API (feature ``CLUSTER_API``)."""
        return ProtocolFeature.CLUSTER_API in self.features

"""Client-side knowledge the flows read and update: types, partition maps, the tx.

Owns ``ClientState`` (one per client: binary type registry, classes already
registered with the cluster, partition maps per cache, the highest topology version
seen), ``CacheRef`` (what a cache handle is on the wire: id, name, expiry policy) and
the current transaction (a ``ContextVar``, so a transaction belongs to the thread or
task that started it, as in pyignite). Pure data; no I/O. Imports
``embergrid.protocol`` only.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from embergrid.protocol.binary.generic import TypeCache
from embergrid.protocol.binary.hashing import cache_id as _cache_id
from embergrid.protocol.config import ExpiryDurations
from embergrid.protocol.headers import AffinityVersion
from embergrid.protocol.messages.cache import CachePrefix

__all__ = [
    "CURRENT_TX",
    "CacheRef",
    "ClientState",
    "PartitionTable",
    "TxContext",
    "current_tx",
]


@dataclass(frozen=True, slots=True)
class CacheRef:
    """A cache as requests name it."""

    name: str
    cache_id: int
    expiry: ExpiryDurations | None = None
    prefix: CachePrefix = field(init=False, repr=False, compare=False)
    """The request prefix outside a transaction (immutable, built once)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "prefix", CachePrefix(self.cache_id, 0, self.expiry))

    @classmethod
    def of(cls, name: str, expiry: ExpiryDurations | None = None) -> CacheRef:
        return cls(name, _cache_id(name), expiry)


@dataclass(frozen=True, slots=True)
class PartitionTable:
    """One cache's primary nodes by partition, as of ``version``.

    ``owners`` is empty when the cache cannot be routed (not applicable, custom
    affinity): keyed requests then go to any node.
    """

    version: AffinityVersion
    owners: tuple[uuid.UUID, ...] = ()


@dataclass(eq=False)
class ClientState:
    """Everything flows remember between calls of one client."""

    types: TypeCache = field(default_factory=TypeCache)
    registered: set[tuple[int, int]] = field(default_factory=set)
    partitions: dict[int, PartitionTable] = field(default_factory=dict)
    topology: AffinityVersion = field(default_factory=lambda: AffinityVersion(0, 0))
    routing: bool = False
    compact_footer: bool | None = None

    def saw_topology(self, version: AffinityVersion | None) -> bool:
        """Driver hook: a response carried ``version``; whether it is a change."""
        if version is not None and version > self.topology:
            self.topology = version
            return True
        return False


@dataclass(frozen=True, slots=True)
class TxContext:
    """The transaction the current thread or task is in."""

    owner: int
    tx_id: int
    conn: object


CURRENT_TX: ContextVar[TxContext | None] = ContextVar("embergrid_tx", default=None)


def current_tx(state: ClientState) -> TxContext | None:
    """The open transaction of this context, if it belongs to ``state``'s client."""
    tx = CURRENT_TX.get()
    if tx is None or tx.owner != id(state):
        return None
    return tx

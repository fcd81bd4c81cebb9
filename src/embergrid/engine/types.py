"""Binary type metadata and type-name mappings (ops 3000-3003), kept in the store.

Owns ``BinaryTypes``: ``put`` merges with the stored record under Ignite's rule
(``BinaryType.merged``; a field re-registered with another type code is refused
with Ignite's text), ``get`` by type id, and the per-(platform, type id) name
registry. Nothing is cached in the process, so a type registered by one node is
visible to every other node at once (reference §10, §13.22); only the decoding of
a stored record is memoized, by its exact text (the records handed out are shared:
read-only).
Must not import asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from functools import lru_cache

from embergrid.engine import messages
from embergrid.engine._codec import decode_binary_type, encode_binary_type
from embergrid.engine.errors import EngineError
from embergrid.engine.store import Store
from embergrid.protocol.binary.metadata import BinaryType, FieldTypeConflict
from embergrid.protocol.codes import StatusCode

__all__ = ["BinaryTypes"]


_decoded = lru_cache(maxsize=1024)(decode_binary_type)


class BinaryTypes:
    """The cluster-wide binary metadata registry."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, type_id: int) -> BinaryType | None:
        """Op 3002: the merged metadata, or None if the type is unknown."""
        row = self._store.conn.execute(
            "SELECT meta FROM binary_types WHERE type_id = ?", (type_id,)
        ).fetchone()
        return None if row is None else _decoded(row[0])

    def put(self, bt: BinaryType) -> BinaryType:
        """Op 3003: merge ``bt`` into the stored record and return the result."""
        with self._store.atomic() as conn:
            known = self.get(bt.type_id)
            try:
                merged = bt if known is None else known.merged(bt)
            except FieldTypeConflict as exc:
                raise EngineError(
                    StatusCode.FAILED,
                    messages.field_type_conflict(
                        exc.type_name, bt.type_id, exc.field_name, exc.old, exc.new
                    ),
                ) from None
            conn.execute(
                "INSERT OR REPLACE INTO binary_types (type_id, meta) VALUES (?, ?)",
                (bt.type_id, encode_binary_type(merged)),
            )
        return merged

    def type_name(self, platform: int, type_id: int) -> str:
        """Op 3000: the registered name; status 1 if there is none."""
        row = self._store.conn.execute(
            "SELECT name FROM type_names WHERE platform = ? AND type_id = ?",
            (platform, type_id),
        ).fetchone()
        if row is None:
            raise EngineError(
                StatusCode.FAILED, messages.binary_type_name_unknown(platform, type_id)
            )
        return str(row[0])

    def register_name(self, platform: int, type_id: int, name: str) -> bool:
        """Op 3001: record the name; True when recorded (or already the same)."""
        with self._store.atomic() as conn:
            row = conn.execute(
                "SELECT name FROM type_names WHERE platform = ? AND type_id = ?",
                (platform, type_id),
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO type_names (platform, type_id, name) VALUES (?, ?, ?)",
                    (platform, type_id, name),
                )
            elif row[0] != name:
                raise EngineError(
                    StatusCode.FAILED,
                    messages.duplicate_type_name(platform, type_id, row[0], name),
                )
        return True

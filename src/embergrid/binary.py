"""pyignite's ``pyignite.binary`` namespace: ``GenericObjectMeta`` for complex objects.

Re-exports the metaclass (and the base its classes get, under pyignite's mixin name
``GenericObjectProps``) from ``embergrid.protocol.binary.generic``. Must not import the
client, the server or the engine.
"""

from __future__ import annotations

from embergrid.protocol.binary.generic import GenericObject, GenericObjectMeta

GenericObjectProps = GenericObject
"""pyignite's name for the base every ``GenericObjectMeta`` class shares."""

__all__ = ["GenericObject", "GenericObjectMeta", "GenericObjectProps"]

"""Values to bytes and back, with the binary-type traffic that needs.

Owns ``encode_value`` (a plain function: the codec plus pyignite's ``(value, hint)``
pairs), ``register_classes`` (a flow: put the metadata of every ``GenericObjectMeta``
class in a value the cluster has not seen from us yet, as pyignite does before the
first write), ``decode_value`` (a flow: decode, and when the codec raises
``UnknownBinaryType`` fetch that type with op 3002, register it and decode again)
and ``fetch_type``. Imports ``embergrid.protocol`` and ``embergrid.errors``; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from embergrid.client.flows._call import Call, Flow
from embergrid.client.flows._state import ClientState
from embergrid.errors import BinaryTypeError
from embergrid.protocol.binary import codec
from embergrid.protocol.binary.generic import GenericObjectMeta, binary_type_of
from embergrid.protocol.binary.metadata import BinaryType
from embergrid.protocol.binary.objects import UnknownBinaryType
from embergrid.protocol.codes import OpCode
from embergrid.protocol.messages import binary_type as bt

__all__ = [
    "SCALARS",
    "decode_value",
    "decode_values",
    "encode_value",
    "encode_values",
    "fetch_type",
    "known_value",
    "put_type",
    "register_classes",
    "unwrap",
]

SCALARS = frozenset({int, str, float, bool, bytes, type(None)})
"""Types that never hold a complex object (``register_classes`` skips them)."""
_SCALARS = SCALARS


def encode_value(value: Any, hint: object | None = None) -> bytes:
    """The data object bytes of ``value`` (``ParameterError`` if it cannot be)."""
    return codec.encode(value, hint)


def encode_values(values: Iterable[Any]) -> list[bytes]:
    """``[encode_value(v) for v in values]``, through the codec's bulk path."""
    return codec.encode_many(values)


def _classes_in(value: Any, found: dict[tuple[int, int], GenericObjectMeta]) -> None:
    kind = type(value)
    if kind in _SCALARS:
        return
    if isinstance(kind, GenericObjectMeta):
        found.setdefault((kind.type_id, kind.schema_id), kind)  # type: ignore[arg-type]
        for name in kind.schema:
            _classes_in(getattr(value, name, None), found)
    elif isinstance(value, dict):  # scalars are skipped here, saving a call each
        for k, v in value.items():
            if type(k) not in _SCALARS:
                _classes_in(k, found)
            if type(v) not in _SCALARS:
                _classes_in(v, found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            if type(item) not in _SCALARS:
                _classes_in(item, found)


def register_classes(state: ClientState, *values: Any) -> Flow[None]:
    """Put the metadata of complex-object classes in ``values`` not yet registered."""
    found: dict[tuple[int, int], GenericObjectMeta] = {}
    for value in values:
        _classes_in(value, found)
    for key, cls in found.items():
        if key not in state.registered:
            yield from put_type(state, binary_type_of(cls))
            state.types.add_class(cls)
            state.registered.add(key)


def put_type(state: ClientState, meta: BinaryType) -> Flow[None]:
    """Op 3003; remembers ``meta`` locally once the cluster took it."""
    yield Call(OpCode.PUT_BINARY_TYPE, bt.PutBinaryType(meta), error=BinaryTypeError)
    state.types.add_type(meta)


def fetch_type(state: ClientState, type_id: int) -> Flow[BinaryType | None]:
    """Op 3002; merges what the cluster knows into the local registry."""
    reply = yield Call(
        OpCode.GET_BINARY_TYPE, bt.GetBinaryType(type_id), error=BinaryTypeError
    )
    meta: BinaryType | None = reply.message.binary_type
    if meta is not None:
        state.types.add_type(meta)
    return meta


def decode_value(state: ClientState, data: bytes | memoryview) -> Flow[Any]:
    """Decode one data object, fetching unknown binary types as needed."""
    fetched: set[int] = set()
    while True:
        try:
            return codec.decode(data, 0, state.types)
        except UnknownBinaryType as exc:
            if exc.type_id in fetched:
                raise BinaryTypeError(
                    f"binary type {exc.type_id} has no schema {exc.schema_id}"
                ) from exc
            fetched.add(exc.type_id)
            yield from fetch_type(state, exc.type_id)


def known_value(state: ClientState, data: bytes | memoryview) -> Any:
    """Decode one data object whose types are all known (``UnknownBinaryType``
    otherwise): flows try this first, without a nested flow, and fall back to
    ``decode_value``."""
    return codec.decode(data, 0, state.types)


def decode_values(
    state: ClientState, objects: Sequence[bytes | memoryview]
) -> Flow[list[Any]]:
    """Decode each data object; unknown binary types are fetched (once each) and
    the objects are then decoded one by one as ``decode_value`` does."""
    try:
        return codec.decode_many(objects, state.types)
    except UnknownBinaryType:
        out = []
        for o in objects:
            out.append((yield from decode_value(state, o)))
        return out


def unwrap(state: ClientState, value: Any) -> Flow[Any]:
    """pyignite's ``unwrap_binary``: decode ``(bytes, offset)`` blobs, recursively
    inside ``(type_id, collection)`` pairs; anything else is returned as is."""
    if isinstance(value, tuple) and len(value) == 2:
        first, second = value
        if isinstance(first, bytes | bytearray) and isinstance(second, int):
            return (yield from decode_value(state, bytes(first[second:])))
        if isinstance(first, int) and isinstance(second, list):
            items = []
            for v in second:
                items.append((yield from unwrap(state, v)))
            return first, items
        if isinstance(first, int) and isinstance(second, dict):
            out = {}
            for k, v in second.items():
                out[(yield from unwrap(state, k))] = yield from unwrap(state, v)
            return first, out
    return value

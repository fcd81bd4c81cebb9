"""``GenericObjectMeta``: pyignite-compatible Python classes for complex objects.

Owns the metaclass users write ``class Person(metaclass=GenericObjectMeta,
type_name=..., schema=OrderedDict(...))`` with, the ``GenericObject`` base every such
class gets (keyword/positional ``__init__`` with per-type defaults, ``repr``, equality,
``version``, ``_buffer``/``_hashcode``), class generation from binary metadata
(``class_from_binary_type``), the reverse (``binary_type_of``), and ``TypeCache``, a
plain in-memory ``TypeRegistry`` (type id -> metadata, (type id, schema id) -> class).

Standard library only. Imports ``embergrid.errors``, ``embergrid.protocol.codes`` and
``embergrid.protocol.binary.{hashing,hints,metadata}``; never the codec or any I/O.

Observable pyignite 0.6.1 behaviour kept: ``type_name``/``type_id``/``schema``/
``schema_id`` on the class and on instances (``schema`` returns a copy), class-level
``version`` is None and instances get ``version=1``, field defaults come from the hint
(0 for integers, 0.0, ``' '``, False, ``Decimal('0.00')``, epoch dates, ``[]`` for
arrays, None otherwise), equality needs the very same class, instances are unhashable,
and setting a schema field clears ``_buffer``/``_hashcode``. pyignite builds these with
``attrs`` at first instantiation; here a plain base class provides them.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from embergrid.errors import ParameterError, ParseError
from embergrid.protocol.binary.hashing import field_id, schema_id, type_id
from embergrid.protocol.binary.hints import hint_code
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.codes import TypeCode as T

__all__ = [
    "GenericObject",
    "GenericObjectMeta",
    "TypeCache",
    "binary_type_of",
    "class_from_binary_type",
    "hint_type_code",
    "sanitize_class_name",
]

_NOT_ALLOWED = frozenset({T.CLASS, T.PROXY, T.HANDLE, T.BINARY_ARRAY})
_CODES = frozenset(int(c) for c in T) - _NOT_ALLOWED

# pyignite's hint defaults, by type code; lists are copied per instance.
_DEFAULTS: dict[int, Any] = {
    T.BYTE: 0,
    T.SHORT: 0,
    T.INT: 0,
    T.LONG: 0,
    T.FLOAT: 0.0,
    T.DOUBLE: 0.0,
    T.CHAR: " ",
    T.BOOL: False,
    T.DECIMAL: Decimal("0.00"),
    T.TIMESTAMP: (datetime(1970, 1, 1), 0),
    T.DATE: datetime(1970, 1, 1),
    T.TIME: timedelta(),
}
_LIST_DEFAULTS = frozenset(
    {
        T.BYTE_ARRAY,
        T.SHORT_ARRAY,
        T.INT_ARRAY,
        T.LONG_ARRAY,
        T.FLOAT_ARRAY,
        T.DOUBLE_ARRAY,
        T.CHAR_ARRAY,
        T.BOOL_ARRAY,
        T.STRING_ARRAY,
        T.UUID_ARRAY,
        T.DATE_ARRAY,
        T.DECIMAL_ARRAY,
        T.TIMESTAMP_ARRAY,
        T.TIME_ARRAY,
        T.ENUM_ARRAY,
    }
)


def hint_type_code(hint: object) -> int:
    """The type code a schema hint stands for (see ``hints.hint_code``).

    Raises ``ParseError`` (pyignite's exception for a bad schema) for anything that
    is not a hint of an allowed field type, including "infer" hints (AnyDataObject).
    """
    try:
        code = hint_code(hint)
    except ParameterError:
        code = None
    if code is None or isinstance(hint, bool) or code not in _CODES:
        raise ParseError(f"Wrong binary field type: {hint!r}")
    return int(code)


def _default(code: int) -> Any:
    return [] if code in _LIST_DEFAULTS else _DEFAULTS.get(code)


class GenericObjectMeta(type):
    """Complex (binary) object metaclass, as in pyignite.

    ``type_name`` defaults to the class name; ``schema`` maps field names to type
    hints, in field order.
    """

    version: ClassVar[int | None] = None  # pyignite: ``Person.version`` is None

    _type_name: str
    _type_id: int
    _schema: OrderedDict[str, Any]
    _field_ids: tuple[int, ...]
    _schema_id: int
    _codes: tuple[int, ...]

    def __new__(
        mcs,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        type_name: str | None = None,
        schema: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> GenericObjectMeta:
        if not any(issubclass(b, GenericObject) for b in bases):
            bases = (*bases, GenericObject)
        return super().__new__(mcs, name, bases, namespace, **kwargs)

    def __init__(
        cls,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        type_name: str | None = None,
        schema: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, bases, namespace, **kwargs)
        fields: OrderedDict[str, Any] = (
            schema if isinstance(schema, OrderedDict) else OrderedDict(schema or {})
        )
        cls._codes = tuple(hint_type_code(h) for h in fields.values())
        cls._type_name = type_name or name
        cls._type_id = type_id(cls._type_name)
        cls._schema = fields
        cls._field_ids = tuple(field_id(n) for n in fields)
        cls._schema_id = schema_id(cls._field_ids)

    @property
    def type_name(cls) -> str:
        """Binary object type name."""
        return cls._type_name

    @property
    def type_id(cls) -> int:
        """Binary object type ID."""
        return cls._type_id

    @property
    def schema(cls) -> OrderedDict[str, Any]:
        """Binary object schema (a copy)."""
        return cls._schema.copy()

    @property
    def schema_id(cls) -> int:
        """Binary object schema ID."""
        return cls._schema_id


class GenericObject:
    """Base of every ``GenericObjectMeta`` class: construction, repr and equality."""

    __hash__ = None  # type: ignore[assignment]  # mutable, like pyignite's attrs classes
    _buffer: bytes | None = None
    _hashcode: int | None = None
    version: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls: Any = type(self)
        names = _init_names(cls)
        if len(args) > len(names):
            raise TypeError(
                f"{cls.__name__}.__init__() takes {len(names) + 1} positional "
                f"arguments but {len(args) + 1} were given"
            )
        values = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(
                    f"{cls.__name__}.__init__() got an unexpected keyword argument "
                    f"{key!r}"
                )
            if key in values:
                raise TypeError(
                    f"{cls.__name__}.__init__() got multiple values for argument "
                    f"{key!r}"
                )
            values[key] = value
        for name, code in zip(cls._schema, cls._codes, strict=True):
            object.__setattr__(
                self, name, values[name] if name in values else _default(code)
            )
        object.__setattr__(self, "version", values.get("version", 1))

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self)._schema:  # type: ignore[attr-defined]
            object.__setattr__(self, "_buffer", None)
            object.__setattr__(self, "_hashcode", None)
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        cls = type(self)
        shown = ", ".join(f"{n}={getattr(self, n, None)!r}" for n in _init_names(cls))
        return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _values(self) == _values(other)

    @property
    def type_name(self) -> str:
        """Binary object type name."""
        return type(self)._type_name  # type: ignore[attr-defined,no-any-return]

    @property
    def type_id(self) -> int:
        """Binary object type ID."""
        return type(self)._type_id  # type: ignore[attr-defined,no-any-return]

    @property
    def schema(self) -> OrderedDict[str, Any]:
        """Binary object schema (a copy)."""
        return type(self)._schema.copy()  # type: ignore[attr-defined,no-any-return]

    @property
    def schema_id(self) -> int:
        """Binary object schema ID."""
        return type(self)._schema_id  # type: ignore[attr-defined,no-any-return]


def _init_names(cls: Any) -> tuple[str, ...]:
    names: tuple[str, ...] = tuple(cls._schema)
    return names if "version" in cls._schema else (*names, "version")


def _values(obj: object) -> tuple[Any, ...]:
    return tuple(getattr(obj, n, None) for n in _init_names(type(obj)))


# Classes from metadata and back ---------------------------------------------------

_NOT_IDENTIFIER = re.compile(r"[^0-9a-zA-Z_.+$]")
_BAD_START = re.compile(r"^[^a-zA-Z_]+")


def _capitalize(s: str) -> str:
    return s[:1].upper() + s[1:]


def sanitize_class_name(type_name: str) -> str:
    """A Python class name for an Ignite type name, the way pyignite derives it.

    Drops characters outside ``[0-9a-zA-Z_.+$]``, joins the parts around ``$``
    (Scala), ``+`` (.NET) and ``.`` (Java packages) capitalizing each, strips a
    leading non-letter run and capitalizes: ``org.acme.Person`` -> ``OrgAcmePerson``.
    """
    name = _NOT_IDENTIFIER.sub("", type_name)
    for sep in ("$", "+", "."):
        name = "".join(_capitalize(part) for part in name.split(sep))
    return _capitalize(_BAD_START.sub("", name))


def class_from_binary_type(meta: BinaryType, schema_id_: int) -> GenericObjectMeta:
    """A new class for one schema of ``meta``; ``KeyError`` if the schema is unknown.

    The class name is sanitized, but ``type_name`` stays the server's name, so the
    type id survives a write back (pyignite 0.6.1 uses the sanitized name there).
    """
    by_id = {f.field_id: f for f in meta.fields.values()}
    schema: OrderedDict[str, Any] = OrderedDict()
    for fid in meta.schemas[schema_id_]:
        f = by_id[fid]
        code = f.type_code if f.type_code in _CODES else T.COMPLEX_OBJECT
        schema[f.name] = T(code)
    return GenericObjectMeta(
        sanitize_class_name(meta.type_name),
        (),
        {},
        type_name=meta.type_name,
        schema=schema,
    )


def binary_type_of(cls: GenericObjectMeta) -> BinaryType:
    """The metadata a client registers (op 3003) for ``cls``."""
    fields = {
        name: BinaryField(name, code, fid)
        for name, code, fid in zip(cls._schema, cls._codes, cls._field_ids, strict=True)
    }
    return BinaryType(
        type_id=cls._type_id,
        type_name=cls._type_name,
        fields=fields,
        schemas={cls._schema_id: cls._field_ids},
    )


class TypeCache:
    """In-memory ``TypeRegistry``: metadata by type id, classes by (type id, schema id).

    ``data_class`` builds and remembers a class from metadata on first use, so every
    object of one schema decodes to the same class (equality needs the same class).
    """

    def __init__(
        self, types: Iterable[BinaryType] = (), classes: Iterable[type] = ()
    ) -> None:
        self._types: dict[int, BinaryType] = {}
        self._classes: dict[tuple[int, int], type] = {}
        for t in types:
            self.add_type(t)
        for c in classes:
            self.add_class(c)

    def add_type(self, meta: BinaryType) -> None:
        """Merge ``meta`` into what is known about its type id."""
        known = self._types.get(meta.type_id)
        self._types[meta.type_id] = meta if known is None else known.merged(meta)

    def add_class(self, cls: type) -> None:
        """Use ``cls`` for its (type id, schema id) and record its metadata."""
        if not isinstance(cls, GenericObjectMeta):
            raise TypeError(f"{cls!r} is not a GenericObjectMeta class")
        self.add_type(binary_type_of(cls))
        self._classes[cls._type_id, cls._schema_id] = cls

    def binary_type(self, type_id: int) -> BinaryType | None:
        return self._types.get(type_id)

    def data_class(self, type_id: int, schema_id: int) -> type | None:
        cls = self._classes.get((type_id, schema_id))
        if cls is None:
            meta = self._types.get(type_id)
            if meta is None or schema_id not in meta.schemas:
                return None
            try:
                cls = class_from_binary_type(meta, schema_id)
            except KeyError:  # the schema names a field the metadata lacks
                return None
            self._classes[type_id, schema_id] = cls
        return cls

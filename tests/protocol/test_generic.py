"""``GenericObjectMeta`` keeps pyignite 0.6.1's observable behaviour."""

from __future__ import annotations

import inspect
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest
from pyignite import GenericObjectMeta as PMeta
from pyignite import datatypes as pd
from pyignite.client import Client as PClient

from embergrid.errors import ParseError
from embergrid.protocol.binary.generic import (
    GenericObjectMeta,
    TypeCache,
    binary_type_of,
    class_from_binary_type,
    hint_type_code,
    sanitize_class_name,
)
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.codes import TypeCode as T

# (field name, pyignite hint, our hint) for one of every defaulted kind of field.
FIELDS = [
    ("b", pd.ByteObject, T.BYTE),
    ("s", pd.ShortObject, T.SHORT),
    ("i", pd.IntObject, T.INT),
    ("l", pd.LongObject, T.LONG),
    ("f", pd.FloatObject, T.FLOAT),
    ("d", pd.DoubleObject, T.DOUBLE),
    ("c", pd.CharObject, T.CHAR),
    ("t", pd.BoolObject, T.BOOL),
    ("text", pd.String, T.STRING),
    ("u", pd.UUIDObject, T.UUID),
    ("dt", pd.DateObject, T.DATE),
    ("ts", pd.TimestampObject, T.TIMESTAMP),
    ("tm", pd.TimeObject, T.TIME),
    ("dec", pd.DecimalObject, T.DECIMAL),
    ("ints", pd.IntArrayObject, T.INT_ARRAY),
    ("strs", pd.StringArrayObject, T.STRING_ARRAY),
    ("m", pd.MapObject, T.MAP),
    ("col", pd.CollectionObject, T.COLLECTION),
    ("obj", pd.BinaryObject, T.COMPLEX_OBJECT),
]


def make_pair(type_name: str | None = None) -> tuple[Any, Any]:
    p_schema = OrderedDict((n, p) for n, p, _ in FIELDS)
    o_schema = OrderedDict((n, o) for n, _, o in FIELDS)

    class Thing(metaclass=PMeta, type_name=type_name, schema=p_schema):  # type: ignore[misc]
        pass

    P = Thing

    class Thing(metaclass=GenericObjectMeta, type_name=type_name, schema=o_schema):  # type: ignore[misc,no-redef]
        pass

    return P, Thing


def test_class_attributes_match_pyignite() -> None:
    P, Ours = make_pair()
    for attr in ("type_name", "type_id", "schema_id", "version", "__name__"):
        assert getattr(Ours, attr) == getattr(P, attr), attr
    assert list(Ours.schema) == list(P.schema)
    assert Ours.version is None  # pyignite: the class-level version is None


def test_explicit_type_name_sets_type_id() -> None:
    P, Ours = make_pair("org.acme.Thing")
    assert Ours.type_name == P.type_name == "org.acme.Thing"
    assert Ours.type_id == P.type_id


def test_defaults_match_pyignite() -> None:
    P, Ours = make_pair()
    p, o = P(), Ours()
    for name, _, _ in FIELDS:
        assert getattr(o, name) == getattr(p, name), name
    assert o.version == p.version == 1
    assert o.dec == Decimal("0.00")
    assert o.ints == []
    assert o.ints is not Ours().ints


def test_repr_matches_pyignite() -> None:
    schema_p = OrderedDict(
        [("first_name", pd.String), ("last_name", pd.String), ("age", pd.IntObject)]
    )
    schema_o = OrderedDict(
        [("first_name", T.STRING), ("last_name", T.STRING), ("age", T.INT)]
    )

    class Person(metaclass=PMeta, schema=schema_p):
        pass

    p = Person(first_name="Ivan", last_name="Ivanov", age=33)

    class Person(metaclass=GenericObjectMeta, schema=schema_o):  # type: ignore[no-redef]
        pass

    o = Person(first_name="Ivan", last_name="Ivanov", age=33)
    assert (
        repr(o)
        == repr(p)
        == "Person(first_name='Ivan', last_name='Ivanov', age=33, version=1)"
    )
    assert (
        repr(Person("a", "b", 1, 2))
        == "Person(first_name='a', last_name='b', age=1, version=2)"
    )


def test_instance_properties_match_pyignite() -> None:
    P, Ours = make_pair()
    p, o = P(), Ours()
    for attr in ("type_name", "type_id", "schema_id"):
        assert getattr(o, attr) == getattr(p, attr)
    assert o._buffer is None
    assert o._hashcode is None
    assert p._buffer is None
    assert p._hashcode is None


def test_schema_property_returns_a_copy() -> None:
    _, Ours = make_pair()
    s = Ours.schema
    s["extra"] = T.INT
    assert "extra" not in Ours.schema
    assert "extra" not in Ours().schema
    assert isinstance(Ours.schema, OrderedDict)


def test_equality_needs_the_same_class_and_values() -> None:
    _, Ours = make_pair()
    _, O2 = make_pair()
    assert Ours(i=1) == Ours(i=1)
    assert Ours(i=1) != Ours(i=2)
    assert Ours(i=1) != O2(i=1)  # attrs' eq: same class only
    assert Ours(i=1, version=2) != Ours(i=1)
    assert Ours() != "x"


def test_instances_are_unhashable_like_pyignite() -> None:
    P, Ours = make_pair()
    with pytest.raises(TypeError):
        hash(P())
    with pytest.raises(TypeError):
        hash(Ours())


def test_init_errors_match_pyignite() -> None:
    P, Ours = make_pair()
    for cls in (P, Ours):
        with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
            cls(nope=1)
    with pytest.raises(TypeError):
        Ours(*range(len(FIELDS) + 2))
    with pytest.raises(TypeError):
        Ours(1, b=1)


def test_setting_a_field_clears_cached_bytes() -> None:
    _, Ours = make_pair()
    o = Ours()
    o._buffer = b"xyz"
    o._hashcode = 5
    o.unrelated = 1
    assert o._buffer == b"xyz"
    o.i = 3
    assert o._buffer is None
    assert o._hashcode is None
    assert o.i == 3


def test_empty_schema_and_user_methods() -> None:
    class Empty(metaclass=GenericObjectMeta):
        def greet(self) -> str:
            return "hi"

    assert Empty.schema == OrderedDict()
    assert Empty.schema_id == 0
    assert repr(Empty()) == "Empty(version=1)"
    assert Empty().greet() == "hi"


def test_bad_field_type_raises_parse_error_like_pyignite() -> None:
    for hint in (int, "String", 26, T.HANDLE, pd.AnyDataObject):
        with pytest.raises(ParseError, match="Wrong binary field type"):

            class Bad(metaclass=GenericObjectMeta, schema={"x": hint}):
                pass


def test_hint_type_code_accepts_our_markers_and_pyignite_classes() -> None:
    assert hint_type_code(T.INT) == 3
    assert hint_type_code(pd.String) == 9
    assert hint_type_code(pd.BinaryObject) == 103
    try:
        from embergrid import datatypes as ed
    except ImportError:  # the datatypes package needs the codec
        return
    assert hint_type_code(ed.IntObject) == 3
    assert hint_type_code(ed.BinaryObject) == 103


@pytest.mark.parametrize(
    "name",
    [
        "Person",
        "org.apache.ignite.examples.Person",
        "scala.Outer$Inner$",
        "Ns.Outer+Inner",
        "com.acme.Lambda$$Lambda$12/0x1234",
        "9lives",
        "_private.thing",
        "SQL_PUBLIC_CITY_KEY",
        "a-b c",
        "ünïcode.Name",
        "",
    ],
)
def test_sanitize_class_name_matches_pyignite(name: str) -> None:
    assert sanitize_class_name(name) == PClient._create_type_name(name)


def person_type() -> BinaryType:
    fields = {
        n: BinaryField(n, c, fid)
        for n, c, fid in [("id", 3, 3355), ("name", 9, 3373707), ("odd", 200, 110119)]
    }
    return BinaryType(
        type_id=-809452212,
        type_name="org.apache.ignite.examples.Person",
        fields=fields,
        schemas={970781171: (3355, 3373707), 1975878747: (3373707,)},
    )


def test_class_from_metadata_keeps_type_name_and_schema_order() -> None:
    cls = class_from_binary_type(person_type(), 970781171)
    assert cls.__name__ == "OrgApacheIgniteExamplesPerson"
    # pyignite 0.6.1 would also use the sanitized name as type_name (and change the
    # type id); we keep the server's name so objects write back as the same type.
    assert cls.type_name == "org.apache.ignite.examples.Person"
    assert cls.type_id == -809452212
    assert cls.schema == OrderedDict([("id", T.INT), ("name", T.STRING)])
    assert cls.schema_id == 970781171
    assert (
        repr(cls(id=1, name="A"))
        == "OrgApacheIgniteExamplesPerson(id=1, name='A', version=1)"
    )


def test_binary_type_of_round_trips_through_class_from_binary_type() -> None:
    _, Ours = make_pair()
    meta = binary_type_of(Ours)
    assert meta.type_id == Ours.type_id
    assert meta.type_name == "Thing"
    assert meta.schemas == {
        Ours.schema_id: tuple(meta.fields[n].field_id for n in Ours.schema)
    }
    assert [meta.fields[n].type_code for n in Ours.schema] == [
        int(c) for _, _, c in FIELDS
    ]
    again = class_from_binary_type(meta, Ours.schema_id)
    assert again.schema_id == Ours.schema_id
    assert list(again.schema) == list(Ours.schema)


def test_type_cache_builds_each_class_once_and_prefers_registered_ones() -> None:
    cache = TypeCache([person_type()])
    a = cache.data_class(-809452212, 970781171)
    assert a is not None
    assert a is cache.data_class(-809452212, 970781171)
    assert cache.data_class(-809452212, 1) is None
    assert cache.data_class(1, 970781171) is None

    class Mine(
        metaclass=GenericObjectMeta,
        type_name="org.apache.ignite.examples.Person",
        schema=OrderedDict([("name", T.STRING)]),
    ):
        pass

    cache.add_class(Mine)
    assert cache.data_class(-809452212, 1975878747) is Mine
    meta = cache.binary_type(-809452212)
    assert meta is not None
    assert set(meta.schemas) == {970781171, 1975878747}


def test_every_field_is_a_keyword_argument() -> None:
    _, Ours = make_pair()
    o = Ours(**{n: None for n, _, _ in FIELDS})
    assert all(getattr(o, n) is None for n, _, _ in FIELDS)
    assert inspect.isclass(Ours)
    assert isinstance(Ours, GenericObjectMeta)


def test_embergrid_binary_reexports_the_metaclass() -> None:
    from embergrid import binary

    assert binary.GenericObjectMeta is GenericObjectMeta
    assert isinstance(make_pair()[1](), binary.GenericObjectProps)

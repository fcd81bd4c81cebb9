"""Binary type metadata registry: merge, conflict text, type names."""

from __future__ import annotations

import pytest

from embergrid.engine import Engine, EngineError
from embergrid.engine.messages import java_field_type_name
from embergrid.protocol.binary.metadata import BinaryField, BinaryType
from embergrid.protocol.codes import StatusCode, TypeCode


def _person(
    *fields: tuple[str, int, int], schemas: dict[int, tuple[int, ...]] | None = None
) -> BinaryType:
    return BinaryType(
        type_id=-1234,
        type_name="Person",
        fields={n: BinaryField(n, code, fid) for n, code, fid in fields},
        schemas=schemas or {},
    )


def test_unknown_type_is_none(engine: Engine) -> None:
    assert engine.types.get(42) is None


def test_put_then_get_equal(engine: Engine) -> None:
    bt = _person(("id", 3, 11), ("name", 9, 22), schemas={777: (11, 22)})
    engine.types.put(bt)
    assert engine.types.get(-1234) == bt


def test_put_merges_fields_and_schemas(engine: Engine) -> None:
    engine.types.put(_person(("id", 3, 11), schemas={1: (11,)}))
    engine.types.put(_person(("name", 9, 22), schemas={2: (22,)}))
    got = engine.types.get(-1234)
    assert got is not None
    assert set(got.fields) == {"id", "name"}
    assert got.schemas == {1: (11,), 2: (22,)}


def test_enum_values_merge(engine: Engine) -> None:
    engine.types.put(BinaryType(9, "Color", is_enum=True, enum_values={"RED": 0}))
    engine.types.put(BinaryType(9, "Color", is_enum=True, enum_values={"GREEN": 1}))
    got = engine.types.get(9)
    assert got is not None
    assert got.is_enum
    assert got.enum_values == {"RED": 0, "GREEN": 1}


def test_field_type_change_is_refused_with_ignite_text(engine: Engine) -> None:
    engine.types.put(_person(("id", TypeCode.INT, 11)))
    with pytest.raises(EngineError) as info:
        engine.types.put(_person(("id", TypeCode.STRING, 11)))
    assert info.value.status == StatusCode.FAILED
    assert info.value.message.startswith(
        "Type 'Person' with typeId -1234 has a different/incorrect type for field "
        "'id'. Expected 'int' but 'String' was provided. The type of an existing "
        "field can not be changed."
    )
    assert "'control.sh --meta remove --typeId -1234'" in info.value.message
    got = engine.types.get(-1234)
    assert got is not None
    assert got.fields["id"].type_code == TypeCode.INT


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (1, "byte"),
        (8, "boolean"),
        (4, "long"),
        (30, "decimal"),
        (103, "Object"),
        (12, "byte[]"),
    ],
)
def test_java_field_type_names(code: int, name: str) -> None:
    assert java_field_type_name(code) == name


def test_type_names_per_platform(engine: Engine) -> None:
    assert engine.types.register_name(0, 77, "org.Person") is True
    assert engine.types.register_name(0, 77, "org.Person") is True
    assert engine.types.type_name(0, 77) == "org.Person"
    with pytest.raises(EngineError) as info:
        engine.types.type_name(1, 77)  # other platform: unknown
    assert info.value.status == StatusCode.FAILED
    with pytest.raises(EngineError):
        engine.types.register_name(0, 77, "org.Other")
    assert engine.types.type_name(0, 77) == "org.Person"

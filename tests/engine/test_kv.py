"""Semantics of every key-value op (1000-1021) on bytes keys and values."""

from __future__ import annotations

import pytest

from embergrid.engine import Engine, EngineError, PeekMode
from embergrid.protocol.codes import StatusCode

INT1 = b"\x03\x01\x00\x00\x00"  # int 1
LONG1 = b"\x04\x01\x00\x00\x00\x00\x00\x00\x00"  # long 1: another key (§9.6)
A, B, C = b"\x09\x01\x00\x00\x00a", b"\x09\x01\x00\x00\x00b", b"\x09\x01\x00\x00\x00c"


def test_get_absent_is_none(engine: Engine, cid: int) -> None:
    assert engine.kv.get(cid, INT1) is None


def test_put_then_get_returns_the_same_bytes(engine: Engine, cid: int) -> None:
    engine.kv.put(cid, INT1, A)
    assert engine.kv.get(cid, INT1) == A
    engine.kv.put(cid, INT1, B)
    assert engine.kv.get(cid, INT1) == B


def test_keys_are_distinct_by_bytes(engine: Engine, cid: int) -> None:
    engine.kv.put(cid, INT1, A)
    engine.kv.put(cid, LONG1, B)
    assert engine.kv.get(cid, INT1) == A
    assert engine.kv.get(cid, LONG1) == B
    assert engine.kv.get_size(cid) == 2
    # a prefix or an extension of a key is another key
    assert engine.kv.get(cid, INT1[:-1]) is None
    assert engine.kv.get(cid, INT1 + b"\x00") is None


def test_caches_are_separate(engine: Engine, cid: int) -> None:
    other = engine.caches.create("other").cache_id
    engine.kv.put(cid, INT1, A)
    assert engine.kv.get(other, INT1) is None
    assert engine.kv.get_size(other) == 0


def test_put_if_absent(engine: Engine, cid: int) -> None:
    assert engine.kv.put_if_absent(cid, INT1, A) is True
    assert engine.kv.put_if_absent(cid, INT1, B) is False
    assert engine.kv.get(cid, INT1) == A


def test_get_all_returns_only_existing_keys(engine: Engine, cid: int) -> None:
    engine.kv.put_all(cid, [(INT1, A), (LONG1, B)])
    got = engine.kv.get_all(cid, [INT1, b"\x03\x09\x00\x00\x00", LONG1, INT1])
    assert dict(got) == {INT1: A, LONG1: B}
    assert len(got) == 2
    assert engine.kv.get_all(cid, []) == []


def test_put_all_last_value_wins(engine: Engine, cid: int) -> None:
    engine.kv.put_all(cid, [(INT1, A), (INT1, B)])
    assert engine.kv.get(cid, INT1) == B
    assert engine.kv.get_size(cid) == 1


def test_put_all_if_absent_keeps_what_is_there(engine: Engine, cid: int) -> None:
    engine.kv.put(cid, INT1, A)
    refused = engine.kv.put_all_if_absent(cid, [(INT1, B), (LONG1, A), (LONG1, B)])
    assert refused == [INT1, LONG1]  # present before, then present from the batch
    assert dict(engine.kv.get_all(cid, [INT1, LONG1])) == {INT1: A, LONG1: A}


def test_get_and_put(engine: Engine, cid: int) -> None:
    assert engine.kv.get_and_put(cid, INT1, A) is None
    assert engine.kv.get_and_put(cid, INT1, B) == A
    assert engine.kv.get(cid, INT1) == B


def test_get_and_replace_only_if_present(engine: Engine, cid: int) -> None:
    assert engine.kv.get_and_replace(cid, INT1, A) is None
    assert engine.kv.contains_key(cid, INT1) is False
    engine.kv.put(cid, INT1, A)
    assert engine.kv.get_and_replace(cid, INT1, B) == A
    assert engine.kv.get(cid, INT1) == B


def test_get_and_remove(engine: Engine, cid: int) -> None:
    assert engine.kv.get_and_remove(cid, INT1) is None
    engine.kv.put(cid, INT1, A)
    assert engine.kv.get_and_remove(cid, INT1) == A
    assert engine.kv.get(cid, INT1) is None


def test_get_and_put_if_absent(engine: Engine, cid: int) -> None:
    assert engine.kv.get_and_put_if_absent(cid, INT1, A) is None
    assert engine.kv.get_and_put_if_absent(cid, INT1, B) == A
    assert engine.kv.get(cid, INT1) == A


def test_replace(engine: Engine, cid: int) -> None:
    assert engine.kv.replace(cid, INT1, A) is False
    assert engine.kv.get(cid, INT1) is None
    engine.kv.put(cid, INT1, A)
    assert engine.kv.replace(cid, INT1, B) is True
    assert engine.kv.get(cid, INT1) == B


def test_replace_if_equals_compares_value_bytes(engine: Engine, cid: int) -> None:
    assert engine.kv.replace_if_equals(cid, INT1, A, B) is False
    engine.kv.put(cid, INT1, A)
    assert engine.kv.replace_if_equals(cid, INT1, B, C) is False
    assert engine.kv.get(cid, INT1) == A
    assert engine.kv.replace_if_equals(cid, INT1, A, C) is True
    assert engine.kv.get(cid, INT1) == C


def test_contains_key_and_keys(engine: Engine, cid: int) -> None:
    engine.kv.put(cid, INT1, A)
    assert engine.kv.contains_key(cid, INT1) is True
    assert engine.kv.contains_key(cid, LONG1) is False
    assert engine.kv.contains_keys(cid, [INT1]) is True
    assert engine.kv.contains_keys(cid, [INT1, LONG1]) is False
    engine.kv.put(cid, LONG1, B)
    assert engine.kv.contains_keys(cid, [INT1, LONG1]) is True


def test_remove_key(engine: Engine, cid: int) -> None:
    assert engine.kv.remove_key(cid, INT1) is False
    engine.kv.put(cid, INT1, A)
    assert engine.kv.remove_key(cid, INT1) is True
    assert engine.kv.remove_key(cid, INT1) is False


def test_remove_if_equals(engine: Engine, cid: int) -> None:
    assert engine.kv.remove_if_equals(cid, INT1, A) is False
    engine.kv.put(cid, INT1, A)
    assert engine.kv.remove_if_equals(cid, INT1, B) is False
    assert engine.kv.get(cid, INT1) == A
    assert engine.kv.remove_if_equals(cid, INT1, A) is True
    assert engine.kv.get(cid, INT1) is None


def test_remove_keys_and_clear_keys(engine: Engine, cid: int) -> None:
    engine.kv.put_all(cid, [(INT1, A), (LONG1, B), (C, C)])
    engine.kv.remove_keys(cid, [INT1, b"\x01\x07"])
    assert engine.kv.get_size(cid) == 2
    engine.kv.clear_keys(cid, [LONG1])
    assert dict(engine.kv.get_all(cid, [INT1, LONG1, C])) == {C: C}


def test_clear_key(engine: Engine, cid: int) -> None:
    engine.kv.put_all(cid, [(INT1, A), (LONG1, B)])
    engine.kv.clear_key(cid, INT1)
    engine.kv.clear_key(cid, INT1)  # absent: no error
    assert engine.kv.get(cid, INT1) is None
    assert engine.kv.get(cid, LONG1) == B


@pytest.mark.parametrize("op", ["clear", "remove_all"])
def test_clear_and_remove_all_empty_the_cache_only(
    engine: Engine, cid: int, op: str
) -> None:
    other = engine.caches.create("other").cache_id
    engine.kv.put_all(cid, [(INT1, A), (LONG1, B)])
    engine.kv.put(other, INT1, C)
    getattr(engine.kv, op)(cid)
    assert engine.kv.get_size(cid) == 0
    assert engine.kv.get(other, INT1) == C


def test_get_size_peek_modes(engine: Engine, cid: int) -> None:
    engine.kv.put_all(cid, [(INT1, A), (LONG1, B)])
    assert engine.kv.get_size(cid) == 2
    assert engine.kv.get_size(cid, [PeekMode.ALL]) == 2
    assert engine.kv.get_size(cid, [PeekMode.PRIMARY]) == 2
    assert engine.kv.get_size(cid, [PeekMode.PRIMARY, PeekMode.BACKUP]) == 2
    assert engine.kv.get_size(cid, [PeekMode.BACKUP]) == 0
    assert engine.kv.get_size(cid, [PeekMode.NEAR]) == 0


def test_local_peek(engine: Engine, cid: int) -> None:
    assert engine.kv.local_peek(cid, INT1) is None
    engine.kv.put(cid, INT1, A)
    assert engine.kv.local_peek(cid, INT1) == A


def test_empty_key_and_value_bytes_are_stored(engine: Engine, cid: int) -> None:
    engine.kv.put(cid, b"", b"")
    assert engine.kv.get(cid, b"") == b""
    assert engine.kv.contains_key(cid, b"") is True


@pytest.mark.parametrize(
    ("op", "args"),
    [
        ("get", (INT1,)),
        ("put", (INT1, A)),
        ("put_if_absent", (INT1, A)),
        ("get_all", ([INT1],)),
        ("put_all", ([(INT1, A)],)),
        ("get_and_put", (INT1, A)),
        ("get_and_replace", (INT1, A)),
        ("get_and_remove", (INT1,)),
        ("get_and_put_if_absent", (INT1, A)),
        ("replace", (INT1, A)),
        ("replace_if_equals", (INT1, A, B)),
        ("contains_key", (INT1,)),
        ("contains_keys", ([INT1],)),
        ("clear", ()),
        ("clear_key", (INT1,)),
        ("clear_keys", ([INT1],)),
        ("remove_key", (INT1,)),
        ("remove_if_equals", (INT1, A)),
        ("remove_keys", ([INT1],)),
        ("remove_all", ()),
        ("get_size", ()),
        ("local_peek", (INT1,)),
    ],
)
def test_every_op_on_a_missing_cache_is_status_1000(
    engine: Engine, op: str, args: tuple[object, ...]
) -> None:
    with pytest.raises(EngineError) as info:
        getattr(engine.kv, op)(12345, *args)
    assert info.value.status == StatusCode.CACHE_DOES_NOT_EXIST
    assert info.value.message == "Cache does not exist [cacheId= 12345]"

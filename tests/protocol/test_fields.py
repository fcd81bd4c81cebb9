"""``read_objs`` and ``skip_objs`` (the bulk decoders, with their inline fast
paths for ints, longs and strings) find the same object extents as
``object_end`` walking one object at a time, and refuse what it refuses."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embergrid.errors import ParseError
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.binary.span import object_end
from embergrid.protocol.messages._fields import read_objs, skip_objs
from embergrid.protocol.wire import Reader


def _by_object_end(buf: bytes, n: int) -> list[bytes] | None:
    """The first ``n`` objects as ``object_end`` finds them; None if it fails."""
    out, pos = [], 0
    try:
        for _ in range(n):
            if pos >= len(buf):
                return None
            end = object_end(buf, pos)
            out.append(buf[pos:end])
            pos = end
    except ParseError:
        return None
    return out


def _fast(buf: bytes, n: int) -> tuple[list[bytes] | None, int | None]:
    try:
        objs = read_objs(Reader(buf), n)
    except ParseError:
        objs = None
    r = Reader(buf)
    try:
        skip_objs(r, n)
        skipped: int | None = r.pos
    except ParseError:
        skipped = None
    return objs, skipped


_pieces = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(encode),
    st.text(max_size=20).map(encode),
    st.binary(max_size=12).map(encode),
    st.integers(-(2**31), 2**31 - 1).map(lambda n: b"\x09" + struct.pack("<i", n)),
    st.binary(max_size=6),
)


@given(st.lists(_pieces, max_size=6), st.integers(0, 6))
def test_fast_extents_agree_with_object_end(pieces: list[bytes], n: int) -> None:
    buf = b"".join(pieces)
    expected = _by_object_end(buf, n)
    objs, skipped = _fast(buf, n)
    assert objs == expected
    assert skipped == (None if expected is None else sum(map(len, expected)))


@pytest.mark.parametrize(
    "buf",
    [
        b"\x09" + struct.pack("<i", -3) + b"abcd",  # negative length
        b"\x09" + struct.pack("<i", 9) + b"abc",  # runs past the end
        b"\x09\x01\x00",  # length field cut short
        b"\x04\x01\x02",  # a long cut short
    ],
)
def test_malformed_strings_and_numbers_are_refused(buf: bytes) -> None:
    assert _fast(buf, 1) == (None, None)

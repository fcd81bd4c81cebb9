"""FrameBuffer: frames out of an arbitrarily chunked stream (reference §2)."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embergrid.errors import ParseError
from embergrid.protocol.framing import FrameBuffer, OversizedFrame, frame
from embergrid.protocol.wire import I32

SETTINGS = settings(max_examples=200, deadline=None)


def drain(buf: FrameBuffer) -> list[bytes]:
    out = []
    while (payload := buf.next_frame()) is not None:
        out.append(bytes(payload))
    return out


@SETTINGS
@given(
    st.lists(st.binary(max_size=40), max_size=8),
    st.lists(st.integers(0, 400), max_size=12),
)
def test_frames_identical_under_any_chunking(
    payloads: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(frame(p) for p in payloads)
    points = sorted({c for c in cuts if 0 < c < len(stream)})
    bounds = [0, *points, len(stream)]
    buf = FrameBuffer()
    got: list[bytes] = []
    for a, b in itertools.pairwise(bounds):
        buf.feed(stream[a:b])
        got.extend(drain(buf))
    assert got == payloads
    assert buf.buffered() == 0


@SETTINGS
@given(st.lists(st.binary(max_size=20), min_size=1, max_size=5))
def test_byte_at_a_time(payloads: list[bytes]) -> None:
    stream = b"".join(frame(p) for p in payloads)
    buf = FrameBuffer()
    got: list[bytes] = []
    for i in range(len(stream)):
        buf.feed(stream[i : i + 1])
        got.extend(drain(buf))
    assert got == payloads


def test_frame_prefixes_length() -> None:
    assert frame(b"abc") == b"\x03\x00\x00\x00abc"
    assert frame(b"") == b"\x00\x00\x00\x00"


def test_partial_frame_waits() -> None:
    buf = FrameBuffer()
    buf.feed(b"\x05\x00\x00")
    assert buf.next_frame() is None
    buf.feed(b"\x00abc")
    assert buf.next_frame() is None
    assert buf.buffered() == 7
    buf.feed(b"de" + frame(b"x"))
    assert drain(buf) == [b"abcde", b"x"]


def test_returned_frames_survive_later_feeds() -> None:
    buf = FrameBuffer()
    buf.feed(frame(b"first") + frame(b"second"))
    first = buf.next_frame()
    buf.feed(frame(b"third"))
    assert first is not None
    assert bytes(first) == b"first"
    assert drain(buf) == [b"second", b"third"]
    assert bytes(first) == b"first"


@pytest.mark.parametrize("length", [-1, -(1 << 31), 1025, (1 << 31) - 1])
def test_absurd_or_negative_length_is_parse_error(length: int) -> None:
    buf = FrameBuffer(max_frame=1024)
    buf.feed(I32.pack(length))
    with pytest.raises(ParseError):
        buf.next_frame()


def test_default_limit_rejects_huge_frames() -> None:
    buf = FrameBuffer()
    buf.feed(I32.pack((1 << 31) - 1))
    with pytest.raises(ParseError):
        buf.next_frame()


def test_frame_at_limit_is_accepted() -> None:
    buf = FrameBuffer(max_frame=4)
    buf.feed(frame(b"abcd"))
    assert drain(buf) == [b"abcd"]


@SETTINGS
@given(st.binary(max_size=64))
def test_garbage_raises_only_parse_error(data: bytes) -> None:
    buf = FrameBuffer(max_frame=64)
    buf.feed(data)
    with contextlib.suppress(ParseError):
        drain(buf)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in itertools.pairwise([0, *points, len(data)])]


@SETTINGS
@given(
    st.binary(min_size=10, max_size=10),
    st.integers(65, 5000),
    st.lists(st.integers(0, 6000), max_size=12),
)
def test_an_oversized_frame_is_dropped_past_its_head(
    head: bytes, length: int, cuts: list[int]
) -> None:
    """With ``keep_head``: the head is handed out, the rest dropped as it
    arrives (never held), and the frames after it come out whole."""
    stream = I32.pack(length) + head + b"\xee" * (length - 10) + frame(b"after")
    buf = FrameBuffer(max_frame=64)
    buf.keep_head = 10
    seen: list[bytes] = []
    most_held = 0
    for chunk in _chunks(stream, cuts):
        buf.feed(chunk)
        most_held = max(most_held, buf.buffered())
        while True:
            try:
                payload = buf.next_frame()
            except OversizedFrame as exc:
                seen.append(repr((exc.length, exc.limit, exc.head)).encode())
                continue
            if payload is None:
                break
            seen.append(bytes(payload))
    assert seen == [repr((length, 64, head)).encode(), b"after"]
    assert buf.buffered() == 0
    assert most_held <= max(len(c) for c in _chunks(stream, cuts)) + 14


def test_without_keep_head_an_oversized_frame_is_fatal() -> None:
    buf = FrameBuffer(max_frame=64)
    buf.feed(I32.pack(65) + b"x" * 65)
    with pytest.raises(ParseError) as failed:
        buf.next_frame()
    assert not isinstance(failed.value, OversizedFrame)

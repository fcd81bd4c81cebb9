"""The 2004 request's fast reader (``_fast_sql_fields_query``) equals the general one.

``decode_sql_fields_query`` tries a few struct unpacks first and falls back to the
field-by-field reader; both must give the same message for every encodable
request, with and without the partitions/batch-size block, and a malformed body
must still raise ``ParseError`` (from the general reader).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embergrid.errors import ParseError
from embergrid.protocol.binary.codec import encode
from embergrid.protocol.codes import ProtocolFeature
from embergrid.protocol.messages import query as m
from embergrid.protocol.messages.cache import CachePrefix
from embergrid.protocol.messages.context import ProtocolContext

CONTEXTS = [
    ProtocolContext((1, 7, 0)),
    ProtocolContext((1, 7, 0), ProtocolFeature.QRY_PARTITIONS_BATCH_SIZE),
]

_args = st.lists(
    st.one_of(st.integers(-(2**63), 2**63 - 1), st.text(), st.none(), st.booleans()),
    max_size=4,
).map(lambda xs: tuple(encode(x) for x in xs))

requests = st.builds(
    m.SqlFieldsQuery,
    st.builds(CachePrefix, st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, 1])),
    st.one_of(st.none(), st.text()),
    st.one_of(st.none(), st.text()),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**31), 2**31 - 1),
    _args,
    st.integers(0, 2),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.one_of(st.none(), st.lists(st.integers(0, 1023), max_size=3).map(tuple)),
    st.integers(-(2**31), 2**31 - 1),
)


@pytest.mark.parametrize("ctx", CONTEXTS, ids=["v1.7", "v1.7+batch"])
@given(req=requests)
def test_round_trip(ctx: ProtocolContext, req: m.SqlFieldsQuery) -> None:
    if not ctx.has(ProtocolFeature.QRY_PARTITIONS_BATCH_SIZE):
        req = dataclasses.replace(req, partitions=None, update_batch_size=1)
    body = m.encode_sql_fields_query(req, ctx)
    assert m.decode_sql_fields_query(body, ctx) == req
    fast = m._fast_sql_fields_query(
        body, ctx.has(ProtocolFeature.QRY_PARTITIONS_BATCH_SIZE)
    )
    if req.sql is not None and req.partitions is None:
        assert fast == req  # the common request takes the fast path
    assert fast in (None, req)


@pytest.mark.parametrize("ctx", CONTEXTS, ids=["v1.7", "v1.7+batch"])
@given(req=requests, cut=st.integers(1, 40), extra=st.binary(min_size=1, max_size=3))
def test_malformed_bodies_raise_parse_error(
    ctx: ProtocolContext, req: m.SqlFieldsQuery, cut: int, extra: bytes
) -> None:
    body = m.encode_sql_fields_query(req, ctx)
    for bad in (body[: max(0, len(body) - cut)], body + extra):
        with pytest.raises(ParseError):
            m.decode_sql_fields_query(bad, ctx)

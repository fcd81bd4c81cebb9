"""A raw SQL-fields client for differential tests: the exact type codes of each cell.

Owns ``SqlWire``: tests/server/_wire.py's ``RawSocket`` (a blocking socket speaking
our ``ClientConnection``) that sends
op 2004 (and 2005 for further pages) and returns column names, and for every cell
its type code byte and its decoded value. pyignite decodes INT and BIGINT both
to ``int``; comparing the code byte is how the corpus checks typed results.
An ``Arg(value, hint)`` argument travels as the wire type ``hint`` names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embergrid.errors import IgniteError
from embergrid.protocol.binary.codec import decode, encode
from embergrid.protocol.codes import OpCode
from embergrid.protocol.connection import Response
from embergrid.protocol.messages import query as m
from embergrid.protocol.messages.cache import CachePrefix
from server._wire import RawSocket


class SqlFailed(Exception):
    """The server answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Arg:
    """A query argument sent as an explicit wire type (``hint``: a ``TypeCode``),
    where inference would pick another (a Python int travels as a LONG)."""

    value: Any
    hint: Any


def _encode_arg(a: Any) -> bytes:
    return encode(a.value, a.hint) if isinstance(a, Arg) else encode(a)


@dataclass(frozen=True)
class Result:
    names: tuple[str | None, ...]
    codes: list[tuple[int, ...]]
    rows: list[tuple[Any, ...]]


def _value(cell: bytes) -> Any:
    """The decoded cell; a code our codec cannot read stays ``('raw', hex)``."""
    try:
        return decode(cell)
    except IgniteError:
        return ("raw", cell.hex())


class SqlWire(RawSocket):
    """One connection; ``query(sql, *args)`` runs a statement and reads every page."""

    def __init__(self, address: tuple[str, int], timeout: float = 30.0) -> None:
        super().__init__(address, timeout)
        self.handshake()

    def _call(self, op: OpCode, body: bytes) -> Response:
        event = self.call(op, body)
        if not event.header.ok:
            raise SqlFailed(event.header.status, event.header.message or "")
        return event

    def query(
        self,
        sql: str,
        *args: Any,
        page_size: int = 1024,
        schema: str = "PUBLIC",
        cache_id: int = 0,
        max_rows: int = -1,
        statement_type: int = 0,
        timeout_ms: int = 0,
    ) -> Result:
        ctx = self.conn.context
        req = m.SqlFieldsQuery(
            CachePrefix(cache_id),
            schema if cache_id == 0 else None,
            sql,
            page_size,
            max_rows,
            tuple(_encode_arg(a) for a in args),
            statement_type,
            timeout_ms=timeout_ms,
            include_field_names=True,
        )
        resp = self._call(OpCode.QUERY_SQL_FIELDS, m.encode_sql_fields_query(req, ctx))
        first = m.decode_sql_fields_response(resp.body, ctx, include_field_names=True)
        names = first.field_names or ()
        raw = list(first.rows)
        more, cid = first.has_more, first.cursor_id
        while more:
            body = m.encode_cursor_get_page(m.SqlFieldsCursorGetPage(cid), ctx)
            page = m.decode_row_page_response(
                self._call(OpCode.QUERY_SQL_FIELDS_CURSOR_GET_PAGE, body).body,
                ctx,
                len(names),
            )
            raw.extend(page.rows)
            more = page.has_more
        codes = [tuple(cell[0] for cell in row) for row in raw]
        rows = [tuple(_value(cell) for cell in row) for row in raw]
        return Result(tuple(names), codes, rows)

    def __enter__(self) -> SqlWire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

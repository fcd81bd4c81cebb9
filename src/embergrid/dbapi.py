"""A DB-API 2.0 driver (PEP 249) over the thin-client SQL ops.

Owns ``connect`` and the ``Connection`` / ``Cursor`` classes, the PEP 249 module
globals, exception classes and type objects. It works against ``embergrid
serve`` and a real Apache Ignite node alike: a ``Connection`` is an
``embergrid.Client`` plus a schema; ``Cursor.execute`` is op 2004 (SQL fields)
with ``qmark`` parameters, read page by page as rows are fetched.

What the protocol leaves out, and what this driver does about it:

* column types: op 2004 answers names, not types, so ``description``'s
  ``type_code`` is the PEP 249 type object of the first non-NULL value of the
  column in the rows read so far (None while none is known);
* transactions: Ignite runs SQL outside the thin-client transactions (DML inside
  one is refused on TRANSACTIONAL tables), so every statement commits at once:
  ``commit()`` does nothing and ``rollback()`` raises ``NotSupportedError``;
* errors: the SQLSTATE of the cause (H2's code at the end of Ignite's text, else
  the text's prefix: a value H2 could not convert while parsing is prefixed
  42000 but ends in 22018) picks the PEP 249 class: 42 programming, 23
  integrity, 22 data, 0A not supported, 57 (cancelled) operational; connection
  failures are ``OperationalError``.

Imports the client (``embergrid.client``) and ``embergrid.errors``; never the
server.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from embergrid.client.sync.client import Client
from embergrid.client.sync.cursors import SqlFieldsCursor
from embergrid.errors import IgniteError, ServerError, connection_errors

__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]

apilevel = "2.0"
threadsafety = 2  # threads may share the module and connections, not cursors
paramstyle = "qmark"


# -- exceptions (PEP 249's tree) --------------------------------------------------


class Warning(Exception):
    """Important warnings (none are raised today)."""


class Error(Exception):
    """The base of every error of this module."""


class InterfaceError(Error):
    """A misuse of the driver (a closed cursor or connection)."""


class DatabaseError(Error):
    """An error of the database."""


class DataError(DatabaseError):
    """A value that does not fit (conversion, range, division by zero)."""


class OperationalError(DatabaseError):
    """The connection failed, or a statement was cancelled."""


class IntegrityError(DatabaseError):
    """A constraint failed (a duplicate key)."""


class InternalError(DatabaseError):
    """The database failed internally."""


class ProgrammingError(DatabaseError):
    """A statement that does not parse, or names what does not exist."""


class NotSupportedError(DatabaseError):
    """A feature the database does not have."""


_BY_STATE_CLASS: dict[str, type[DatabaseError]] = {
    "42": ProgrammingError,
    "23": IntegrityError,
    "22": DataError,
    "0A": NotSupportedError,
    "57": OperationalError,
}
_STATE = re.compile(r"^([0-9A-Z]{5}): ")
_H2_CODE = re.compile(r"\[([0-9A-Z]{5})-\d+\]\s*$")


def _database_error(exc: ServerError) -> DatabaseError:
    text = exc.message
    h2 = _H2_CODE.search(text)  # the cause; the prefix may be its context's
    state = _STATE.match(text)
    code = h2.group(1) if h2 else state.group(1) if state else ""
    kind = _BY_STATE_CLASS.get(code[:2], DatabaseError)
    return kind(text)


# -- type objects and constructors ------------------------------------------------


class _TypeObject:
    """Equal to every Python type of its group (PEP 249's type objects)."""

    def __init__(self, name: str, *types: type) -> None:
        self.name = name
        self.types = types

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _TypeObject):
            return other is self
        return isinstance(other, type) and issubclass(other, self.types)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<dbapi type {self.name}>"


STRING = _TypeObject("STRING", str)
BINARY = _TypeObject("BINARY", bytes, bytearray)
NUMBER = _TypeObject("NUMBER", int, float, decimal.Decimal)
DATETIME = _TypeObject(
    "DATETIME", datetime.datetime, datetime.date, datetime.time, datetime.timedelta
)
ROWID = _TypeObject("ROWID", uuid.UUID)
_GROUPS = (NUMBER, STRING, BINARY, DATETIME, ROWID)

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> datetime.date:
    return datetime.date.fromtimestamp(ticks)


def TimeFromTicks(ticks: float) -> datetime.time:
    return datetime.datetime.fromtimestamp(ticks).time()


def TimestampFromTicks(ticks: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ticks)


def _type_of(value: Any) -> _TypeObject | None:
    if isinstance(value, bool):
        return NUMBER  # a BOOLEAN column
    for group in _GROUPS:
        if isinstance(value, group.types):
            return group
    return None


# -- connection and cursor ---------------------------------------------------------


def connect(
    host: str = "127.0.0.1",
    port: int = 10800,
    *,
    schema: str = "PUBLIC",
    nodes: Sequence[tuple[str, int]] | None = None,
    **client_options: Any,
) -> Connection:
    """A connection to an embergrid or Ignite node (or to the first of ``nodes``
    that answers; the client fails over between them). ``client_options`` go to
    ``embergrid.Client`` (``username``, ``password``, ``use_ssl``, ...)."""
    client = Client(**client_options)
    try:
        client.connect(list(nodes) if nodes else [(host, port)])
    except IgniteError as exc:
        raise OperationalError(str(exc)) from exc
    except connection_errors as exc:
        raise OperationalError(str(exc)) from exc
    return Connection(client, schema)


class Connection:
    """One client connection and the schema its statements run in."""

    Error = Error
    Warning = Warning
    InterfaceError = InterfaceError
    DatabaseError = DatabaseError
    DataError = DataError
    OperationalError = OperationalError
    IntegrityError = IntegrityError
    InternalError = InternalError
    ProgrammingError = ProgrammingError
    NotSupportedError = NotSupportedError

    def __init__(self, client: Client, schema: str = "PUBLIC") -> None:
        self.client = client
        self.schema = schema
        self._closed = False

    def cursor(self) -> Cursor:
        self._check_open()
        return Cursor(self)

    def commit(self) -> None:
        """Every statement has committed already (see the module's docstring)."""
        self._check_open()

    def rollback(self) -> None:
        self._check_open()
        raise NotSupportedError(
            "Ignite runs SQL outside transactions: each statement commits at once"
        )

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.client.close()

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the connection is closed")

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Row = tuple[Any, ...]


class Cursor:
    """Statements and their rows; rows are read from the node page by page."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.arraysize = 1
        self.rowcount = -1
        self.description: list[tuple[Any, ...]] | None = None
        self._rows: Iterator[list[Any]] | None = None
        self._open: SqlFieldsCursor | None = None
        self._types: list[_TypeObject | None] = []
        self._closed = False

    # -- statements --------------------------------------------------------------

    def execute(self, operation: str, parameters: Sequence[Any] = ()) -> Cursor:
        """Run one statement with ``qmark`` parameters."""
        self._check_open()
        self._end_result()
        conn = self.connection
        try:
            cur = conn.client.sql(
                operation,
                query_args=list(parameters),
                schema=conn.schema,
                include_field_names=True,
            )
            names = next(cur)
        except ServerError as exc:
            raise _database_error(exc) from exc
        except (IgniteError, *connection_errors) as exc:
            raise OperationalError(str(exc)) from exc
        if list(names) == ["UPDATED"] and _is_update(operation):
            (count,) = next(cur)
            cur.close()
            self.rowcount = int(count)
            return self
        self._open = cur
        self._rows = iter(cur)
        self._types = [None] * len(names)
        self.description = [
            (name, None, None, None, None, None, None) for name in names
        ]
        return self

    def executemany(
        self, operation: str, seq_of_parameters: Sequence[Sequence[Any]]
    ) -> Cursor:
        """Run one statement once per parameter row; ``rowcount`` is the sum."""
        total = 0
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
            total += max(self.rowcount, 0)
        self.rowcount = total
        return self

    # -- rows ----------------------------------------------------------------------

    def fetchone(self) -> Row | None:
        rows = self._fetch(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int | None = None) -> list[Row]:
        return self._fetch(self.arraysize if size is None else size)

    def fetchall(self) -> list[Row]:
        return self._fetch(-1)

    def __iter__(self) -> Iterator[Row]:
        while (row := self.fetchone()) is not None:
            yield row

    def _fetch(self, n: int) -> list[Row]:
        self._check_open()
        if self._rows is None:
            raise ProgrammingError("no statement with rows was executed")
        out: list[Row] = []
        try:
            while n < 0 or len(out) < n:
                row = next(self._rows, None)
                if row is None:
                    self._end_result(keep_description=True)
                    break
                out.append(tuple(row))
        except ServerError as exc:
            raise _database_error(exc) from exc
        except (IgniteError, *connection_errors) as exc:
            raise OperationalError(str(exc)) from exc
        self._learn_types(out)
        return out

    def _learn_types(self, rows: list[Row]) -> None:
        if self.description is None or all(self._types):
            return
        for i, known in enumerate(self._types):
            if known is None:
                for row in rows:
                    if row[i] is not None:
                        self._types[i] = _type_of(row[i])
                        break
        self.description = [
            (d[0], t, *d[2:])
            for d, t in zip(self.description, self._types, strict=True)
        ]

    # -- the rest of PEP 249 ----------------------------------------------------------

    def setinputsizes(self, sizes: Any) -> None:
        """Nothing to do: parameters carry their own types."""

    def setoutputsize(self, size: Any, column: int | None = None) -> None:
        """Nothing to do: values come whole."""

    def close(self) -> None:
        self._end_result()
        self._closed = True

    def _end_result(self, keep_description: bool = False) -> None:
        if self._open is not None:
            self._open.close()
        self._open = None
        if not keep_description:
            self._rows = None
            self.description = None
            self.rowcount = -1

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        self.connection._check_open()

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_UPDATES = ("INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "DROP", "ALTER")


def _is_update(operation: str) -> bool:
    """Whether a statement answers an update count (DML, DDL) rather than rows."""
    words = operation.lstrip(" \t\r\n(").split(None, 1)
    return bool(words) and words[0].upper() in _UPDATES

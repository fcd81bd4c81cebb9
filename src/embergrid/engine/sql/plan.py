"""What a translation makes: the plan of a query and its parts, and its errors.

Owns ``Plan`` (the SQLite text, the output columns with Ignite's names and static
types, the number of ``?``), ``OutCol``, ``Source`` (a FROM item's columns),
``sqlite_text`` (a translated tree as SQLite text), the names of the SQLite
functions and collation the engine registers for translated statements, and the
errors translation raises (``TableNotFound``, ``ColumnNotFound``, ``RunError``).
Must not import the other translation modules (scope, inference, h2semantics,
sysrange, roworder, mapreduce, translate; aggsplit only for the type of
``Plan.split``), asyncio or ``embergrid.protocol.messages``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from embergrid.engine.sql.catalog import Column, Table
from embergrid.engine.sql.types import SqlType
from embergrid.engine.sqltext import column_name

if TYPE_CHECKING:
    from embergrid.engine.sql.aggsplit import AggSplit

__all__ = [
    "ALONE",
    "ARITH_FUNCTION",
    "CAST_FUNCTION",
    "KEY_BLOB",
    "NOW_FUNCTION",
    "UUID_COLLATION",
    "ColumnNotFound",
    "OutCol",
    "Plan",
    "RunError",
    "Source",
    "TableNotFound",
    "sqlite_text",
]


# The SQL function that answers the engine clock's now (ms) inside a statement.
NOW_FUNCTION = "eg_now"


# The collation ordering UUID columns as H2 does (signed most, then least
# significant 64 bits).
UUID_COLLATION = "eg_uuid"


# H2's integer arithmetic (op, a, b, result type) and CAST to an integer or a
# string (value, source type, target type, length), computed by h2values.
ARITH_FUNCTION = "eg_arith"
CAST_FUNCTION = "eg_cast"
KEY_BLOB = "_EG_KEY"
"""The stored key bytes of a row, whatever ``_KEY`` means (DML and op 2002 use it)."""


class TableNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class RunError(Exception):
    """An error H2 raises running (not preparing) a statement: its text and code,
    and whether it failed in a map query (a partitioned table's)."""

    def __init__(self, text: str, code: int, map_query: bool = False) -> None:
        super().__init__(text, code)
        self.text = text
        self.code = code
        self.map_query = map_query


class ColumnNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


ALONE = "eg_alone"
"""Meta key of a CONCAT whose row may answer a part alone, as a tagged value
(``types.untag``): its value goes only where tags are understood."""


@dataclass(frozen=True, slots=True)
class OutCol:
    name: str
    type: SqlType
    scale: int = -1
    param: int = 0  # a bare ``?`` projection: its number (typed by its argument)
    alone: tuple[str, ...] = ()
    """A CONCAT whose row may answer a part alone, with that part's type (H2),
    as a tagged value (``types.tagged_cell``): the type names a row may
    have (VARCHAR where a row may be a string); empty for a column of one type."""


@dataclass(slots=True)
class Plan:
    sqlite: str
    columns: list[OutCol]
    params: int
    tables: list[Table] = field(default_factory=list)
    typed_by_args: bool = False  # a column is a bare ``?`` (OutCol.param)
    # The result's (names, cell encoders, object flags), built on first use.
    shape: tuple[list[str], list[Callable[[Any], bytes]], list[bool]] | None = None
    # typed_by_args: the encoders per tuple of the bare ``?`` arguments' type names.
    typed_encoders: dict[tuple[str, ...], list[Callable[[Any], bytes]]] = field(
        default_factory=dict
    )
    split: AggSplit | None = None  # its map parts over key ranges (aggsplit)


@dataclass(slots=True)
class Source:
    alias: str
    table: Table | None
    cols: dict[str, tuple[str, SqlType, int]]  # SQL name -> (sqlite name, type, scale)
    order: list[str]
    columns: dict[str, Column] = field(default_factory=dict)
    # a derived table's columns whose rows may be tagged values (OutCol.alone)
    alone: dict[str, tuple[str, ...]] = field(default_factory=dict)


def sqlite_text(node: exp.Expr) -> str:
    """The SQLite statement text of a translated tree.

    sqlglot quotes every identifier and literal (quotes doubled). SQLite text
    cannot hold a NUL, which an H2 name or string may: such a name becomes
    ``sqltext.column_name``'s hex form (every use of a name maps alike, and the
    result's labels come from the plan, not from SQLite), such a string the
    text of its UTF-8 bytes.
    """
    for ident in list(node.find_all(exp.Identifier)):
        if "\0" in ident.name:
            ident.set("this", column_name(ident.name))
    for lit in list(node.find_all(exp.Literal)):
        if lit.is_string and "\0" in lit.name:
            raw = lit.name.encode("utf-8", "surrogatepass").hex()
            lit.replace(exp.cast(exp.HexString(this=raw), exp.DataType.build("TEXT")))
    return node.sql(dialect="sqlite")

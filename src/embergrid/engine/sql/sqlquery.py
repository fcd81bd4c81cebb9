"""Op 2002 (SqlQuery): the statement Ignite runs for a clause over one type's table.

Owns ``entry_query``: the clause a client sends (``AGE > ?``, ``ORDER BY NAME``,
``FROM Person WHERE ...``, ``SELECT p.* FROM Person p ...``) made into the SELECT of
the entries' key and value that Ignite 2.17 runs for it (its
``generateFieldsQueryString``, re-expressed): the table named by its quoted full name,
``FROM <table>`` added unless the clause has its own FROM, and ``WHERE`` added
unless the clause starts with WHERE, ORDER or LIMIT (so ``GROUP BY x`` is a syntax
error, as on Ignite). The clause is kept as sent, so the errors H2 gives the result
name the same text. Must not import sqlglot, asyncio or ``embergrid.protocol``.
"""

from __future__ import annotations

from embergrid.engine.sql import messages as m
from embergrid.engine.sql.catalog import Table

__all__ = ["EntryQueryError", "entry_query"]

# Java's String.trim(): every character up to the space.
_JAVA_BLANKS = "".join(chr(c) for c in range(33))
# Clause starts that need no WHERE before them.
_NO_WHERE = ("WHERE", "ORDER", "LIMIT")


class EntryQueryError(Exception):
    """The clause is no query Ignite makes one of (its text is Ignite's)."""


def entry_query(clause: str, table: Table) -> str:
    """The SELECT of ``_KEY`` and ``_VAL`` Ignite runs for op 2002's ``clause``."""
    full = f'"{table.schema}"."{table.name}"'
    rows = full
    rest = clause.strip(_JAVA_BLANKS)
    if rest.upper().startswith("SELECT"):
        rows, rest = _star_source(rest[6:].strip(_JAVA_BLANKS), clause, rows)
    upper = rest.upper()
    if upper.startswith("FROM"):
        source = " "
    else:
        source = f" FROM {full} " + ("" if upper.startswith(_NO_WHERE) else "WHERE ")
    return f"SELECT {rows}._KEY, {rows}._VAL{source}{rest}"


def _star_source(rest: str, clause: str, rows: str) -> tuple[str, str]:
    """After ``SELECT``: ``*`` (rows of the table) or ``alias.*`` (of the alias),
    and the text after it."""
    star = rest.find("*")
    if star == 0:
        return rows, rest[1:].strip(_JAVA_BLANKS)
    if star < 0:
        raise EntryQueryError(m.select_star_only(clause))
    if rest[star - 1] != ".":
        raise EntryQueryError(m.star_without_alias(clause))
    return rest[: star - 1], rest[star + 1 :].strip(_JAVA_BLANKS)

"""The one way a name or a text value gets into SQLite statement text.

Owns ``ident`` (a quoted SQLite identifier), ``literal`` (a quoted SQLite text
literal) and ``column_name`` (the SQLite column holding one SQL column). Every
identifier or literal the engine writes into the text of a SQLite statement
goes through one of these or is a bound parameter; nothing else builds such
text from a name. Imports only the standard library; never asyncio.

Theory of operation
-------------------
SQL names come from clients (``CREATE TABLE T ("a""b" INT)`` makes a column
named ``a"b``) and may hold any character: quotes, ``--``, NUL, non-ASCII. H2
compares quoted names case-sensitively (``"a"`` and ``"A"`` are two columns),
SQLite compares identifiers case-insensitively and cannot take a NUL in
statement text at all. So the SQLite column of a SQL column is not its name:

* a plain upper-case name (``[A-Z_][A-Z0-9_]*``, what every unquoted name
  becomes) keeps a readable column ``c_<NAME>``;
* any other name becomes ``cx_<hex of its UTF-8>``: unique, case-safe and made
  of letters and digits only.

The two forms never meet (``c_`` vs ``cx``), and two SQL names never share a
column. Both are still written through ``ident``, like every other name.
"""

from __future__ import annotations

import re

__all__ = ["column_name", "ident", "literal"]

_PLAIN = re.compile(r"[A-Z_][A-Z0-9_]*")


def ident(name: str) -> str:
    """``name`` as a quoted SQLite identifier (quotes doubled).

    Raises ``ValueError`` for a NUL, which SQLite statement text cannot hold;
    the engine's own names never contain one (see ``column_name``).
    """
    if "\0" in name:
        raise ValueError("a SQLite identifier cannot contain NUL")
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as a quoted SQLite string literal (quotes doubled)."""
    if "\0" in text:
        raise ValueError("a SQLite literal cannot contain NUL")
    return "'" + text.replace("'", "''") + "'"


def column_name(sql_name: str) -> str:
    """The SQLite column (unquoted) that holds SQL column ``sql_name``."""
    if _PLAIN.fullmatch(sql_name):
        return f"c_{sql_name}"
    return "cx_" + sql_name.encode("utf-8", "surrogatepass").hex()

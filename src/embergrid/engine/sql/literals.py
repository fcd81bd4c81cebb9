"""The rows of ``INSERT|MERGE INTO t [(cols)] VALUES (...), ...`` read from the text.

Owns ``values_start`` (where the rows of such a statement begin) and
``read_rows`` (its rows of constants and ``?``): a statement of many rows of
literals (a bulk load) is read by one regular expression instead of sqlglot's
tokenizer, which was the largest single cost of a 500-row INSERT. The head
before the rows stays the tokenizer's to read (``dml``; it is short). Anything
this module does not recognise is None, and the statement takes the tokenizer's
path (its errors too). Also owns ``number``, the rule both paths read a number
literal by. Imports only the standard library; never asyncio.

Theory of operation
-------------------
H2's literal rules, the subset read here (everything else falls back):

* ``'...'`` a string, ``''`` inside it one quote, nothing else escaped (a
  backslash is itself, a line break is part of the string);
* a number: digits, an optional point with digits after it, an optional
  exponent (``e``/``E``, a sign, digits), optionally after a ``-`` (spaces
  between allowed); an integer is an ``int``, one with a point or an exponent
  (or too large for a long) a ``Decimal`` (``number``, the rule the token path
  uses); a number followed by a letter, a digit, ``_``, ``$`` or a point is not
  one (``1.``, ``1x``);
* ``NULL``, ``TRUE``, ``FALSE`` in any case, as whole words;
* ``X'..'`` (either case) an even number of hexadecimal digits: ``bytes``;
* ``?`` a parameter, numbered in order.

Between them only spaces, tabs and line breaks, ``(``, ``,`` and ``)``: a
comment, a ``+`` sign, a typed literal (``DATE '...'``), an expression or a
second statement is something else (None). ``_ROWS`` first checks, in one
match, that the text from the rows to its end is rows in parentheses, cells
separated by commas, rows by commas, and nothing else; only then does
``_PIECES`` cut it into parentheses and cells (``findall``, in C: one string
each, its kind told by its first character), which ``read_rows`` turns into
values in one pass. The quantifiers are possessive,
so a text that is no such rows fails without backtracking.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

__all__ = ["Cell", "number", "read_rows", "values_start"]

Cell = tuple[bool, Any]
"""``(True, n)``: the n-th parameter (from 0); ``(False, value)``: a constant."""

_NAME = r'(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)'
_HEAD = re.compile(
    rf"""\s*(?:INSERT|MERGE)\s+INTO\s+{_NAME}(?:\s*\.\s*{_NAME})?
    \s*(?:\(\s*{_NAME}(?:\s*,\s*{_NAME})*\s*\))?\s*VALUES(?![A-Za-z0-9_$])""",
    re.IGNORECASE | re.VERBOSE,
)

_SPACE = r"[ \t\r\n]*+"
# One cell; ``group`` wraps each form in a capturing group (or not), in the
# order ``_PIECES``' groups name them: ?, string, number, word, hex digits.
_CELL_FORMS = (
    r"\?",
    r"'[^']*+(?:''[^']*+)*+'",
    rf"-?{_SPACE}[0-9]++(?:\.[0-9]++)?+(?:[eE][+-]?[0-9]++)?+(?![A-Za-z0-9_$.])",
    r"(?i:NULL|TRUE|FALSE)(?![A-Za-z0-9_$])",
    r"[xX]'(?:[0-9a-fA-F]{2})*+'",
)
_CELL = "|".join(_CELL_FORMS)
_ROW = rf"{_SPACE}\({_SPACE}(?:{_CELL})(?:{_SPACE},{_SPACE}(?:{_CELL}))*+{_SPACE}\)"
# The whole text from the rows on is rows and nothing else (checked first, by
# one match); then its pieces, separators skipped, are read in order.
_ROWS = re.compile(rf"{_ROW}(?:{_SPACE},{_ROW})*+{_SPACE}")
_PIECES = re.compile(r"[ \t\r\n,]*+(\(|\)|" + _CELL + ")")
_NUMBER_START = frozenset("-0123456789")
_WORDS = {"NULL": None, "TRUE": True, "FALSE": False}


def number(text: str) -> int | Decimal:
    """A number literal (no sign): an integer, else (a point or an exponent, or
    past a long's range, as H2 reads it) a DECIMAL."""
    if "." in text or "e" in text.lower():
        return Decimal(text)
    n = int(text)
    return n if n <= _LONG_MAX else Decimal(text)


_LONG_MAX = (1 << 63) - 1


def values_start(sql: str) -> int | None:
    """The offset just after ``VALUES`` when ``sql`` starts as
    ``INSERT|MERGE INTO [s.]t [(c, ...)] VALUES``; None otherwise."""
    m = _HEAD.match(sql)
    return None if m is None else m.end()


def read_rows(sql: str, start: int) -> tuple[list[list[Cell]], int] | None:
    """The rows of ``sql`` from ``start`` on (``(v, ...), ...`` to the end of
    the text) and how many parameters they hold; None if the text is not
    only such rows of the literals above."""
    if _ROWS.fullmatch(sql, start) is None:
        return None
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    params = 0
    for piece in _PIECES.findall(sql, start):  # one string each, told by its start
        first = piece[0]
        if first in _NUMBER_START:
            row.append((False, _signed(piece)))
        elif first == "'":
            row.append((False, piece[1:-1].replace("''", "'")))
        elif first == "(":
            row = []
        elif first == ")":
            rows.append(row)
        elif first == "?":
            row.append((True, params))
            params += 1
        elif piece[1] == "'":  # X'..'
            row.append((False, bytes.fromhex(piece[2:-1])))
        else:
            row.append((False, _WORDS[piece.upper()]))
    return rows, params


def _signed(text: str) -> int | Decimal:
    """A number cell's value: ``number``, negated after a ``-``."""
    if text.isdigit() and len(text) < 19:  # the commonest: a plain int
        return int(text)
    if text[0] == "-":
        return -number(text[1:].lstrip(" \t\r\n"))
    return number(text)

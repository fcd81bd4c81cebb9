"""``CREATE USER``, ``ALTER USER ... WITH PASSWORD`` and ``DROP USER``: the parse.

Owns ``UserStatement`` and ``parse_user_statement``: the three user-management
statements as Ignite's own SQL parser reads them (``SqlParser``,
``SqlCreateUserCommand``, ``SqlAlterUserCommand``, ``SqlDropUserCommand`` and
the ``SqlLexer`` under them, Ignite 2.17 with ignite-indexing; observed in
``tools/reference-ignite/observed-facts.md``, "Authentication"). Running them is
``embergrid.engine.users``; who may run them is the server's business (the
session knows the logged-in user). Imports only the standard library.

Theory of operation
-------------------
Ignite tries its own parser first on a statement that starts with
``CREATE USER``, ``ALTER USER`` or ``DROP USER`` (after leading white space:
a leading comment already sends it to H2). Its lexer knows white space, ``--``
comments, ``'...'`` strings (``''`` is a quote), ``"..."`` quoted names (no
escape: ``"a""b"`` is two tokens) and words, which it upper-cases. A name is a
quoted one, or a word that starts with A-Z or ``_`` and is none of Ignite's
SQL keywords. Nothing but one ``;`` may follow the statement. Whatever this
parser does not take goes to H2, which answers its own syntax error (or
"Unsupported statement" for H2's ``CREATE USER name PASSWORD 'x'``): here
``None`` is returned and the statement goes on to the general SQL path, which
fails it with a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, cast

__all__ = ["UserStatement", "parse_user_statement"]

# org.apache.ignite.internal.sql.SqlKeyword (2.17): words that are no user name.
_KEYWORDS = frozenset(
    """KILL QUERY SCAN CONTINUOUS COMPUTE SERVICE CLIENT ALTER ALLOW_OVERWRITE AS ASC
    BATCH_SIZE BEGIN BIGINT BIT BOOL PACKET_SIZE BOOLEAN CASCADE CHAR CHARACTER
    CHARSET COMMIT COPY CREATE DATE DATETIME DEC DECIMAL DELIMITER DESC DOUBLE DROP
    EXISTS FLOAT FLOAT4 FLOAT8 FLUSH_FREQUENCY FORMAT FROM FULLTEXT HASH IF INDEX
    INLINE_SIZE INT INT2 INT4 INT8 INTEGER INTO KEY LOGGING LONGVARCHAR MEDIUMINT
    NCHAR NOLOGGING NOT NULLSTRING NUMBER NUMERIC NVARCHAR NVARCHAR2 OFF ON ORDERED
    PER_NODE_PARALLEL_OPERATIONS PER_NODE_BUFFER_SIZE PRECISION PRIMARY REAL
    RESTRICT ROLLBACK SET SIGNED SMALLDATETIME SMALLINT SPATIAL START STREAMING
    TABLE TIME TIMESTAMP TINYINT TRANSACTION TRIM UNIQUE UUID VARCHAR VARCHAR2
    VARCHAR_CASESENSITIVE WORK YEAR PARALLEL USER WITH PASSWORD SHOW HELP GRANT
    REVOKE ANALYZE REFRESH OR REPLACE VIEW SELECT""".split()  # noqa: SIM905
)

# What sends a statement to Ignite's own parser at all (QueryParser's pattern).
_NATIVE = re.compile(r"\s*(?:CREATE|ALTER|DROP)\s+USER(?:\s|$)", re.IGNORECASE)

Kind = Literal["CREATE", "ALTER", "DROP"]


@dataclass(frozen=True, slots=True)
class UserStatement:
    """One parsed statement; ``password`` is None for DROP (never printed)."""

    kind: Kind
    name: str
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["word", "quoted", "string", "semicolon", "other"]
    text: str


def _word_char(c: str) -> bool:
    return c.isalnum() or c in "_$"


def _tokens(sql: str) -> list[_Token] | None:
    """The lexer's tokens, or None where it would fail (an unclosed quote)."""
    out: list[_Token] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c.isspace():
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "'":
            text, i = _string(sql, i + 1)
            if i < 0:
                return None
            out.append(_Token("string", text))
        elif c == '"':
            end = sql.find('"', i + 1)
            if end < 0:
                return None
            out.append(_Token("quoted", sql[i + 1 : end]))
            i = end + 1
        elif _word_char(c):
            j = i
            while j < n and _word_char(sql[j]):
                j += 1
            out.append(_Token("word", sql[i:j].upper()))
            i = j
        else:
            out.append(_Token("semicolon" if c == ";" else "other", c))
            i += 1
    return out


def _string(sql: str, i: int) -> tuple[str, int]:
    """A '...' literal from just after its opening quote: (text, next index),
    or ("", -1) if it is not closed."""
    parts: list[str] = []
    while True:
        end = sql.find("'", i)
        if end < 0:
            return "", -1
        parts.append(sql[i:end])
        if sql.startswith("''", end):
            parts.append("'")
            i = end + 2
        else:
            return "".join(parts), end + 1


def _name(tok: _Token | None) -> str | None:
    if tok is None:
        return None
    if tok.kind == "quoted":
        return tok.text
    if tok.kind == "word" and (tok.text[0] == "_" or "A" <= tok.text[0] <= "Z"):
        return None if tok.text in _KEYWORDS else tok.text
    return None


def parse_user_statement(sql: str) -> UserStatement | None:
    """The user statement ``sql`` is, or None if Ignite's parser would not take
    it (then it is no user statement for us either: the general SQL path
    answers it)."""
    if not _NATIVE.match(sql):  # cheap: every op 2004 request passes here
        return None
    toks = _tokens(sql)
    if toks is None or len(toks) < 3:
        return None
    kind = cast(Kind, toks[0].text)  # _NATIVE matched
    name = _name(toks[2])
    if name is None:
        return None
    rest = toks[3:]
    password: str | None = None
    if kind != "DROP":
        if len(rest) < 3 or [t.text for t in rest[:2]] != ["WITH", "PASSWORD"]:
            return None
        if rest[0].kind != "word" or rest[1].kind != "word":
            return None
        if rest[2].kind != "string":
            return None
        password, rest = rest[2].text, rest[3:]
    if rest and (rest[0].kind != "semicolon" or len(rest) > 1):
        return None
    return UserStatement(kind, name, password)

"""``CREATE USER``, ``ALTER USER ... WITH PASSWORD`` and ``DROP USER``: the parse.

Owns ``UserStatement``, ``parse_user_statement`` (the three user-management
statements as Ignite's own SQL parser reads them (``SqlParser``,
``SqlCreateUserCommand``, ``SqlAlterUserCommand``, ``SqlDropUserCommand`` and
the ``SqlLexer`` under them, Ignite 2.17 with ignite-indexing; observed in
``tools/reference-ignite/observed-facts.md``, "Authentication") and
``h2_user_refusal`` (H2's own user statements, which Ignite refuses). Running them is
``embergrid.engine.users``; who may run them is the server's business (the
session knows the logged-in user).

Theory of operation
-------------------
Ignite tries its own parser first on a statement that starts with
``CREATE USER``, ``ALTER USER`` or ``DROP USER`` (after leading white space:
a leading comment already sends it to H2). Its lexer knows white space, ``--``
comments, ``'...'`` strings (``''`` is a quote), ``"..."`` quoted names (no
escape: ``"a""b"`` is two tokens) and words, which it upper-cases. A name is a
quoted one, or a word that starts with A-Z or ``_`` and is none of Ignite's
SQL keywords. Nothing but one ``;`` may follow the statement. Whatever this
parser does not take goes to H2: ``parse_user_statement`` returns ``None`` and
``h2_user_refusal`` gives H2's answer, or None (the general SQL path then fails
the statement with a syntax error). H2 1.4.197 has user statements of its own,
which Ignite parses and then refuses: ``CREATE USER [IF NOT EXISTS] name
{PASSWORD x | SALT x HASH x | IDENTIFIED BY name} [ADMIN]`` and ``DROP USER [IF
EXISTS] name`` with ``0A000: Unsupported statement: <sql, trimmed>``; ``ALTER
USER name ...`` fails as soon as H2 has read the name, with H2's ``User "NAME"
not found`` (H2's own users are not Ignite's) and the statement as sent. H2
takes any expression for ``x``; here one operand (a string, ``X'..'``, a number
or name, ``?``) is recognised, and anything else gets the syntax error.
Imports ``embergrid.engine.sql.messages`` (the texts) and the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, cast

from embergrid.engine.sql import messages as m

__all__ = ["UserStatement", "h2_user_refusal", "parse_user_statement"]

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


# -- H2's own user statements ------------------------------------------------------


class _Reader:
    """Tokens read left to right for H2's grammar of user statements."""

    def __init__(self, toks: list[_Token]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> _Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def words(self, *words: str) -> bool:
        """Consume ``words`` if they come next (as words), else nothing."""
        ahead = self.toks[self.i : self.i + len(words)]
        if [(t.kind, t.text) for t in ahead] != [("word", w) for w in words]:
            return False
        self.i += len(words)
        return True

    def name(self) -> str | None:
        """A user name as H2 reads it (quoted kept, unquoted upper-cased)."""
        tok = self.peek()
        if tok is None or tok.kind not in ("word", "quoted"):
            return None
        if tok.kind == "word" and not (tok.text[0] == "_" or tok.text[0].isalpha()):
            return None
        self.i += 1
        return tok.text

    def operand(self) -> bool:
        """One operand of H2's expression: a string, ``X'..'``, a number or a
        name, a quoted name, or ``?``."""
        tok = self.peek()
        if tok is None:
            return False
        nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        if tok.kind == "word" and tok.text == "X" and nxt and nxt.kind == "string":
            self.i += 2
            return True
        if tok.kind in ("string", "word", "quoted") or tok.text == "?":
            self.i += 1
            return True
        return False

    def at_end(self) -> bool:
        rest = self.toks[self.i :]
        return not rest or (len(rest) == 1 and rest[0].kind == "semicolon")


def _create(r: _Reader) -> bool:
    r.words("IF", "NOT", "EXISTS")
    if r.name() is None:
        return False
    if r.words("PASSWORD"):
        ok = r.operand()
    elif r.words("SALT"):
        ok = r.operand() and r.words("HASH") and r.operand()
    elif r.words("IDENTIFIED", "BY"):
        ok = r.name() is not None
    else:
        return False
    r.words("ADMIN")
    return ok and r.at_end()


def _drop(r: _Reader) -> bool:
    r.words("IF", "EXISTS")
    return r.name() is not None and r.at_end()


def h2_user_refusal(sql: str) -> str | None:
    """What Ignite answers to ``sql`` (as sent) when it is one of H2's own user
    statements (``parse_user_statement`` did not take it), or None when it is
    none (then it is a syntax error)."""
    if not _NATIVE.match(sql):
        return None
    toks = _tokens(sql)
    if toks is None:
        return None
    r = _Reader(toks[2:])
    kind = toks[0].text
    text = sql.strip().rstrip(";").strip()  # as Ignite hands it to H2
    if kind == "CREATE":
        return m.unsupported_statement(text) if _create(r) else None
    if kind == "DROP":
        return m.unsupported_statement(text) if _drop(r) else None
    name = r.name()  # H2 looks the user up as soon as it has read the name
    if name is None:
        return None
    return m.prepare_failed(f'User "{name}" not found', 90032, sql)

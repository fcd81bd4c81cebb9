"""The users of an authenticated node, kept in the store every node shares.

Owns ``Users``: the ``users`` table, the default superuser, password hashing
and checking, and the user-management operations with Ignite 2.18's rules
(``IgniteAuthenticationProcessor``: ``validate``, ``checkUserOperation``,
``addUserLocal``/``updateUserLocal``/``removeUserLocal``) and texts (in
``engine/messages.py``, observed on the reference node). Who is asking is the
caller's argument: the engine has no sessions. Must not import asyncio or
``embergrid.protocol.messages``.

Theory of operation
-------------------
One row per user: ``users(name TEXT PRIMARY KEY, hash TEXT)``. ``hash`` is
``scrypt$<n>$<r>$<p>$<salt hex>$<key hex>`` (``hashlib.scrypt``, a fresh 16-byte
salt per password; the parameters travel with the row, so they can grow
without breaking stored users). A password is never stored, logged or put in
an exception: only its hash leaves this module. Ignite keeps BCrypt hashes in
its metastorage; the idea is the same (slow, salted), the format is ours.

Checking costs one scrypt run (~50-100 ms of CPU), so it is split:
``checker(name, password)`` reads the row now (a point read, fine on the event
loop) and returns the slow part as a function of no arguments that the server
runs on a thread. An unknown name is checked against a dummy hash, so a wrong
name takes as long as a wrong password. An empty password never matches
(Ignite's ``User.authorize``), which is how ``ALTER USER ... WITH PASSWORD ''``
(accepted, as on Ignite) locks that user out.

The default user ``ignite`` / ``ignite`` is added when the table is empty
(Ignite: the first start of a persistent cluster); it cannot be dropped. It
alone may create, alter and drop users; any user may change its own password.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import uuid
from collections.abc import Callable

from embergrid.engine import messages as m
from embergrid.engine.errors import EngineError
from embergrid.engine.store import Store
from embergrid.protocol.codes import StatusCode

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_USER", "Users", "hash_password"]

DEFAULT_USER = "ignite"
DEFAULT_PASSWORD = "ignite"
# Ignite: ("user." + name).getBytes().length > MetastorageTree.MAX_KEY_LEN (64).
_MAX_NAME_BYTES = 59
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_KEY_LEN = 32
_MAXMEM = 64 * 1024 * 1024

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY NOT NULL,"
    " hash TEXT NOT NULL) WITHOUT ROWID"
)

# One id per process, a counter per operation: the opId of Ignite's texts.
_PROCESS_ID = uuid.uuid4()
_op_counter = itertools.count(0x1A2B3C4D5E)


def hash_password(password: str) -> str:
    """A fresh salted scrypt hash of ``password`` in the stored format."""
    salt = os.urandom(16)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${key.hex()}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=_KEY_LEN,
        maxmem=_MAXMEM,
    )


def password_matches(password: str | None, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (slow)."""
    try:
        algo, n, r, p, salt, key = stored.split("$")
        if algo != "scrypt":
            return False
        got = _scrypt(password or "", bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(got, bytes.fromhex(key)) and bool(password)


# Checked against when the name is unknown: the same work, never a match.
_DUMMY = f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${'00' * 16}${'00' * _KEY_LEN}"


class Users:
    """The user table of one store.

    :param store: the store (the table is made if missing),
    :param node_id: the node's id, for Ignite's "Operation failed" texts.
    """

    def __init__(self, store: Store, node_id: uuid.UUID | None = None) -> None:
        self._store = store
        self._node_id = node_id or uuid.UUID(int=0)
        store.conn.execute(_SCHEMA)

    def ensure_default(self) -> bool:
        """Add ``ignite`` / ``ignite`` if there is no user at all; whether it was."""
        if self._store.conn.execute("SELECT 1 FROM users LIMIT 1").fetchone():
            return False
        record = hash_password(DEFAULT_PASSWORD)
        with self._store.atomic() as conn:
            if conn.execute("SELECT 1 FROM users LIMIT 1").fetchone():
                return False
            conn.execute(
                "INSERT INTO users (name, hash) VALUES (?, ?)", (DEFAULT_USER, record)
            )
        return True

    def names(self) -> list[str]:
        """Every user name, sorted."""
        rows = self._store.conn.execute("SELECT name FROM users ORDER BY name")
        return [str(r[0]) for r in rows]

    def _record(self, name: str) -> str | None:
        row = self._store.conn.execute(
            "SELECT hash FROM users WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else str(row[0])

    # -- authentication ---------------------------------------------------------

    def checker(self, name: str, password: str | None) -> Callable[[], bool]:
        """The slow half of checking a login: run it (on a thread) for the verdict.

        The row is read now; an unknown name is checked against a dummy hash.
        """
        stored = self._record(name)
        if stored is None:
            return lambda: password_matches(password, _DUMMY) and False
        return lambda: password_matches(password, stored)

    def authenticate(self, name: str, password: str | None) -> bool:
        """Both halves at once (tests and tools; the server splits them)."""
        return self.checker(name, password)()

    # -- management (SQL) ---------------------------------------------------------

    def create(self, actor: str, name: str, password: str) -> None:
        """``CREATE USER``: validate, check ``actor`` may, then add (slow: hashes)."""
        if not name:
            raise _fail(m.USER_NAME_EMPTY)
        if not password:
            raise _fail(m.PASSWORD_EMPTY)
        if len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES:
            raise _fail(m.USER_NAME_TOO_LONG)
        self._check_allowed(actor, name, update=False)
        record = hash_password(password)
        with self._store.atomic() as conn:
            if self._record(name) is not None:
                raise self._failed(m.user_exists(name))
            conn.execute("INSERT INTO users (name, hash) VALUES (?, ?)", (name, record))

    def alter(self, actor: str, name: str, password: str) -> None:
        """``ALTER USER ... WITH PASSWORD`` (an empty password is taken, as on
        Ignite, and matches nothing afterwards)."""
        self._check_allowed(actor, name, update=True)
        record = hash_password(password)
        with self._store.atomic() as conn:
            if self._record(name) is None:
                raise self._failed(m.user_missing(name))
            conn.execute("UPDATE users SET hash = ? WHERE name = ?", (record, name))

    def drop(self, actor: str, name: str) -> None:
        """``DROP USER``; the default user cannot be dropped."""
        self._check_allowed(actor, name, update=False)
        if name == DEFAULT_USER:
            raise _fail(m.DEFAULT_USER_NOT_REMOVABLE)
        with self._store.atomic() as conn:
            if self._record(name) is None:
                raise self._failed(m.user_missing(name))
            conn.execute("DELETE FROM users WHERE name = ?", (name,))

    def _check_allowed(self, actor: str, name: str, *, update: bool) -> None:
        """Ignite's checkUserOperation: the default user may do anything, any
        other user only change its own password."""
        if actor != DEFAULT_USER and not (update and actor == name):
            raise _fail(m.user_management_not_allowed(actor))

    def _failed(self, detail: str) -> EngineError:
        op_id = f"{next(_op_counter):x}-{_PROCESS_ID}"
        return _fail(m.user_operation_failed(str(self._node_id), op_id, detail))


def _fail(text: str) -> EngineError:
    return EngineError(StatusCode.FAILED, text)

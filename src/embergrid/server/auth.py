"""Authentication on the server: who a connection is, and what it may do to users.

Owns ``Authenticator`` (the node's gate for handshakes: a refusal at once, or a
``PendingLogin`` whose slow password check the listener runs on a thread) and
``user_statement`` (``CREATE USER`` / ``ALTER USER`` / ``DROP USER`` for op
2004, run as the connection's user). Users and their rules live in
``embergrid.engine.users``; the parse of the statements in
``embergrid.engine.sql.users``. Imports the engine and ``embergrid.protocol``;
never asyncio.

Theory of operation
-------------------
Ignite 2.18 with authentication on (``--auth``) checks a handshake in this
order: client type, version (``negotiate``), then the credentials: no user
name (none sent, an empty one, protocol 1.0.0, which has no credentials) or a
wrong name or password is refused with status 2000 and ``The user name or
password is incorrect [userName=<name as sent, or null>]``, version 0.0.0.
The connection stays open for another handshake, as on Ignite, and until one
succeeds nothing but a handshake is read: any other frame closes it
(``ServerConnection``). Requests a client sends right behind its handshake
wait in the frame buffer until the check ends; reading stops meanwhile.

The check is a slow hash (``Users.checker``): it runs on a thread, so a login
never holds the event loop, and other connections are served meanwhile.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from embergrid.engine import Engine, EngineError, OverBudget
from embergrid.engine import messages as em
from embergrid.engine.errors import ClusterInactive
from embergrid.engine.sql import messages as sql_messages
from embergrid.engine.sql.users import UserStatement
from embergrid.engine.users import Users
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.handshake import (
    HandshakeFailure,
    HandshakeRequest,
    HandshakeSuccess,
    auth_failure,
)
from embergrid.protocol.messages import query as m

if TYPE_CHECKING:
    from embergrid.server.session import Session

__all__ = ["Authenticator", "PendingLogin", "user_statement"]


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """A handshake waiting for its password check: run ``check`` (slow, on a
    thread), then answer ``success`` or ``failure``."""

    request: HandshakeRequest
    success: HandshakeSuccess
    failure: HandshakeFailure
    check: Callable[[], bool]

    @property
    def username(self) -> str:
        assert self.request.username is not None  # no check without a name
        return self.request.username


class Authenticator:
    """The handshake gate of a node with authentication on."""

    def __init__(self, users: Users) -> None:
        self.users = users

    def login(
        self, req: HandshakeRequest, success: HandshakeSuccess
    ) -> HandshakeFailure | PendingLogin:
        """A handshake ``negotiate`` accepted: refused now (no name), or the
        check to run before it is answered."""
        if not req.username:
            return auth_failure(req.username)
        check = self.users.checker(req.username, req.password)
        return PendingLogin(req, success, auth_failure(req.username), check)


# One row, one BIGINT column UPDATED = 0: what Ignite answers for these statements.
_ZERO = struct.pack("<bq", 4, 0)


def user_statement(
    s: Session, stmt: UserStatement, include_field_names: bool
) -> m.SqlFieldsResponse:
    """Run a user statement as the connection's user; the answer of op 2004.

    Fails with Ignite's "security disabled" text on a node without
    authentication, and as SQL fails on an inactive cluster. The work hashes a
    password (tens of milliseconds), so it runs off the event loop
    (``Session.off_loop``).
    """
    auth = s.node.auth
    if auth is None or s.user is None:
        raise EngineError(StatusCode.FAILED, em.SECURITY_DISABLED)
    try:
        s.engine.cluster.check_read()  # before any check of the statement
    except ClusterInactive as exc:
        raise EngineError(exc.status, sql_messages.general(exc.message)) from None
    actor, node_id = s.user, s.node.node_id

    def job(engine: Engine, budget: float) -> None:
        if budget > 0:
            raise OverBudget  # never on the loop: it hashes
        users = Users(engine.store, node_id)
        if stmt.kind == "DROP":
            users.drop(actor, stmt.name)
        elif stmt.kind == "CREATE":
            users.create(actor, stmt.name, stmt.password or "")
        else:
            users.alter(actor, stmt.name, stmt.password or "")

    s.off_loop(job)
    names = ("UPDATED",) if include_field_names else None
    return m.SqlFieldsResponse(s.new_resource_id(), 1, names, ((_ZERO,),), False)

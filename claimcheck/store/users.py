"""People of the web workbench and their sessions: rows in ``users`` and ``web_sessions``.

This module stores what the service layer (:mod:`claimcheck.service.users`) decided: it
never hashes passwords or makes tokens. A session is looked up by the SHA-256 of its
cookie value; deleting its row (sign-out, disabling the user) revokes it at once, and a
disabled user's sessions are deleted in the same transaction that disables them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, select, update

from claimcheck.errors import ConflictError, NotFoundError
from claimcheck.store.locking import locked_transaction, read_transaction
from claimcheck.store.migrate import ensure_schema
from claimcheck.store.models import User, WebSession

#: pg_advisory_xact_lock key for writes to users and web_sessions (SQLite: the database write lock)
USERS_LOCK = int.from_bytes(b"cc_users", "big")

_U = cast(Table, User.__table__)
_S = cast(Table, WebSession.__table__)


class UserExists(ConflictError):
    """A user of that name exists already (names are never reused, even once disabled)."""


class UnknownUser(NotFoundError):
    """No user has that name."""


@dataclass(frozen=True)
class StoredUser:
    """A user row as the service layer sees it (the password hash only where it is needed)."""

    id: int
    name: str
    role: str
    active: bool
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    password_hash: str = ""


def _user(row: Any, *, with_hash: bool = False) -> StoredUser:
    return StoredUser(
        id=row.id,
        name=row.name,
        role=row.role,
        active=bool(row.active),
        created_at=_aware(row.created_at),
        disabled_at=_aware(row.disabled_at) if row.disabled_at is not None else None,
        password_hash=row.password_hash if with_hash else "",
    )


def create_user(url: str, name: str, role: str, password_hash: str, now: dt.datetime) -> StoredUser:
    ensure_schema(url)
    with locked_transaction(url, USERS_LOCK) as conn:
        if conn.execute(select(_U.c.id).where(_U.c.name == name)).first() is not None:
            raise UserExists(f"用户 {name} 已存在 (a user named {name!r} exists already)")
        conn.execute(_U.insert().values(name=name, role=role, password_hash=password_hash, active=True, created_at=now))
        row = conn.execute(select(_U).where(_U.c.name == name)).one()
    return _user(row)


def list_users(url: str) -> list[StoredUser]:
    """Every user, oldest first (never the password hash)."""
    ensure_schema(url)
    with read_transaction(url) as conn:
        return [_user(r) for r in conn.execute(select(_U).order_by(_U.c.id))]


def find_user(url: str, name: str) -> StoredUser | None:
    """The user named ``name``, with the password hash (for signing in), or None."""
    ensure_schema(url)
    with read_transaction(url) as conn:
        row = conn.execute(select(_U).where(_U.c.name == name)).first()
    return _user(row, with_hash=True) if row is not None else None


def set_password_hash(url: str, user_id: int, password_hash: str) -> None:
    ensure_schema(url)
    with locked_transaction(url, USERS_LOCK) as conn:
        conn.execute(update(_U).where(_U.c.id == user_id).values(password_hash=password_hash))


def disable_user(url: str, name: str, now: dt.datetime) -> tuple[bool, int]:
    """Disable ``name`` and delete their sessions; (whether they were active, sessions revoked)."""
    ensure_schema(url)
    with locked_transaction(url, USERS_LOCK) as conn:
        row = conn.execute(select(_U.c.id, _U.c.active).where(_U.c.name == name)).first()
        if row is None:
            raise UnknownUser(f"没有用户 {name} (there is no user named {name!r})")
        revoked = conn.execute(delete(_S).where(_S.c.user_id == row.id)).rowcount or 0
        if not row.active:
            return False, revoked
        conn.execute(update(_U).where(_U.c.id == row.id).values(active=False, disabled_at=now))
    return True, revoked


def create_session(url: str, user_id: int, token_hash: str, now: dt.datetime, expires_at: dt.datetime) -> None:
    """Store a new session; expired sessions of anyone are deleted on the way."""
    ensure_schema(url)
    with locked_transaction(url, USERS_LOCK) as conn:
        conn.execute(delete(_S).where(_S.c.expires_at <= now))
        conn.execute(_S.insert().values(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at))


def session_user(url: str, token_hash: str, now: dt.datetime) -> StoredUser | None:
    """The active user whose unexpired session has this hash, else None."""
    ensure_schema(url)
    query = (
        select(_U)
        .join(_S, _S.c.user_id == _U.c.id)
        .where(_S.c.token_hash == token_hash, _S.c.expires_at > now, _U.c.active.is_(True))
    )
    with read_transaction(url) as conn:
        row = conn.execute(query).first()
    return _user(row) if row is not None else None


def delete_session(url: str, token_hash: str) -> bool:
    ensure_schema(url)
    with locked_transaction(url, USERS_LOCK) as conn:
        return bool(conn.execute(delete(_S).where(_S.c.token_hash == token_hash)).rowcount)


def _aware(ts: dt.datetime) -> dt.datetime:
    return ts.replace(tzinfo=dt.UTC) if ts.tzinfo is None else ts  # SQLite hands stored UTC back naive

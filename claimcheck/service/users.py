"""People of the web workbench: create, list, disable, sign in, sessions, decisions as oneself.

Two roles: ``reviewer`` (works the review queue, decides on findings) and ``admin``
(everything a reviewer does, plus administration pages). Users are disabled, never
deleted, so every name in the review record stays explained; a name is never reused.

Sessions are server-side: the browser holds 32 random bytes (URL-safe base64), the
database their SHA-256 and an expiry (``web_session_hours``); signing out or disabling
the user deletes the row, which revokes the session at once. The command line and the
web pages use only these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from claimcheck.clock import now_utc
from claimcheck.errors import InputError
from claimcheck.service import passwords, review
from claimcheck.service.app import Services
from claimcheck.store import users as store
from claimcheck.store.models import USER_NAME_LEN
from claimcheck.store.users import UnknownUser, UserExists

__all__ = [
    "ROLES",
    "VIA_WEB",
    "BadUser",
    "UnknownUser",
    "UserExists",
    "WebUser",
    "authenticate",
    "create",
    "decide",
    "disable",
    "end_session",
    "list_all",
    "session_user",
    "start_session",
]

ROLES = ("reviewer", "admin")
#: how a decision made on the web workbench was authenticated (the ledger's ``reviewer_via``)
VIA_WEB = "web-session"
_NAME = re.compile(rf"[\w.@-]{{1,{USER_NAME_LEN}}}")  # \w is Unicode: 张三 is a name
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


class BadUser(InputError):
    """A name or role that cannot be used; the message says why."""


@dataclass(frozen=True)
class WebUser:
    """Who is signed in: what the pages show and what decisions are recorded as."""

    id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return "管理员" if self.is_admin else "审核员"


def _web_user(user: store.StoredUser) -> WebUser:
    return WebUser(user.id, user.name, user.role)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.fullmatch(name):
        raise BadUser(
            f"用户名须为 1–{USER_NAME_LEN} 个字母、数字、汉字或 . _ - @ "
            f"(a user name is 1 to {USER_NAME_LEN} letters, digits, Han characters or . _ - @)"
        )
    return name


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise BadUser(f"角色须为 reviewer 或 admin (the role must be reviewer or admin, not {role!r})")
    return role


def create(services: Services, name: str, role: str, password: str) -> WebUser:
    """Create a user; BadUser / WeakPassword for bad input, UserExists when the name is taken."""
    name, role = check_name(name), check_role(role)
    password_hash = passwords.hash_password(password)
    return _web_user(store.create_user(services.settings.database_url, name, role, password_hash, now_utc()))


def list_all(services: Services) -> list[dict[str, Any]]:
    """Every user (never a password hash), oldest first; times are aware UTC datetimes."""
    return [
        {"name": u.name, "role": u.role, "active": u.active, "created_at": u.created_at, "disabled_at": u.disabled_at}
        for u in store.list_users(services.settings.database_url)
    ]


def disable(services: Services, name: str) -> tuple[bool, int]:
    """Disable ``name`` and revoke every session of theirs; (whether they were active, sessions revoked)."""
    return store.disable_user(services.settings.database_url, (name or "").strip(), now_utc())


def authenticate(services: Services, name: str, password: str) -> WebUser | None:
    """The active user when ``password`` is theirs, else None (unknown, disabled and wrong look alike)."""
    url = services.settings.database_url
    name = (name or "").strip()
    user = store.find_user(url, name) if _NAME.fullmatch(name) else None
    ok, rehash = passwords.verify(user.password_hash if user is not None else None, password or "")
    if user is None or not ok or not user.active:
        return None
    if rehash:  # made with older argon2 parameters: store one with the current ones
        store.set_password_hash(url, user.id, passwords.hash_password(password))
    return _web_user(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(services: Services, user: WebUser) -> str:
    """A new session for ``user``; returns the cookie value (stored only as its hash)."""
    token = secrets.token_urlsafe(32)
    now = now_utc()
    expires = now + dt.timedelta(hours=services.settings.web_session_hours)
    store.create_session(services.settings.database_url, user.id, _token_hash(token), now, expires)
    return token


def session_user(services: Services, token: str | None) -> WebUser | None:
    """Who holds the session ``token``: None when it is malformed, unknown, expired or the user is disabled."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    user = store.session_user(services.settings.database_url, _token_hash(token), now_utc())
    return _web_user(user) if user is not None else None


def end_session(services: Services, token: str | None) -> bool:
    """Sign out: delete the session (True if there was one)."""
    if not token or not _TOKEN.fullmatch(token):
        return False
    return store.delete_session(services.settings.database_url, _token_hash(token))


def decide(
    services: Services,
    user: WebUser,
    record_seq: int,
    finding_index: int,
    decision: Literal["confirm", "dismiss"],
    reason: str,
    *,
    supersedes: int | None = None,
) -> int:
    """Record a decision as the signed-in ``user`` (``reviewer_via`` "web-session"); returns its seq.

    The reviewer is the session's user name, never text from the form."""
    return review.record_decision(
        services, record_seq, finding_index, decision, reason, user.name, via=VIA_WEB, supersedes=supersedes
    )

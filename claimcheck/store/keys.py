"""API keys: ``cc_<key_id>_<secret>``, shown once at creation; only a hash is stored.

The secret is 256 random bits, so a single SHA-256 is enough (a slow password hash
guards guessable secrets, which these are not) and keeps per-request checks cheap.
The hash covers the whole presented key, so the key id cannot be swapped.
Each key has scopes: ``read`` for the read routes that show supplier records and
reviewers' names, ``write`` for everything that records or imports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select, update

from claimcheck.errors import InputError, NotFoundError
from claimcheck.store.locking import API_KEYS_LOCK, locked_transaction, read_transaction
from claimcheck.store.migrate import ensure_schema
from claimcheck.store.models import KEY_NAME_LEN, ApiKey

PREFIX = "cc"
_T = cast(Table, ApiKey.__table__)
_KEY = re.compile(r"cc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()
#: what a key may do; a key made without naming scopes gets all of them
SCOPES = ("read", "write")


class KeyError_(InputError):
    """An API key request that cannot be carried out; the message says why."""


class UnknownKey(KeyError_, NotFoundError):
    """No API key has that id."""

    http_status = NotFoundError.http_status
    code = NotFoundError.code


@dataclass(frozen=True)
class KeyIdentity:
    """Who presented a valid key, and what that key may do."""

    name: str
    key_id: str
    scopes: frozenset[str]


def _scopes(scopes: Iterable[str]) -> str:
    chosen = {s.strip().lower() for s in scopes if s.strip()}
    unknown = sorted(chosen - set(SCOPES))
    if unknown:
        raise KeyError_(f"unknown scope {', '.join(map(repr, unknown))}; scopes are {', '.join(SCOPES)}")
    if not chosen:
        raise KeyError_(f"a key needs at least one scope: {', '.join(SCOPES)}")
    return " ".join(s for s in SCOPES if s in chosen)


def _hash(presented: str) -> str:
    return hashlib.sha256(presented.encode("utf-8")).hexdigest()


def create_key(url: str, name: str, scopes: Iterable[str] = SCOPES) -> str:
    """Create a key named ``name``; returns the full key, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > KEY_NAME_LEN:
        raise KeyError_(f"a key needs a name of 1 to {KEY_NAME_LEN} characters")
    scope_text = _scopes(scopes)
    ensure_schema(url)
    with locked_transaction(url, API_KEYS_LOCK) as conn:
        while True:
            key_id = secrets.token_hex(8)
            if conn.execute(select(_T.c.id).where(_T.c.key_id == key_id)).first() is None:
                break
        key = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        conn.execute(
            _T.insert().values(
                key_id=key_id, key_hash=_hash(key), name=name, created_at=dt.datetime.now(dt.UTC), scopes=scope_text
            )
        )
    return key


def verify_key(url: str, presented: str | None) -> str | None:
    """The key's name if ``presented`` is a valid, unrevoked key, else None."""
    identity = authenticate_key(url, presented)
    return identity.name if identity is not None else None


def authenticate_key(url: str, presented: str | None) -> KeyIdentity | None:
    """Name, id and scopes of ``presented`` if it is a valid, unrevoked key, else None."""
    ensure_schema(url)  # a set look-up once the schema is current (see claimcheck.store.migrate)
    match = _KEY.fullmatch(presented or "")
    key_id = match.group(1) if match else None
    row = None
    if key_id is not None:
        with read_transaction(url) as conn:
            row = conn.execute(select(_T).where(_T.c.key_id == key_id)).first()
    # Compare in constant time, and compare something even when the id is unknown.
    digest = _hash(presented or "") if match else _DUMMY_HASH
    same = hmac.compare_digest(digest, row.key_hash if row is not None else _DUMMY_HASH)
    if row is None or not same or row.revoked_at is not None:
        return None
    return KeyIdentity(row.name, row.key_id, frozenset((row.scopes or "").split()))


def revoke_key(url: str, key_id: str) -> bool:
    """Revoke a key by its id (or a full key); True if it was active, False if it was revoked already."""
    ensure_schema(url)
    match = _KEY.fullmatch(key_id or "")
    if match:
        key_id = match.group(1)
    with locked_transaction(url, API_KEYS_LOCK) as conn:
        row = conn.execute(select(_T.c.revoked_at).where(_T.c.key_id == key_id)).first()
        if row is None:
            raise UnknownKey(f"there is no API key {key_id!r}")
        if row.revoked_at is not None:
            return False
        conn.execute(update(_T).where(_T.c.key_id == key_id).values(revoked_at=dt.datetime.now(dt.UTC)))
    return True


def list_keys(url: str) -> list[dict[str, Any]]:
    """Every key (never its secret or hash), oldest first."""
    ensure_schema(url)
    with read_transaction(url) as conn:
        rows = conn.execute(
            select(_T.c.key_id, _T.c.name, _T.c.scopes, _T.c.created_at, _T.c.revoked_at).order_by(_T.c.id)
        )
        return [
            {
                "key_id": r.key_id,
                "name": r.name,
                "scopes": (r.scopes or "").split(),
                "created_at": _aware(r.created_at),
                "revoked_at": _aware(r.revoked_at),
                "active": r.revoked_at is None,
            }
            for r in rows
        ]


def _aware(ts: dt.datetime | None) -> dt.datetime | None:
    if ts is not None and ts.tzinfo is None:  # SQLite hands back the stored UTC time without its zone
        ts = ts.replace(tzinfo=dt.UTC)
    return ts

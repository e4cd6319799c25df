"""API keys: ``cc_<key_id>_<secret>``, shown once at creation; only a hash is stored.

The secret is 256 random bits, so a single SHA-256 is enough (a slow password hash
guards guessable secrets, which these are not) and keeps per-request checks cheap.
The hash covers the whole presented key, so the key id cannot be swapped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
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


class KeyError_(InputError):
    """An API key request that cannot be carried out; the message says why."""


class UnknownKey(KeyError_, NotFoundError):
    """No API key has that id."""

    http_status = NotFoundError.http_status
    code = NotFoundError.code


def _hash(presented: str) -> str:
    return hashlib.sha256(presented.encode("utf-8")).hexdigest()


def create_key(url: str, name: str) -> str:
    """Create a key named ``name``; returns the full key, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > KEY_NAME_LEN:
        raise KeyError_(f"a key needs a name of 1 to {KEY_NAME_LEN} characters")
    ensure_schema(url)
    with locked_transaction(url, API_KEYS_LOCK) as conn:
        while True:
            key_id = secrets.token_hex(8)
            if conn.execute(select(_T.c.id).where(_T.c.key_id == key_id)).first() is None:
                break
        key = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        conn.execute(
            _T.insert().values(key_id=key_id, key_hash=_hash(key), name=name, created_at=dt.datetime.now(dt.UTC))
        )
    return key


def verify_key(url: str, presented: str | None) -> str | None:
    """The key's name if ``presented`` is a valid, unrevoked key, else None."""
    ensure_schema(url)
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
    return row.name


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
        rows = conn.execute(select(_T.c.key_id, _T.c.name, _T.c.created_at, _T.c.revoked_at).order_by(_T.c.id))
        return [
            {
                "key_id": r.key_id,
                "name": r.name,
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

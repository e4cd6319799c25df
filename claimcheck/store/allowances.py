"""The ``allowed_contexts`` table: an institution's rulings that a phrase is not a violation in a context.

Rows are added and deactivated, never edited or deleted (who removed one, and when, is kept).
The rules about what may become an allowed context live in :mod:`claimcheck.service.allowances`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select, update

from claimcheck.store.locking import ALLOWANCES_LOCK, locked_transaction, read_transaction
from claimcheck.store.migrate import ensure_schema
from claimcheck.store.models import AllowedContextRow

_T = cast(Table, AllowedContextRow.__table__)
COLUMNS = tuple(c.name for c in _T.columns)


def add_allowance(url: str, **values: Any) -> dict[str, Any]:
    """Insert an active allowed context (``created_at`` now, UTC); returns the stored row."""
    ensure_schema(url)
    values = {**values, "created_at": dt.datetime.now(dt.UTC), "active": True}
    with locked_transaction(url, ALLOWANCES_LOCK) as conn:
        new_id = conn.execute(_T.insert().values(**values)).inserted_primary_key[0]  # type: ignore[index]
        row = conn.execute(select(_T).where(_T.c.id == new_id)).one()
    return _as_dict(row)


def database_exists(url: str) -> bool:
    """False for a SQLite file that was never created (so a dry run need not create one)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).exists()
    return True


def list_allowances(url: str, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    """Allowed contexts by id; only the active ones unless ``include_inactive``."""
    ensure_schema(url)
    query = select(_T).order_by(_T.c.id)
    if not include_inactive:
        query = query.where(_T.c.active.is_(True))
    with read_transaction(url) as conn:
        return [_as_dict(r) for r in conn.execute(query)]


def get_allowance(url: str, allowance_id: int) -> dict[str, Any] | None:
    ensure_schema(url)
    with read_transaction(url) as conn:
        row = conn.execute(select(_T).where(_T.c.id == allowance_id)).first()
    return _as_dict(row) if row is not None else None


def deactivate_allowance(url: str, allowance_id: int, removed_by: str) -> bool | None:
    """Deactivate one: True if it was active, False if it was already inactive, None if there is no such id."""
    ensure_schema(url)
    with locked_transaction(url, ALLOWANCES_LOCK) as conn:
        row = conn.execute(select(_T.c.active).where(_T.c.id == allowance_id)).first()
        if row is None:
            return None
        if not row.active:
            return False
        conn.execute(
            update(_T)
            .where(_T.c.id == allowance_id)
            .values(active=False, removed_by=removed_by, removed_at=dt.datetime.now(dt.UTC))
        )
    return True


def _as_dict(row: Any) -> dict[str, Any]:
    out = {name: getattr(row, name) for name in COLUMNS}
    for key in ("created_at", "removed_at"):
        value = out[key]
        if isinstance(value, dt.datetime) and value.tzinfo is None:  # SQLite returns naive UTC
            out[key] = value.replace(tzinfo=dt.UTC)
    out["active"] = bool(out["active"])
    return out

"""Database engines and the Alembic configuration.

SQLite is the default (a file, no set-up); any SQLAlchemy URL works by setting
``CLAIMCHECK_DATABASE_URL`` (PostgreSQL for several users). The schema is
created and upgraded by Alembic migrations (:mod:`claimcheck.store.migrate`),
run programmatically so that no ``alembic.ini`` has to sit in the user's
working directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from claimcheck.errors import UnavailableError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(UnavailableError):
    """The database cannot be reached or is not usable; the message says why."""


def safe_url(url: str) -> str:
    """The URL as it may be shown to a user: no password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - trivial
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@cache
def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {safe_url(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg

"""Database engine, sessions and migrations.

SQLite is the default (a file, no set-up); any SQLAlchemy URL works by setting
``CLAIMCHECK_DATABASE_URL`` (PostgreSQL for several users). The schema is
created and upgraded by Alembic migrations, run programmatically so that no
``alembic.ini`` has to sit in the user's working directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(RuntimeError):
    """The database cannot be reached or is not usable; the message says why."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@cache
def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the database schema to the newest migration (creates it if new)."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreError(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {exc.orig}"
        ) from None


def is_current(url: str) -> bool:
    engine = make_engine(url)
    try:
        return "alembic_version" in inspect(engine).get_table_names()
    except OperationalError:
        return False


@contextmanager
def session_scope(url: str, *, migrate: bool = True) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    if migrate:
        upgrade(url)
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

"""Schema migrations: once per process and database, serialised across threads and processes.

Alembic keeps module-level state while it runs (``alembic.context``), so two
threads migrating at once break each other; and two processes starting on a new
database race to create the same tables. :func:`ensure_schema` therefore runs
the upgrade under a process-wide lock and inside a serialised write transaction,
and remembers per URL that the schema is current, so later calls cost a set
look-up. ``claimcheck db upgrade`` and the API's start-up call it explicitly.
"""

from __future__ import annotations

import threading

from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from claimcheck.store.db import StoreError, alembic_config, make_engine, safe_url
from claimcheck.store.locking import MIGRATE_LOCK, locked_transaction, read_transaction

_CURRENT: set[str] = set()
_LOCK = threading.Lock()


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        with read_transaction(url) as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except StoreError as exc:
        raise StoreError(str(exc).replace("cannot read the database", "cannot open the database", 1)) from None


def upgrade(url: str) -> None:
    """Bring the database schema to the newest migration (creates it if new)."""
    from alembic import command

    engine = make_engine(url)
    with _LOCK:
        try:
            with engine.begin() as conn:
                cfg = alembic_config(url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise StoreError(f"cannot open the database {safe_url(url)}: {exc.orig}") from None


def is_current(url: str) -> bool:
    """True when the database has been migrated at least once."""
    engine = make_engine(url)
    try:
        return "alembic_version" in inspect(engine).get_table_names()
    except OperationalError:
        return False


def ensure_schema(url: str) -> None:
    """Bring the schema to the newest migration, once per process (concurrent callers serialised)."""
    if url in _CURRENT:
        return
    with _LOCK:
        if url in _CURRENT:
            return
        from alembic import command

        cfg = alembic_config(url)
        if current_revision(url) != head_revision(url):
            with locked_transaction(url, MIGRATE_LOCK) as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        _CURRENT.add(url)


def forget(url: str) -> None:
    """Make this process check the schema again on next use (after a database was dropped)."""
    _CURRENT.discard(url)

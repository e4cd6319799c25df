"""Serialised write transactions and a migration step that is safe to run from several processes.

The review record is appended to by API workers and the command line at the same
time, so each append must read the chain's head and insert the next entry while
no one else can:

* SQLite: the connection runs in driver autocommit mode and every SQLAlchemy
  transaction starts with ``BEGIN IMMEDIATE`` (the write lock is taken at BEGIN,
  not at the first write, so two writers never both read the same head), with a
  busy timeout so waiting writers queue instead of failing at once. Read-only
  work asks for a plain deferred ``BEGIN`` and does not block writers.
* PostgreSQL: the transaction takes ``pg_advisory_xact_lock(key)``, released at
  commit or rollback, including when the client dies mid-transaction.

A transaction is all-or-nothing, so a process killed mid-append leaves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, OperationalError

from claimcheck.store.db import StoreError, make_engine

# pg_advisory_xact_lock keys (any bigint; spelled from ASCII so they are recognisable in pg_locks)
LEDGER_LOCK = int.from_bytes(b"cc_ledgr", "big")
MIGRATE_LOCK = int.from_bytes(b"cc_migrt", "big")
API_KEYS_LOCK = int.from_bytes(b"cc_apiky", "big")
ALLOWANCES_LOCK = int.from_bytes(b"cc_allow", "big")

SQLITE_BUSY_TIMEOUT_S = float(os.environ.get("CLAIMCHECK_SQLITE_BUSY_TIMEOUT", "60"))


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


_ENGINES: dict[str, Engine] = {}


def write_engine(url: str) -> Engine:
    """The engine used for serialised work: make_engine's for PostgreSQL, a BEGIN IMMEDIATE one for SQLite."""
    engine = _ENGINES.get(url)
    if engine is not None:
        return engine
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        if engine.url.database in (None, "", ":memory:") or "mode=memory" in str(engine.url):
            raise StoreError("the review record needs a database file or server; an in-memory SQLite is not shared")
        try:
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        except (ArgumentError, ImportError) as exc:  # pragma: no cover - make_engine accepted the same URL
            raise StoreError(f"cannot use this database URL: {exc}") from None
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    _ENGINES[url] = engine
    return engine


def _dispose_after_fork() -> None:  # pragma: no cover - runs in forked children
    # A forked child (e.g. a pre-forking API server's worker) must not reuse the parent's connections.
    for engine in _ENGINES.values():
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_dispose_after_fork)


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def locked_transaction(url: str, lock_key: int) -> Iterator[Connection]:
    """A write transaction that holds the lock for ``lock_key`` (SQLite: the database write lock)."""
    engine = write_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
            yield conn
    except OperationalError as exc:
        if "locked" in str(exc.orig) or "busy" in str(exc.orig):
            raise StoreError(
                f"the database {_where(engine)} is locked by another writer "
                f"(waited up to {SQLITE_BUSY_TIMEOUT_S:g} s): {exc.orig}"
            ) from None
        raise StoreError(f"cannot write to the database {_where(engine)}: {exc.orig}") from None


@contextmanager
def read_transaction(url: str) -> Iterator[Connection]:
    """A read-only transaction on one consistent snapshot (SQLite: deferred BEGIN; PostgreSQL: REPEATABLE READ)."""
    engine = write_engine(url)
    options: dict = {"sqlite_begin": "DEFERRED"}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    try:
        with engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn
    except OperationalError as exc:
        raise StoreError(f"cannot read the database {_where(engine)}: {exc.orig}") from None

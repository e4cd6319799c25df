"""ORM sessions in one transaction each, on a database migrated once per process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from claimcheck.store.db import make_engine
from claimcheck.store.migrate import ensure_schema


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    ensure_schema(url)
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

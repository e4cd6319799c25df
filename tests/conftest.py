from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from claimcheck.config import Settings
from claimcheck.engine import Engine
from claimcheck.lexicons import load_lexicon
from claimcheck.store import migrate
from claimcheck.store.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
MINI_LEXICON = Path(__file__).resolve().parent / "data" / "mini_lexicon"


@pytest.fixture(scope="session", autouse=True)
def _isolated_outputs(tmp_path_factory):
    """The CLI's default database and report folder go to a temp dir, never the repo."""
    base = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAIMCHECK_DATABASE_URL", f"sqlite:///{base / 'default.db'}")
        mp.setenv("CLAIMCHECK_REPORT_DIR", str(base / "reports"))
        mp.setenv("CLAIMCHECK_LEDGER_KEY_FILE", str(base / "ledger.key"))
        mp.setenv("CLAIMCHECK_LEDGER_CHECKPOINT_FILE", str(base / "ledger-checkpoints.jsonl"))
        mp.setenv("CLAIMCHECK_CACHE_DIR", str(base / "cache"))
        yield base


@pytest.fixture(scope="session")
def mini_lexicon():
    return load_lexicon(MINI_LEXICON)


@pytest.fixture(scope="session")
def mini_engine():
    """Lexicon-only engine over the hand-written mini lexicon."""
    return Engine.from_settings(Settings(lexicon_dir=MINI_LEXICON, detectors=["lexicon"]))


@pytest.fixture(scope="session")
def lexicon_engine():
    """Lexicon-only engine with the bundled lexicon."""
    return Engine.from_settings(Settings(detectors=["lexicon"]))


@pytest.fixture(scope="session")
def engine():
    """The default engine: bundled lexicon and the shipped classifier."""
    return Engine.from_settings(Settings())


# --- a real database for store and ledger tests: SQLite always, and the database in
# CLAIMCHECK_TEST_DATABASE_URL too when it is set (CI sets a local PostgreSQL).
DATABASES = ["sqlite"] + (["external"] if os.environ.get("CLAIMCHECK_TEST_DATABASE_URL") else [])
TABLES = (
    "web_sessions",
    "users",
    "allowed_contexts",
    "ledger_entries",
    "api_keys",
    "test_items",
    "test_reports",
    "nutrition_rows",
    "certificates",
    "ingredients",
    "spec_attributes",
    "products",
    "suppliers",
    "alembic_version",
)


def _reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in TABLES:
            cascade = " CASCADE" if engine.dialect.name == "postgresql" else ""
            conn.execute(text(f"DROP TABLE IF EXISTS {table}{cascade}"))
    migrate.forget(url)  # this process must migrate again


@pytest.fixture(params=DATABASES)
def db_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = os.environ["CLAIMCHECK_TEST_DATABASE_URL"]
    _reset(url)
    yield url
    _reset(url)

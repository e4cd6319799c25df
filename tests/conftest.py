from __future__ import annotations

from pathlib import Path

import pytest

from claimcheck.config import Settings
from claimcheck.engine import Engine
from claimcheck.lexicons import load_lexicon

ROOT = Path(__file__).resolve().parent.parent
MINI_LEXICON = Path(__file__).resolve().parent / "data" / "mini_lexicon"


@pytest.fixture(scope="session", autouse=True)
def _isolated_outputs(tmp_path_factory):
    """The CLI's default database and report folder go to a temp dir, never the repo."""
    base = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAIMCHECK_DATABASE_URL", f"sqlite:///{base / 'default.db'}")
        mp.setenv("CLAIMCHECK_REPORT_DIR", str(base / "reports"))
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

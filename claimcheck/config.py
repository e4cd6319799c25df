"""Settings from CLAIMCHECK_* environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from claimcheck.paths import DEFAULT_LEXICON_DIR, MODELS_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMCHECK_", extra="ignore")

    lexicon_dir: Path = DEFAULT_LEXICON_DIR
    # attribute, synonym, unit and claim-phrase tables of the spec cross-check
    spec_tables_dir: Path = DEFAULT_LEXICON_DIR / "specs"
    detectors: list[str] = Field(
        default_factory=lambda: ["lexicon", "patterns", "efficacy_scope", "exaggeration", "spec_check"]
    )
    # what each product type (and a product's record) may claim
    scope_file: Path = DEFAULT_LEXICON_DIR / "efficacy" / "scope.yaml"
    # pattern rules and their token classes (spaCy Matcher over jieba tokens)
    patterns_dir: Path = DEFAULT_LEXICON_DIR / "patterns"
    # The product store: a SQLite file by default; any SQLAlchemy URL (PostgreSQL
    # for several users: postgresql+psycopg://user:pass@host/db).
    database_url: str = "sqlite:///claimcheck.db"
    # where `screen` and `audit` write their HTML and JSON reports
    report_dir: Path = Path("reports")
    # The fast classifier every unit goes through, and the optional slow one for
    # the uncertain band (needs the [transformers] extra).
    model_dir: Path = MODELS_DIR / "exaggeration-sklearn"
    transformer_dir: Path | None = None
    # The claim gate in front of the classifier (None: every unit reaches the classifier).
    gate_dir: Path | None = MODELS_DIR / "claim-gate"
    factual_dir: Path | None = MODELS_DIR / "factual-claim"  # unverifiable claims in spec_check
    # Scripts are a few KB; a transcript of a long broadcast a few MB. Anything
    # larger is almost certainly the wrong file and would tie up a worker.
    max_input_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    unit_min_chars: int = Field(default=6, ge=1)
    unit_target_chars: int = Field(default=16, ge=2)
    unit_max_chars: int = Field(default=40, ge=4)

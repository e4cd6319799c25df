"""Settings from CLAIMCHECK_* environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    # The review record's Ed25519 signing key (docs/LEDGER.md): kept outside the database, created
    # with mode 0600 on the first signed append or by `claimcheck ledger keygen`; its public half is
    # written beside it as <file>.pub. A file holding only a public key can verify but not sign.
    ledger_key_file: Path = Path("claimcheck-ledger.key")
    # Where `claimcheck ledger checkpoint` appends signed heads of the record (JSON lines) and
    # `ledger verify` reads them: put it on storage other than the database's, append-only.
    ledger_checkpoint_file: Path = Path("claimcheck-ledger-checkpoints.jsonl")
    # Who `claimcheck ledger decide` records decisions as (None: the operating-system login name).
    operator: str | None = Field(default=None, min_length=1, max_length=100)
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
    # At most this many findings per screened input: a text that is mostly prohibited terms (or an
    # attack) would otherwise return tens of thousands; the most severe are kept, the result is
    # marked truncated with a notice saying how many there were, and the verdict counts them all.
    max_findings: int = Field(default=10_000, gt=0)
    # A longer text with no product to cross-check is screened in pieces of about this many
    # characters, cut at line starts where the pieces give the same findings as the whole
    # (claimcheck/chunks.py): memory then grows with the piece, not the text. None: never cut.
    screen_chunk_chars: int | None = Field(default=50_000, ge=1_000)
    # The most bytes one HTTP request body may carry, counted as it arrives (chunked bodies and
    # multipart uploads too), so an oversized body is refused with 413 before it is read or
    # spooled. None: max_input_bytes plus 64 KiB for JSON and form framing.
    max_body_bytes: int | None = Field(default=None, gt=0)
    # HTTP read routes that show supplier records or reviewers' names (GET /v1/products…,
    # GET /v1/ledger…) need an API key with the "read" scope; False opens them to anyone who
    # can reach the port (write routes always need a key with the "write" scope).
    require_read_key: bool = True
    # Browser origins allowed to call the HTTP API (CORS), e.g. ["https://review.example.com"];
    # empty: no CORS headers, so browsers allow only same-origin pages.
    cors_origins: list[str] = Field(default_factory=list)
    # Threads per HTTP worker process that run screenings (CPU work) off the event loop; requests
    # beyond them wait their turn in the loop, so a burst queues instead of piling threads onto
    # the GIL. None: one per CPU core, divided among the workers by `claimcheck serve --workers N`.
    api_threads: int | None = Field(default=None, ge=1, le=256)
    # Live audit (docs/LIVE.md): seconds without a message before a broadcast is recorded and closed;
    # messages waiting for a slow WebSocket client before it is disconnected (it may resume).
    live_idle_seconds: float = Field(default=300.0, gt=0)
    live_queue_size: int = Field(default=256, ge=1)
    # Webhook alerts for blocking live findings: the HMAC-SHA256 secret (none: webhooks refused),
    # attempts per alert and the first retry's delay (doubled each time).
    live_webhook_secret: str | None = None
    live_webhook_attempts: int = Field(default=4, ge=1, le=20)
    live_webhook_backoff_seconds: float = Field(default=0.5, gt=0)
    unit_min_chars: int = Field(default=6, ge=1)
    unit_target_chars: int = Field(default=16, ge=2)
    unit_max_chars: int = Field(default=40, ge=4)
    # The web workbench (docs/WEB.md): hours a sign-in lasts (then the reviewer signs in again);
    # whether its cookies are Secure ("auto": when the request came over HTTPS, as uvicorn sees it;
    # set true behind a TLS proxy that uvicorn does not trust); failed sign-ins allowed per user
    # name and per client address in 5 minutes before further attempts are refused (429).
    web_session_hours: float = Field(default=12, gt=0, le=24 * 30)
    web_secure_cookies: bool | Literal["auto"] = "auto"
    web_login_attempts: int = Field(default=5, ge=1, le=1000)

    @property
    def body_limit(self) -> int:
        """The request-body limit the HTTP service enforces."""
        return self.max_body_bytes if self.max_body_bytes is not None else self.max_input_bytes + 64 * 1024

"""Display labels and default texts, loaded from ``labels.yaml`` (data, not code).

One place for what reviewers read: the Chinese label, legal basis and default
rewrite of each category, and the labels of severities, verdicts, claim verdicts
and evidence fields. A lexicon directory may carry its own ``labels.yaml``; one
without it uses the bundled file.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from claimcheck.errors import ConfigError, describe_validation_errors
from claimcheck.paths import DEFAULT_LEXICON_DIR
from claimcheck.taxonomy import CLAIM_VERDICTS, Category
from claimcheck.types import Severity, Verdict

# libyaml's safe loader when present (5-10x faster on the lexicon), else the pure-Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LABELS_FILE = "labels.yaml"


class CategoryText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    legal_basis: str = Field(min_length=4)
    suggestion: str = ""


class ClaimVerdictText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    short: str = Field(min_length=1)
    suggestion: str = ""


class Labels(BaseModel):
    """Every label a report or finding shows, validated to cover every id it must."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: dict[Category, CategoryText]
    severities: dict[Severity, str]
    verdicts: dict[Verdict, str]
    claim_verdicts: dict[str, ClaimVerdictText]
    evidence_fields: dict[str, str] = Field(default_factory=dict)
    content_hash: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Labels:
        for name, have, need in (
            ("categories", set(self.categories), set(Category)),
            ("severities", set(self.severities), set(Severity)),
            ("verdicts", set(self.verdicts), set(Verdict)),
            ("claim_verdicts", set(self.claim_verdicts), set(CLAIM_VERDICTS)),
        ):
            missing = sorted(str(x) for x in need - have)
            if missing:
                raise ValueError(f"{name}: missing {', '.join(missing)}")
        unknown = sorted(set(self.claim_verdicts) - set(CLAIM_VERDICTS))
        if unknown:
            raise ValueError(f"claim_verdicts: unknown {', '.join(unknown)}")
        return self

    def category(self, category: Category | str) -> str:
        return self.categories[Category(category)].label

    def evidence(self, evidence: dict[str, Any] | None) -> dict[str, Any] | None:
        """Evidence with Chinese field names (unknown fields keep their key); None values dropped."""
        if not evidence:
            return None
        return {self.evidence_fields.get(k, k): v for k, v in evidence.items() if v is not None}


def load_labels(path: str | Path) -> Labels:
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = yaml.load(raw, Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise ConfigError(f"labels file missing: {p.name}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p.name}: not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p.name}: expected a mapping")
    try:
        return Labels.model_validate({**data, "content_hash": hashlib.sha256(raw).hexdigest()})
    except ValidationError as exc:
        raise ConfigError(f"{p.name}: {describe_validation_errors(exc.errors())}") from None


def bundled_labels_path() -> Path:
    return DEFAULT_LEXICON_DIR / LABELS_FILE


def labels_path_for(lexicon_dir: str | Path) -> Path:
    """The lexicon directory's own labels file, else the bundled one."""
    own = Path(lexicon_dir) / LABELS_FILE
    return own if own.is_file() else bundled_labels_path()


@cache
def default_labels() -> Labels:
    """The bundled labels (what reports use when no engine hands them its own)."""
    return load_labels(bundled_labels_path())

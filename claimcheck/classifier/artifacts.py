"""Model artifacts: a folder with the model files and a validated ``metadata.json``.

The metadata records library versions, the corpus hash, the label set, the
thresholds chosen on dev, the metrics, and a sha256 of every model file. Loading
checks the hashes and the label set before touching the model, so a tampered or
mismatched artifact is refused with a clear message instead of running.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from claimcheck.errors import ConfigError, describe_validation_errors

METADATA = "metadata.json"


class ModelArtifactError(ConfigError):
    """A model folder is missing, tampered with or does not fit this claimcheck."""


class Thresholds(BaseModel):
    """Score cut-offs on P(violation), chosen on the dev split."""

    model_config = ConfigDict(extra="forbid")

    decision: float = Field(ge=0.0, le=1.0)  # at or above: a finding
    block: float = Field(ge=0.0, le=1.01)  # at or above: severity block (1.01 = never)
    band_low: float = Field(ge=0.0, le=1.0)  # uncertain band sent to the slow model
    band_high: float = Field(ge=0.0, le=1.0)
    # Below ``veto`` the classifier's "ordinary speech" overrides a lexicon hit of
    # severity review (and block when ``veto_block``): the hit is kept as info.
    veto: float = Field(default=0.0, ge=0.0, le=1.0)
    veto_block: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.band_low <= self.decision <= self.band_high:
            raise ValueError("need band_low <= decision <= band_high")
        if self.block < self.decision:
            raise ValueError("block threshold below decision threshold")
        if self.veto > self.decision:
            raise ValueError("veto threshold above decision threshold")
        return self


class DecisionsProvenance(BaseModel):
    """Which reviewers' decisions a model learned from (``claimcheck train --with-decisions``)."""

    model_config = ConfigDict(extra="forbid")

    file: str  # the source beside the model: decisions-<sha256[:12]>.jsonl
    sha256: str  # of that file's content: the source's version
    units: int  # units in the source
    learned: int  # units learned from (one per record, text and label; none repeating a corpus test unit)
    weight: float  # sample weight of a decision unit (a corpus unit weighs 1)
    confirmed: int  # learned units from confirmations
    dismissed: int  # learned units from dismissals
    decision_seqs: list[int]  # the decision entries learned from
    first_seq: int | None = None
    last_seq: int | None = None
    skipped: dict[str, int] = Field(default_factory=dict)  # decisions that made no unit, by reason
    left_out_repeating_test: int = 0  # repeats of corpus test units: the test split is never trained on
    dev_left_out_of_thresholds: int = 0  # dev units learned from, so not used to choose thresholds


class ModelMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["sklearn", "transformers"]
    created: str
    claimcheck_version: str
    libraries: dict[str, str]
    corpus_hash: str
    labels: list[str]
    input: Literal["compact"] = "compact"
    thresholds: Thresholds
    metrics: dict[str, Any] = Field(default_factory=dict)
    files: dict[str, str]  # relative path -> sha256
    # the reviewers' decisions learned from besides the corpus (None: the corpus alone)
    decisions: DecisionsProvenance | None = None

    @property
    def version_tag(self) -> str:
        joined = "".join(self.files[k] for k in sorted(self.files))
        return f"{self.name}@{self.corpus_hash[:8]}+{hashlib.sha256(joined.encode()).hexdigest()[:12]}"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_metadata(directory: Path, meta: ModelMetadata) -> None:
    data = meta.model_dump()
    if data["decisions"] is None:  # a model of the corpus alone: metadata as before decisions existed
        del data["decisions"]
    (directory / METADATA).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def read_metadata(directory: str | Path, expected_kind: str, expected_labels: tuple[str, ...]) -> ModelMetadata:
    """Read, validate and verify a model folder; raise ModelArtifactError on any problem."""
    root = Path(directory)
    if not root.is_dir():
        raise ModelArtifactError(f"model folder not found: {root}")
    path = root / METADATA
    try:
        meta = ModelMetadata.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ModelArtifactError(f"{root}: no {METADATA}; not a claimcheck model folder") from None
    except ValidationError as exc:
        raise ModelArtifactError(f"{path}: {describe_validation_errors(exc.errors())}") from None
    if meta.kind != expected_kind:
        raise ModelArtifactError(f"{root}: a {meta.kind} model, expected {expected_kind}")
    if tuple(meta.labels) != tuple(expected_labels):
        raise ModelArtifactError(
            f"{root}: label set {meta.labels} does not match this claimcheck's {list(expected_labels)}; retrain it"
        )
    for rel, digest in meta.files.items():
        f = root / rel
        if not f.is_file():
            raise ModelArtifactError(f"{root}: model file {rel} is missing")
        if sha256_file(f) != digest:
            raise ModelArtifactError(f"{root}: {rel} was modified after training (sha256 mismatch); refusing to load")
    return meta

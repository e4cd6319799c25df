"""Evidence before a block: when the classifier alone may assert a category, and when it may block.

A classifier trained on our corpus learns our writers' style as much as the rules, so on
real speech its confidence is not evidence enough. The policy, measured on the real-speech
dev set (``claimcheck calibrate``) and kept beside the model as ``policy.json``, records the
precision of the classifier's findings per category. The classifier alone names a category
only where that precision is at least ``assert_precision``; elsewhere its finding is
``unclassified`` with the likely categories as a ranked hint. It blocks only where the
precision is at least ``block_precision``; otherwise its findings are for review. With no
policy file nothing is asserted and nothing is blocked.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claimcheck.classifier.artifacts import ModelArtifactError
from claimcheck.errors import describe_validation_errors

POLICY_FILE = "policy.json"


class CategoryEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    precision: float = Field(ge=0.0, le=1.0)
    findings: int = Field(ge=0)


class ClassifierPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    measured_on: str  # which labelled set, and its hash
    model: str  # the model version the precisions belong to
    assert_precision: float = Field(default=0.8, ge=0.0, le=1.0)
    block_precision: float = Field(default=0.95, ge=0.0, le=1.0)
    min_findings: int = Field(default=10, ge=1)
    # in recognised speech (transcripts, live streams), below this score a stand-alone classifier
    # finding is a low-confidence hint (info), not a review item; scripts use the model's own thresholds
    review_threshold: float = Field(default=0.0, ge=0.0, le=1.0)
    categories: dict[str, CategoryEvidence] = Field(default_factory=dict)

    def _evidence(self, category: str) -> CategoryEvidence | None:
        ev = self.categories.get(category)
        return ev if ev is not None and ev.findings >= self.min_findings else None

    def asserts(self, category: str) -> bool:
        ev = self._evidence(category)
        return ev is not None and ev.precision >= self.assert_precision

    def may_block(self, category: str) -> bool:
        ev = self._evidence(category)
        return ev is not None and ev.precision >= self.block_precision

    def precision(self, category: str) -> float | None:
        ev = self.categories.get(category)
        return ev.precision if ev is not None else None

    @property
    def tag(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:8]


NO_POLICY = ClassifierPolicy(measured_on="none", model="none")


def load_policy(model_dir: str | Path) -> ClassifierPolicy:
    path = Path(model_dir) / POLICY_FILE
    if not path.is_file():
        return NO_POLICY
    try:
        return ClassifierPolicy.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise ModelArtifactError(f"{path}: {describe_validation_errors(exc.errors())}") from None


def write_policy(model_dir: str | Path, policy: ClassifierPolicy) -> Path:
    path = Path(model_dir) / POLICY_FILE
    path.write_text(policy.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path

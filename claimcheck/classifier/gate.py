"""The claim gate: only units that say something about the product or the offer reach the classifier.

Real streams are mostly greetings, interaction (扣1, 点关注), logistics, after-sales, usage,
questions and filler; a violation classifier trained on selling claims has nothing to say
about them and, asked anyway, finds exaggeration in their style. The gate is a small binary
model (character n-grams, calibrated logistic regression) trained on the corpus's ``kind``
labels: ``claim`` = the unit makes a claim or an offer (every violation counts as one). Its
threshold is chosen on dev so that nearly every violation passes. Lexicon and pattern rules
still run on every unit: the gate only decides what the classifier sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claimcheck.classifier.sklearn_model import SklearnClassifier

GATE_LABELS: tuple[str, ...] = ("claim", "other")
CLAIM = "claim"


@dataclass
class ClaimGate:
    model: SklearnClassifier
    threshold: float

    @property
    def version(self) -> str:
        return self.model.version

    def scores(self, texts: list[str]) -> np.ndarray:
        """P(the unit is a claim or an offer), per compact-view text."""
        if not texts:
            return np.zeros(0)
        return self.model.predict_proba(texts)[:, GATE_LABELS.index(CLAIM)]

    def passes(self, texts: list[str]) -> np.ndarray:
        return self.scores(texts) >= self.threshold


def load_gate(directory: str | Path) -> ClaimGate:
    model = SklearnClassifier.load(directory, GATE_LABELS)
    assert model.metadata is not None
    return ClaimGate(model, model.metadata.thresholds.decision)

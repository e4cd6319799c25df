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

from pathlib import Path

import numpy as np

from claimcheck.classifier.binary import BinaryModel

GATE_LABELS: tuple[str, str] = ("claim", "other")
CLAIM = "claim"


class ClaimGate(BinaryModel):
    labels = GATE_LABELS

    def passes(self, texts: list[str]) -> np.ndarray:
        """Which units pass the gate: P(claim or offer) at or above the threshold."""
        return self.above(texts)


def load_gate(directory: str | Path) -> ClaimGate:
    return ClaimGate.load(directory)

"""The factual-claim model: does a unit state a checkable fact about the product?

The cross-check can only say "unverifiable" of a claim it recognises as a claim. A unit
that no record fact matches is either ordinary talk (扣1, 今天包邮, 宝宝们晚上好) or a factual
claim the record has nothing on (采用分子蒸馏工艺, 奶源来自自有牧场) - the second needs a
reviewer. This binary model (character n-grams, calibrated logistic regression, the same
arrays-only loading as the classifier) tells them apart; its threshold is chosen on the dev
split of the claims set (``claimcheck models train --model factual``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claimcheck.classifier.sklearn_model import SklearnClassifier

FACTUAL_LABELS: tuple[str, ...] = ("factual", "other")
FACTUAL = "factual"


@dataclass
class FactualModel:
    model: SklearnClassifier
    threshold: float

    @property
    def version(self) -> str:
        return self.model.version

    def scores(self, texts: list[str]) -> np.ndarray:
        """P(the unit states a fact about the product), per compact-view text."""
        if not texts:
            return np.zeros(0)
        return self.model.predict_proba(texts)[:, FACTUAL_LABELS.index(FACTUAL)]

    def factual(self, texts: list[str]) -> np.ndarray:
        return self.scores(texts) >= self.threshold


def load_factual(directory: str | Path) -> FactualModel:
    model = SklearnClassifier.load(directory, FACTUAL_LABELS)
    assert model.metadata is not None
    return FactualModel(model, model.metadata.thresholds.decision)

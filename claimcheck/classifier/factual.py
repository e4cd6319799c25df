"""The factual-claim model: does a unit state a checkable fact about the product?

The cross-check can only say "unverifiable" of a claim it recognises as a claim. A unit
that no record fact matches is either ordinary talk (扣1, 今天包邮, 宝宝们晚上好) or a factual
claim the record has nothing on (采用分子蒸馏工艺, 奶源来自自有牧场) - the second needs a
reviewer. This binary model (character n-grams, calibrated logistic regression, the same
arrays-only loading as the classifier) tells them apart; its threshold is chosen on the dev
split of the claims set (``claimcheck models train --model factual``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from claimcheck.classifier.binary import BinaryModel

FACTUAL_LABELS: tuple[str, str] = ("factual", "other")
FACTUAL = "factual"


class FactualModel(BinaryModel):
    labels = FACTUAL_LABELS

    def factual(self, texts: list[str]) -> np.ndarray:
        """Which units state a checkable fact about the product: P(factual) at or above the threshold."""
        return self.above(texts)


def load_factual(directory: str | Path) -> FactualModel:
    return FactualModel.load(directory)

"""A calibrated two-class linear model with its decision threshold: the claim gate and the factual-claim model.

Both are character n-gram logistic regressions loaded from plain arrays (see :mod:`.linear`);
each names its two labels, positive first, and its threshold comes from the model's metadata
(chosen on dev when it was trained).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Self

import numpy as np

from claimcheck.classifier.artifacts import ModelArtifactError
from claimcheck.classifier.sklearn_model import SklearnClassifier


@dataclass
class BinaryModel:
    model: SklearnClassifier
    threshold: float
    labels: ClassVar[tuple[str, str]]  # (positive, other)

    @property
    def version(self) -> str:
        return self.model.version

    def scores(self, texts: list[str]) -> np.ndarray:
        """P(positive label), per compact-view text."""
        if not texts:
            return np.zeros(0)
        return self.model.predict_proba(texts)[:, 0]

    def above(self, texts: list[str]) -> np.ndarray:
        return self.scores(texts) >= self.threshold

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        model = SklearnClassifier.load(directory, cls.labels)
        if model.metadata is None:
            raise ModelArtifactError(f"{directory}: the model has no metadata, so no threshold")
        return cls(model, model.metadata.thresholds.decision)

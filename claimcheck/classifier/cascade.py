"""The cascade: the fast model scores every unit; the slow one only its uncertain band."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from claimcheck.classifier.artifacts import Thresholds
from claimcheck.classifier.classes import CLASSIFIER_LABELS, OK


class UnitModel(Protocol):
    """What the cascade needs of a model: its label order, a version and probabilities."""

    labels: tuple[str, ...]

    @property
    def version(self) -> str: ...

    def predict_proba(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class CascadeResult:
    proba: np.ndarray  # rows in the fast model's label order
    scores: np.ndarray  # P(violation)
    slow_mask: np.ndarray  # which units the slow model decided


class Cascade:
    """Fast model everywhere; slow model only inside the fast model's uncertain band."""

    def __init__(
        self,
        fast: UnitModel,
        fast_thresholds: Thresholds,
        slow: UnitModel | None = None,
        slow_thresholds: Thresholds | None = None,
    ) -> None:
        self.fast, self.fast_thresholds = fast, fast_thresholds
        self.slow, self.slow_thresholds = slow, slow_thresholds or fast_thresholds
        self._ok = fast.labels.index(OK)

    @property
    def version(self) -> str:
        v = self.fast.version
        return v if self.slow is None else f"{v}>{self.slow.version}"

    def run(self, texts: list[str]) -> CascadeResult:
        proba = self.fast.predict_proba(texts)
        scores = 1.0 - proba[:, self._ok]
        slow_mask = np.zeros(len(texts), dtype=bool)
        if self.slow is not None and len(texts):
            t = self.fast_thresholds
            slow_mask = (scores >= t.band_low) & (scores <= t.band_high)
            idx = np.flatnonzero(slow_mask)
            if idx.size:
                slow_proba = self.slow.predict_proba([texts[i] for i in idx])
                proba[idx] = slow_proba
                scores[idx] = 1.0 - slow_proba[:, self._ok]
        return CascadeResult(proba, scores, slow_mask)

    def thresholds_for(self, slow: bool) -> Thresholds:
        return self.slow_thresholds if slow else self.fast_thresholds


def load_cascade(model_dir: str | Path, transformer_dir: str | Path | None = None) -> Cascade:
    """The fast model from ``model_dir`` and, when given, the slow one from ``transformer_dir``."""
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    fast = SklearnClassifier.load(model_dir, CLASSIFIER_LABELS)
    assert fast.metadata is not None
    slow = slow_t = None
    if transformer_dir:
        from claimcheck.classifier.transformer_model import TransformerClassifier

        slow = TransformerClassifier.load(transformer_dir, CLASSIFIER_LABELS)
        slow_t = slow.metadata.thresholds if slow.metadata else None
    return Cascade(fast, fast.metadata.thresholds, slow, slow_t)

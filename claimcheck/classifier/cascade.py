"""The cascade: the fast model scores every unit; the slow one only its uncertain band."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from claimcheck.classifier.artifacts import Thresholds
from claimcheck.classifier.classes import CLASSIFIER_LABELS, OK

if TYPE_CHECKING:
    from claimcheck.classifier.gate import ClaimGate


class UnitModel(Protocol):
    """What the cascade needs of a model: its label order, a version and probabilities."""

    labels: tuple[str, ...]

    @property
    def version(self) -> str: ...

    def predict_proba(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class CascadeResult:
    proba: np.ndarray  # rows in the fast model's label order
    scores: np.ndarray  # P(violation); 0 for units the gate stopped
    slow_mask: np.ndarray  # which units the slow model decided
    gated: np.ndarray  # which units the claim gate stopped (never scored)


class Cascade:
    """The claim gate first; the fast model on what passes; the slow model only in its uncertain band."""

    def __init__(
        self,
        fast: UnitModel,
        fast_thresholds: Thresholds,
        slow: UnitModel | None = None,
        slow_thresholds: Thresholds | None = None,
        gate: ClaimGate | None = None,
    ) -> None:
        self.fast, self.fast_thresholds = fast, fast_thresholds
        self.slow, self.slow_thresholds = slow, slow_thresholds or fast_thresholds
        self.gate = gate
        self._ok = fast.labels.index(OK)

    @property
    def version(self) -> str:
        v = self.fast.version
        if self.slow is not None:
            v = f"{v}>{self.slow.version}"
        return v if self.gate is None else f"{self.gate.version}|{v}"

    def run(self, texts: list[str]) -> CascadeResult:
        n = len(texts)
        gated = ~self.gate.passes(texts) if self.gate is not None and n else np.zeros(n, dtype=bool)
        proba = np.zeros((n, len(self.fast.labels)))
        proba[:, self._ok] = 1.0
        keep = np.flatnonzero(~gated)
        if keep.size:
            proba[keep] = self.fast.predict_proba([texts[i] for i in keep])
        scores = 1.0 - proba[:, self._ok]
        slow_mask = np.zeros(n, dtype=bool)
        if self.slow is not None and len(texts):
            t = self.fast_thresholds
            slow_mask = (scores >= t.band_low) & (scores <= t.band_high) & ~gated
            idx = np.flatnonzero(slow_mask)
            if idx.size:
                slow_proba = self.slow.predict_proba([texts[i] for i in idx])
                proba[idx] = slow_proba
                scores[idx] = 1.0 - slow_proba[:, self._ok]
        return CascadeResult(proba, scores, slow_mask, gated)

    def thresholds_for(self, slow: bool) -> Thresholds:
        return self.slow_thresholds if slow else self.fast_thresholds


def load_cascade(
    model_dir: str | Path, transformer_dir: str | Path | None = None, gate_dir: str | Path | None = None
) -> Cascade:
    """The fast model from ``model_dir``; the slow one from ``transformer_dir`` and the gate from ``gate_dir``."""
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    fast = SklearnClassifier.load(model_dir, CLASSIFIER_LABELS)
    assert fast.metadata is not None
    slow = slow_t = None
    if transformer_dir:
        from claimcheck.classifier.transformer_model import TransformerClassifier

        slow = TransformerClassifier.load(transformer_dir, CLASSIFIER_LABELS)
        slow_t = slow.metadata.thresholds if slow.metadata else None
    gate = None
    if gate_dir:
        from claimcheck.classifier.gate import load_gate

        gate = load_gate(gate_dir)
    return Cascade(fast, fast.metadata.thresholds, slow, slow_t, gate)

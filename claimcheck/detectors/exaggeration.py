"""Exaggeration detector: scores every claim unit with a classifier cascade.

The fast model (scikit-learn) scores every unit; when a slow model
(transformers) is configured, only units whose fast score lies in the uncertain
band chosen on dev are re-scored by it. A unit scoring at or above the decision
threshold becomes a finding over the whole unit, with the predicted category,
the calibrated score, a severity from the score band and an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from claimcheck.detectors.base import register_detector
from claimcheck.lexicons import Lexicon
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.taxonomy import CATEGORY_LABELS_ZH, Category
from claimcheck.training.artifacts import Thresholds
from claimcheck.training.corpus import CLASSIFIER_LABELS, OK
from claimcheck.types import Finding, Severity

_BASIS = {
    Category.ABSOLUTE_TERM: "《中华人民共和国广告法》第九条第三项",
    Category.STATE_SYMBOL: "《中华人民共和国广告法》第九条第一项、第二项",
    Category.MEDICAL_CLAIM: "《中华人民共和国广告法》第十七条；《中华人民共和国食品安全法》第七十三条",
    Category.EFFICACY_OVERCLAIM: "《中华人民共和国广告法》第二十八条第二款第二项；《化妆品监督管理条例》第三十七条",
    Category.GUARANTEE: "《中华人民共和国广告法》第十六条、第十八条、第二十五条",
    Category.AUTHORITY_ENDORSEMENT: "《中华人民共和国广告法》第十六条、第十八条",
    Category.FALSE_PRICE_URGENCY: "《明码标价和禁止价格欺诈规定》第十九条；《网络直播营销管理办法（试行）》第十八条",
    Category.UNSUPPORTED_DATA: "《中华人民共和国广告法》第十一条、第十二条",
    Category.SUPERSTITION: "《中华人民共和国广告法》第九条第八项",
    Category.DISPARAGEMENT: "《中华人民共和国广告法》第十三条",
    Category.OFF_PLATFORM_TRADE: "《网络直播营销管理办法（试行）》第十八条",
    Category.SPEC_MISMATCH: "《中华人民共和国广告法》第二十八条第二款第二项",
}
_SUGGESTION = "删除或改为可证实的客观描述（如使用感受、成分、规格等），避免夸大、保证或医疗化表述"


class UnitModel(Protocol):
    labels: tuple[str, ...]

    @property
    def version(self) -> str: ...

    def predict_proba(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class CascadeResult:
    proba: np.ndarray  # rows in CLASSIFIER_LABELS order
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


class ExaggerationDetector:
    name = "exaggeration"

    def __init__(self, cascade: Cascade) -> None:
        self.cascade = cascade

    @property
    def version(self) -> str:
        v = self.cascade.fast.version
        return v if self.cascade.slow is None else f"{v}>{self.cascade.slow.version}"

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        units = doc.units
        if not units:
            return []
        texts = doc.unit_compact_texts()
        res = self.cascade.run(texts)
        doc.annotations["unit_scores"] = [
            (u.start, u.end, float(sc), self.cascade.thresholds_for(bool(slow)))
            for u, sc, slow in zip(units, res.scores, res.slow_mask, strict=True)
        ]
        labels = self.cascade.fast.labels
        violation_cols = [j for j, label in enumerate(labels) if label != OK]
        flagged: list[tuple[int, Category, float, bool, Thresholds]] = []
        for i, score in enumerate(res.scores):
            slow = bool(res.slow_mask[i])
            th = self.cascade.thresholds_for(slow)
            if score < th.decision or not texts[i]:
                continue
            j = violation_cols[int(np.argmax(res.proba[i, violation_cols]))]
            flagged.append((i, Category(labels[j]), float(score), slow, th))
        fast_decided = [(i, c) for i, c, _, slow, _ in flagged if not slow]
        grams = dict(
            zip((i for i, _ in fast_decided), self._grams([(texts[i], c.value) for i, c in fast_decided]), strict=True)
        )
        findings: list[Finding] = []
        for i, category, score, slow, th in flagged:
            unit = units[i]
            head = f"分类器判断为“{CATEGORY_LABELS_ZH[category]}”（违规概率 {score:.2f}）"
            if slow:
                head += "；该句由 transformer 模型复核"
            elif grams.get(i):
                head += "；主要依据：" + "、".join(f"“{g}”" for g, _ in grams[i])
            findings.append(
                Finding(
                    start=unit.start,
                    end=unit.end,
                    text=doc.text[unit.start : unit.end],
                    detector=self.name,
                    category=category,
                    rule_id=f"classifier.{category.value}",
                    severity=Severity.BLOCK if score >= th.block else Severity.REVIEW,
                    score=round(score, 4),
                    legal_basis=_BASIS[category],
                    suggestion=_SUGGESTION,
                    explanation=head,
                    sku=doc.sku_at(unit.start),
                )
            )
        return findings

    def _grams(self, items: list[tuple[str, str]]) -> list[list[tuple[str, float]]]:
        """Top n-grams per flagged unit decided by the fast model (batched: one transform)."""
        explain_many = getattr(self.cascade.fast, "explain_many", None)
        if not items or explain_many is None:
            return [[] for _ in items]
        return explain_many([t for t, _ in items], [c for _, c in items])


def load_exaggeration_detector(
    model_dir: str | Path, transformer_dir: str | Path | None = None
) -> ExaggerationDetector:
    from claimcheck.training.sklearn_model import SklearnClassifier

    fast = SklearnClassifier.load(model_dir, CLASSIFIER_LABELS)
    assert fast.metadata is not None
    slow = slow_t = None
    if transformer_dir:
        from claimcheck.training.transformer_model import TransformerClassifier

        slow = TransformerClassifier.load(transformer_dir, CLASSIFIER_LABELS)
        slow_t = slow.metadata.thresholds if slow.metadata else None
    return ExaggerationDetector(Cascade(fast, fast.metadata.thresholds, slow, slow_t))


@register_detector("exaggeration")
def make_exaggeration_detector(
    lexicon: Lexicon | None = None, settings: object = None, **_: object
) -> ExaggerationDetector:
    from claimcheck.config import Settings

    s = settings if isinstance(settings, Settings) else Settings()
    return load_exaggeration_detector(s.model_dir, s.transformer_dir)

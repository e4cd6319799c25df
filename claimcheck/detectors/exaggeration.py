"""Exaggeration detector: scores every claim unit with the classifier cascade.

A unit scoring at or above the decision threshold becomes a finding over the
whole unit, with the predicted category, the calibrated score, a severity from
the score band and an explanation naming the n-grams that drove the score. The
legal basis and rewrite of each category come from ``labels.yaml``.
"""

from __future__ import annotations

import numpy as np

from claimcheck.classifier.artifacts import Thresholds
from claimcheck.classifier.cascade import Cascade, load_cascade
from claimcheck.classifier.classes import OK
from claimcheck.detectors.base import DetectorResources, Granularity, register_detector
from claimcheck.labels import Labels, default_labels
from claimcheck.nlp.doc import ClaimDoc, UnitScore
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, Severity


class ExaggerationDetector:
    name = "exaggeration"
    granularity = Granularity.UNIT
    precise = False
    context_sensitive = False

    def __init__(self, cascade: Cascade, labels: Labels | None = None) -> None:
        self.cascade = cascade
        self.labels = labels or default_labels()

    @property
    def version(self) -> str:
        return self.cascade.version

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        units = doc.units
        if not units:
            return []
        texts = doc.unit_compact_texts()
        res = self.cascade.run(texts)
        scores: list[UnitScore] = []
        for u, sc, slow in zip(units, res.scores, res.slow_mask, strict=True):
            th = self.cascade.thresholds_for(bool(slow))
            scores.append(UnitScore(u.start, u.end, float(sc), th.decision, th.veto, th.veto_block))
        doc.notes.unit_scores = scores
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
            text = self.labels.categories[category]
            head = f"分类器判断为“{text.label}”（违规概率 {score:.2f}）"
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
                    legal_basis=text.legal_basis,
                    suggestion=text.suggestion,
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


@register_detector("exaggeration")
def make_exaggeration_detector(resources: DetectorResources) -> ExaggerationDetector:
    s = resources.settings
    return ExaggerationDetector(load_cascade(s.model_dir, s.transformer_dir), resources.lexicon.labels)

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
from claimcheck.classifier.policy import NO_POLICY, ClassifierPolicy, load_policy
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
    decides: frozenset[str] = frozenset()

    def __init__(self, cascade: Cascade, labels: Labels | None = None, policy: ClassifierPolicy = NO_POLICY) -> None:
        self.cascade = cascade
        self.labels = labels or default_labels()
        self.policy = policy

    @property
    def version(self) -> str:
        return f"{self.cascade.version}+policy.{self.policy.tag}"

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        units = doc.units
        if not units:
            return []
        texts = doc.unit_compact_texts()
        res = self.cascade.run(texts)
        scores: list[UnitScore] = []
        for u, sc, slow, gated in zip(units, res.scores, res.slow_mask, res.gated, strict=True):
            th = self.cascade.thresholds_for(bool(slow))
            scores.append(UnitScore(u.start, u.end, float(sc), th.decision, th.veto, th.veto_block, bool(gated)))
        doc.notes.unit_scores = scores
        labels = self.cascade.fast.labels
        violation_cols = [j for j, label in enumerate(labels) if label != OK]
        flagged: list[tuple[int, Category, float, bool, Thresholds]] = []
        for i, score in enumerate(res.scores):
            slow = bool(res.slow_mask[i])
            th = self.cascade.thresholds_for(slow)
            if res.gated[i] or score < th.decision or not texts[i]:
                continue
            j = violation_cols[int(np.argmax(res.proba[i, violation_cols]))]
            flagged.append((i, Category(labels[j]), float(score), slow, th))
        fast_decided = [(i, c) for i, c, _, slow, _ in flagged if not slow]
        grams = dict(
            zip((i for i, _ in fast_decided), self._grams([(texts[i], c.value) for i, c in fast_decided]), strict=True)
        )
        findings: list[Finding] = []
        for i, predicted, score, slow, th in flagged:
            unit = units[i]
            category, hints, note = self._category(predicted, res.proba[i], labels, violation_cols)
            text = self.labels.categories[category]
            head = f"分类器判断为“{text.label}”（违规概率 {score:.2f}）{note}"
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
                    severity=self._severity(score, th, category, doc.context.medium == "speech"),
                    score=round(score, 4),
                    legal_basis=text.legal_basis,
                    suggestion=text.suggestion,
                    explanation=head,
                    sku=doc.sku_at(unit.start),
                    category_hints=hints,
                )
            )
        return findings

    def _severity(self, score: float, th: Thresholds, category: Category, speech: bool) -> Severity:
        """Review by default; info below the policy's speech threshold; block only with the evidence for it."""
        if speech and score < self.policy.review_threshold:
            return Severity.INFO
        if score >= th.block and category is not Category.UNCLASSIFIED and self.policy.may_block(category.value):
            return Severity.BLOCK
        return Severity.REVIEW

    def _category(
        self, predicted: Category, proba: np.ndarray, labels: tuple[str, ...], cols: list[int]
    ) -> tuple[Category, list[str] | None, str]:
        """The category to assert (or ``unclassified`` with ranked hints) and a note on the evidence."""
        precision = self.policy.precision(predicted.value)
        if self.policy.asserts(predicted.value):
            return predicted, None, f"；该类别分类器在真实直播语料上的精确率 {precision:.2f}"
        ranked = sorted(cols, key=lambda j: -proba[j])
        hints = [labels[j] for j in ranked[:3] if proba[j] >= 0.05] or [predicted.value]
        why = "未经真实语料校准" if precision is None else f"真实直播语料上该类别精确率仅 {precision:.2f}"
        return (
            Category.UNCLASSIFIED,
            hints,
            f"；{why}，不断定类别，可能为：" + "、".join(self.labels.category(h) for h in hints),
        )

    def _grams(self, items: list[tuple[str, str]]) -> list[list[tuple[str, float]]]:
        """Top n-grams per flagged unit decided by the fast model (batched: one transform)."""
        explain_many = getattr(self.cascade.fast, "explain_many", None)
        if not items or explain_many is None:
            return [[] for _ in items]
        return explain_many([t for t, _ in items], [c for _, c in items])


@register_detector("exaggeration")
def make_exaggeration_detector(resources: DetectorResources) -> ExaggerationDetector:
    s = resources.settings
    cascade = load_cascade(s.model_dir, s.transformer_dir, s.gate_dir)
    return ExaggerationDetector(cascade, resources.lexicon.labels, load_policy(s.model_dir))

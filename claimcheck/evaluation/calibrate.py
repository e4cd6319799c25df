"""``claimcheck calibrate``: measure the classifier on the real-speech dev set and write its policy.

1. Per-category precision: the classifier alone (with its claim gate) screens every
   labelled sentence; a sentence with a classifier finding of category c counts as right
   for c when the labels name c among the sentence's violations.
2. Review threshold: the whole default engine screens the same sentences; the threshold
   is the lowest score at which the classifier's stand-alone findings (those no rule
   pinpoints) keep ordinary sentences flagged within the false-alarm budget. Below it they
   are shown as low-confidence hints (info), not queued for review.

The result goes to the model folder's ``policy.json`` (:mod:`claimcheck.classifier.policy`).
Measuring and choosing thresholds, not training: the labels never reach a model.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.classifier.classes import CLASSIFIER_LABELS, OK
from claimcheck.classifier.policy import CategoryEvidence, ClassifierPolicy, write_policy
from claimcheck.config import Settings
from claimcheck.context import DocContext
from claimcheck.engine import Engine
from claimcheck.evaluation import real_speech
from claimcheck.types import Severity

#: the share of ordinary real-speech sentences the engine may flag
FALSE_ALARM_BUDGET = 0.03
_PERMISSIVE = ClassifierPolicy(
    measured_on="",
    model="",
    min_findings=1,
    categories={c: CategoryEvidence(precision=1.0, findings=1) for c in CLASSIFIER_LABELS if c != OK},
)


def _with_policy(engine: Engine, policy: ClassifierPolicy) -> None:
    for d in engine.detectors:
        if hasattr(d, "policy"):
            d.policy = policy


def measure(settings: Settings, rows: list[real_speech.Labelled]) -> dict[str, CategoryEvidence]:
    engine = Engine.from_settings(settings.model_copy(update={"detectors": ["exaggeration"]}))
    _with_policy(engine, _PERMISSIVE)
    found: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for row in rows:
        result = engine.screen(row.sentence.text, DocContext(product_category=row.product_type, medium="speech"))
        for c in {f.category.value for f in result.findings if f.severity is not Severity.INFO}:
            found[c] += 1
            right[c] += c in row.categories
    return {c: CategoryEvidence(precision=round(right[c] / n, 4), findings=n) for c, n in sorted(found.items())}


def choose_review_threshold(settings: Settings, rows: list[real_speech.Labelled]) -> float:
    """The lowest classifier score that keeps ordinary sentences flagged within the budget."""
    detectors = [d for d in settings.detectors if d != "spec_check"]
    engine = Engine.from_settings(settings.model_copy(update={"detectors": detectors}))
    _with_policy(engine, _PERMISSIVE)
    by_rules, by_classifier, ordinary = [], [], []
    for row in rows:
        result = engine.screen(row.sentence.text, DocContext(product_category=row.product_type, medium="speech"))
        deciding = [f for f in result.findings if f.severity is not Severity.INFO]
        by_rules.append(any(f.detector != "exaggeration" for f in deciding))
        by_classifier.append(max((f.score for f in deciding if f.detector == "exaggeration"), default=0.0))
        ordinary.append(not row.violation)
    rules, scores, ok = np.array(by_rules), np.array(by_classifier), np.array(ordinary)
    for t in np.round(np.arange(0.0, 1.0001, 0.01), 2):
        if np.mean((rules | (scores >= t))[ok]) <= FALSE_ALARM_BUDGET:
            return float(t)
    return 1.0


def calibrate(
    settings: Settings | None = None, labels: Path = real_speech.LABELS, log: Callable[[str], Any] = print
) -> Path:
    settings = settings or Settings()
    from claimcheck.classifier.cascade import load_cascade

    version = load_cascade(settings.model_dir, settings.transformer_dir, settings.gate_dir).version
    rows = real_speech.load_labels(labels)
    evidence = measure(settings, rows)
    threshold = choose_review_threshold(settings, rows)
    digest = hashlib.sha256(labels.read_bytes()).hexdigest()[:12]
    policy = ClassifierPolicy(
        measured_on=f"{labels.name}@{digest} (real-speech dev set, {len(rows)} sentences)",
        model=version,
        review_threshold=threshold,
        categories=evidence,
    )
    for c, ev in evidence.items():
        verdict = "block" if policy.may_block(c) else "assert" if policy.asserts(c) else "hint only"
        log(f"  {c:24} precision {ev.precision:.2f} over {ev.findings:3} finding(s) -> {verdict}")
    log(f"  review threshold for the classifier's stand-alone findings: {threshold:.2f}")
    path = write_policy(settings.model_dir, policy)
    log(f"wrote {path}")
    return path

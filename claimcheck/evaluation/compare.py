"""Before/after figures of a fast model: the corpus test split and the real-speech dev set.

``claimcheck train --with-decisions`` measures the model it replaces and the one it trained
with the same yardsticks: on the corpus test split the default pipeline (every detector but the
spec check, as ``benchmarks/eval_real_speech.py`` runs it) and the classifier alone at its own
decision threshold; on the real-speech dev set (``data/real_speech/labels.csv`` over
``../shared/eval``, measured, never trained on) the default pipeline's precision, recall and
the share of ordinary sentences it flags. "Flagged" means a finding of severity review or block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.classifier.classes import CLASSIFIER_LABELS, OK, violation_score
from claimcheck.config import Settings
from claimcheck.context import DocContext
from claimcheck.corpus import load_corpus
from claimcheck.engine import Engine
from claimcheck.evaluation import real_speech
from claimcheck.evaluation.metrics import binary, binary_metrics
from claimcheck.evaluation.run import predict
from claimcheck.lexicons import Lexicon
from claimcheck.types import Severity

#: (key, label, is a rate where lower is better)
ROWS: tuple[tuple[str, str, bool], ...] = (
    ("test_f1", "corpus test, default pipeline: F1", False),
    ("test_precision", "corpus test, default pipeline: precision", False),
    ("test_recall", "corpus test, default pipeline: recall", False),
    ("test_classifier_f1", "corpus test, classifier alone: F1", False),
    ("speech_precision", "real-speech dev: precision", False),
    ("speech_recall", "real-speech dev: recall", False),
    ("speech_ok_flagged", "real-speech dev: ordinary sentences flagged", True),
)


def pipeline_settings(settings: Settings, model_dir: Path) -> Settings:
    detectors = [d for d in settings.detectors if d != "spec_check"]
    return settings.model_copy(update={"model_dir": Path(model_dir), "transformer_dir": None, "detectors": detectors})


def model_figures(
    model_dir: Path,
    settings: Settings,
    *,
    corpus_dir: Path | None = None,
    speech: bool = True,
    lexicon: Lexicon | None = None,
) -> dict[str, Any]:
    """The figures of ``model_dir`` (see the module doc); real-speech ones are None when not measured."""
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    engine = Engine.from_settings(pipeline_settings(settings, model_dir), lexicon)
    test = load_corpus(corpus_dir).query("split == 'test'")
    gold = (test["label"] != OK).to_numpy()
    pred = [predict(engine, t, c)[0] != OK for t, c in zip(test["text"], test["product_category"], strict=True)]
    pipe = binary(gold, pred)
    clf = SklearnClassifier.load(model_dir, CLASSIFIER_LABELS)
    assert clf.metadata is not None
    scores = violation_score(clf.predict_proba(list(test["compact"])))
    alone = binary_metrics(gold, scores, clf.metadata.thresholds.decision)
    out: dict[str, Any] = {
        "model": clf.metadata.version_tag,
        "test_n": len(test),
        "test_f1": pipe["f1"],
        "test_precision": pipe["precision"],
        "test_recall": pipe["recall"],
        "test_classifier_f1": alone["f1"],
        "speech_n": None,
        "speech_precision": None,
        "speech_recall": None,
        "speech_ok_flagged": None,
    }
    if speech and real_speech.TRANSCRIPTS.is_file():
        out.update(speech_figures(engine, real_speech.load_labels(real_speech.LABELS)))
    return out


def speech_figures(engine: Engine, rows: list[real_speech.Labelled]) -> dict[str, Any]:
    flagged = []
    for row in rows:
        result = engine.screen(row.sentence.text, DocContext(product_category=row.product_type, medium="speech"))
        flagged.append(any(f.severity is not Severity.INFO for f in result.findings))
    gold = np.array([r.violation for r in rows], bool)
    m = binary(gold, flagged)
    return {
        "speech_n": len(rows),
        "speech_precision": m["precision"],
        "speech_recall": m["recall"],
        "speech_ok_flagged": m["false_alarm_rate"],
    }


def format_table(before: dict[str, Any], after: dict[str, Any]) -> str:
    """A small text table: each figure before, after and the change."""
    width = max(len(label) for _, label, _ in ROWS)
    lines = [f"{'':{width}}  {'before':>8}  {'after':>8}  {'change':>8}"]
    for key, label, _ in ROWS:
        b, a = before.get(key), after.get(key)
        cells = [f"{v:8.3f}" if v is not None else f"{'n/a':>8}" for v in (b, a)]
        change = f"{a - b:+8.3f}" if a is not None and b is not None else f"{'':8}"
        lines.append(f"{label:{width}}  {cells[0]}  {cells[1]}  {change}")
    lines.append(f"before: {before['model']}")
    lines.append(f"after:  {after['model']}")
    lines.append(
        f"corpus test split: {after['test_n']} units"
        + (
            f"; real-speech dev set: {after['speech_n']} sentences"
            if after.get("speech_n")
            else "; real-speech dev set not measured (../shared/eval not found, or --no-real-speech)"
        )
    )
    return "\n".join(lines)

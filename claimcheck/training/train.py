"""Train a classifier on the corpus train split, choose thresholds on dev, save.

Thresholds are chosen on dev only (the test split is reported, never tuned on):
``decision`` maximises violation F1 with false alarms on ``ok`` units <= 5%;
``block`` is the lowest score at which dev precision is >= 0.99 (else never);
the uncertain band is the narrowest band around ``decision`` that holds 80% of
the fast model's dev mistakes (that is where a slower model can help);
``veto`` (below which the classifier overrides a lexicon hit, keeping it as
info) maximises lexicon+classifier F1 on dev within the same false-alarm budget.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
from collections.abc import Callable
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from claimcheck import __version__
from claimcheck.classifier.artifacts import (
    DecisionsProvenance,
    ModelMetadata,
    Thresholds,
    sha256_file,
    write_metadata,
)
from claimcheck.classifier.classes import CLASSIFIER_LABELS, OK, violation_score
from claimcheck.corpus import corpus_hash, load_corpus
from claimcheck.evaluation.metrics import binary_metrics
from claimcheck.paths import MODELS_DIR
from claimcheck.training.decisions import DecisionsSource, learnable

DEFAULT_SKLEARN_DIR = MODELS_DIR / "exaggeration-sklearn"
DEFAULT_TRANSFORMER_DIR = MODELS_DIR / "exaggeration-transformer"
MAX_FALSE_ALARM = 0.05


def choose_thresholds(y_true: np.ndarray, scores: np.ndarray) -> Thresholds:
    grid = np.round(np.arange(0.05, 0.991, 0.01), 2)
    best_t, best_f1 = 0.5, -1.0
    for t in grid:
        m = binary_metrics(y_true, scores, float(t))
        if m["false_alarm_rate"] <= MAX_FALSE_ALARM and m["f1"] > best_f1:
            best_t, best_f1 = float(t), m["f1"]
    block = 1.01
    for t in grid[grid >= best_t]:
        m = binary_metrics(y_true, scores, float(t))
        if m["tp"] and m["precision"] >= 0.99:
            block = float(t)
            break
    wrong = (scores >= best_t) != y_true
    lo, hi = best_t, best_t
    if wrong.any():
        err = scores[wrong]
        for w in np.arange(0.0, 1.0, 0.01):
            lo, hi = max(0.0, best_t - w), min(1.0, best_t + w)
            if np.mean((err >= lo) & (err <= hi)) >= 0.8:
                break
    return Thresholds(decision=best_t, block=max(block, best_t), band_low=round(lo, 2), band_high=round(hi, 2))


def lexicon_severity(df: pd.DataFrame) -> np.ndarray:
    """Per unit: the highest severity rank of a (non-info) lexicon finding, -1 if none."""
    from claimcheck.config import Settings
    from claimcheck.context import DocContext
    from claimcheck.engine import Engine

    engine = Engine.from_settings(Settings(detectors=["lexicon"]))
    ranks = []
    for text, category in zip(df["text"], df["product_category"], strict=True):
        found = [f.severity.rank for f in engine.screen(text, DocContext(product_category=category)).findings]
        ranks.append(max([r for r in found if r > 0], default=-1))
    return np.array(ranks)


def choose_veto(y: np.ndarray, scores: np.ndarray, lex_rank: np.ndarray, th: Thresholds) -> Thresholds:
    """The veto that maximises lexicon+classifier F1 on dev with false alarms <= 5%.

    The veto never reaches into the classifier's uncertain band: a lexicon hit is
    overridden only where the classifier is confident the unit is ordinary.
    Falls back to the lowest false-alarm rate when no setting meets the budget.
    """
    clf_flag = scores >= th.decision
    best: tuple[float, float, bool] | None = None
    best_key: tuple[float, ...] = (-1.0,)
    for veto_block in (False, True):
        # only where the classifier is confident: below its uncertain band
        for v in np.round(np.arange(0.0, th.band_low + 1e-9, 0.01), 2):
            vetoable = (lex_rank == 1) | ((lex_rank == 2) & veto_block)
            lex_flag = (lex_rank >= 1) & ~(vetoable & (scores < v))
            m = binary_metrics(y, scores * 0 + (clf_flag | lex_flag), 0.5)
            ok = m["false_alarm_rate"] <= MAX_FALSE_ALARM
            key = (1.0, m["f1"], -float(veto_block)) if ok else (0.0, -m["false_alarm_rate"], m["f1"])
            if key > best_key:
                best_key, best = key, (float(v), m["f1"], veto_block)
    assert best is not None
    return th.model_copy(update={"veto": best[0], "veto_block": best[2]})


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for n in names:
        with contextlib.suppress(importlib_metadata.PackageNotFoundError):
            out[n] = importlib_metadata.version(n)
    return out


def _split(df: pd.DataFrame, name: str) -> tuple[list[str], list[str]]:
    part = df[df["split"] == name]
    return list(part["compact"]), list(part["label"])


def train_sklearn(
    corpus_dir: Path | None = None,
    out_dir: Path = DEFAULT_SKLEARN_DIR,
    log: Callable[[str], Any] = print,
    *,
    decisions: DecisionsSource | None = None,
    decision_weight: float = 1.0,
) -> ModelMetadata:
    """Train the fast model on the corpus train split (and, when given, reviewers' decisions; see
    :func:`claimcheck.training.decisions.learnable`); thresholds are chosen on dev."""
    from claimcheck.classifier.sklearn_model import SklearnClassifier
    from claimcheck.training.sklearn_train import build_pipeline

    df = load_corpus(corpus_dir)
    x_train, y_train = _split(df, "train")
    log(f"training sklearn on {len(x_train)} units ({df['split'].value_counts().to_dict()})")
    pipe = build_pipeline()
    if decisions is None:
        pipe.fit(x_train, y_train)
    else:
        plan = learnable(decisions, df, decision_weight, log)
        weights = np.concatenate([np.ones(len(x_train)), np.full(len(plan.x), decision_weight)])
        pipe.fit(x_train + plan.x, y_train + plan.y, clf__sample_weight=weights)
    # the n-grams min_df dropped: only kept for introspection, and most of the file
    vec = pipe.named_steps["tfidf"]
    if hasattr(vec, "stop_words_"):
        del vec.stop_words_
    clf = SklearnClassifier.from_pipeline(pipe, CLASSIFIER_LABELS)
    if decisions is None:
        return _finish(clf, df, "exaggeration-sklearn", "sklearn", out_dir, log, ("scikit-learn", "skops"))
    for stale in out_dir.glob("decisions-*.jsonl"):  # an earlier model's source
        stale.unlink()
    source_file = decisions.write(out_dir)
    return _finish(
        clf,
        df[~plan.dev_learned],  # thresholds and figures on dev units the model has not learned
        "exaggeration-sklearn",
        "sklearn",
        out_dir,
        log,
        ("scikit-learn", "skops"),
        corpus_digest=corpus_hash(df),
        extra_files=[source_file],
        provenance=plan.provenance(decisions, source_file),
    )


def train_transformer(
    corpus_dir: Path | None = None,
    out_dir: Path = DEFAULT_TRANSFORMER_DIR,
    init: Path | None = None,
    epochs: int | None = None,
    log: Callable[[str], Any] = print,
) -> ModelMetadata:
    from claimcheck.classifier.transformer_model import device_name
    from claimcheck.training.transformer_train import fine_tune, make_model

    df = load_corpus(corpus_dir)
    train, dev = _split(df, "train"), _split(df, "dev")
    clf = make_model(CLASSIFIER_LABELS, train[0], init)
    epochs = epochs or (4 if init else 30)
    lr = 3e-5 if init else 1e-3
    log(f"training transformers ({'init ' + str(init) if init else 'small BERT from config'}) on {device_name()}")
    extra = fine_tune(clf, train, dev, epochs=epochs, lr=lr, log=log)
    meta = _finish(
        clf,
        df,
        "exaggeration-transformer",
        "transformers",
        out_dir,
        log,
        ("torch", "transformers", "safetensors"),
    )
    meta.metrics.update(extra)
    write_metadata(out_dir, meta)
    return meta


def _finish(
    clf: Any,
    df: pd.DataFrame,
    name: str,
    kind: str,
    out_dir: Path,
    log: Callable[[str], Any],
    libs: tuple[str, ...],
    *,
    corpus_digest: str | None = None,
    extra_files: list[Path] | None = None,
    provenance: DecisionsProvenance | None = None,
) -> ModelMetadata:
    metrics: dict[str, Any] = {}
    scores: dict[str, np.ndarray] = {}
    for split in ("dev", "test"):
        x, _ = _split(df, split)
        scores[split] = violation_score(clf.predict_proba(x))
    dev_df = df[df["split"] == "dev"]
    y_dev = (dev_df["label"] != OK).to_numpy()
    thresholds = choose_thresholds(y_dev, scores["dev"])
    thresholds = choose_veto(y_dev, scores["dev"], lexicon_severity(dev_df), thresholds)
    for split in ("dev", "test"):
        y_split = (df[df["split"] == split]["label"] != OK).to_numpy()
        metrics[split] = binary_metrics(y_split, scores[split], thresholds.decision)
    log(f"thresholds (dev): {thresholds.model_dump()}")
    log(f"dev: {metrics['dev']}")
    log(f"test: {metrics['test']}")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [*clf.save(out_dir), *(extra_files or [])]
    meta = ModelMetadata(
        name=name,
        kind=kind,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        claimcheck_version=__version__,
        libraries=library_versions(("numpy", "pandas", *libs)),
        corpus_hash=corpus_digest or corpus_hash(df),
        labels=list(CLASSIFIER_LABELS),
        thresholds=thresholds,
        metrics=metrics,
        files={p.name: sha256_file(p) for p in files},
        decisions=provenance,
    )
    write_metadata(out_dir, meta)
    log(f"saved {out_dir} ({meta.version_tag})")
    return meta

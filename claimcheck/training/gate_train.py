"""Training the claim gate on the corpus's ``kind`` labels.

Positive (``claim``): a unit whose kind is ``claim`` or ``offer``, and every violation
(whatever its kind). The threshold is the highest one at which at least 99% of the dev
split's violations still pass, so the gate almost never hides a violation from the
classifier; the share of ordinary non-claim talk it stops is reported beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from claimcheck import __version__
from claimcheck.classifier.artifacts import ModelMetadata, Thresholds, sha256_file, write_metadata
from claimcheck.classifier.classes import OK
from claimcheck.classifier.gate import CLAIM, GATE_LABELS
from claimcheck.corpus import GATE_KINDS, corpus_hash, load_corpus
from claimcheck.paths import MODELS_DIR
from claimcheck.training.thresholds import highest_passing

DEFAULT_GATE_DIR = MODELS_DIR / "claim-gate"
MIN_VIOLATION_PASS = 0.99


def gate_targets(df: pd.DataFrame) -> np.ndarray:
    """True where the unit should reach the classifier (a claim, an offer, or any violation)."""
    kinds = df["kind"].fillna("claim")  # a unit without a kind is treated as a claim: never hidden
    return ((df["label"] != OK) | kinds.isin(GATE_KINDS)).to_numpy()


def choose_gate_threshold(p_claim: np.ndarray, violation: np.ndarray) -> float:
    """The highest threshold (0.01 steps) that lets through >= 99% of the violations."""
    return highest_passing(p_claim, violation, MIN_VIOLATION_PASS)


def train_gate(
    corpus_dir: Path | None = None, out_dir: Path = DEFAULT_GATE_DIR, log: Callable[[str], Any] = print
) -> ModelMetadata:
    from claimcheck.classifier.sklearn_model import SklearnClassifier
    from claimcheck.training.sklearn_train import build_pipeline
    from claimcheck.training.train import library_versions

    df = load_corpus(corpus_dir)
    df["gate"] = np.where(gate_targets(df), CLAIM, "other")
    train = df[df["split"] == "train"]
    log(f"training the claim gate on {len(train)} units ({train['gate'].value_counts().to_dict()})")
    pipe = build_pipeline(c=8.0)
    pipe.fit(list(train["compact"]), list(train["gate"]))
    vec = pipe.named_steps["tfidf"]
    if hasattr(vec, "stop_words_"):
        del vec.stop_words_
    clf = SklearnClassifier.from_pipeline(pipe, GATE_LABELS)
    metrics: dict[str, Any] = {}
    threshold = 0.5
    for split in ("dev", "test"):
        part = df[df["split"] == split]
        p_claim = clf.predict_proba(list(part["compact"]))[:, GATE_LABELS.index(CLAIM)]
        violation = (part["label"] != OK).to_numpy()
        if split == "dev":
            threshold = choose_gate_threshold(p_claim, violation)
        passed = p_claim >= threshold
        other = ~gate_targets(part)
        metrics[split] = {
            "violations_passed": round(float(passed[violation].mean()), 4),
            "claims_passed": round(float(passed[gate_targets(part)].mean()), 4),
            "non_claims_stopped": round(float((~passed[other]).mean()), 4) if other.any() else 0.0,
        }
    log(f"gate threshold (dev): {threshold}; dev {metrics['dev']}; test {metrics['test']}")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = clf.save(out_dir)
    meta = ModelMetadata(
        name="claim-gate",
        kind="sklearn",
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        claimcheck_version=__version__,
        libraries=library_versions(("numpy", "pandas", "scikit-learn", "skops")),
        corpus_hash=corpus_hash(df),
        labels=list(GATE_LABELS),
        thresholds=Thresholds(decision=threshold, block=1.01, band_low=threshold, band_high=threshold),
        metrics=metrics,
        files={p.name: sha256_file(p) for p in files},
    )
    write_metadata(out_dir, meta)
    log(f"saved {out_dir} ({meta.version_tag})")
    return meta

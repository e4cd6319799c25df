"""Training the factual-claim model (:mod:`claimcheck.classifier.factual`).

Positive (``factual``): the corpus's ``claim`` units and the claims set's claims (every one
states something a record could decide). Negative: the corpus's ordinary talk - offers,
interaction, filler, logistics, after-sales, questions and pain points. Usage units are left
out (一天两次 is checkable, 怎么用 is not). Both sources are split as they are for every other
model (corpus ``splits.csv``, claims set by product), so dev and test products are unseen.
The threshold is the highest at which 90% of the claims set's dev claims still count as
factual; the share of dev ordinary talk it stops is reported beside it.
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
from claimcheck.classifier.factual import FACTUAL, FACTUAL_LABELS
from claimcheck.corpus import corpus_hash, load_corpus
from claimcheck.nlp.normalize import compact
from claimcheck.paths import MODELS_DIR
from claimcheck.training.thresholds import highest_passing

DEFAULT_FACTUAL_DIR = MODELS_DIR / "factual-claim"
MIN_CLAIM_PASS = 0.90
ORDINARY_KINDS = frozenset({"offer", "interaction", "filler", "logistics", "after_sales", "question", "pain_point"})


def factual_frame(corpus_dir: Path | None = None) -> pd.DataFrame:
    """compact text, target and split from the corpus and the claims set."""
    from claimcheck.claimsets import load_claims

    df = load_corpus(corpus_dir)
    kinds = df["kind"].fillna("claim")
    keep = kinds.eq("claim") | kinds.isin(ORDINARY_KINDS)
    corpus = pd.DataFrame(
        {
            "compact": df.loc[keep, "compact"],
            "target": np.where(kinds[keep].eq("claim"), FACTUAL, "other"),
            "split": df.loc[keep, "split"],
            "source": "corpus",
        }
    )
    claims = pd.DataFrame(
        [{"compact": compact(c.text), "target": FACTUAL, "split": c.split, "source": "claims"} for c in load_claims()]
    )
    return pd.concat([corpus, claims[claims["split"] != "unassigned"]], ignore_index=True)


def train_factual(
    corpus_dir: Path | None = None, out_dir: Path = DEFAULT_FACTUAL_DIR, log: Callable[[str], Any] = print
) -> ModelMetadata:
    from claimcheck.classifier.sklearn_model import SklearnClassifier
    from claimcheck.training.sklearn_train import build_pipeline
    from claimcheck.training.train import library_versions

    df = factual_frame(corpus_dir)
    train = df[df["split"] == "train"]
    log(f"training the factual-claim model on {len(train)} units ({train['target'].value_counts().to_dict()})")
    pipe = build_pipeline(c=8.0)
    pipe.fit(list(train["compact"]), list(train["target"]))
    vec = pipe.named_steps["tfidf"]
    if hasattr(vec, "stop_words_"):
        del vec.stop_words_
    clf = SklearnClassifier.from_pipeline(pipe, FACTUAL_LABELS)
    metrics: dict[str, Any] = {}
    threshold = 0.5
    for split in ("dev", "test"):
        part = df[df["split"] == split]
        p = clf.predict_proba(list(part["compact"]))[:, FACTUAL_LABELS.index(FACTUAL)]
        from_claims = (part["source"] == "claims").to_numpy()
        if split == "dev":
            threshold = highest_passing(p, from_claims, MIN_CLAIM_PASS)
        passed = p >= threshold
        ordinary = (part["target"] == "other").to_numpy()
        corpus_claim = ((part["source"] == "corpus") & (part["target"] == FACTUAL)).to_numpy()
        metrics[split] = {
            "claims_set_factual": round(float(passed[from_claims].mean()), 4),
            "corpus_claims_factual": round(float(passed[corpus_claim].mean()), 4),
            "ordinary_stopped": round(float((~passed[ordinary]).mean()), 4),
        }
    log(f"factual threshold (dev): {threshold}; dev {metrics['dev']}; test {metrics['test']}")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = clf.save(out_dir)
    meta = ModelMetadata(
        name="factual-claim",
        kind="sklearn",
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        claimcheck_version=__version__,
        libraries=library_versions(("numpy", "pandas", "scikit-learn", "skops")),
        corpus_hash=corpus_hash(load_corpus(corpus_dir)),
        labels=list(FACTUAL_LABELS),
        thresholds=Thresholds(decision=threshold, block=1.01, band_low=threshold, band_high=threshold),
        metrics=metrics,
        files={p.name: sha256_file(p) for p in files},
    )
    write_metadata(out_dir, meta)
    log(f"saved {out_dir} ({meta.version_tag})")
    return meta

"""Classifier throughput and whole-pipeline cost against jieba alone, in one run.

1. Classifier stage: units/s of the fast model (TF-IDF + calibrated LR) scoring
   claim units already cut (compact text), on one core (BLAS threads = 1).
2. Whole default pipeline (normalise, segment, claim units, lexicon, classifier,
   context steps, merging) vs jieba segmentation alone (a private
   ``jieba.Tokenizer`` cutting the same text): the ratio of their times.

    python benchmarks/bench_classifier.py [--docs 300] [--repeat 3]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import argparse  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.corpus import load_corpus  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402


def best(fn, repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=300, help="scripts of ~40 units each built from the corpus")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    df = load_corpus()
    rng = random.Random(11)
    texts = list(df["text"])
    docs = []
    for _ in range(args.docs):
        units = rng.sample(texts, 40)
        docs.append("".join(u if u[-1] in "。！？!?，," else u + "。" for u in units))
    n_chars = sum(map(len, docs))

    engine = Engine.from_settings()
    det = next(d for d in engine.detectors if d.name == "exaggeration")
    fast = det.cascade.fast  # type: ignore[attr-defined]
    unit_texts = list(df["compact"]) * 3
    fast.predict_proba(unit_texts[:100])  # warm up
    t_cls = best(lambda: fast.predict_proba(unit_texts), args.repeat)
    print(f"engine: {engine.versions}")
    print(
        f"classifier stage: {len(unit_texts):,} units in {t_cls:.3f} s = {len(unit_texts) / t_cls:,.0f} units/s "
        "(target >= 10,000 on one core)"
    )

    import jieba

    tok = jieba.Tokenizer()
    tok.initialize()
    engine.screen(docs[0])  # warm up spaCy/jieba inside the engine

    def jieba_alone() -> None:
        for d in docs:
            list(tok.cut(d))

    def pipeline() -> None:
        for d in docs:
            engine.screen(d)

    t_jieba = t_pipe = float("inf")
    for _ in range(args.repeat):  # interleaved, so noise hits both
        t_jieba = min(t_jieba, best(jieba_alone, 1))
        t_pipe = min(t_pipe, best(pipeline, 1))
    print(f"{len(docs)} scripts, {n_chars:,} chars")
    print(f"jieba segmentation alone: {n_chars / t_jieba:,.0f} chars/s")
    print(f"whole default pipeline:   {n_chars / t_pipe:,.0f} chars/s")
    print(f"ratio pipeline/jieba: {t_pipe / t_jieba:.2f} (target <= 2.5)")


if __name__ == "__main__":
    main()

"""The default pipeline against jieba alone, on real ASR text and on the bundled examples.

For each text set: chars/s of ``Engine.screen`` with the default detectors, and of a private
``jieba.Tokenizer`` cutting the same texts (the anchor: segmentation is the least any Chinese
pipeline does). Both run alternately in one process, three rounds; the figures are medians and
the ratio is pipeline time / jieba time, in CPU time of this process (both are
single-threaded; wall-clock time on a shared machine is inflated at random by other
processes). Target: <= 1.5x on real ASR text.

Real ASR text is ``../shared/eval/liveamr-asr/transcripts.jsonl`` (read, never copied; set
CLAIMCHECK_EVAL_DIR to move it); when it is absent only the examples are measured.

    python benchmarks/bench_pipeline.py [--rounds 3] [--limit 400]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.classifier import ngrams  # noqa: E402
from claimcheck.config import Settings  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402

EVAL_DIR = Path(os.environ.get("CLAIMCHECK_EVAL_DIR", ROOT.parent / "shared" / "eval"))


def real_asr(limit: int) -> list[str]:
    path = EVAL_DIR / "liveamr-asr" / "transcripts.jsonl"
    if not path.is_file():
        return []
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts[:limit]


def examples() -> list[str]:
    ex = ROOT / "data" / "examples"
    return [(ex / name).read_text(encoding="utf-8") for name in ("script_example.txt", "script_products.txt")]


def timed(fn: Callable[[], object]) -> float:
    """CPU seconds of this process: other processes on a shared machine do not inflate it."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def measure(name: str, texts: list[str], engine: Engine, rounds: int) -> float:
    import jieba

    tok = jieba.Tokenizer()
    tok.initialize()
    n_chars = sum(map(len, texts))
    reps = max(1, 200_000 // max(n_chars, 1))  # small sets are repeated to time something
    engine.screen(texts[0])

    def segment() -> None:
        for _ in range(reps):
            for t in texts:
                tok.lcut(t)

    def pipeline() -> None:
        for _ in range(reps):
            ngrams.shared_ids.cache_clear()  # a repeated text must not be scored from the n-gram cache
            for t in texts:
                engine.screen(t)

    t_jieba, t_pipe = [], []
    for _ in range(rounds):
        t_jieba.append(timed(segment))
        t_pipe.append(timed(pipeline))
    j, p = statistics.median(t_jieba), statistics.median(t_pipe)
    total = n_chars * reps
    print(f"{name}: {len(texts)} texts, {n_chars:,} chars (x{reps})")
    print(f"  jieba alone:      {total / j:>10,.0f} chars/s")
    print(f"  default pipeline: {total / p:>10,.0f} chars/s")
    print(f"  ratio pipeline/jieba: {p / j:.2f}")
    return p / j


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=400, help="real ASR transcripts to use")
    args = ap.parse_args()
    engine = Engine.from_settings(Settings())
    asr = real_asr(args.limit)
    if asr:
        ratio = measure("real ASR (liveamr-asr)", asr, engine, args.rounds)
        print(f"target <= 1.5 on real ASR text: {'met' if ratio <= 1.5 else 'missed'}")
    else:
        print(f"real ASR text not found under {EVAL_DIR}; measuring the examples only")
    measure("bundled examples", examples(), engine, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

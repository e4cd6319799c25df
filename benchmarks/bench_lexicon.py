"""Throughput of the whole lexicon stage against bare pyahocorasick, in one run.

Whole stage = normalisation (both views, offset maps), automaton scan, allowed
contexts, product scope, finding construction with original offsets, context
adjustment and merging. Baseline = a bare ``ahocorasick.Automaton`` holding the
same term keys, iterated over the same raw text. Both are timed interleaved,
best of N in CPU time of this process, so other processes on a shared machine do not
inflate either; the ratio is what to compare.

    python benchmarks/bench_lexicon.py [--mb 2] [--doc-chars 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import ahocorasick

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.config import Settings  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402

ORDINARY = [
    "家人们晚上好，欢迎来到直播间，先点个关注不迷路。",
    "这款面霜质地很清爽，上脸很快就吸收了，适合干皮的姐妹。",
    "最近天气转凉，早晚温差大，大家注意保暖。",
    "欢迎第一次来直播间的朋友，有问题可以在评论区问我。",
    "一号链接是保湿面霜，二号链接是洗面奶，三号链接是身体乳。",
    "尺码从S到XXL都有，可以参考详情页的尺码表，拿不准可以问客服。",
    "这个口味是酸酸甜甜的，冲水就能喝，小朋友也很喜欢。",
    "今天是活动最后一天，福利会一直放到十二点。",
    "面料摸起来很柔软，洗了几次也没有起球。",
    "我们家是品牌官方旗舰店，支持七天无理由退货。",
]
VIOLATING = [
    "这是全网最低价，错过再等一年！",
    "销量全国第一，国家级认证的配方。",
    "用了三天祛斑，还能治疗湿疹，无效退款。",
    "它能降血压、降血糖，吃了再也不用去医院。",
    "最🔥好用的面霜，顶 级品质，zui好的选择。",
    "有问题的宝宝可以加微信私聊，给你更低的价格。",
]


def make_corpus(n_chars: int, violation_rate: float, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < n_chars:
        s = rng.choice(VIOLATING) if rng.random() < violation_rate else rng.choice(ORDINARY)
        parts.append(s)
        total += len(s)
    return "".join(parts)


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()  # CPU time: other processes on a shared machine do not inflate it
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=2.0, help="corpus size in millions of characters")
    ap.add_argument("--doc-chars", type=int, default=2000, help="size of one script in the many-documents run")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--violation-rates",
        default="0.02,0.15",
        help="share of violating sentences in the synthetic corpus, one run per value",
    )
    args = ap.parse_args()

    engine = Engine.from_settings(Settings(detectors=["lexicon"]))  # the lexicon stage only
    (detector,) = [d for d in engine.detectors if d.name == "lexicon"]
    matcher = detector.matcher
    bare = ahocorasick.Automaton()
    for key in matcher.terms:
        bare.add_word(key, key)
    bare.make_automaton()

    def stage(texts: list[str]) -> int:
        n = 0
        for t in texts:
            n += len(engine.analyze(engine.make_doc(t)))
        return n

    def baseline(texts: list[str]) -> int:
        n = 0
        for t in texts:
            for _ in bare.iter(t):
                n += 1
        return n

    stage(["预热" * 5000])  # warm the normalisation tables
    print(
        f"lexicon: {engine.lexicon.version_tag}, {len(matcher.terms)} term keys, {matcher.pattern_count} automaton keys"
    )
    print(f"{'run':<40}{'stage chars/s':>16}{'bare AC chars/s':>18}{'ratio stage/bare':>18}")
    for rate in (float(r) for r in args.violation_rates.split(",")):
        text = make_corpus(int(args.mb * 1_000_000), rate)
        docs = [text[i : i + args.doc_chars] for i in range(0, len(text), args.doc_chars)]
        findings = stage([text])
        print(f"-- corpus {len(text):,} chars, {rate:.0%} violating sentences, {findings:,} findings")
        _compare(stage, baseline, text, docs, args)
    print("target: ratio <= 2.0 (whole stage within 2x of bare pyahocorasick)")


def _compare(stage, baseline, text: str, docs: list[str], args: argparse.Namespace) -> None:
    for label, texts in (("one large text", [text]), (f"{len(docs)} scripts of {args.doc_chars} chars", docs)):
        t_stage = t_bare = float("inf")
        for _ in range(args.repeat):  # interleave so noise hits both
            t_stage = min(t_stage, best_of(lambda texts=texts: stage(texts), 1))
            t_bare = min(t_bare, best_of(lambda texts=texts: baseline(texts), 1))
        print(f"{label:<40}{len(text) / t_stage:>16,.0f}{len(text) / t_bare:>18,.0f}{t_stage / t_bare:>18.2f}")


if __name__ == "__main__":
    main()

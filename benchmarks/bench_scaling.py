"""Does cost grow linearly with input size? Time per 1,000 characters and per 1,000 cues.

Scripts go through ``screen_script`` (what ``claimcheck screen`` and ``POST /v1/screen`` run;
nothing recorded, no report written) at 10k, 100k and 1M characters: with SKU headings (product
sections, cross-checked against the store, screened whole), with no product (past
``screen_chunk_chars`` screened in pieces), and a 1M-character script on one single line.
Transcripts go through ``audit`` (what ``claimcheck audit`` and ``POST /v1/audit`` run: SRT and
run-sheet parsing, screening with the SKU on sale, broadcast times on every finding) at 1k, 10k
and 100k cues. Inputs are built here, seeded: mostly ordinary selling talk, with prohibited terms
(最好, 全网第一, 国家级 …), pattern claims, negated and quoted terms and product claims scattered
through it. The engine is the default one (``Engine.from_settings``), with the sample product
store imported.

Each size is timed as the median of a few runs (more for the small, fast ones), in wall-clock
and in CPU time of this process; the ratios are against the smallest size of the same series,
measured in the same run. Other processes on a shared machine inflate wall-clock time at random,
so the check (largest/smallest < ``--limit``) is made on CPU time; both are printed. The exit
status is 1 when a ratio reaches the limit.

    python benchmarks/bench_scaling.py [--quick] [--limit 1.5]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.config import Settings  # noqa: E402
from claimcheck.io.runsheet import parse_run_sheet  # noqa: E402
from claimcheck.io.transcripts import parse_transcript  # noqa: E402
from claimcheck.service.app import Services  # noqa: E402
from claimcheck.service.auditing import audit  # noqa: E402
from claimcheck.service.products import import_file  # noqa: E402
from claimcheck.service.screening import screen_script  # noqa: E402

SAMPLE_STORE = ROOT / "data" / "products" / "sample_store.json"

ORDINARY = [
    "家人们晚上好，欢迎来到直播间，新来的宝宝点点关注。",
    "今天给大家带来的是我们家的爆款，库存不多了，喜欢的抓紧下单。",
    "这款面霜质地很清爽，涂上去很快就吸收了，一点都不油腻。",
    "大家可以看一下这个颜色，非常适合秋冬，显白又百搭。",
    "尺码是标准的，平时穿多大就拍多大，不合适七天无理由退换。",
    "这个包装是三层的，运输过程中不会压坏，放心拍。",
    "我自己用了三个月，感觉皮肤状态好多了，早上起来也不干。",
    "一号链接已经上架了，拍下备注主播名字，有小礼品送给大家。",
    "这款保温杯容量是五百毫升，内胆是不锈钢的，装热水很方便。",
    "今天下单明天就发货，顺丰包邮，偏远地区除外。",
    "有宝宝问能不能和别的优惠叠加，可以的，领券再下单更划算。",
    "配料表大家看一下，生牛乳排在第一位，没有乱七八糟的东西。",
    "这个味道是原味的，不喜欢太甜的宝宝可以选这个。",
    "好了我们来看下一款，三号链接，家里有小朋友的可以看看。",
    "主播再给大家演示一遍怎么用，先挤出黄豆大小，然后均匀涂开。",
    "评论区扣一，我看一下有多少人想要，人多我就去申请加库存。",
]
VIOLATING = [
    "这是全网第一的品牌，效果是最好的。",
    "国家级专家推荐，绝对有效。",
    "全网最低价，错过今天再也没有了。",
    "用了它皱纹全都没了，比医美还管用。",
    "只要坚持吃三个月一定有效果。",
    "长期吃也没有任何副作用，不会产生依赖。",
    "这款产品能治疗失眠，降血压也有效果。",
    "百分之百纯天然，零添加，最安全的选择。",
]
CONTEXT = [
    "广告法不让说最好，但是大家用过都知道。",
    "我们不说第一，大家自己比较一下就知道了。",
]
CLAIMS = [
    "这款保温杯的内胆是304不锈钢的，保温十二个小时。",
    "每盒有十片，保质期十八个月，产地是云南。",
    "蛋白质含量每一百克有三点五克，零蔗糖。",
]
HEADING_EVERY = 40  # lines between product headings in a script


def sentence(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.12:
        return rng.choice(VIOLATING)
    if r < 0.15:
        return rng.choice(CONTEXT)
    if r < 0.20:
        return rng.choice(CLAIMS)
    return rng.choice(ORDINARY)


def script(chars: int, skus: list[str], seed: int, one_line: bool = False) -> str:
    """A script of exactly ``chars`` characters: lines of a few sentences, a SKU heading every so often."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = lines = 0
    while size < chars:
        if skus and not one_line and lines % HEADING_EVERY == 0:
            part = f"## SKU: {rng.choice(skus)}\n"
        else:
            part = "".join(sentence(rng) for _ in range(rng.randint(1, 4))) + ("" if one_line else "\n")
        parts.append(part)
        size += len(part)
        lines += 1
    return "".join(parts)[:chars]


def _clock(ms: int) -> str:
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def broadcast(cues: int, skus: list[str], seed: int) -> tuple[str, str]:
    """An SRT of ``cues`` cues (ASR-style: sentences split across cues) and its run sheet (10-minute slots)."""
    rng = random.Random(seed)
    blocks: list[str] = []
    t = 0
    pending = ""
    for i in range(cues):
        if len(pending) < 6:
            pending += sentence(rng)
        cut = min(len(pending), rng.randint(8, 20))
        text, pending = pending[:cut], pending[cut:]
        blocks.append(f"{i + 1}\n{_clock(t)} --> {_clock(t + 1500)}\n{text}\n")
        t += 1600
    slot = 600_000
    sheet = ["start,end,sku"] + [f"{k},{k + slot},{skus[(k // slot) % len(skus)]}" for k in range(0, t + slot, slot)]
    return "\n".join(blocks), "\n".join(sheet) + "\n"


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``runs`` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def runs_for(size: int, largest: int) -> int:
    """More runs for the small sizes, whose times are short and noisy."""
    return max(1, min(9, round(3 * largest / size) // 10 + 1)) if size < largest else 1


def series(title: str, unit: str, rows: list[tuple[str, int, float, float]], limit: float) -> bool:
    """Print one series and whether its largest/smallest ratio stays under ``limit`` (CPU time)."""
    print(f"\n{title}")
    print(f"  {'input':<24} {'wall ms/1k ' + unit:>18} {'cpu ms/1k ' + unit:>18} {'wall ratio':>11} {'cpu ratio':>10}")
    base_w, base_c = rows[0][2], rows[0][3]
    for label, _size, w, c in rows:
        print(f"  {label:<24} {w:>18.2f} {c:>18.2f} {w / base_w:>11.2f} {c / base_c:>10.2f}")
    ratio = rows[-1][3] / base_c
    ok = ratio < limit
    print(f"  largest/smallest (cpu): {ratio:.2f}  {'ok' if ok else 'OVER'} (limit {limit})")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes / 10 (a smoke run, not the measurement)")
    ap.add_argument("--limit", type=float, default=1.5)
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    chars = [10_000 // scale, 100_000 // scale, 1_000_000 // scale]
    cue_counts = [1_000 // scale, 10_000 // scale, 100_000 // scale]

    tmp = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    services = Services(Settings(database_url=f"sqlite:///{tmp / 'bench.db'}", report_dir=tmp / "reports"))
    import_file(services, SAMPLE_STORE)
    skus = [r["sku"] for r in json.loads(SAMPLE_STORE.read_text(encoding="utf-8"))]
    engine = services.engine

    def screen(text: str) -> Callable[[], object]:
        return lambda: screen_script(services, text, source="bench.txt", record=False)

    def audit_srt(srt: str, sheet: str) -> Callable[[], object]:
        def run() -> object:
            return audit(engine, parse_transcript(srt, "bench.srt", ".srt"), parse_run_sheet(sheet, "bench.csv"))

        return run

    t0 = time.perf_counter()
    # warm up: segmenter, spaCy, models, product records, and scikit-learn, which the classifier
    # imports on its first large batch (seconds: it would land in whichever size came first)
    screen(script(150_000, skus, 0, one_line=True))()
    audit_srt(*broadcast(300, skus, 0))()
    print(f"engine ready and warm in {time.perf_counter() - t0:.1f} s; runs per size: median of n (n in brackets)")

    ok = True
    scripts: list[tuple[str, list[int], Callable[[int], str]]] = [
        ("script with product sections (screen_script)", chars, lambda n: script(n, skus, seed=n)),
        ("script with no product (screened in pieces)", chars, lambda n: script(n, [], seed=n + 2)),
        ("script on a single line", [chars[0], chars[-1]], lambda n: script(n, skus, seed=n + 1, one_line=True)),
    ]
    for title, sizes, make in scripts:
        rows = []
        for n in sizes:
            runs = runs_for(n, sizes[-1])
            w, c = measure(screen(make(n)), runs)
            rows.append((f"{n:,} chars [{runs}]", n, w / n * 1000 * 1000, c / n * 1000 * 1000))
        ok &= series(f"{title}, ms per 1,000 characters", "chars", rows, args.limit)

    rows = []
    for n in cue_counts:
        runs = runs_for(n, cue_counts[-1])
        srt, sheet = broadcast(n, skus, seed=n)
        w, c = measure(audit_srt(srt, sheet), runs)
        rows.append((f"{n:,} cues [{runs}]", n, w / n * 1000 * 1000, c / n * 1000 * 1000))
    ok &= series("transcript (parse + audit), ms per 1,000 cues", "cues", rows, args.limit)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""What the workbench's review pages cost to render for a long broadcast (issue 13, item 6).

Builds, in a throw-away SQLite database, a recorded audit of a synthetic three-hour broadcast
(one cue every 4 s, about 2,700 cues, a run sheet of twelve 15-minute slots whose SKUs are in the
product store, about 250 findings from the test lexicon, some cues with two findings at the same
time) through the real service layer (``audit_transcript``), a reviewer made by
``users.create``, and a few decisions made by ``users.decide``. Then, in process (FastAPI
TestClient, signed in), times

- ``GET /audits/{seq}``: the time axis, the list of findings with their cue text, the panel;
- ``GET /screenings/{seq}``: the whole transcript with every finding highlighted, the list, the panel;
- ``GET /``: the review queue (the bare base page), for scale.

Each figure is the median of ``--rounds`` (default 5) requests, in CPU time of this process (the
TestClient runs the app in this process; wall-clock time on a shared machine is inflated at random
by other processes), and is printed with the 300 ms target and its ratio to ``/``.

    python benchmarks/bench_web_pages.py [--rounds 5] [--minutes 180]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from claimcheck.api import create_app  # noqa: E402
from claimcheck.config import Settings  # noqa: E402
from claimcheck.io.transcripts import run_sheet_from_bytes, transcript_from_bytes  # noqa: E402
from claimcheck.service import Services  # noqa: E402
from claimcheck.service import users as user_service  # noqa: E402
from claimcheck.service.auditing import audit_transcript  # noqa: E402
from claimcheck.service.products import import_records  # noqa: E402
from claimcheck.store.schema import ProductRecord  # noqa: E402

TARGET_MS = 300.0
MINI_LEXICON = ROOT / "tests" / "data" / "mini_lexicon"
PASSWORD = "bench password 123"
FILLER = (
    "大家好欢迎来到直播间",
    "今天给大家带来的这款产品",
    "我们先看一下细节",
    "喜欢的可以先加购物车",
    "库存不多了大家抓紧",
    "这个颜色上身很显气质",
    "新进来的朋友点个关注",
    "我们来看一下面料",
    "三二一上链接",
    "有问题可以在评论区问",
)
TRIGGERS = ("这是最好的选择", "顶级的品质", "全网第一的销量", "用了就能美白")


def _clock(ms: int) -> str:
    s, milli = divmod(ms, 1000)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d},{milli:03d}"


def synthetic_broadcast(minutes: int = 180, every: int = 12) -> tuple[str, str, int]:
    """An SRT of ``minutes`` (a cue every 4 s; every ``every``-th cue says a forbidden phrase, every
    ninth of those two) and a run sheet CSV of 15-minute slots; returns (srt, csv, slots)."""
    cues = []
    for i in range(minutes * 15):
        text = FILLER[i % len(FILLER)]
        if i % every == 3:
            text += "，" + TRIGGERS[(i // every) % len(TRIGGERS)]
            if (i // every) % 9 == 0:
                text += "，" + TRIGGERS[(i // every + 1) % len(TRIGGERS)]
        start = i * 4000
        cues.append(f"{i + 1}\n{_clock(start)} --> {_clock(start + 3500)}\n{text}。\n")
    slots = max(1, minutes // 15)
    rows = ["start,end,sku"] + [f"{k * 900_000},{(k + 1) * 900_000},BENCH-{k + 1:02d}" for k in range(slots)]
    return "\n".join(cues), "\n".join(rows) + "\n", slots


def cpu_ms(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        call()
        times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--minutes", type=int, default=180)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        settings = Settings(
            database_url=f"sqlite:///{base / 'bench.db'}",
            report_dir=base / "reports",
            ledger_key_file=base / "ledger.key",
            ledger_checkpoint_file=base / "checkpoints.jsonl",
            lexicon_dir=MINI_LEXICON,
            detectors=["lexicon"],
        )
        services = Services(settings)
        srt, sheet, slots = synthetic_broadcast(args.minutes)
        import_records(
            services,
            [
                ProductRecord(sku=f"BENCH-{k + 1:02d}", name=f"演示商品{k + 1:02d} 保湿面霜", category="cosmetics")
                for k in range(slots)
            ],
        )
        limit = settings.max_input_bytes
        transcript = transcript_from_bytes(srt.encode("utf-8"), "bench.srt", limit)
        run_sheet = run_sheet_from_bytes(sheet.encode("utf-8"), "bench.csv", limit)
        t0 = time.perf_counter()
        outcome = audit_transcript(services, transcript, run_sheet, raw=srt, subject="bench-3h")
        audit_s = time.perf_counter() - t0
        seq = outcome.record_seq
        assert seq is not None
        findings = outcome.result.findings
        user = user_service.create(services, "bench.reviewer", "reviewer", PASSWORD)
        for i in range(0, min(len(findings), 40), 4):
            user_service.decide(services, user, seq, i, "confirm" if i % 8 else "dismiss", "基准测试")
        entry = services.ledger.get(seq)
        payload_kib = len(str(entry["payload"]).encode("utf-8")) / 1024

        app = create_app(settings)
        with TestClient(app) as client:
            login = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
            assert token is not None
            signed = client.post(
                "/login",
                data={"name": user.name, "password": PASSWORD, "next": "/", "csrf_token": token.group(1)},
                follow_redirects=False,
            )
            assert signed.status_code == 303, signed.text[:300]
            pages = {"/": "审核队列（基准页）", f"/audits/{seq}": "时间轴视图", f"/screenings/{seq}": "全文视图"}
            sizes = {}
            for path in pages:  # warm up: templates compiled, labels loaded, connections open
                res = client.get(path)
                assert res.status_code == 200, (path, res.status_code)
                sizes[path] = len(res.content)
            results = {path: cpu_ms(lambda path=path: client.get(path), args.rounds) for path in pages}

    print(
        f"synthetic broadcast: {args.minutes} min, {len(transcript.cues)} cues, {len(findings)} findings, "
        f"audit recorded in {audit_s:.1f} s; ledger payload {payload_kib:.0f} KiB"
    )
    print(f"median of {args.rounds} requests, CPU ms of this process (target {TARGET_MS:.0f} ms):")
    bare = results["/"]
    for path, label in pages.items():
        ms = results[path]
        verdict = "ok" if ms <= TARGET_MS else "OVER TARGET"
        print(
            f"  {path:<18} {label:<10} {ms:7.1f} ms  {ms / bare:5.1f}x of /  {sizes[path] / 1024:6.0f} KiB  {verdict}"
        )


if __name__ == "__main__":
    main()

"""Live audit latency: final segment sent → finding received, over WebSocket, on loopback.

Starts claimcheck's app under uvicorn on a free 127.0.0.1 port (a temporary database with the
sample products and a write key) and runs N simulated broadcasts at once (default 1, 10, 50),
each sending a final segment every 250 ms (4 segments/s) over ``WS /v1/live/{id}``; every
segment carries a claim, so each one should bring back a finding. Latency is the time from
sending a segment to receiving the first finding whose ``start_ms`` is that segment's. In the
same run, ``POST /v1/score`` on the same segment texts at the same concurrency gives the
request/response figure beside it. Prints p50/p99 per stream count and whether the 200 ms p99
target holds; the client shares the machine with the server.

    python benchmarks/bench_live.py [--streams 1 10 50] [--segments 40] [--rate 4] [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import free_port, pct, start  # noqa: E402

#: each says one claim the lexicon blocks, so each segment brings back a finding
CLAIMS = [
    "家人们这款面霜是全网最低价，",
    "吃了能治失眠，",
    "三天见效，",
    "销量全国第一，",
    "国家级的品质，",
    "无效退款，",
    "这是最好的面霜，",
    "加我微信私下买更便宜，",
]
TARGET_MS = 200.0


def segment_text(i: int) -> str:
    return f"第{i}段，{CLAIMS[i % len(CLAIMS)]}大家看一下。"


async def stream(port: int, key: str, name: str, segments: int, rate: float) -> list[float]:
    latencies: list[float] = []
    sent: dict[int, float] = {}
    done = asyncio.Event()
    url = f"ws://127.0.0.1:{port}/v1/live/{name}?key={key}"
    async with websockets.connect(url, max_queue=None) as ws:

        async def reader() -> None:
            async for raw in ws:
                msg = json.loads(raw)
                if msg["type"] == "finding" and msg["start_ms"] in sent:
                    latencies.append(time.perf_counter() - sent.pop(msg["start_ms"]))
                elif msg["type"] == "recorded":
                    done.set()
                    return

        task = asyncio.create_task(reader())
        period = 1 / rate
        t0 = time.perf_counter()
        for i in range(segments):
            await asyncio.sleep(max(0.0, t0 + i * period - time.perf_counter()))
            start_ms = i * 250
            sent[start_ms] = time.perf_counter()
            seg = {"type": "segment", "start_ms": start_ms, "end_ms": start_ms + 250, "text": segment_text(i)}
            await ws.send(json.dumps(seg, ensure_ascii=False))
        await asyncio.sleep(1.0)
        await ws.send(json.dumps({"type": "end"}))
        await asyncio.wait_for(done.wait(), timeout=60)
        await task
    return latencies


async def live_run(port: int, key: str, streams: int, segments: int, rate: float, tag: str) -> list[float]:
    results = await asyncio.gather(
        *(stream(port, key, f"bench-{tag}-{streams}-{i}", segments, rate) for i in range(streams))
    )
    return [x for r in results for x in r]


async def score_run(port: int, streams: int, segments: int, rate: float) -> list[float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

        async def one() -> None:
            t0 = time.perf_counter()
            for i in range(segments):
                await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
                t = time.perf_counter()
                r = await client.post("/v1/score", json={"text": segment_text(i)})
                r.raise_for_status()
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(one() for _ in range(streams)))
    return latencies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--streams", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--segments", type=int, default=40, help="segments per stream")
    ap.add_argument("--rate", type=float, default=4.0, help="segments per second per stream")
    ap.add_argument("--threads", type=int, default=None, help="CLAIMCHECK_API_THREADS")
    args = ap.parse_args()
    from claimcheck.config import Settings
    from claimcheck.service import Services
    from claimcheck.service import keys as key_service

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "CLAIMCHECK_REPORT_DIR": f"{tmp}/reports",
            "CLAIMCHECK_LEDGER_KEY_FILE": f"{tmp}/ledger.key",
            "CLAIMCHECK_LEDGER_CHECKPOINT_FILE": f"{tmp}/checkpoints.jsonl",
        }
        if args.threads:
            env["CLAIMCHECK_API_THREADS"] = str(args.threads)
        key = key_service.create(Services(Settings(database_url=env["CLAIMCHECK_DATABASE_URL"])), "bench")
        port = free_port()
        proc = start("claimcheck.api.server:app", port, 1, env, tmp)
        try:
            print(f"{'streams':>7} {'segments':>8} {'live p50':>9} {'live p99':>9} {'score p50':>10} {'score p99':>10}")
            for n in args.streams:
                live = asyncio.run(live_run(port, key, n, args.segments, args.rate, "r"))
                score = asyncio.run(score_run(port, n, args.segments, args.rate))
                expected = n * args.segments
                lost = f"  ({expected - len(live)} without a finding)" if len(live) < expected else ""
                p99 = pct(live, 99)
                print(
                    f"{n:>7} {len(live):>8} {statistics.median(live) * 1000:>7.1f}ms {p99:>7.1f}ms "
                    f"{statistics.median(score) * 1000:>8.1f}ms {pct(score, 99):>8.1f}ms"
                    f"  {'ok' if p99 <= TARGET_MS else 'over'} (p99 ≤ {TARGET_MS:.0f} ms){lost}"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()

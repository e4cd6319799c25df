"""Latency of POST /v1/score next to a bare FastAPI endpoint, on loopback, in one run.

Starts two real uvicorn servers on free 127.0.0.1 ports (same settings, one worker
each): claimcheck's app, and a bare FastAPI app whose endpoint parses the same JSON
body and returns a small document. Sends a fixed number of requests with a
200-character text at concurrency 1 and 16 (httpx, asyncio) and prints p50/p99
latency and requests/s for both, and the ratio of the p99s.
Targets: /v1/score p99 < 30 ms at concurrency 16 and <= 3x the bare endpoint's p99.

    python benchmarks/bench_api.py [--requests 400] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "家人们晚上好，今天给大家带来的这款面霜质地很清爽，上脸很快就吸收了，适合干皮的姐妹。"
    "它是全网最好用的面霜，销量全国第一，用了以后皮肤更水润，主播自己已经用完三瓶了。"
    "原价999，今天直播间只要99元，错过再等一年，有问题的宝宝可以在评论区留言，客服会一个一个回复。"
    "尺码从小到大都有，可以参考详情页。"
) * 2
TEXT = TEXT[:200]
BARE_APP = """
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    text: str


@app.post("/v1/score")
def score(body: Body) -> dict:
    return {"results": [{"verdict": "pass", "findings": [], "versions": {"len": str(len(body.text))}}]}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: str, port: int, workers: int, env: dict, cwd: str) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.post(f"http://127.0.0.1:{port}/v1/score", json={"text": "预热"}, timeout=5).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"server {app} did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")


async def load(port: int, n: int, concurrency: int) -> tuple[list[float], float]:
    sem = asyncio.Semaphore(concurrency)
    lat: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
        for _ in range(20):  # warm the connections and the server
            (await client.post("/v1/score", json={"text": TEXT})).raise_for_status()

        async def one() -> None:
            async with sem:
                t0 = time.perf_counter()
                res = await client.post("/v1/score", json={"text": TEXT})
                lat.append(time.perf_counter() - t0)
                res.raise_for_status()

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        wall = time.perf_counter() - t0
    return lat, wall


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare_app.py").write_text(BARE_APP, encoding="utf-8")
        env = {
            **os.environ,
            "CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "PYTHONPATH": os.pathsep.join([tmp, str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        p_cc, p_bare = free_port(), free_port()
        servers = [
            start("claimcheck.api.server:app", p_cc, args.workers, env, tmp),
            start("bare_app:app", p_bare, args.workers, env, tmp),
        ]
        try:
            print(f"{len(TEXT)}-character text, {args.requests} requests per run, {args.workers} worker(s) each")
            print(f"{'endpoint':<22}{'conc.':>6}{'p50 ms':>10}{'p99 ms':>10}{'req/s':>10}")
            for conc in (1, 16):
                res = {}
                for name, port in (("bare FastAPI", p_bare), ("claimcheck /v1/score", p_cc)):
                    lat, wall = asyncio.run(load(port, args.requests, conc))
                    res[name] = pct(lat, 99)
                    print(f"{name:<22}{conc:>6}{pct(lat, 50):>10.1f}{pct(lat, 99):>10.1f}{len(lat) / wall:>10.0f}")
                ratio = res["claimcheck /v1/score"] / res["bare FastAPI"]
                print(f"{'p99 ratio claimcheck/bare':<28}{ratio:>10.2f}")
            print("targets: p99 < 30 ms at concurrency 16; p99 <= 3x the bare endpoint's")
        finally:
            for s in servers:
                s.terminate()
                s.wait(timeout=20)


if __name__ == "__main__":
    main()

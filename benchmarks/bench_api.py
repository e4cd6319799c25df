"""Latency and throughput of POST /v1/score next to a bare FastAPI endpoint, on loopback, in one run.

Starts two real uvicorn servers on free 127.0.0.1 ports (same settings, same worker count):
claimcheck's app, and a bare FastAPI app whose endpoint parses the same JSON body and returns
a small document. At concurrency 1, 16 and 64 (httpx, asyncio, one connection per concurrent
client) it sends a fixed number of requests carrying a 200-character text, to the bare endpoint
and then to /v1/score, and repeats that ``--rounds`` times (3), alternating the two so that
whatever else the machine is doing falls on both alike. It prints the median over the rounds of
p50 and p99 latency and of requests/s for each endpoint and concurrency, the ratios, and whether
the targets are met:

* /v1/score p50 at concurrency 1 within 2x of the bare endpoint's;
* /v1/score requests/s at concurrency 64 at least 0.6x the bare endpoint's.

The client shares the machine with the servers; on a 2-core machine the whole run takes about
two minutes.

    python benchmarks/bench_api.py [--rounds 3] [--scale 1.0] [--workers 1] [--threads N]
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
#: requests per run at each concurrency (times --scale)
REQUESTS = {1: 150, 16: 320, 64: 640}
TARGET_P50_RATIO = 2.0  # /v1/score p50 at most this many times the bare endpoint's, at concurrency 1
TARGET_RPS_RATIO = 0.6  # /v1/score req/s at least this share of the bare endpoint's, at concurrency 64
BARE, SCORE = "bare FastAPI", "claimcheck /v1/score"


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
    """``n`` requests from ``concurrency`` clients, each with its own kept-alive connection (one
    shared httpx pool of 64 connections costs the client more CPU than the bare server spends)."""
    lat: list[float] = []
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) for _ in range(concurrency)
    ]
    try:
        # open every connection and warm the server before timing
        await asyncio.gather(*(c.post("/v1/score", json={"text": TEXT}) for c in clients))
        left = n

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal left
            while left > 0:
                left -= 1
                t0 = time.perf_counter()
                res = await client.post("/v1/score", json={"text": TEXT})
                lat.append(time.perf_counter() - t0)
                res.raise_for_status()

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        wall = time.perf_counter() - t0
    finally:
        for c in clients:
            await c.aclose()
    return lat, wall


def pct(values: list[float], p: float) -> float:
    """The p-th percentile in milliseconds."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] * 1000


def measure(port: int, n: int, concurrency: int) -> tuple[float, float, float]:
    lat, wall = asyncio.run(load(port, n, concurrency))
    return pct(lat, 50), pct(lat, 99), len(lat) / wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds per concurrency; medians are reported")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the number of requests per run")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers per server")
    ap.add_argument("--threads", type=int, default=None, help="CLAIMCHECK_API_THREADS for claimcheck's server")
    ap.add_argument("--concurrency", type=int, nargs="+", default=sorted(REQUESTS))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare_app.py").write_text(BARE_APP, encoding="utf-8")
        env = {
            **os.environ,
            "CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "PYTHONPATH": os.pathsep.join([tmp, str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        if args.threads is not None:
            env["CLAIMCHECK_API_THREADS"] = str(args.threads)
        ports = {SCORE: free_port(), BARE: free_port()}
        servers = [
            start("claimcheck.api.server:app", ports[SCORE], args.workers, env, tmp),
            start("bare_app:app", ports[BARE], args.workers, env, tmp),
        ]
        threads = env.get("CLAIMCHECK_API_THREADS", "default")
        print(
            f"{len(TEXT)}-character text, {args.workers} worker(s) per server, API threads {threads}, "
            f"{os.cpu_count()} CPUs, medians of {args.rounds} rounds"
        )
        print(f"{'endpoint':<22}{'conc.':>6}{'requests':>10}{'p50 ms':>10}{'p99 ms':>10}{'req/s':>10}")
        medians: dict[tuple[str, int], tuple[float, float, float]] = {}
        t_start = time.perf_counter()
        try:
            for conc in args.concurrency:
                n = max(conc, round(REQUESTS.get(conc, 10 * conc) * args.scale))
                runs: dict[str, list[tuple[float, float, float]]] = {BARE: [], SCORE: []}
                for _ in range(args.rounds):
                    for name in (BARE, SCORE):
                        runs[name].append(measure(ports[name], n, conc))
                for name in (BARE, SCORE):
                    p50, p99, rps = (statistics.median(r[i] for r in runs[name]) for i in range(3))
                    medians[name, conc] = (p50, p99, rps)
                    print(f"{name:<22}{conc:>6}{n:>10}{p50:>10.1f}{p99:>10.1f}{rps:>10.0f}")
                s, b = medians[SCORE, conc], medians[BARE, conc]
                print(f"{'  ratio /v1/score:bare':<38}{s[0] / b[0]:>10.2f}{s[1] / b[1]:>10.2f}{s[2] / b[2]:>10.2f}")
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=20)
        print(f"({time.perf_counter() - t_start:.0f} s of load)")
        if (SCORE, 1) in medians:
            r = medians[SCORE, 1][0] / medians[BARE, 1][0]
            met = "met" if r <= TARGET_P50_RATIO else "NOT met"
            print(f"target p50 at concurrency 1 <= {TARGET_P50_RATIO:g}x the bare endpoint's: {r:.2f}x, {met}")
        if (SCORE, 64) in medians:
            r = medians[SCORE, 64][2] / medians[BARE, 64][2]
            met = "met" if r >= TARGET_RPS_RATIO else "NOT met"
            print(f"target req/s at concurrency 64 >= {TARGET_RPS_RATIO:g}x the bare endpoint's: {r:.2f}x, {met}")


if __name__ == "__main__":
    main()

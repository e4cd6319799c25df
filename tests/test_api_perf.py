"""The API's concurrency design: screening routes are coroutines that run the engine on a bounded
pool, every worker loads the engine at start-up, and answers under concurrency are the engine's.

No timing assertions: benchmarks/bench_api.py measures latency and throughput.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import jieba
import pytest
from fastapi.testclient import TestClient

from claimcheck.api import create_app, deps
from claimcheck.api.app import WARM_UP_TEXT
from claimcheck.api.routes import score as score_routes
from claimcheck.api.routes import screening
from claimcheck.cli import serve as serve_cli
from claimcheck.config import Settings
from claimcheck.engine import Engine

TEXTS = [
    "家人们晚上好，这款面霜是全网最好用的，销量全国第一，原价999今天只要99元！",
    "只要坚持吃三个月一定有效果，吸收率是普通钙的三倍，别家都是化工合成的。",
    "这件衬衫是纯棉的，尺码从小到大都有，可以参考详情页。",
    "国家级认证，无效退款，加微信私聊有优惠，错过再等一年。",
]


def _settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        report_dir=tmp_path / "reports",
        ledger_key_file=tmp_path / "ledger.key",
        ledger_checkpoint_file=tmp_path / "checkpoints.jsonl",
        **changes,
    )


def test_screening_routes_and_their_dependencies_are_coroutines() -> None:
    """A sync route (or dependency) is sent through Starlette's 40-thread pool: three thread hops per
    request, and at concurrency 64 the threads fight the event loop for the GIL."""
    for endpoint in (score_routes.score, screening.screen, screening.screen_upload, screening.audit):
        assert inspect.iscoroutinefunction(endpoint), endpoint.__name__
    assert inspect.iscoroutinefunction(deps.get_engine)
    assert inspect.iscoroutinefunction(deps.get_services)


def test_pool_size_comes_from_the_setting_or_the_cores() -> None:
    assert deps.screening_threads(Settings(api_threads=3)) == 3
    assert deps.screening_threads(Settings()) == (os.cpu_count() or 1)
    with pytest.raises(ValueError):
        Settings(api_threads=0)


def test_screenings_run_on_a_pool_bounded_by_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """16 requests at once, 3 threads: never more than 3 screenings at a time, none on the event loop."""
    app = create_app(_settings(tmp_path, api_threads=3))
    lock = threading.Lock()
    state = {"now": 0, "most": 0}
    reached = threading.Event()
    threads: set[str] = set()

    async def main() -> list[httpx.Response]:
        async with app.router.lifespan_context(app):
            engine = app.state.services.engine
            real_screen = engine.screen

            def screen(text, context=None):
                with lock:
                    state["now"] += 1
                    state["most"] = max(state["most"], state["now"])
                    threads.add(threading.current_thread().name)
                    if state["now"] >= 3:
                        reached.set()
                reached.wait(10)  # hold the thread until the pool is full, so the bound is what limits
                try:
                    return real_screen(text, context)
                finally:
                    with lock:
                        state["now"] -= 1

            monkeypatch.setattr(engine, "screen", screen)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
                return await asyncio.gather(*(client.post("/v1/score", json={"text": t}) for t in TEXTS * 4))

    answers = asyncio.run(main())
    assert [a.status_code for a in answers] == [200] * 16
    assert state["most"] == 3
    assert threads and all(name.startswith("claimcheck-screen") for name in threads)


def test_async_route_answers_what_engine_screen_finds(tmp_path: Path, engine: Engine) -> None:
    settings = _settings(tmp_path)
    with TestClient(create_app(settings)) as client:
        one = client.post("/v1/score", json={"text": TEXTS[0]})
        batch = client.post("/v1/score", json={"texts": TEXTS, "category": "普通化妆品"})
    assert one.status_code == 200 and batch.status_code == 200
    assert one.json()["results"] == [engine.screen(TEXTS[0]).to_json_dict()]
    from claimcheck.context import DocContext

    context = DocContext(product_category=engine.lexicon.resolve_product_category("普通化妆品"))
    assert batch.json()["results"] == [engine.screen(t, context).to_json_dict() for t in TEXTS]
    assert any(r["findings"] for r in batch.json()["results"])


def test_the_engine_is_warm_before_the_first_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lifespan screens a text that reaches every detector: the segmenter's dictionary (seconds to load)
    is loaded at start-up, in each worker, and no request loads it again."""
    loads: list[str] = []
    real_initialize = jieba.Tokenizer.initialize

    def initialize(self, *args, **kwargs):
        if not self.initialized:
            loads.append(threading.current_thread().name)
        return real_initialize(self, *args, **kwargs)

    monkeypatch.setattr(jieba.Tokenizer, "initialize", initialize)
    with TestClient(create_app(_settings(tmp_path))) as client:
        at_start = len(loads)  # 1: this engine's segmenter, loaded before any request
        for text in (WARM_UP_TEXT, *TEXTS):
            assert client.post("/v1/score", json={"text": text}).status_code == 200
        assert len(loads) == at_start <= 1


def test_serve_divides_the_cores_among_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert serve_cli.worker_threads(1, cores=8) == 8
    assert serve_cli.worker_threads(4, cores=8) == 2
    assert serve_cli.worker_threads(4, cores=2) == 1
    ran: list[dict] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: ran.append({**kw, "threads": os.environ[THREADS]}))
    monkeypatch.setenv("CLAIMCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv(THREADS, "5")  # set: kept as it is
    serve_cli.serve(workers=2)
    monkeypatch.delenv(THREADS)  # not set: the cores, divided among the workers
    serve_cli.serve(workers=2)
    assert [(r["workers"], r["threads"]) for r in ran] == [(2, "5"), (2, str(serve_cli.worker_threads(2)))]


THREADS = "CLAIMCHECK_API_THREADS"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_concurrent_requests_to_a_multi_worker_server_all_answer_correctly(tmp_path: Path, engine: Engine) -> None:
    """`claimcheck serve --workers 2`: each worker is ready (engine loaded) before serving; 64 clients at
    once on 2 threads per worker all get the engine's own findings for their text."""
    port = _free_port()
    env = {
        **os.environ,
        **{
            f"CLAIMCHECK_{k.upper()}": str(v)
            for k, v in _settings(tmp_path)
            .model_dump(include={"database_url", "report_dir", "ledger_key_file", "ledger_checkpoint_file"})
            .items()
        },
        THREADS: "2",
    }
    log = tmp_path / "server.log"
    cmd = [
        sys.executable,
        "-c",
        "from claimcheck.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    texts = [f"第{i}号：{TEXTS[i % len(TEXTS)]}" for i in range(64)]
    try:
        deadline = time.monotonic() + 180
        while len(re.findall("Application startup complete", log.read_text(errors="replace"))) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.3)

        async def main() -> list[httpx.Response]:
            limits = httpx.Limits(max_connections=64)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as client:
                return await asyncio.gather(*(client.post("/v1/score", json={"text": t}) for t in texts))

        answers = asyncio.run(main())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]
    assert [a.status_code for a in answers] == [200] * len(texts)
    for t, a in zip(texts, answers, strict=True):
        assert a.json()["results"] == [engine.screen(t).to_json_dict()], t

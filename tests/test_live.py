"""Live audit (claimcheck/live, `claimcheck live`, WS /v1/live/{broadcast_id}): docs/LIVE.md."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.config import Settings
from claimcheck.live import LiveSession, parse_message
from claimcheck.live.messages import ErrorMessage, Segment
from claimcheck.service import Services
from claimcheck.service import keys as key_service
from claimcheck.service.products import import_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "products" / "sample_store.json"
SKU_A, SKU_B = "CC-APP-001", "CC-FOOD-001"


def _settings(base: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{base / 'live.db'}",
        report_dir=base / "reports",
        ledger_key_file=base / "ledger.key",
        ledger_checkpoint_file=base / "checkpoints.jsonl",
    )


@pytest.fixture(scope="module")
def live_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("live")
    import_file(Services(_settings(base)), SAMPLE)
    return base


@pytest.fixture(scope="module")
def services(live_base: Path) -> Services:
    """Services on the module's database (the engine's product catalogue is that database's)."""
    return Services(_settings(live_base))


def seg(start: int, end: int, text: str, final: bool = True) -> dict:
    return {"type": "segment", "start_ms": start, "end_ms": end, "text": text, "final": final}


def findings(out: list[dict]) -> list[dict]:
    return [m for m in out if m["type"] == "finding"]


# ---------------------------------------------------------------------------- messages and session


def test_messages_parse_and_malformed_ones_become_errors() -> None:
    assert isinstance(parse_message(json.dumps(seg(0, 10, "你好"))), Segment)
    for raw, code in [
        ("{bad", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"type": "shout"}', "invalid_message"),
        ('{"type": "segment", "start_ms": 5, "end_ms": 1, "text": "x"}', "invalid_message"),
        ('{"type": "segment", "start_ms": "5", "end_ms": 10, "text": "x"}', "invalid_message"),
        ('{"type": "product", "at_ms": 0}', "invalid_message"),
        (
            '{"type": "runsheet", "rows": [{"start_ms": 0, "end_ms": 10, "sku": "A"}, '
            '{"start_ms": 5, "end_ms": 20, "sku": "B"}]}',
            "invalid_message",
        ),
    ]:
        msg = parse_message(raw)
        assert isinstance(msg, ErrorMessage) and msg.code == code, raw
        assert msg.message


def test_a_claim_split_over_two_segments_is_found_once_with_both_times(services: Services) -> None:
    s = LiveSession(services, "split")
    first = findings(s.handle_raw(seg(1000, 2500, "这件衬衫真好看，全网")).out)
    assert [m for m in first if m["severity"] != "info"] == []  # the classifier's advisory note at most
    out = findings(s.handle_raw(seg(2500, 4000, "最低价！")).out)
    hit = [m for m in out if m["text"] == "全网最低价"]
    assert len(hit) == 1 and hit[0]["start_ms"] == 1000 and hit[0]["end_ms"] == 4000
    assert hit[0]["severity"] == "block" and hit[0]["category"] == "absolute_term"
    doc = "这件衬衫真好看，全网最低价！"
    assert doc[hit[0]["start"] : hit[0]["end"]] == "全网最低价"  # offsets into the session document
    # later windows still hold the claim: never sent again
    later = findings(s.handle_raw(seg(4000, 5000, "大家快来买")).out) + findings(
        s.handle_raw(seg(5000, 6000, "好的")).out
    )
    assert all(m["text"] != "全网最低价" for m in later)
    seqs = [m["seq"] for m in s.outbox]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_claim_split_over_three_short_segments_is_found_once(services: Services) -> None:
    s = LiveSession(services, "split3")
    out = []
    for i, text in enumerate(["这件衣服", "全网", "最", "低价！", "好的。"]):
        out += findings(s.handle_raw(seg(i * 1000, i * 1000 + 900, text)).out)
    hit = [m for m in out if m["category"] == "absolute_term"]
    assert [(m["text"], m["start_ms"], m["end_ms"]) for m in hit] == [("全网最低价", 1000, 3900)]


def test_a_partial_is_replaced_by_the_final_segment(services: Services) -> None:
    s = LiveSession(services, "partial")
    assert s.handle_raw(seg(0, 1000, "全网最", final=False)).out == []
    assert s.handle_raw(seg(0, 2000, "全网最低价，能治失", final=False)).out == []
    assert s.cues == [] and s.partial is not None
    out = findings(s.handle_raw(seg(0, 2000, "全网最低价，能治失眠")).out)
    assert {m["text"] for m in out} >= {"全网最低价", "治失眠"}
    assert [c.text for c in s.cues] == ["全网最低价，能治失眠"] and s.partial is None


def test_the_product_timeline_names_the_sku_on_sale(services: Services) -> None:
    s = LiveSession(services, "skus")
    assert s.handle_raw({"type": "product", "sku": SKU_A, "at_ms": 0}).out == []
    a = findings(s.handle_raw(seg(1000, 2000, "全网最低价！")).out)
    s.handle_raw({"type": "product", "sku": SKU_B, "at_ms": 60000})
    b = findings(s.handle_raw(seg(61000, 62000, "吃了能治失眠。")).out)
    assert {m["sku"] for m in a} == {SKU_A} and {m["sku"] for m in b} == {SKU_B}
    err = s.handle_raw({"type": "product", "sku": "NO-SUCH-SKU", "at_ms": 70000}).out
    assert err[0]["type"] == "error" and err[0]["code"] == "not_found"
    assert s.sku_at(80000) == SKU_B
    s.handle_raw({"type": "runsheet", "rows": [{"start_ms": 0, "end_ms": 5000, "sku": SKU_B}]})
    assert s.sku_at(1000) == SKU_B and s.sku_at(6000) is None


def test_malformed_messages_answer_errors_and_the_stream_continues(services: Services) -> None:
    s = LiveSession(services, "bad")
    for raw in ["{oops", '{"type": "segment"}', "42", '{"type": "product", "sku": "", "at_ms": 0}']:
        out = s.handle_raw(raw).out
        assert len(out) == 1 and out[0]["type"] == "error", raw
    assert findings(s.handle_raw(seg(0, 1000, "这是全网最低价！")).out)
    assert not s.ended


def test_dedupe_resume_and_a_repeated_claim_later(services: Services) -> None:
    s = LiveSession(services, "dedupe")
    first = findings(s.handle_raw(seg(0, 1000, "全网最低价！")).out)
    for i in range(1, 5):  # the window still holds the first claim for a while
        assert all(
            m["text"] != "全网最低价" for m in findings(s.handle_raw(seg(i * 1000, i * 1000 + 900, "嗯嗯。")).out)
        )
    again = [
        m for m in findings(s.handle_raw(seg(9000, 10000, "再说一遍，全网最低价！")).out) if m["text"] == "全网最低价"
    ]
    assert len(again) == 1 and again[0]["start_ms"] == 9000  # said again: a new finding
    assert s.messages_after(0) == s.outbox and s.messages_after(len(first)) == s.outbox[len(first) :]
    assert s.messages_after(s.last_seq) == []


def test_to_audit_records_one_audit_like_a_transcript(services: Services) -> None:
    s = LiveSession(services, "LIVE-AUDIT")
    s.handle_raw({"type": "product", "sku": SKU_A, "at_ms": 0})
    s.handle_raw(seg(1000, 2000, "这件衬衫是纯棉的，全网"))
    s.handle_raw(seg(2000, 3000, "最低价！"))
    assert s.handle_raw({"type": "end"}).ended
    outcome = s.to_audit(report_dir=services.settings.report_dir)
    assert outcome.record_seq is not None and outcome.reports is not None and outcome.reports[0].exists()
    entry = services.ledger.get(outcome.record_seq)
    assert entry["kind"] == "audit" and entry["subject"] == "LIVE-AUDIT"
    meta = entry["payload"]["meta"]
    assert meta["source"] == "live" and meta["format"] == "live" and meta["slots"][0][2] == SKU_A
    assert meta["text"] == "这件衬衫是纯棉的，全网最低价！"
    texts = {f["text"]: f for f in entry["payload"]["findings"]}
    assert texts["全网最低价"]["start_ms"] == 1000 and texts["全网最低价"]["sku"] == SKU_A
    assert s.to_audit() is outcome  # once
    assert s.handle_raw(seg(4000, 5000, "还有")).out[0]["code"] == "ended"


def test_a_broadcast_without_final_segments_is_not_recorded(services: Services) -> None:
    s = LiveSession(services, "EMPTY")
    s.handle_raw(seg(0, 1000, "全网最低价", final=False))
    outcome = s.to_audit(report_dir=services.settings.report_dir)
    assert outcome.record_seq is None and outcome.reports is None and outcome.result.findings == []


# ---------------------------------------------------------------------------- webhook alerts


def test_blocking_findings_are_posted_signed_and_retried(services: Services, live_base: Path) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from claimcheck.live import alerts

    received: list[tuple[dict, bool]] = []
    calls = {"n": 0}

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls["n"] += 1
            if calls["n"] == 1:  # the first attempt fails: the sender retries
                self.send_response(503)
                self.end_headers()
                return
            ok = alerts.verify(
                "s3cret", self.headers[alerts.TIMESTAMP_HEADER], body, self.headers[alerts.SIGNATURE_HEADER]
            )
            received.append((json.loads(body), ok))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        settings = _settings(live_base).model_copy(
            update={"live_webhook_secret": "s3cret", "live_webhook_backoff_seconds": 0.05}
        )
        s = LiveSession(Services(settings, engine=services.engine), "HOOK")
        assert s.handle_raw({"type": "webhook", "url": "ftp://x"}).out[0]["type"] == "error"
        url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
        assert s.handle_raw({"type": "webhook", "url": url}).out == []
        s.handle_raw(seg(0, 1000, "今天天气不错"))  # nothing blocks: no alert
        sent = findings(s.handle_raw(seg(1000, 2000, "全网最低价！")).out)
        assert alerts.sender().join(timeout=20)
    finally:
        httpd.shutdown()
    blocking = [m for m in sent if m["severity"] == "block"]
    assert [r[0]["finding"]["seq"] for r in received] == [m["seq"] for m in blocking]
    assert all(ok for _, ok in received) and received[0][0]["broadcast_id"] == "HOOK"
    assert calls["n"] == len(blocking) + 1
    # without a secret on the server, a webhook is refused
    assert "CLAIMCHECK_LIVE_WEBHOOK_SECRET" in LiveSession(services, "NOHOOK").set_webhook(url)  # type: ignore[operator]


# ---------------------------------------------------------------------------- CLI


def _cli_env(base: Path) -> dict[str, str]:
    st = _settings(base)
    return {
        "CLAIMCHECK_DATABASE_URL": st.database_url,
        "CLAIMCHECK_REPORT_DIR": str(st.report_dir),
        "CLAIMCHECK_LEDGER_KEY_FILE": str(st.ledger_key_file),
        "CLAIMCHECK_LEDGER_CHECKPOINT_FILE": str(st.ledger_checkpoint_file),
    }


def test_cli_prints_findings_and_records_at_end(live_base: Path) -> None:
    lines = [
        {"type": "product", "sku": SKU_A, "at_ms": 0},
        seg(61000, 63000, "这件衬衫真好看，全网"),
        "not json at all",
        seg(63000, 64000, "最低价！"),
        {"type": "end"},
        seg(70000, 71000, "不会被读到：能治失眠"),
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    result = CliRunner().invoke(app, ["live", "--broadcast-id", "CLI-LIVE"], input=stdin, env=_cli_env(live_base))
    assert result.exit_code == 1, result.output
    line = next(x for x in result.stdout.splitlines() if "全网最低价" in x)
    assert "00:01:01" in line and "00:01:04" in line and SKU_A in line and "绝对化用语" in line
    assert "失眠" not in result.stdout
    assert "not JSON" in result.stderr and "第 3 条消息" in result.stderr
    seq = int(re.search(r"审核记录 #(\d+)", result.stdout)[1])  # type: ignore[index]
    entry = Services(_settings(live_base)).ledger.get(seq)
    assert entry["subject"] == "CLI-LIVE" and entry["payload"]["meta"]["source"] == "cli"


def test_cli_json_no_record_and_exit_codes(live_base: Path) -> None:
    env = _cli_env(live_base)
    ok = CliRunner().invoke(
        app, ["live", "--format", "json", "--no-record"], input=json.dumps(seg(0, 1000, "今天天气不错")) + "\n", env=env
    )
    assert ok.exit_code == 0, ok.output
    last = json.loads(ok.stdout.splitlines()[-1])
    assert last["type"] == "recorded" and last["seq"] is None
    block = CliRunner().invoke(
        app, ["live", "--format", "json", "--no-record"], input=json.dumps(seg(0, 1000, "全网最低价！")), env=env
    )
    assert block.exit_code == 1
    msgs = [json.loads(x) for x in block.stdout.splitlines()]
    assert msgs[0]["type"] == "finding" and msgs[0]["seq"] == 1 and msgs[0]["start_ms"] == 0
    assert CliRunner().invoke(app, ["live", "--follow", str(live_base / "missing.jsonl")], env=env).exit_code == 2
    assert CliRunner().invoke(app, ["live", "--nope"], env=env).exit_code == 2


def test_cli_follows_a_growing_file_with_a_partly_written_line(live_base: Path, tmp_path: Path) -> None:
    path = tmp_path / "asr.jsonl"
    path.write_text(
        json.dumps(seg(0, 1000, "家人们，全网"), ensure_ascii=False) + "\n" + '{"type": "segment", "start_',
        encoding="utf-8",
    )

    def finish() -> None:
        time.sleep(0.6)
        with path.open("a", encoding="utf-8") as fh:
            fh.write('ms": 1000, "end_ms": 2000, "text": "最低价！"}\n')
            fh.flush()
            time.sleep(0.4)
            fh.write('{"type": "end"}\n')

    writer = threading.Thread(target=finish)
    writer.start()
    result = CliRunner().invoke(
        app, ["live", "--follow", str(path), "--no-record", "--idle", "5"], env=_cli_env(live_base)
    )
    writer.join()
    assert result.exit_code == 1, result.output
    assert "全网最低价" in result.stdout and result.stderr == ""


def test_cli_follows_a_growing_srt_file(live_base: Path, tmp_path: Path) -> None:
    path = tmp_path / "live.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\n这件衬衫真好看，全网\n\n2\n00:00:02,000 --> 00:00:0", encoding="utf-8"
    )

    def finish() -> None:
        time.sleep(0.6)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("3,000\n最低价！\n\n")

    writer = threading.Thread(target=finish)
    writer.start()
    result = CliRunner().invoke(
        app,
        ["live", "--follow", str(path), "--no-record", "--idle", "1.5", "--format", "json"],
        env=_cli_env(live_base),
    )
    writer.join()
    assert result.exit_code == 1, result.output
    hit = [json.loads(x) for x in result.stdout.splitlines() if "全网最低价" in x]
    assert len(hit) == 1 and (hit[0]["start_ms"], hit[0]["end_ms"]) == (1000, 3000)


# ---------------------------------------------------------------------------- WebSocket on a real server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(live_base: Path) -> Iterator[tuple[int, str, str]]:
    svc = Services(_settings(live_base))
    write_key = key_service.create(svc, "live-writer")
    read_key = key_service.create(svc, "live-reader", ["read"])
    port = _free_port()
    env = {**os.environ, **_cli_env(live_base), "CLAIMCHECK_API_THREADS": "2", "CLAIMCHECK_LIVE_IDLE_SECONDS": "4"}
    log = live_base / "server.log"
    cmd = [sys.executable, "-c", "from claimcheck.cli import main; main()", "serve", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=live_base)
    try:
        deadline = time.monotonic() + 180
        while "Application startup complete" not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.3)
        yield port, write_key, read_key
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-4000:]


async def _recv_until(ws, pred, timeout: float = 20) -> list[dict]:
    got: list[dict] = []
    async with asyncio.timeout(timeout):
        while True:
            got.append(json.loads(await ws.recv()))
            if pred(got[-1]):
                return got


def test_websocket_findings_resume_and_record(server: tuple[int, str, str], live_base: Path) -> None:
    import websockets

    port, key, _ = server
    url = f"ws://127.0.0.1:{port}/v1/live/WS-LIVE-1"

    async def main() -> tuple[list[dict], list[dict], list[dict]]:
        async with websockets.connect(url, additional_headers={"X-API-Key": key}) as ws:
            await ws.send(json.dumps({"type": "product", "sku": SKU_A, "at_ms": 0}))
            await ws.send(json.dumps(seg(1000, 2000, "这件衬衫是纯棉的，全网"), ensure_ascii=False))
            await ws.send(json.dumps(seg(2000, 3000, "最低价！"), ensure_ascii=False))
            await ws.send("{broken")
            first = await _recv_until(ws, lambda m: m["type"] == "error")
            t0 = time.perf_counter()
            await ws.send(json.dumps(seg(3000, 4000, "吃了能治失眠。"), ensure_ascii=False))
            more = await _recv_until(ws, lambda m: m.get("rule_id") == "medical.cure_insomnia")
            assert time.perf_counter() - t0 < 2.0
        # the client went away after seeing everything up to the first finding only (say)
        seen = next(m["seq"] for m in first if m["type"] == "finding")
        async with websockets.connect(f"{url}?resume={seen}&key={key}") as ws:
            replay = await _recv_until(ws, lambda m: m.get("rule_id") == "medical.cure_insomnia")
            await ws.send(json.dumps(seg(4000, 5000, "三天见效。"), ensure_ascii=False))
            replay += await _recv_until(ws, lambda m: m.get("rule_id") == "guarantee.fast_effect")
            await ws.send(json.dumps({"type": "end"}))
            recorded = await _recv_until(ws, lambda m: m["type"] == "recorded")
            await ws.wait_closed()
        return first + more, replay, recorded

    before, replay, recorded = asyncio.run(main())
    sent = [m for m in before if m["type"] == "finding"]
    hit = next(m for m in sent if m["text"] == "全网最低价")
    assert hit["start_ms"] == 1000 and hit["end_ms"] == 3000 and hit["sku"] == SKU_A
    assert any(m["type"] == "error" and m["code"] == "invalid_json" for m in before)
    replayed = [m for m in replay if m["type"] == "finding"]
    seen = sent[0]["seq"]
    assert [m["seq"] for m in replayed] == list(range(seen + 1, seen + 1 + len(replayed)))  # no loss, no duplicates
    assert [m for m in replayed if m["seq"] <= sent[-1]["seq"]] == [m for m in sent if m["seq"] > seen]
    entry = Services(_settings(live_base)).ledger.get(recorded[-1]["seq"])
    assert entry["kind"] == "audit" and entry["subject"] == "WS-LIVE-1"
    assert entry["payload"]["meta"]["source"] == "api" and entry["payload"]["verdict"] == "block"
    assert recorded[-1]["reports"] and {f["rule_id"] for f in entry["payload"]["findings"]} >= {
        "absolute.whole_most",
        "medical.cure_insomnia",
        "guarantee.fast_effect",
    }


def test_websocket_needs_a_write_key(server: tuple[int, str, str]) -> None:
    import websockets

    port, _, read_key = server

    async def attempt(query: str) -> tuple[dict, int | None]:
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1/live/WS-AUTH{query}") as ws:
            msg = json.loads(await ws.recv())
            await ws.wait_closed()
            return msg, ws.close_code

    msg, code = asyncio.run(attempt(""))
    assert (msg["code"], code) == ("unauthorized", 4401)
    msg, code = asyncio.run(attempt(f"?key={read_key}"))
    assert (msg["code"], code) == ("forbidden", 4403)


def test_an_abandoned_session_is_recorded_once_idle(server: tuple[int, str, str], live_base: Path) -> None:
    import websockets

    port, key, _ = server

    async def main() -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1/live/WS-IDLE?key={key}") as ws:
            await ws.send(json.dumps(seg(0, 1000, "全网最低价！"), ensure_ascii=False))
            await _recv_until(ws, lambda m: m["type"] == "finding")

    asyncio.run(main())
    ledger = Services(_settings(live_base)).ledger
    deadline = time.monotonic() + 30
    while not any(e["subject"] == "WS-IDLE" for e in ledger.latest(20)):
        assert time.monotonic() < deadline, "the idle session was not recorded"
        time.sleep(0.5)


def test_a_connected_but_silent_client_gets_recorded_after_the_idle_time(server: tuple[int, str, str]) -> None:
    import websockets

    port, key, _ = server

    async def main() -> list[dict]:
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1/live/WS-SILENT?key={key}") as ws:
            await ws.send(json.dumps(seg(0, 1000, "吃了能治失眠。"), ensure_ascii=False))
            got = await _recv_until(ws, lambda m: m["type"] == "recorded", timeout=30)  # idle: 4 s here
            await ws.wait_closed()
            assert ws.close_code == 1000
            return got

    got = asyncio.run(main())
    assert got[0]["type"] == "finding" and got[-1]["seq"] is not None

"""HTTP API: TestClient per route, and one end-to-end test against real uvicorn."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from claimcheck.api import create_app
from claimcheck.config import Settings
from claimcheck.store.keys import create_key
from tests.conftest import ROOT

SAMPLE = json.loads((ROOT / "data" / "products" / "sample_store.json").read_text(encoding="utf-8"))
EXAMPLES = ROOT / "data" / "examples"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("api")
    settings = Settings(database_url=f"sqlite:///{base / 'api.db'}", report_dir=base / "reports")
    key = create_key(settings.database_url, "tests")
    with TestClient(create_app(settings)) as client:
        yield client, key, settings


def test_healthz_and_openapi(env) -> None:
    client, _, _ = env
    res = client.get("/healthz")
    assert res.status_code == 200 and res.json()["status"] == "ok"
    assert "lexicon" in res.json()["versions"]
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/score", "/v1/screen", "/v1/audit", "/v1/products", "/v1/ledger", "/healthz"} <= set(paths)


def test_score_one_and_batch(env) -> None:
    client, _, _ = env
    res = client.post("/v1/score", json={"text": "这是全网最低价，家人们冲！"})
    assert res.status_code == 200
    (result,) = res.json()["results"]
    assert result["verdict"] == "block"
    assert result["findings"][0]["text"] == "全网最低价"
    res = client.post("/v1/score", json={"texts": ["最近天气冷了", "能治疗失眠"]})
    assert [r["verdict"] for r in res.json()["results"]] == ["pass", "block"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "exactly one"),
        ({"text": "a", "texts": ["b"]}, "exactly one"),
        ({"text": "   "}, "empty"),
        ({"text": 5}, "text"),
        ({"text": "x", "colour": "red"}, "colour"),
        ({"texts": ["a"] * 101}, "texts"),
    ],
)
def test_score_validation_errors_are_422_with_a_message(env, body, fragment) -> None:
    client, _, _ = env
    res = client.post("/v1/score", json=body)
    assert res.status_code == 422
    assert fragment in json.dumps(res.json(), ensure_ascii=False)
    assert "Traceback" not in res.text


def test_request_too_large_is_413(env) -> None:
    client, _, settings = env
    res = client.post(
        "/v1/score",
        content=b"{" + b" " * (settings.max_input_bytes + 100 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert res.status_code == 413


def test_write_endpoints_need_a_key(env) -> None:
    client, _, _ = env
    assert client.post("/v1/screen", json={"script": "最好的"}).status_code == 401
    assert client.post("/v1/screen", json={"script": "最好的"}, headers={"X-API-Key": "cc_bad_key"}).status_code == 401
    assert client.post("/v1/products", json=[]).status_code == 401


def test_products_import_screen_record_and_decide(env) -> None:
    client, key, _ = env
    h = {"X-API-Key": key}
    res = client.post("/v1/products", json=SAMPLE, headers=h)
    assert res.status_code == 200 and res.json()["imported"] == len(SAMPLE)
    assert client.get("/v1/products/CC-APP-001", headers=h).json()["name"]
    assert client.get("/v1/products/NOPE", headers=h).status_code == 404
    assert any(p["sku"] == "CC-FOOD-001" for p in client.get("/v1/products", headers=h).json())

    res = client.post(
        "/v1/screen",
        json={"script": "这件衬衫是纯棉的，全网最低价。", "sku": "CC-APP-001", "subject": "脚本A"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    seq = body["record_seq"]
    verdicts = {f.get("claim_verdict") for f in body["result"]["findings"]}
    assert "contradicted" in verdicts
    entry = client.get(f"/v1/ledger/{seq}", headers=h).json()
    assert entry["kind"] == "screening" and entry["sku"] == "CC-APP-001"

    res = client.post(
        f"/v1/ledger/{seq}/decisions",
        json={"finding_index": 0, "decision": "dismiss", "reason": ""},
        headers=h,
    )
    assert res.status_code == 422  # a dismissal needs a reason
    res = client.post(
        f"/v1/ledger/{seq}/decisions",
        json={"finding_index": 0, "decision": "confirm", "reason": "属实"},
        headers=h,
    )
    assert res.status_code == 200
    assert client.get("/v1/ledger/verify", headers=h).json()["ok"] is True
    assert client.get("/v1/ledger/99999", headers=h).status_code == 404
    assert client.post("/v1/screen", json={"script": "纯棉", "sku": "NOPE"}, headers=h).status_code == 404


def test_audit_upload(env) -> None:
    client, key, _ = env
    files = {
        "transcript": ("broadcast_example.srt", (EXAMPLES / "broadcast_example.srt").read_bytes()),
        "run_sheet": ("broadcast_runsheet.csv", (EXAMPLES / "broadcast_runsheet.csv").read_bytes()),
    }
    res = client.post("/v1/audit", files=files, data={"broadcast_id": "LIVE-1"}, headers={"X-API-Key": key})
    assert res.status_code == 200, res.text
    findings = res.json()["result"]["findings"]
    assert findings and all("start_ms" in f for f in findings)
    assert any(f.get("sku") for f in findings)
    bad = {"transcript": ("x.srt", b"1\n00:00:xx,000 --> 00:00:02,000\nhi\n")}
    res = client.post("/v1/audit", files=bad, headers={"X-API-Key": key})
    assert res.status_code == 422 and "line" in res.json()["error"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_end_to_end_real_server(tmp_path: Path) -> None:
    port = free_port()
    env = {"CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "PATH": "/usr/bin:/bin"}
    import os

    env = {**os.environ, **env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "claimcheck.api.server:app", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError(f"server did not start: {proc.stdout.read().decode() if proc.stdout else ''}")
            time.sleep(0.3)
        with httpx.Client(base_url=url, timeout=10) as client:
            res = client.post("/v1/score", json={"text": "顶级品质，能降血压"})
            assert res.status_code == 200
            assert {f["category"] for f in res.json()["results"][0]["findings"]} >= {"absolute_term", "medical_claim"}
            assert (
                client.post("/v1/score", content=b"not json", headers={"content-type": "application/json"}).status_code
                == 422
            )
            assert client.get("/nope").status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_script_upload_reads_docx_and_text(env, tmp_path: Path) -> None:
    """Every script format the README names works through the API too."""
    import docx

    client, key, _ = env
    document = docx.Document()
    document.add_paragraph("家人们，这是全网最低价！")
    path = tmp_path / "脚本.docx"
    document.save(path)
    for name, data in (("脚本.docx", path.read_bytes()), ("s.txt", "全网最低价".encode("gb18030"))):
        res = client.post("/v1/screen/upload", files={"script": (name, data)}, headers={"X-API-Key": key})
        assert res.status_code == 200, res.text
        assert res.json()["result"]["verdict"] == "block"
        entry = client.get(f"/v1/ledger/{res.json()['record_seq']}", headers={"X-API-Key": key}).json()
        assert entry["subject"] == name
    res = client.post("/v1/screen/upload", files={"script": ("x.docx", b"not a zip")}, headers={"X-API-Key": key})
    assert res.status_code == 422 and "docx" in res.json()["error"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/ledger?kind=foo", 422),
        ("/v1/ledger/99999999999999999999", 404),
        ("/v1/ledger/0", 404),
        ("/v1/ledger?from=yesterday", 422),
    ],
)
def test_bad_ledger_queries_are_client_errors(env, path: str, status: int) -> None:
    client, key, _ = env
    res = client.get(path, headers={"X-API-Key": key})
    assert res.status_code == status, res.text
    assert res.json()["error"] and "Traceback" not in res.text


def test_upload_names_never_reach_the_file_system(env) -> None:
    client, key, _ = env
    srt = (EXAMPLES / "broadcast_example.srt").read_bytes()
    for name in ("..", ".", "x" * 300 + ".srt", "../../etc/passwd.srt"):
        res = client.post("/v1/audit", files={"transcript": (name, srt)}, headers={"X-API-Key": key})
        assert res.status_code == 200, (name, res.text)

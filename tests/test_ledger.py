"""The selection review record (hash-chained ledger) and API keys, on SQLite always and on the
database in CLAIMCHECK_TEST_DATABASE_URL too when it is set (CI sets a local PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from claimcheck.ledger import GENESIS_HASH, Ledger, LedgerError, canonical_json, compute_hash
from claimcheck.store.db import make_engine
from claimcheck.store.keys import KeyError_, create_key, list_keys, revoke_key, verify_key
from claimcheck.store.migrate import upgrade
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, ScreenResult, Severity, Verdict, verdict_for

REPO = Path(__file__).resolve().parent.parent


def sha(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def finding(text_: str, start: int = 0, **kw) -> Finding:
    args = {
        "start": start,
        "end": start + len(text_),
        "text": text_,
        "detector": "lexicon",
        "category": Category.ABSOLUTE_TERM,
        "rule_id": "absolute.best",
        "severity": Severity.BLOCK,
        "score": 0.97,
        "legal_basis": "《广告法》第九条第（三）项",
    }
    return Finding(**(args | kw))


def result(*findings: Finding) -> ScreenResult:
    return ScreenResult(
        verdict=verdict_for(list(findings)),
        findings=list(findings),
        versions={"engine": "0.4.0", "lexicon": "2026.11", "model": "clf-7"},
    )


def two_findings() -> ScreenResult:
    return result(
        finding("全网最好"),
        finding(
            "纯棉",
            start=10,
            detector="spec",
            category=Category.SPEC_MISMATCH,
            rule_id="spec.composition",
            severity=Severity.REVIEW,
            score=0.8,
            claim_verdict="contradicted",
            evidence={"attribute": "composition", "record": {"棉": 65.0, "聚酯纤维": 35.0}},
        ),
    )


def fill(ledger: Ledger, n: int) -> list[int]:
    return [
        ledger.append_result(
            "screening",
            result(finding(f"第{i}好")),
            subject=f"script-{i}.txt",
            sku=f"SKU-{i % 2}",
            input_hash=sha(str(i)),
        )
        for i in range(n)
    ]


def sql(url: str, statement: str, **params) -> None:
    with make_engine(url).begin() as conn:
        conn.execute(text(statement), params)


# ---------------------------------------------------------------------------- schema


def test_migration_creates_the_tables_and_downgrades(db_url: str) -> None:
    upgrade(db_url)  # the ordinary migration path creates the new tables too
    tables = set(inspect(make_engine(db_url)).get_table_names())
    assert {"ledger_entries", "api_keys", "products"} <= tables
    from alembic import command

    from claimcheck.store.db import alembic_config

    for target in ("0001", "head"):
        with make_engine(db_url).begin() as conn:
            cfg = alembic_config(db_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, target) if target == "0001" else command.upgrade(cfg, target)
        present = {"ledger_entries", "api_keys"} <= set(inspect(make_engine(db_url)).get_table_names())
        assert present == (target == "head")


# ---------------------------------------------------------------------------- writing and reading


def test_append_get_and_decisions(db_url: str) -> None:
    ledger = Ledger(db_url)
    s1 = ledger.append_result(
        "screening",
        two_findings(),
        subject="直播脚本-1128.txt",
        sku="CC-APP-001",
        input_hash=sha("脚本"),
        meta={"product": "纯棉T恤", "user": "api:ops"},
    )
    s2 = ledger.append_result("audit", result(), subject="room-88231", sku=None, input_hash=sha("asr"), meta={})
    assert (s1, s2) == (1, 2)

    rec = ledger.get(s1)
    assert rec["kind"] == "screening" and rec["sku"] == "CC-APP-001" and rec["subject"] == "直播脚本-1128.txt"
    p = rec["payload"]
    assert p["input_sha256"] == sha("脚本") and p["verdict"] == "block"
    assert p["versions"] == {"engine": "0.4.0", "lexicon": "2026.11", "model": "clf-7"}
    assert p["findings"] == two_findings().to_json_dict()["findings"]
    assert p["meta"] == {"product": "纯棉T恤", "user": "api:ops"}
    assert rec["prev_hash"] == GENESIS_HASH and rec["decisions"] == []
    assert dt.datetime.fromisoformat(rec["created_at"]).utcoffset() == dt.timedelta(0)
    assert rec["entry_hash"] == compute_hash(GENESIS_HASH, 1, "screening", rec["created_at"], canonical_json(p))

    d1 = ledger.add_decision(s1, 0, "confirm", "", "张三")
    d2 = ledger.add_decision(s1, 1, "dismiss", "面料实测为纯棉，规格表有误", "李四")
    d3 = ledger.add_decision(s1, 1, "confirm", "复核：以检测报告为准", "王五", supersedes=d2)
    assert (d1, d2, d3) == (3, 4, 5)
    decisions = ledger.get(s1)["decisions"]
    assert [(d["seq"], d["finding_index"], d["decision"], d["reviewer"]) for d in decisions] == [
        (3, 0, "confirm", "张三"),
        (4, 1, "dismiss", "李四"),
        (5, 1, "confirm", "王五"),
    ]
    dec = ledger.get(d2)
    assert dec["kind"] == "decision" and dec["record_seq"] == s1 and "decisions" not in dec
    assert dec["payload"]["rule_id"] == "spec.composition" and dec["payload"]["finding_text"] == "纯棉"
    assert dec["payload"]["record_hash"] == rec["entry_hash"] and dec["sku"] == "CC-APP-001"
    assert ledger.get(s2)["payload"]["findings"] == [] and ledger.get(s2)["payload"]["verdict"] == "pass"

    # filters
    assert [e["seq"] for e in ledger.entries()] == [1, 2, 3, 4, 5]
    assert [e["seq"] for e in ledger.entries(sku="CC-APP-001")] == [1, 3, 4, 5]
    assert [e["seq"] for e in ledger.entries(kind="audit")] == [2]
    today = dt.datetime.now(dt.UTC).date()
    assert len(ledger.entries(from_date=today, to_date=today)) == 5
    assert ledger.entries(from_date=today + dt.timedelta(days=1)) == []
    assert ledger.entries(to_date=today - dt.timedelta(days=1)) == []
    assert len(ledger.entries(from_date=today.isoformat(), to_date=dt.datetime.now(dt.UTC).isoformat())) == 5
    # records carry their decisions even when the filter leaves the decisions out
    (only,) = ledger.entries(kind="screening")
    assert len(only["decisions"]) == 3
    with pytest.raises(LedgerError, match="there is no entry 99"):
        ledger.get(99)
    with pytest.raises(LedgerError, match="kind must be one of"):
        ledger.entries(kind="review")

    report = ledger.verify()
    assert report.ok and report.entries == 5 and report.first_bad_seq is None
    assert report.head_hash == ledger.get(5)["entry_hash"]


def test_empty_ledger_verifies(db_url: str) -> None:
    report = Ledger(db_url).verify()
    assert report.ok and report.entries == 0 and report.head_hash is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda lg: lg.add_decision(99, 0, "confirm", "", "张三"), "there is no entry 99"),
        (lambda lg: lg.add_decision(3, 0, "confirm", "", "张三"), "entry 3 is a decision, not a screening or audit"),
        (
            lambda lg: lg.add_decision(1, 2, "confirm", "", "张三"),
            r"record 1 has 2 finding\(s\); there is no finding 2",
        ),
        (lambda lg: lg.add_decision(1, -1, "confirm", "", "张三"), "there is no finding -1"),
        (lambda lg: lg.add_decision(2, 0, "confirm", "", "张三"), r"record 2 has 0 finding\(s\)"),
        (lambda lg: lg.add_decision(1, 0, "dismiss", "  ", "张三"), "a reason is required to dismiss"),
        (lambda lg: lg.add_decision(1, 0, "dismiss", None, "张三"), "a reason is required to dismiss"),
        (lambda lg: lg.add_decision(1, 0, "ignore", "x", "张三"), "decision must be 'confirm' or 'dismiss'"),
        (lambda lg: lg.add_decision(1, 0, "confirm", "", " "), "the reviewer is required"),
        (lambda lg: lg.add_decision("1", 0, "confirm", "", "张三"), "record_seq must be an integer"),
        (
            lambda lg: lg.append_result("review", result(), subject=None, sku=None, input_hash=sha("x")),
            "kind must be one of screening, audit",
        ),
        (
            lambda lg: lg.append_result("audit", result(), subject=None, sku=None, input_hash="abc"),
            "input_hash must be a sha256",
        ),
        (
            lambda lg: lg.append_result(
                "audit", result(), subject=None, sku=None, input_hash=sha("x"), meta={"t": {1}}
            ),
            "cannot be stored as JSON",
        ),
        (
            lambda lg: lg.append_result("audit", result(), subject=None, sku="S" * 65, input_hash=sha("x")),
            "sku must be a string of at most 64",
        ),
    ],
)
def test_invalid_requests_are_refused_and_write_nothing(db_url: str, call, message: str) -> None:
    ledger = Ledger(db_url)
    ledger.append_result("screening", two_findings(), subject="a", sku="A", input_hash=sha("a"))
    ledger.append_result("audit", result(), subject="b", sku="B", input_hash=sha("b"))
    ledger.add_decision(1, 0, "confirm", "", "张三")
    with pytest.raises(LedgerError, match=message):
        call(ledger)
    assert ledger.count() == 3 and ledger.verify().ok


# ---------------------------------------------------------------------------- tampering


def test_edited_payload_is_found(db_url: str) -> None:
    ledger = Ledger(db_url)
    fill(ledger, 6)
    assert ledger.verify().ok
    tampered = ledger.get(3)["payload"] | {"verdict": "pass", "findings": []}
    sql(db_url, "UPDATE ledger_entries SET payload = :p WHERE seq = 3", p=canonical_json(tampered))
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 3 and report.entries == 6
    assert "entry 3 was altered" in report.problem


def test_edited_fields_are_found(db_url: str) -> None:
    ledger = Ledger(db_url)
    fill(ledger, 5)
    sql(db_url, "UPDATE ledger_entries SET sku = 'OTHER' WHERE seq = 4")
    report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (False, 4) and "sku column" in report.problem
    sql(db_url, "UPDATE ledger_entries SET kind = 'audit' WHERE seq = 2")
    report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (False, 2) and "altered" in report.problem


def test_altered_and_rehashed_entry_breaks_the_next_link(db_url: str) -> None:
    ledger = Ledger(db_url)
    fill(ledger, 5)
    e = ledger.get(2)
    payload = canonical_json(e["payload"] | {"verdict": "pass"})
    new_hash = compute_hash(e["prev_hash"], 2, "screening", e["created_at"], payload)
    sql(db_url, "UPDATE ledger_entries SET payload = :p, entry_hash = :h WHERE seq = 2", p=payload, h=new_hash)
    report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (False, 3) and "entry 2 was altered and re-hashed" in report.problem


@pytest.mark.parametrize(("deleted", "first_bad"), [(3, 3), (1, 1)])
def test_deleted_entry_is_found(db_url: str, deleted: int, first_bad: int) -> None:
    ledger = Ledger(db_url)
    fill(ledger, 5)
    sql(db_url, "DELETE FROM ledger_entries WHERE seq = :s", s=deleted)
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == first_bad and report.entries == 4
    assert f"entry {deleted} missing" in report.problem


def test_deleted_and_renumbered_entries_are_found(db_url: str) -> None:
    ledger = Ledger(db_url)
    fill(ledger, 5)
    sql(db_url, "DELETE FROM ledger_entries WHERE seq = 2")
    for seq in (3, 4, 5):
        sql(db_url, "UPDATE ledger_entries SET seq = :n WHERE seq = :s", n=seq - 1, s=seq)
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 2


def test_swapped_seq_is_found(db_url: str) -> None:
    ledger = Ledger(db_url)
    fill(ledger, 5)
    sql(db_url, "UPDATE ledger_entries SET seq = -1 WHERE seq = 3")
    sql(db_url, "UPDATE ledger_entries SET seq = 3 WHERE seq = 4")
    sql(db_url, "UPDATE ledger_entries SET seq = 4 WHERE seq = -1")
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 3 and "does not link" in report.problem


def test_swapped_payloads_are_found(db_url: str) -> None:
    ledger = Ledger(db_url)
    fill(ledger, 5)
    p2, p3 = ledger.get(2)["payload"], ledger.get(3)["payload"]
    sql(db_url, "UPDATE ledger_entries SET payload = :p, sku = :k WHERE seq = 2", p=canonical_json(p3), k=p3["sku"])
    sql(db_url, "UPDATE ledger_entries SET payload = :p, sku = :k WHERE seq = 3", p=canonical_json(p2), k=p2["sku"])
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 2 and "altered" in report.problem


# ---------------------------------------------------------------------------- export


def test_export_xlsx_csv_json(db_url: str, tmp_path: Path) -> None:
    import pandas as pd

    ledger = Ledger(db_url)
    s1 = ledger.append_result(
        "screening",
        result(*two_findings().findings, finding('=HYPERLINK("http://x")', start=20)),
        subject="脚本A",
        sku="CC-APP-001",
        input_hash=sha("A"),
    )
    s2 = ledger.append_result("audit", result(), subject="room-1", sku="CC-FOOD-002", input_hash=sha("B"))
    ledger.add_decision(s1, 1, "dismiss", "规格表有误", "李四")

    xlsx = ledger.export(tmp_path / "record.xlsx", "xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"records", "approvals", "entries"}  # products' approvals: none here
    assert len(sheets["approvals"]) == 0 and "status" in sheets["approvals"].columns
    records, chain = sheets["records"], sheets["entries"]
    assert list(records["seq"]) == [s1, s1, s1, s2]  # one row per finding; a record without findings keeps a row
    assert list(records["finding_text"][:3]) == ["全网最好", "纯棉", '=HYPERLINK("http://x")']  # text, not a formula
    assert list(records["rule_id"][:2]) == ["absolute.best", "spec.composition"]
    assert records["decision"][1] == "dismiss" and records["decision_reason"][1] == "规格表有误"
    assert pd.isna(records["decision"][0]) and records["verdict"][3] == "pass"
    assert json.loads(records["evidence"][1])["record"] == {"棉": 65.0, "聚酯纤维": 35.0}
    assert json.loads(records["versions"][0])["lexicon"] == "2026.11"
    assert records["legal_basis"][0] == "《广告法》第九条第（三）项"
    assert list(chain["seq"]) == [1, 2, 3] and list(chain["kind"]) == ["screening", "audit", "decision"]
    assert chain["entry_hash"][0] == ledger.get(1)["entry_hash"] and chain["prev_hash"][0] == GENESIS_HASH

    csv = ledger.export(tmp_path / "record.csv", "csv", sku="CC-APP-001")
    rows = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(rows["finding_text"]) == ["全网最好", "纯棉", '\'=HYPERLINK("http://x")']
    assert list(rows["category"]) == ["absolute_term", "spec_mismatch", "absolute_term"]

    out = ledger.export(tmp_path / "record.json", "json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [e["seq"] for e in data] == [1, 2, 3] and data[0]["payload"]["findings"][1]["text"] == "纯棉"
    assert data[0]["decisions"][0]["reason"] == "规格表有误"
    assert len(pd.read_json(out)) == 3

    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    empty = pd.read_excel(ledger.export(tmp_path / "none.xlsx", from_date=tomorrow), sheet_name="records")
    assert len(empty) == 0 and "finding_text" in empty.columns
    with pytest.raises(LedgerError, match="export format"):
        ledger.export(tmp_path / "x.pdf")


# ---------------------------------------------------------------------------- concurrency


def _writer(url: str, worker: int, n: int, barrier, out) -> None:
    try:
        barrier.wait(timeout=120)  # all start together, also racing to create the schema
        ledger = Ledger(url)
        seqs = []
        for i in range(n):
            res = ScreenResult(verdict=Verdict.PASS, findings=[], versions={"engine": "t"})
            seqs.append(
                ledger.append_result(
                    "screening", res, subject=f"w{worker}-{i}", sku=f"W{worker}", input_hash="0" * 64, meta={"i": i}
                )
            )
        out.put((worker, seqs, None))
    except BaseException:
        out.put((worker, None, traceback.format_exc()))


def test_concurrent_writers_keep_one_chain(db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(db_url, w, 25, barrier, out)) for w in range(4)]
    for p in procs:
        p.start()
    results, errors, deadline = {}, [], time.monotonic() + 240
    while len(results) + len(errors) < len(procs):
        try:
            worker, seqs, error = out.get(timeout=1)
        except queue.Empty:
            assert time.monotonic() < deadline, "the writers did not finish in time"
            assert all(p.exitcode in (None, 0) for p in procs), [p.exitcode for p in procs]
            continue
        if error:
            errors.append(error)
        else:
            results[worker] = seqs
    for p in procs:
        p.join(timeout=60)
    assert not errors, "\n".join(errors)
    assert [p.exitcode for p in procs] == [0] * len(procs)
    assert sorted(s for seqs in results.values() for s in seqs) == list(range(1, 101))
    assert all(seqs == sorted(seqs) for seqs in results.values())
    ledger = Ledger(db_url)
    report = ledger.verify()
    assert report.ok and report.entries == 100
    entries = ledger.entries()
    assert [e["seq"] for e in entries] == list(range(1, 101))
    for w in range(4):
        mine = [e for e in entries if e["sku"] == f"W{w}"]
        assert [e["payload"]["meta"]["i"] for e in mine] == list(range(25))


def test_killed_writer_leaves_no_partial_entry(db_url: str, tmp_path: Path) -> None:
    ledger = Ledger(db_url)
    fill(ledger, 3)
    marker = tmp_path / "inside-transaction"
    code = (
        "import pathlib, sys, time\n"
        "from claimcheck.ledger import Ledger\n"
        "from claimcheck.types import ScreenResult\n"
        "def hold(seq):\n"
        "    pathlib.Path(sys.argv[2]).write_text(str(seq))\n"
        "    time.sleep(120)\n"
        "r = ScreenResult(verdict='pass', findings=[], versions={})\n"
        "Ledger(sys.argv[1], after_insert=hold).append_result('audit', r, subject='killed', sku=None,"
        " input_hash='1' * 64)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, db_url, str(marker)], cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "the writer exited before reaching the hold point"
            assert time.monotonic() < deadline, "the writer never reached the hold point"
            time.sleep(0.05)
        assert marker.read_text() == "4"  # the entry was inserted, not committed
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    report = ledger.verify()
    assert report.ok and report.entries == 3
    assert all(e["subject"] != "killed" for e in ledger.entries())
    # the lock is free again and the chain continues
    assert ledger.append_result("audit", result(), subject="after", sku=None, input_hash=sha("x")) == 4
    assert ledger.verify().ok


# ---------------------------------------------------------------------------- API keys


def test_api_keys(db_url: str) -> None:
    key = create_key(db_url, "运营后台")
    other = create_key(db_url, "CI")
    prefix, key_id, secret = key.split("_", 2)
    assert prefix == "cc" and len(key_id) == 16 and len(secret) >= 43
    assert verify_key(db_url, key) == "运营后台" and verify_key(db_url, other) == "CI"

    with make_engine(db_url).connect() as conn:
        rows = conn.execute(text("SELECT key_id, key_hash, name FROM api_keys")).all()
    stored = " ".join(str(v) for row in rows for v in row)
    assert secret not in stored and key not in stored
    assert any(r.key_hash == hashlib.sha256(key.encode()).hexdigest() for r in rows)

    for bad in (None, "", "cc_x", key[:-1] + ("A" if key[-1] != "A" else "B"), key + "x", f"cc_{'0' * 16}_{secret}"):
        assert verify_key(db_url, bad) is None
    swapped = f"cc_{other.split('_', 2)[1]}_{secret}"  # someone else's id with this secret
    assert verify_key(db_url, swapped) is None

    assert [k["name"] for k in list_keys(db_url)] == ["运营后台", "CI"]
    assert all(set(k) == {"key_id", "name", "scopes", "created_at", "revoked_at", "active"} for k in list_keys(db_url))
    assert all(k["scopes"] == ["read", "write"] for k in list_keys(db_url))
    assert revoke_key(db_url, key_id) is True
    assert verify_key(db_url, key) is None and verify_key(db_url, other) == "CI"
    assert revoke_key(db_url, key_id) is False
    (revoked,) = [k for k in list_keys(db_url) if k["key_id"] == key_id]
    assert not revoked["active"] and revoked["revoked_at"].tzinfo is not None
    with pytest.raises(KeyError_, match="no API key"):
        revoke_key(db_url, "0" * 16)
    with pytest.raises(KeyError_, match="needs a name"):
        create_key(db_url, " ")

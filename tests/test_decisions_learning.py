"""Learning from decisions: decisions as a training source, `train --with-decisions`, allowed contexts.

Real SQLite databases in tmp_path, the real ledger, engine and command line; nothing of ours is mocked.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.config import Settings
from claimcheck.context import DocContext
from claimcheck.corpus import load_corpus
from claimcheck.ledger import Ledger
from claimcheck.service.app import Services
from claimcheck.service.screening import screen_script
from claimcheck.taxonomy import Category
from claimcheck.training.decisions import DecisionsSource, learnable, load_decisions
from claimcheck.training.train import train_sklearn
from claimcheck.types import Finding, ScreenResult, Severity, Verdict
from tests.test_training import make_corpus

runner = CliRunner()
SCRIPT = "这款面霜是全网最好的。喝了它能治好失眠。"  # 全网最好 (absolute_term, block), 失眠 (medical_claim)
ELSEWHERE = "那款精华也是全网最好的。"  # the same words in another sentence


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'cc.db'}",
        ledger_key_file=tmp_path / "cc.key",
        ledger_checkpoint_file=tmp_path / "cc-checkpoints.jsonl",
    )


@pytest.fixture
def svc(tmp_path: Path, lexicon_engine) -> Services:
    return Services(settings_for(tmp_path), engine=lexicon_engine)


def cli(tmp_path: Path, *args: str):
    env = {
        "COLUMNS": "200",
        "CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'cc.db'}",
        "CLAIMCHECK_LEDGER_KEY_FILE": str(tmp_path / "cc.key"),
        "CLAIMCHECK_LEDGER_CHECKPOINT_FILE": str(tmp_path / "cc-checkpoints.jsonl"),
        "CLAIMCHECK_OPERATOR": "合规主管",
    }
    return runner.invoke(app, list(args), env=env)


def one_line(res) -> str:
    assert "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def by_text(result: ScreenResult, text: str) -> list[Finding]:
    return [f for f in result.findings if f.text == text]


# ------------------------------------------------------------------ decisions -> training source
def test_current_decisions_become_labelled_units(svc: Services) -> None:
    seq = screen_script(svc, SCRIPT, source="a.txt").record_seq
    assert seq is not None
    entry = svc.ledger.get(seq)
    assert entry["payload"]["meta"]["finding_contexts"] == ["这款面霜是全网最好的", "喝了它能治好失眠"]
    first = svc.ledger.add_decision(seq, 0, "confirm", "", "甲")
    second = svc.ledger.add_decision(seq, 0, "dismiss", "品牌口号", "乙", supersedes=first)
    third = svc.ledger.add_decision(seq, 1, "confirm", "", "甲")
    # an older record without kept sentences, and a finding the classifier cannot learn a category from
    unclassified = Finding(
        0, 7, "我们家第一家店", "exaggeration", Category.UNCLASSIFIED, "classifier.unclassified", Severity.REVIEW, 0.9
    )
    term = Finding(9, 12, "国家级", "lexicon", Category.STATE_SYMBOL, "state.national", Severity.BLOCK, 1.0)
    old = svc.ledger.append_result(
        "audit",
        ScreenResult(verdict=Verdict.BLOCK, findings=[unclassified, term], versions={}),
        subject="old",
        sku=None,
        input_hash="0" * 64,
    )
    svc.ledger.add_decision(old, 0, "confirm", "", "甲")
    fourth = svc.ledger.add_decision(old, 1, "dismiss", "误报", "甲")

    source = load_decisions(svc.ledger)
    rows = source.frame.to_dict("records")
    assert [(r["decision_seq"], r["label"], r["text"], r["text_from"]) for r in rows] == [
        (second, "ok", "这款面霜是全网最好的", "context"),  # superseded confirm ignored; dismiss -> ok
        (third, "medical_claim", "喝了它能治好失眠", "context"),
        (fourth, "ok", "国家级", "finding"),  # no kept sentence: the finding's own text
    ]
    assert rows[0]["record_seq"] == seq and rows[2]["style"] == "asr" and rows[0]["style"] == "script"
    assert source.skipped == {"confirmed unclassified (no category the classifier learns)": 1}
    assert source.file_name == f"decisions-{source.sha256[:12]}.jsonl"
    assert load_decisions(svc.ledger).sha256 == source.sha256  # versioned by content


# ------------------------------------------------------------------ train --with-decisions
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("tiny-decisions")
    corpus = make_corpus(base / "corpus")
    train_sklearn(corpus, base / "model", log=lambda *_: None)
    return corpus, base / "model"


def test_train_with_decisions_records_what_it_learned(tmp_path: Path, tiny, lexicon_engine) -> None:
    corpus, baseline = tiny
    out = tmp_path / "model"
    res = cli(tmp_path, "train", "--with-decisions", "--corpus", str(corpus), "--out", str(out), "--no-real-speech")
    assert res.exit_code == 2 and "no decisions to learn from" in one_line(res)

    svc = Services(settings_for(tmp_path), engine=lexicon_engine)
    seqs = []
    for text, decision in (
        ("这款卫衣是全网最好的", "confirm"),
        ("史上最强的手机就在这里", "confirm"),
        (ELSEWHERE, "dismiss"),
    ):
        rec = screen_script(svc, text, source="t", context=DocContext(product_category="food")).record_seq
        assert rec is not None
        seqs.append(svc.ledger.add_decision(rec, 0, decision, "依语料标签", "模拟审核员"))

    res = cli(tmp_path, "train", "--model", "gate", "--with-decisions")
    assert res.exit_code == 2 and "--with-decisions" in one_line(res)
    res = cli(
        tmp_path,
        "train",
        "--with-decisions",
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--baseline",
        str(baseline),
        "--no-real-speech",
        "--decision-weight",
        "2",
    )
    assert res.exit_code == 0, res.output
    assert "before" in res.stdout and "after" in res.stdout
    assert "corpus test, default pipeline: F1" in res.stdout and "real-speech dev: recall" in res.stdout
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    d = meta["decisions"]
    assert d["decision_seqs"] == seqs and (d["first_seq"], d["last_seq"]) == (seqs[0], seqs[-1])
    assert (d["learned"], d["confirmed"], d["dismissed"], d["weight"]) == (3, 2, 1, 2.0)
    source = out / d["file"]
    assert source.is_file() and d["file"] in meta["files"] and d["sha256"].startswith(d["file"][10:22])
    units = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    assert [u["label"] for u in units] == ["absolute_term", "absolute_term", "ok"]
    assert not list(corpus.glob("decisions-*"))  # never mixed into the corpus


def test_learning_plan_never_trains_on_test_and_keeps_learned_dev_out_of_thresholds(tiny) -> None:
    corpus, _ = tiny
    df = load_corpus(corpus)
    test_text = df.loc[df["split"] == "test", "text"].iloc[0]
    dev_text = df.loc[df["split"] == "dev", "text"].iloc[0]
    rows = [
        (test_text, "ok", 10, 1),
        (dev_text + "。", "absolute_term", 11, 2),  # the same unit, edge punctuation aside
        (dev_text + "。", "absolute_term", 12, 2),  # a second finding of the same unit and label
        ("全新的句子没有人见过", "ok", 13, 3),
    ]
    frame = pd.DataFrame(
        [
            {
                "text": t,
                "label": lab,
                "product_category": "",
                "style": "script",
                "decision_seq": d,
                "record_seq": r,
                "finding_index": 0,
                "decision": "dismiss" if lab == "ok" else "confirm",
                "rule_id": "",
                "reviewer": "甲",
                "text_from": "context",
            }
            for t, lab, d, r in rows
        ]
    )
    plan = learnable(DecisionsSource(frame), df, 1.0, log=lambda *_: None)
    assert plan.y == ["absolute_term", "ok"] and plan.left_out_test == 1
    assert plan.decision_seqs == [11, 12, 13]
    assert int(plan.dev_learned.sum()) == 1 and df.loc[plan.dev_learned, "text"].tolist() == [dev_text]


# ------------------------------------------------------------------ allowed contexts
def test_allowance_from_a_dismissed_finding_applies_at_once_and_only_in_its_context(svc: Services, tmp_path) -> None:
    seq = screen_script(svc, SCRIPT, source="a.txt").record_seq
    svc.ledger.add_decision(seq, 0, "dismiss", "获奖口号", "审核员")
    res = cli(tmp_path, "allow", "add", "--from", str(seq), "--finding", "0", "--reason", "已备案的获奖称号")
    assert res.exit_code == 0, res.output
    assert "allowed context #1" in res.stdout and "合规主管" in res.stdout

    again = screen_script(svc, SCRIPT + ELSEWHERE, source="b.txt")  # same engine: no restart
    allowed, elsewhere = by_text(again.result, "全网最好")
    assert allowed.severity is Severity.INFO and elsewhere.severity is Severity.BLOCK
    created = json.loads(cli(tmp_path, "allow", "list").stdout)["created_at"]
    day = dt.datetime.fromisoformat(created).astimezone().date().isoformat()  # shown as the local day
    assert allowed.explanation.endswith(
        f"（本机构允许语境 #1：合规主管 于 {day} 认定“这款面霜是全网最好的”中的“全网最好”不违规：已备案的获奖称号）"
    )
    assert again.result.verdict is Verdict.BLOCK  # the other sentence still blocks
    assert again.result.versions["allowances"].startswith("allowances@")
    stored = svc.ledger.get(again.record_seq)["payload"]
    assert stored["versions"]["allowances"] == again.result.versions["allowances"]

    alone = screen_script(svc, SCRIPT, source="c.txt").result
    assert [f.severity for f in by_text(alone, "全网最好")] == [Severity.INFO]
    assert alone.verdict is Verdict.REVIEW  # 失眠 is still for review

    res = cli(tmp_path, "allow", "remove", "1")
    assert res.exit_code == 0 and "removed allowed context #1" in res.stdout
    after = screen_script(svc, SCRIPT, source="d.txt").result
    assert [f.severity for f in by_text(after, "全网最好")] == [Severity.BLOCK]
    assert "allowances" not in after.versions and "本机构允许语境" not in after.findings[0].explanation
    listed = [json.loads(line) for line in cli(tmp_path, "allow", "list", "--all").stdout.splitlines()]
    assert [(a["id"], a["active"], a["removed_by"]) for a in listed] == [(1, False, "合规主管")]
    assert cli(tmp_path, "allow", "list").stdout == ""


def test_allowance_context_can_be_narrowed_and_must_hold_the_phrase(svc: Services, tmp_path) -> None:
    seq = screen_script(svc, SCRIPT, source="a.txt").record_seq
    svc.ledger.add_decision(seq, 0, "dismiss", "口号", "审核员")
    res = cli(
        tmp_path, "allow", "add", "--from", str(seq), "--finding", "0", "--reason", "r", "--context", "最好的精华"
    )
    assert res.exit_code == 2 and "does not contain" in one_line(res)
    res = cli(
        tmp_path, "allow", "add", "--from", str(seq), "--finding", "0", "--reason", "r", "--context", "是全网最好的"
    )
    assert res.exit_code == 0, res.output
    both = screen_script(svc, SCRIPT + ELSEWHERE, source="b.txt").result
    assert [f.severity for f in by_text(both, "全网最好")] == [Severity.INFO, Severity.INFO]  # 是全网最好的 in both
    res = cli(
        tmp_path, "allow", "add", "--from", str(seq), "--finding", "0", "--reason", "r", "--context", "是全网最好的"
    )
    assert res.exit_code == 2 and "already allowed (#1)" in one_line(res)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "99", "--finding", "0", "--reason", "r"], "there is no entry 99"),
        (["--from", "1", "--finding", "5", "--reason", "r"], "there is no finding 5 (valid: 0..1)"),
        (["--from", "1", "--finding", "1", "--reason", "r"], "not a dismissed false alarm (its current decision"),
        (["--from", "1", "--finding", "0", "--reason", "r"], "not a dismissed false alarm (it has no decision)"),
        (["--from", "1", "--finding", "1", "--reason", "  "], "a reason is required"),
        (["--from", "2", "--finding", "0", "--reason", "r"], "is a decision, not a screening or audit record"),
        (["--from", "1", "--finding", "1", "--reason", "r", "--scope", "all"], "--scope must be one of"),
    ],
)
def test_bad_allowance_requests_exit_2_with_one_line(svc: Services, tmp_path, args, message) -> None:
    seq = screen_script(svc, SCRIPT, source="a.txt").record_seq
    svc.ledger.add_decision(seq, 1, "confirm", "", "审核员")
    res = cli(tmp_path, "allow", "add", *args)
    assert res.exit_code == 2 and message in one_line(res)


def test_a_term_hit_without_a_kept_sentence_needs_a_context(svc: Services, tmp_path) -> None:
    """Entries from before sentences were kept have only the term: "this context" must then be given."""
    term = Finding(
        5, 9, "全网最好", "lexicon", Category.ABSOLUTE_TERM, "absolute.whole_most_quality", Severity.BLOCK, 1.0
    )
    seq = svc.ledger.append_result(
        "screening",
        ScreenResult(verdict=Verdict.BLOCK, findings=[term], versions={}),
        subject="old",
        sku=None,
        input_hash="1" * 64,
    )
    svc.ledger.add_decision(seq, 0, "dismiss", "口号", "审核员")
    res = cli(tmp_path, "allow", "add", "--from", str(seq), "--finding", "0", "--reason", "r")
    assert res.exit_code == 2 and "keeps no text around finding 0" in one_line(res)
    res = cli(tmp_path, "allow", "add", "--from", str(seq), "--finding", "0", "--reason", "r", "--context", SCRIPT[:10])
    assert res.exit_code == 0, res.output
    found = screen_script(svc, SCRIPT, source="new.txt").result
    assert [f.severity for f in by_text(found, "全网最好")] == [Severity.INFO]


def test_removing_an_unknown_allowance_exits_2(tmp_path) -> None:
    res = cli(tmp_path, "allow", "remove", "7")
    assert res.exit_code == 2 and "no allowed context #7" in one_line(res)


def test_allowances_reach_a_running_service(tmp_path, lexicon_engine) -> None:
    """Two Services on one database (an API worker and the admin's command line): no restart needed."""
    worker = Services(settings_for(tmp_path), engine=lexicon_engine)
    seq = screen_script(worker, SCRIPT, source="a.txt").record_seq
    Ledger(settings_for(tmp_path).database_url, key_file=tmp_path / "cc.key").add_decision(seq, 0, "dismiss", "r", "甲")
    assert cli(tmp_path, "allow", "add", "--from", str(seq), "--finding", "0", "--reason", "r").exit_code == 0
    assert by_text(screen_script(worker, SCRIPT, source="b.txt").result, "全网最好")[0].severity is Severity.INFO

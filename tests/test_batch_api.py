"""The public Python API, batches of texts, pandas frames and ``claimcheck batch`` (issue 15)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from claimcheck.batch import screen_frame
from claimcheck.cli import app
from claimcheck.types import FINDING_FIELDS, Finding, RowError, ScreenResult

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "全网最低价，能治失眠",
    "今天天气很好，我们聊聊这件衬衫的版型",
    "这款面霜美白祛斑，用了就见效",
    "第一名的品质，无效退款",
    "吃了三天就瘦了十斤，百分之百有效",
    "欢迎来到直播间",
]
runner = CliRunner()


def key(result) -> list[tuple]:
    return [(f.start, f.end, f.rule_id, str(f.severity)) for f in result.findings]


def test_import_claimcheck_is_cheap_and_names_are_public() -> None:
    code = (
        "import sys, claimcheck\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('claimcheck'))\n"
        "assert loaded == ['claimcheck'], loaded\n"
        "from claimcheck import Engine, audit, screen, RowError, ScreenResult, Finding, DocContext\n"
        "assert Engine.__module__ == 'claimcheck.engine' and callable(screen) and callable(audit)\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    import claimcheck

    assert "screen" in dir(claimcheck)
    with pytest.raises(AttributeError):
        claimcheck.no_such_name  # noqa: B018


def test_screen_and_audit_on_the_default_engine() -> None:
    import claimcheck

    result = claimcheck.screen("全网最低价，能治失眠", category="food")
    assert isinstance(result, ScreenResult) and result.verdict == "block" and result.error is None
    assert claimcheck.default_engine() is claimcheck.default_engine()  # one cached engine
    audited = claimcheck.audit(ROOT / "data" / "examples" / "broadcast_example.srt")
    assert audited.findings and all(f.start_ms is not None for f in audited.findings)


def test_screen_many_equals_screen_in_order(engine) -> None:
    results = engine.screen_many(TEXTS, categories=[None, None, "化妆品", None, "food", None])
    assert len(results) == len(TEXTS)
    expected = [engine.screen(t) for t in TEXTS]
    assert [key(r) for r in results[:2]] == [key(e) for e in expected[:2]]
    assert any(r.findings for r in results)
    single = engine.screen_many(TEXTS)
    assert [key(r) for r in single] == [key(e) for e in expected]
    assert [r.verdict for r in single] == [e.verdict for e in expected]


def test_screen_many_in_two_processes_equals_one(engine) -> None:
    texts = TEXTS * 5
    one = engine.screen_many(texts)
    two = engine.screen_many(texts, n_jobs=2, chunk_size=4)
    assert [r.to_dict() for r in two] == [r.to_dict() for r in one]


def test_spawned_workers_build_their_own_engine(lexicon_engine) -> None:
    import multiprocessing

    texts = TEXTS * 2
    with lexicon_engine.process_pool(2, multiprocessing.get_context("spawn")) as pool:
        spawned = lexicon_engine.screen_many(texts, executor=pool, chunk_size=3)
    assert [r.to_dict() for r in spawned] == [r.to_dict() for r in lexicon_engine.screen_many(texts)]


def test_missing_and_bad_rows_are_per_row_errors(engine) -> None:
    texts = ["全网最低价", None, math.nan, "", "   ", 42, pd.NA, "欢迎来到直播间"]
    results = engine.screen_many(texts)
    assert [type(r).__name__ for r in results] == ["ScreenResult"] + ["RowError"] * 6 + ["ScreenResult"]
    errors = [r for r in results if isinstance(r, RowError)]
    assert [e.index for e in errors] == [1, 2, 3, 4, 5, 6]
    assert errors[0].error == "text is missing (None)"
    assert errors[1].error == "text is missing (NaN)"
    assert errors[2].error == "text is empty"
    assert errors[4].error == "text must be a string, not int"
    assert all(e.verdict is None and e.findings == [] for e in errors)
    bad_category = engine.screen_many(["全网最低价"], categories=["没有这个类目"])[0]
    assert isinstance(bad_category, RowError) and "unknown product category" in bad_category.error


def test_to_dict_is_plain_json(engine) -> None:
    result = engine.screen("全网最低价，能治失眠，这款面霜美白祛斑")
    data = json.loads(result.to_json())
    assert data == result.to_dict() and data["verdict"] == "block"
    finding = result.findings[0]
    plain = finding.to_dict()
    assert list(plain) == list(FINDING_FIELDS)
    assert json.loads(json.dumps(plain, ensure_ascii=False)) == plain
    assert type(plain["category"]) is str and type(plain["severity"]) is str
    assert Finding(**{**plain, "category": finding.category, "severity": finding.severity}) == finding
    assert json.loads(RowError(3, "text is empty").to_json())["error"] == "text is empty"


def test_screen_frame_keeps_the_index(engine) -> None:
    df = pd.DataFrame({"text": [TEXTS[0], None, TEXTS[2], TEXTS[5]]}, index=["a", "b", "c", "d"])
    findings, verdicts = screen_frame(df, engine=engine)
    assert list(findings.columns) == ["row", *FINDING_FIELDS]
    assert set(findings["row"]) == {"a", "c"}
    assert list(verdicts.index) == ["a", "b", "c", "d"]
    assert verdicts.loc["a", "verdict"] == "block" and verdicts.loc["d", "verdict"] == "pass"
    assert verdicts.loc["b", "error"].startswith("text is missing") and verdicts.loc["b", "n_findings"] == 0
    expected = [(f.start, f.end, f.rule_id) for f in engine.screen(TEXTS[0]).findings]
    got = findings[findings["row"] == "a"][["start", "end", "rule_id"]]
    assert [tuple(r) for r in got.itertuples(index=False)] == expected


# --- claimcheck batch -----------------------------------------------------------------------


def _table(tmp_path: Path, name: str) -> Path:
    df = pd.DataFrame({"id": [f"r{i}" for i in range(len(TEXTS) + 1)], "text": [*TEXTS, None]})
    path = tmp_path / name
    if name.endswith(".csv"):
        df.to_csv(path, index=False)
    elif name.endswith(".jsonl"):
        df.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        df.to_parquet(path, index=False)
    return path


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype={"id": str})
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_parquet(path)


@pytest.fixture(scope="module")
def expected_findings(engine) -> set[tuple]:
    results = engine.screen_many([*TEXTS, None])
    return {(f"r{i}", f.start, f.end, f.rule_id) for i, r in enumerate(results) for f in r.findings}


@pytest.mark.parametrize(
    ("source", "out", "jobs"),
    [("in.csv", "out.csv", 1), ("in.jsonl", "out.jsonl", 1), ("in.parquet", "o.parquet", 1), ("in.csv", "o.jsonl", 2)],
)
def test_batch_command_matches_screen_many(tmp_path: Path, source: str, out: str, jobs: int, expected_findings) -> None:
    src = _table(tmp_path, source)
    res = runner.invoke(app, ["batch", str(src), "--out", str(tmp_path / out), "--id-col", "id", "--jobs", str(jobs)])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["rows"] == len(TEXTS) + 1 and summary["errors"] == 1 and summary["screened"] == len(TEXTS) + 1
    assert sum(summary["verdicts"].values()) == len(TEXTS)
    assert json.loads((tmp_path / (out + ".summary.json")).read_text("utf-8")) == summary
    got = _read(tmp_path / out)
    assert {(r.id, r.start, r.end, r.rule_id) for r in got.itertuples()} == expected_findings
    assert len(got) == len(expected_findings)


def test_batch_resumes_without_duplicates(tmp_path: Path) -> None:
    src = _table(tmp_path, "in.csv")
    out = tmp_path / "out.jsonl"
    pd.read_csv(src).iloc[:3].to_csv(tmp_path / "part.csv", index=False)  # an interrupted first run: 3 rows
    first = runner.invoke(app, ["batch", str(tmp_path / "part.csv"), "--out", str(out), "--id-col", "id"])
    assert first.exit_code == 0, first.output
    before = _read(out)
    second = runner.invoke(app, ["batch", str(src), "--out", str(out), "--id-col", "id", "--record"])
    assert second.exit_code == 0, second.output
    summary = json.loads(second.stdout)
    assert summary["skipped"] == 3 and summary["screened"] == len(TEXTS) + 1 - 3
    assert summary["record_seq"] >= 1
    after = _read(out)
    assert not after.duplicated(["id", "start", "end", "rule_id"]).any()
    assert len(after) > len(before)
    third = runner.invoke(app, ["batch", str(src), "--out", str(out), "--id-col", "id"])
    assert json.loads(third.stdout)["screened"] == 0 and len(_read(out)) == len(after)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-col", "nope"], "no column 'nope'"),
        (["--id-col", "missing"], "no column 'missing'"),
    ],
)
def test_batch_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    src = _table(tmp_path, "in.csv")
    res = runner.invoke(app, ["batch", str(src), "--out", str(tmp_path / "o.csv"), *args])
    assert res.exit_code == 2 and message in res.output and len(res.output.strip().splitlines()) == 1


def test_batch_unreadable_file_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    for path in (bad, tmp_path / "absent.csv", tmp_path / "table.xls"):
        res = runner.invoke(app, ["batch", str(path), "--out", str(tmp_path / "o.csv")])
        assert res.exit_code == 2, res.output
        assert len(res.output.strip().splitlines()) == 1


def test_spacy_component_writes_spans(engine) -> None:
    import spacy

    from claimcheck.spacy_component import ClaimcheckComponent

    nlp = spacy.blank("zh")
    nlp.add_pipe("claimcheck", config={"category": "food"})
    doc = nlp("全网最低价，能治失眠")
    group = doc.spans["claimcheck"]
    assert [(s.text, s.label_) for s in group] == [("全网最低价", "absolute_term"), ("治失眠", "medical_claim")]
    assert group.attrs["verdict"] == "block" and len(group.attrs["findings"]) == 2
    own = ClaimcheckComponent(engine=engine, span_key="cc")(nlp.make_doc("今天天气很好"))
    assert list(own.spans["cc"]) == [] and own.spans["cc"].attrs["verdict"] == "pass"

"""`claimcheck screen --sku` and per-product sections against the sample store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.io.sections import split_sections
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "products" / "sample_store.json"
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'store.db'}"
    res = runner.invoke(app, ["products", "import", str(SAMPLE), "--db", url])
    assert res.exit_code == 0, res.output
    return url


def screen(db: str, text: str, *args: str) -> tuple[int, dict]:
    res = runner.invoke(
        app, ["screen", "-", "--format", "json", "--db", db, "--date", "2026-11-28", *args], input=text.encode()
    )
    return res.exit_code, (json.loads(res.stdout) if res.stdout.strip().startswith("{") else {"stderr": res.stderr})


def spec_findings(data: dict) -> list[dict]:
    return [f for f in data["findings"] if f.get("claim_verdict")]


@pytest.mark.parametrize(
    ("sku", "text", "verdict", "evidence_key"),
    [
        ("CC-APP-001", "这件衬衫是纯棉的。", "contradicted", "value"),
        ("CC-FOOD-001", "这款饮料0蔗糖。", "contradicted", "ingredient"),
        ("CC-FOOD-002", "一斤装的大包装。", "contradicted", "stored_base"),
        ("CC-AGRI-003", "我们家是有机认证的。", "expired_evidence", "valid_until"),
        ("CC-HOME-001", "甲醛检测合格。", "failed_evidence", "report_no"),
    ],
)
def test_screen_with_sku_flags_with_evidence(db, sku, text, verdict, evidence_key) -> None:
    code, data = screen(db, text, "--sku", sku)
    (f,) = [f for f in spec_findings(data) if f["claim_verdict"] == verdict]
    assert f["category"] == "spec_mismatch" and f["sku"] == sku
    assert f["evidence"][evidence_key]
    assert text[f["start"] : f["end"]] == f["text"]
    assert code == (1 if f["severity"] == "block" else code)


def test_date_option_changes_expiry(db) -> None:
    _, before = screen(db, "我们家是有机认证的。", "--sku", "CC-AGRI-003", "--date", "2026-10-01")
    assert [f["claim_verdict"] for f in spec_findings(before)] == ["supported"]


def test_unknown_sku_and_bad_date(db) -> None:
    code, data = screen(db, "纯棉", "--sku", "NOPE")
    assert code == 2 and "NOPE" in data["stderr"]
    code, data = screen(db, "纯棉", "--sku", "CC-APP-001", "--date", "28/11/2026")
    assert code == 2 and "YYYY-MM-DD" in data["stderr"]


def test_per_product_sections_in_a_script(db) -> None:
    script = (ROOT / "data" / "examples" / "script_products.txt").read_text(encoding="utf-8")
    code, data = screen(db, script)
    assert code == 1
    by_sku = {}
    for f in spec_findings(data):
        by_sku.setdefault(f["sku"], set()).add(f["claim_verdict"])
    assert "contradicted" in by_sku["CC-APP-001"]
    assert "contradicted" in by_sku["CC-FOOD-001"]
    assert "expired_evidence" in by_sku["CC-AGRI-003"]
    assert "failed_evidence" in by_sku["CC-HOME-001"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("开场\n## SKU: A-1 衬衫\n纯棉\n## 结尾\n谢谢", [None, "A-1", None]),
        ("【一号链接 B-2 饮料】\n0蔗糖\n【二号链接】\n好喝", ["B-2", None]),
        ("没有标题的一段话", [None]),
    ],
)
def test_split_sections(text: str, expected: list) -> None:
    assert [s.sku for s in split_sections(text, ["B-2"])] == expected


def test_no_sku_means_no_spec_check(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        ["screen", "-", "--format", "json", "--no-record", "--db", f"sqlite:///{tmp_path / 'none.db'}"],
        input="纯棉的衬衫".encode(),
    )
    assert res.exit_code in (0, 1)
    assert not (tmp_path / "none.db").exists()  # a dry run without a SKU never touches the database

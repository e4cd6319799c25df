"""Product records (template, nutrition, detection limits), the claims set's splits, the
factual-claim model on claims it never saw, and how reports show products and supported claims."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from claimcheck.claimsets import CLAIMS_DIR, assign_splits, load_claims, load_splits
from claimcheck.config import Settings
from claimcheck.context import DocContext
from claimcheck.engine import Engine
from claimcheck.nlp.normalize import compact
from claimcheck.paths import MODELS_DIR
from claimcheck.report.html import render_html
from claimcheck.report.terminal import render
from claimcheck.store.io import read_products
from claimcheck.store.repository import SpecStore
from claimcheck.store.schema import NutritionIn, ProductRecord, SpecIn
from claimcheck.store.template import write_template

ON = dt.date(2026, 12, 1)


def _drink() -> ProductRecord:
    return ProductRecord(
        sku="TEA-330",
        name="无糖乌龙茶饮料",
        category="food",
        specs=[SpecIn(name="净含量", value="330", unit="ml"), SpecIn(name="产地", value="福建省泉州市安溪县")],
        ingredients=["水", "乌龙茶", "维生素C"],
        nutrition=[
            NutritionIn(item="能量", value="0", unit="kJ", per="100ml"),
            NutritionIn(item="糖", value="0", unit="g", per="100ml"),
            NutritionIn(item="钠", value="12", unit="mg", per="100ml"),
        ],
    )


def test_template_imports_back_with_its_example_rows(tmp_path: Path) -> None:
    path = write_template(tmp_path / "products.xlsx", ["food", "cosmetics"])
    records = read_products(path)
    assert records, "the template's example rows are a valid record"
    assert all(r.sku and r.name for r in records)


def test_nutrition_rows_survive_the_store(db_url: str) -> None:
    store = SpecStore(db_url)
    store.upsert([_drink()])
    back = store.get("TEA-330")
    assert back is not None
    assert [(n.item, n.value, n.unit, n.per) for n in back.nutrition] == [
        ("能量", "0", "kJ", "100ml"),
        ("糖", "0", "g", "100ml"),
        ("钠", "12", "mg", "100ml"),
    ]


def test_existing_splits_never_move(tmp_path: Path) -> None:
    for p in CLAIMS_DIR.glob("*_part1.*"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    assert assign_splits(tmp_path) > 0
    first = load_splits(tmp_path)
    assert assign_splits(tmp_path) == 0
    assert load_splits(tmp_path) == first
    assert set(first.values()) <= {"train", "dev", "test"}


def test_every_claim_has_a_split_and_test_products_hold_no_train_claims() -> None:
    claims = load_claims()
    assert {c.split for c in claims} == {"train", "dev", "test"}
    by_sku: dict[str, set[str]] = {}
    for c in claims:
        by_sku.setdefault(c.sku, set()).add(c.split)
    assert all(len(s) == 1 for s in by_sku.values()), "a product's claims share one split"


def test_factual_model_on_dev_claims_it_never_saw() -> None:
    from claimcheck.classifier.factual import load_factual

    model = load_factual(MODELS_DIR / "factual-claim")
    dev = [compact(c.text) for c in load_claims() if c.split == "dev"]
    ordinary = [
        compact(t)
        for t in (
            "宝宝们晚上好欢迎来到直播间",
            "扣1的家人们我看到了",
            "今天下单明天就发顺丰",
            "有问题随时找客服哈",
            "点点关注不迷路",
        )
    ]
    assert np.mean(model.factual(dev)) >= 0.85
    assert not model.factual(ordinary).any()


@pytest.fixture()
def drink_engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    SpecStore(url).upsert([_drink()])
    return Engine.from_settings(Settings(database_url=url, detectors=["lexicon", "spec_check"]))


def test_findings_carry_the_product_name_and_reports_show_supported_claims_apart(drink_engine: Engine) -> None:
    text = "这款乌龙茶零糖，一瓶330毫升。产自福建安溪。"
    result = drink_engine.screen(text, DocContext(sku="TEA-330", broadcast_date=ON))
    spec = [f for f in result.findings if f.claim_verdict]
    assert spec and all(f.product_name == "无糖乌龙茶饮料" for f in spec)
    assert {f.claim_verdict for f in spec} == {"supported"}
    html = render_html(result, text, source="t.txt")
    assert "有据可查" in html and "无糖乌龙茶饮料" in html
    out = io.StringIO()
    render(result, text, Console(file=out, width=160, color_system=None), source="t.txt")
    assert "有据可查" in out.getvalue() and "TEA-330 无糖乌龙茶饮料" in out.getvalue()


def test_a_contradicted_zero_claim_is_a_problem_not_a_backed_claim(drink_engine: Engine) -> None:
    text = "零钠的哦家人们。"  # 12 mg/100ml is above the 5 mg a 零钠 claim allows
    result = drink_engine.screen(text, DocContext(sku="TEA-330", broadcast_date=ON))
    verdicts = [f.claim_verdict for f in result.findings if f.claim_verdict]
    assert verdicts == ["contradicted"]
    html = render_html(result, text, source="t.txt")
    assert "有据可查" not in html

"""What a product may claim: efficacy mentions against the product type and the product's record."""

from __future__ import annotations

import pytest

from claimcheck.context import DocContext
from claimcheck.detectors.scope import ScopeDetector
from claimcheck.engine import Engine
from claimcheck.specs.scope import ScopeChecker, load_scope
from claimcheck.store.schema import ProductRecord, SpecIn

TABLE = load_scope()
CHECKER = ScopeChecker(TABLE)


def record(category: str, claims: str, spec: str = "保健功能") -> ProductRecord:
    return ProductRecord(sku="X-1", name="测试品", category=category, specs=[SpecIn(name=spec, value=claims)])


@pytest.mark.parametrize(
    ("efficacy", "category", "rec", "within"),
    [
        # by product type only
        ("sleep", "health_food", None, True),  # a catalogue function
        ("whitening", "health_food", None, False),  # not a health-food function
        ("anti_glycation", "health_food", None, False),  # nothing may claim it
        ("sleep", "food", None, False),  # ordinary food: no functions
        ("nutrient", "food", None, True),  # nutrient function claims are lawful for foods
        ("moisturizing", "cosmetics", None, True),
        ("whitening", "cosmetics", None, False),  # special-use efficacy needs registration
        ("whitening", "special_cosmetics", None, True),
        ("sleep", "apparel", None, None),  # no scope for this type: nothing to judge
        # by the product's record
        ("bone_density", "health_food", record("health_food", "有助于改善骨密度"), True),
        ("sleep", "health_food", record("health_food", "有助于改善骨密度"), False),
        ("whitening", "special_cosmetics", record("special_cosmetics", "防晒", "功效宣称"), False),
        ("sunscreen", "special_cosmetics", record("special_cosmetics", "防晒", "功效宣称"), True),
    ],
)
def test_scope(efficacy: str, category: str, rec: ProductRecord | None, within: bool | None) -> None:
    verdict = CHECKER.check(efficacy, category, rec)
    assert (None if verdict is None else verdict.within) is within


@pytest.fixture(scope="module")
def scope_engine() -> Engine:
    from claimcheck.config import Settings

    return Engine.from_settings(Settings(detectors=["efficacy_scope"]))


@pytest.mark.parametrize(
    ("text", "category", "rule_ids"),
    [
        ("这款钙片还能帮你美白", "health_food", ["scope.whitening"]),
        ("鱼油有助于维持血脂健康水平", "health_food", []),
        ("喝了这个果汁有助于改善睡眠", "food", ["scope.sleep"]),
        ("这款面霜保湿效果很好", "cosmetics", []),
        ("这款面霜还能美白", "cosmetics", ["scope.whitening"]),
        ("这款面霜还能美白", "special_cosmetics", []),
        ("这件卫衣穿着助眠", "apparel", []),
    ],
)
def test_scope_detector(scope_engine: Engine, text: str, category: str, rule_ids: list[str]) -> None:
    found = scope_engine.screen(text, DocContext(product_category=category)).findings
    assert [f.rule_id for f in found] == rule_ids
    for f in found:
        assert text[f.start : f.end] == f.text and f.category.value == "efficacy_overclaim"


def test_record_outside_scope_blocks_with_evidence(tmp_path) -> None:
    from claimcheck.store.catalogue import ProductCatalogue
    from claimcheck.store.repository import SpecStore

    store = SpecStore(f"sqlite:///{tmp_path / 's.db'}")
    store.upsert([record("health_food", "有助于改善骨密度")])
    detector = ScopeDetector(TABLE, ProductCatalogue(store))
    engine = Engine.from_settings()
    doc = engine.pipeline.make_doc(
        "吃了帮助睡眠，还能改善骨密度", DocContext(sku="X-1", product_category="health_food")
    )
    (f,) = detector.analyze(doc)
    assert f.rule_id == "scope.sleep" and f.severity.value == "block"
    assert f.evidence == {"efficacy": "有助于改善睡眠", "allowed": "有助于改善骨密度"}

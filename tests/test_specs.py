"""Claim extraction and cross-check, table-driven, on records built here by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from claimcheck.nlp.normalize import light
from claimcheck.specs.check import ClaimChecker, SpecNormalizer
from claimcheck.specs.extract import ClaimExtractor, parse_number
from claimcheck.specs.tables import load_spec_tables
from claimcheck.store.schema import ProductRecord, SpecIn

TABLES = load_spec_tables()
EXTRACT = ClaimExtractor(TABLES)
CHECK = ClaimChecker(TABLES)
DAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("s", "value"),
    [("400", 400), ("1.5", 1.5), ("三百", 300), ("一点五", 1.5), ("两", 2), ("半", 0.5), ("十二", 12), ("x", None)],
)
def test_parse_number(s, value) -> None:
    assert parse_number(s) == value


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("这件是纯棉的", "composition", {"material": "棉", "percent": 100.0}),
        ("百分之百纯羊毛", "composition", {"material": "羊毛", "percent": 100.0}),
        ("百分之九十五的棉", "composition", {"material": "棉", "percent": 95.0}),
        ("65%棉", "composition", {"material": "棉", "percent": 65.0}),
        ("桑蚕丝含量达到92%", "composition", {"material": "桑蚕丝", "percent": 92.0}),
        ("全棉面料", "composition", {"material": "棉", "percent": 100.0}),
        ("純棉", "composition", {"material": "棉", "percent": 100.0}),  # Traditional
        ("一斤装", "quantity", {"amount": 500.0, "dimension": "mass"}),
        ("二两装", "quantity", {"amount": 100.0, "dimension": "mass"}),
        ("净含量500g", "quantity", {"amount": 500.0, "dimension": "mass"}),
        ("一瓶三百毫升", "quantity", {"amount": 300.0, "dimension": "volume"}),
        ("容量1.5L", "quantity", {"amount": 1500.0, "dimension": "volume"}),
        ("保质期十二个月", "shelf_life", {"amount": 360.0, "dimension": "duration"}),
        ("功率1200w", "power", {"amount": 1200.0, "dimension": "power"}),
        ("产地是云南昆明", "origin", {"place": "云南昆明"}),
        ("这款饮料0蔗糖", "free_from", {"group": "sugar"}),
        ("不含防腐剂", "free_from", {"group": "preservatives"}),
        ("零添加", "free_from", {"group": "additives"}),
        ("通过有机认证", "certification", {"type": "organic"}),
        ("有蓝帽子", "certification", {"type": "health_food_approval"}),
        ("SGS检测过的", "test", {"lab": "SGS"}),
        ("无甲醛", "test", {"item": "甲醛"}),
        ("检测合格", "test", {}),
        ("牛仔外套", "material", {"material": "牛仔布"}),
        ("白色的衣身", "color", {"color": "白色"}),
    ],
)
def test_extraction(text: str, kind: str, value: dict) -> None:
    claims = EXTRACT.extract(light(text))
    assert claims, text
    c = claims[0]
    assert c.kind == kind
    assert {k: c.value[k] for k in value} == value
    assert light(text)[c.start : c.end] == c.surface


@pytest.mark.parametrize(
    "text",
    ["每天吃两克就够了", "最近天气冷了", "我用了三个月", "棉签", "这个很好"],
)
def test_no_claims_in_ordinary_speech(text: str) -> None:
    assert EXTRACT.extract(light(text)) == []


def record(**kw) -> ProductRecord:
    base = {"sku": "T-1", "name": "测试品", "category": "food"}
    return ProductRecord.model_validate(base | kw)


def verdict(text: str, rec: ProductRecord, on: dt.date = DAY) -> tuple[str, dict]:
    (claim,) = [c for c in EXTRACT.extract(light(text))][:1]
    chk = CHECK.check(claim, rec, on)
    return chk.verdict, chk.evidence


SHIRT = record(
    category="apparel", specs=[{"name": "材质", "value": "65%棉 35%聚酯纤维"}, {"name": "产地", "value": "浙江宁波"}]
)
TEE = record(category="apparel", specs=[{"name": "面料", "value": "100%棉"}])
SNACK = record(specs=[{"name": "净含量", "value": "400", "unit": "g"}], ingredients=["小麦粉", "白砂糖", "山梨酸钾"])
JUICE = record(specs=[{"name": "净含量", "value": "1.5L"}], ingredients=["水", "浓缩苹果汁", "柠檬酸"])
CERTS = record(
    certificates=[
        {"type": "organic", "number": "OG-1", "issuer": "某认证中心", "valid_until": "2026-10-31"},
        {"type": "green_food", "number": "GF-1", "issuer": "中国绿色食品发展中心", "valid_until": "2027-10-31"},
    ],
    test_reports=[
        {
            "report_no": "R-OLD",
            "laboratory": "SGS通标标准技术服务有限公司",
            "issue_date": "2024-01-01",
            "valid_until": "2025-01-01",
            "items": [{"item": "甲醛含量", "measured": "10", "result": "pass"}],
        },
        {
            "report_no": "R-NEW",
            "laboratory": "华测检测认证集团",
            "issue_date": "2026-06-01",
            "valid_until": "2027-06-01",
            "conclusion": "fail",
            "items": [{"item": "甲醛含量", "measured": "98", "unit": "mg/kg", "limit": "≤75", "result": "fail"}],
        },
    ],
)


@pytest.mark.parametrize(
    ("text", "rec", "expected", "evidence_key"),
    [
        ("纯棉衬衫", SHIRT, "contradicted", "value"),
        ("含65%棉", SHIRT, "supported", "value"),
        ("纯棉T恤", TEE, "supported", "value"),
        ("百分之百桑蚕丝", TEE, "contradicted", "value"),
        ("一斤装", SNACK, "contradicted", "stored_base"),
        ("净含量400克", SNACK, "supported", "stored_base"),
        ("容量一点五升", JUICE, "supported", "stored_base"),
        ("0蔗糖", SNACK, "contradicted", "ingredient"),
        ("不含防腐剂", SNACK, "contradicted", "ingredient"),
        ("0蔗糖", JUICE, "supported", "value"),
        ("不含防腐剂", SHIRT, "unverifiable", None),  # no ingredient list on file
        ("产地是浙江宁波", SHIRT, "supported", "value"),
        ("产地是江西赣州", SHIRT, "contradicted", "value"),
        ("有机认证", CERTS, "expired_evidence", "valid_until"),
        ("绿色食品认证", CERTS, "supported", "number"),
        ("3C认证", CERTS, "unverifiable", None),
        ("SGS检测", CERTS, "expired_evidence", "report_no"),  # only an old SGS report
        ("检测合格", CERTS, "failed_evidence", "item"),  # the current report failed
        ("无甲醛", CERTS, "failed_evidence", "measured"),
        ("检测合格", SNACK, "unverifiable", None),
    ],
)
def test_cross_check(text, rec, expected, evidence_key) -> None:
    got, evidence = verdict(text, rec)
    assert got == expected
    if evidence_key:
        assert evidence[evidence_key]


def test_broadcast_date_decides_expiry() -> None:
    assert verdict("有机认证", CERTS, dt.date(2026, 10, 1))[0] == "supported"
    assert verdict("有机认证", CERTS, dt.date(2026, 11, 1))[0] == "expired_evidence"


def test_quantity_tolerance_comes_from_the_table() -> None:
    rec = record(specs=[{"name": "净含量", "value": "496", "unit": "g"}])
    assert verdict("一斤装", rec)[0] == "supported"  # within 1%
    rec = record(specs=[{"name": "净含量", "value": "480", "unit": "g"}])
    assert verdict("一斤装", rec)[0] == "contradicted"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (SpecIn(name="材质", value="65%棉 35%聚酯纤维"), {"棉": 65.0, "聚酯纤维": 35.0}),
        (SpecIn(name="面料成分", value="棉95% 氨纶5%"), {"棉": 95.0, "氨纶": 5.0}),
        (SpecIn(name="材质", value="桑蚕丝"), {"桑蚕丝": None}),
    ],
)
def test_spec_normalizer(spec, expected) -> None:
    assert SpecNormalizer(TABLES)(spec)["composition"] == expected

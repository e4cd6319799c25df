"""The record cross-check modules in ``claimcheck/specs/``, on products and claims written here.

Quantities (pint units, Chinese numerals, qualifiers, per-item and pack-total contexts), places
(gazetteer lineage, countries), typed facts from a record (pack structures, nutrition basis, listed
amounts, named shares), the generic matcher end to end, test reports and certificates, categorical
values, who a product is for, and the GB 28050 zero thresholds.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from claimcheck.specs.facts import _basis, build_index, load_synonyms
from claimcheck.specs.generic import GenericMatcher
from claimcheck.specs.nutrition import load_nutrition_claims
from claimcheck.specs.places import load_gazetteer, related
from claimcheck.specs.population import PopulationMatcher, _months, load_population_terms
from claimcheck.specs.quantities import Quantity, load_units
from claimcheck.specs.reports import ReportClaims, load_test_vocabulary, status
from claimcheck.specs.values import ValueMatcher, load_value_terms, value_mentions
from claimcheck.store.schema import (
    CertificateIn,
    NutritionIn,
    ProductRecord,
    SpecIn,
)
from claimcheck.store.schema import TestItemIn as ItemIn  # aliased: pytest would try to collect Test* names
from claimcheck.store.schema import TestReportIn as ReportIn

UNITS = load_units()
GAZ = load_gazetteer()
SYN = load_synonyms()
MATCHER = GenericMatcher(UNITS, GAZ, SYN)
REPORTS = ReportClaims(load_test_vocabulary(), GAZ)
VALUES = ValueMatcher(load_value_terms(), SYN)
PEOPLE = PopulationMatcher(load_population_terms())
NUTRITION = load_nutrition_claims()
ON = dt.date(2026, 12, 1)
DAY_S = 86400.0


def record(sku: str = "TEST-1", **kw) -> ProductRecord:
    kw.setdefault("name", "测试商品")
    kw.setdefault("category", "food")
    return ProductRecord(sku=sku, **kw)


def specs(**pairs: str) -> list[SpecIn]:
    return [SpecIn(name=k, value=v) for k, v in pairs.items()]


def report(no: str, items: list[ItemIn], **kw) -> ReportIn:
    kw.setdefault("laboratory", "华东食品检测中心")
    kw.setdefault("issue_date", dt.date(2026, 3, 1))
    kw.setdefault("valid_until", dt.date(2027, 6, 30))
    return ReportIn(report_no=no, items=items, **kw)


def matched(rec: ProductRecord, text: str, taken: list[tuple[int, int]] | None = None) -> list[tuple[str, str]]:
    """(verdict, span text) of every check the generic matcher makes of ``text``."""
    return [(c.verdict, text[s:e]) for c, s, e in MATCHER.match(text, build_index(rec), ON, taken or [])]


def one(rec: ProductRecord, text: str):
    """The only check the generic matcher makes of ``text``, with its span text."""
    found = MATCHER.match(text, build_index(rec), ON, [])
    assert len(found) == 1, [(c.verdict, text[s:e]) for c, s, e in found]
    check, s, e = found[0]
    return check, text[s:e]


def q1(text: str) -> Quantity:
    found = UNITS.find(text)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("text", "value", "dim"),
    [
        ("一年半", 547.5 * DAY_S, "[time]"),
        ("一米八", 1.8, "[length]"),
        ("一米一五", 1.15, "[length]"),
        ("二十一个半小时", 21.5 * 3600, "[time]"),
        ("一斤", 0.5, "[mass]"),
        ("三百毫升", 0.0003, "[length] ** 3"),
        ("15万次", 150000.0, "count:次"),
        ("三十片", 30.0, "count:片"),
        ("百分之九十五", 95.0, "percent"),
        ("七成", 70.0, "percent"),
    ],
)
def test_find_reads_units_and_chinese_numerals(text: str, value: float, dim: str) -> None:
    q = q1(text)
    assert q.dim == dim
    assert q.low == pytest.approx(value) and q.high == pytest.approx(value)
    assert (q.start, q.end, q.surface) == (0, len(text), text)


def test_wan_multiplies_a_digit_number_before_a_unit() -> None:
    q = q1("转速15万转每分钟")
    assert q.surface == "15万转每分钟" and q.start == 2
    assert q.low == pytest.approx(150000 * 2 * math.pi / 60)  # rpm in rad/s
    assert q.dim == q1("3000rpm").dim


def test_units_of_one_dimension_compare_in_base_units() -> None:
    assert q1("1.5千瓦").low == pytest.approx(q1("1500瓦").low)
    assert q1("1.5千瓦").dim == q1("1500w").dim
    assert q1("一斤").low == pytest.approx(q1("500克").low)
    assert q1("一斤").dim != q1("500毫升").dim


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("将近两千瓦", 1700.0, 2000.0),
        ("超过九成", 90.0, math.inf),
        ("一百克左右", 0.09, 0.11),
        ("3米以上", 3.0, math.inf),
        ("不到三百克", 0.0, 0.3),
        ("约50ml", 0.000045, 0.000055),
    ],
)
def test_qualifiers_make_ranges(text: str, low: float, high: float) -> None:
    q = q1(text)
    assert q.low == pytest.approx(low)
    assert q.high == pytest.approx(high)  # approx(inf) is only inf
    assert q.surface == text


@pytest.mark.parametrize(
    ("text", "per_unit", "total", "surface"),
    [
        ("每袋十五克", "袋", False, "十五克"),
        ("每粒500mg", "粒", False, "500mg"),
        ("一瓶是五百毫升", "瓶", False, "五百毫升"),
        ("一共三百克", None, True, "三百克"),
        ("整盒是600克", None, True, "600克"),
        ("净重三百克", None, False, "三百克"),
    ],
)
def test_per_item_and_total_contexts(text: str, per_unit: str | None, total: bool, surface: str) -> None:
    q = UNITS.find(text)[-1]  # 一瓶 is also a count
    assert (q.per_unit, q.total, q.surface) == (per_unit, total, surface)
    assert text[q.start : q.end] == surface


def test_overlaps_uses_relative_tolerance_and_percentage_points() -> None:
    five_hundred = q1("500克")
    assert five_hundred.overlaps(q1("505克"), UNITS.tolerance("[mass]"))
    assert not five_hundred.overlaps(q1("520克"), UNITS.tolerance("[mass]"))
    assert not five_hundred.overlaps(q1("500毫升"), 1.0)  # another dimension never meets
    ninety = q1("90%")
    assert ninety.overlaps(q1("90.4%"), UNITS.tolerance("percent"), points=True)
    assert not ninety.overlaps(q1("91%"), UNITS.tolerance("percent"), points=True)
    assert q1("超过九成").overlaps(q1("95%"), 0.0, points=True)


# ---------------------------------------------------------------------------------------------- places


def test_gazetteer_finds_nested_places_with_spans() -> None:
    found = GAZ.find("这批货产自山东青岛")
    assert [(s, e, p.name) for s, e, p in found] == [(5, 7, "山东"), (7, 9, "青岛")]
    assert [p.specific for _, _, p in found] == [False, True]


def test_county_short_names_need_their_suffix() -> None:
    assert GAZ.find("和平饭店的招牌菜") == []
    (_, _, place), *_ = GAZ.find("和平县的茶油")
    assert place.name == "和平县" and place.specific


def test_most_specific_keeps_the_innermost_division() -> None:
    assert [p.name for p in GAZ.most_specific("云南省普洱市宁洱县")] == ["宁洱县"]
    assert [p.name for p in GAZ.most_specific("山东省烟台市")] == ["烟台市"]


@pytest.mark.parametrize(
    ("claimed", "recorded", "expected"),
    [
        ("云南", "云南省普洱市", True),
        ("普洱市", "云南", True),
        ("青岛", "威海", False),
        ("东北", "黑龙江", True),
        ("赣南", "赣州", True),
        ("新西兰", "新西兰", True),
        ("新西兰", "澳大利亚", False),
        ("新西兰", "云南", False),
    ],
)
def test_related_by_lineage_and_country(claimed: str, recorded: str, expected: bool) -> None:
    a = GAZ.most_specific(claimed)[0]
    b = GAZ.most_specific(recorded)[0]
    assert related(a, b) is expected


def test_countries_are_places_without_codes() -> None:
    (_, _, nz), *_ = GAZ.find("新西兰进口奶粉")
    assert (nz.country, nz.codes, nz.specific) == ("新西兰", (), False)


# ---------------------------------------------------------------------------------------------- facts


def test_pack_structure_gives_per_item_and_total() -> None:
    idx = build_index(record(specs=specs(规格="700g（25g×28条）")))
    (fact,) = idx.facts
    assert [q.low for q in fact.per_unit] == pytest.approx([0.025])
    assert [q.low for q in fact.totals] == pytest.approx([0.7])
    assert "count:条" in {q.dim for q in fact.quantities}
    assert [q.low for q in idx.serving_masses()] == pytest.approx([0.025])


def test_pack_of_bottles_totals_its_volume() -> None:
    (fact,) = build_index(record(specs=specs(规格="250ml×12瓶"))).facts
    assert [q.low for q in fact.totals] == pytest.approx([0.003])
    assert [q.dim for q in fact.per_unit] == ["[length] ** 3"]


@pytest.mark.parametrize(
    ("per", "basis"),
    [
        ("100g", "100"),
        ("每100ml", "100"),
        ("一百克", "100"),
        ("每份", "serving"),
        ("每袋100g", "serving"),
        (None, None),
    ],
)
def test_nutrition_basis(per: str | None, basis: str | None) -> None:
    assert _basis(per) == basis
    rec = record(nutrition=[NutritionIn(item="蛋白质", value="8", unit="g", per=per)])
    assert build_index(rec).facts[0].basis == basis


def test_listed_amounts_become_facts_of_their_own() -> None:
    idx = build_index(record(specs=specs(每片含量="胶原蛋白300mg、维生素C 40mg")))
    subs = {f.attribute: f for f in idx.facts if f.attribute != "每片含量"}
    assert set(subs) == {"胶原蛋白", "维生素c"}
    assert subs["胶原蛋白"].quantities[0].low == pytest.approx(0.0003)
    assert subs["维生素c"].quantities[0].low == pytest.approx(0.00004)
    assert subs["胶原蛋白"].evidence["attribute"] == "每片含量"


def test_named_shares_in_brackets_are_facts_of_their_own() -> None:
    idx = build_index(record(ingredients=["大豆油", "鱼油（EPA 18%、DHA 12%）", "维生素E"]))
    by_name = {f.attribute: f for f in idx.facts}
    assert [q.low for q in by_name["epa"].quantities] == [18.0]
    assert [q.low for q in by_name["dha"].quantities] == [12.0]
    assert by_name["dha"].position == 2
    assert sorted(q.low for q in by_name["鱼油"].quantities) == [12.0, 18.0]


def test_single_share_and_label_position() -> None:
    idx = build_index(record(ingredients=["水", "苹果汁（30%）", "柠檬酸"]))
    juice = next(f for f in idx.facts if f.attribute == "苹果汁")
    assert (juice.position, [q.low for q in juice.quantities]) == (2, [30.0])
    assert next(f for f in idx.facts if f.attribute == "柠檬酸").quantities == []


def test_test_items_and_places_in_the_index() -> None:
    rec = record(
        specs=specs(产地="浙江省湖州市安吉县"),
        test_reports=[
            report(
                "HZ-2026-01",
                [
                    ItemIn(item="铅", measured="未检出", unit="mg/kg", detection_limit="0.02"),
                    ItemIn(item="水分", measured="7.5", unit="g/100g", result="fail"),
                ],
                valid_until=dt.date(2026, 9, 30),
            )
        ],
    )
    idx = build_index(rec)
    origin = next(f for f in idx.facts if f.attribute == "产地")
    assert [p.name for p in origin.places] == ["安吉县"]
    lead = next(f for f in idx.facts if f.attribute == "铅")
    water = next(f for f in idx.facts if f.attribute == "水分")
    assert lead.absent and lead.quantities == [] and not lead.failed
    assert water.failed and not water.absent
    assert status(water, ON) == "failed_evidence"  # failure outranks expiry
    assert status(lead, ON) == "expired_evidence"
    assert status(lead, dt.date(2026, 9, 30)) is None


def test_synonyms_strip_affixes() -> None:
    assert "内胆" in SYN.names_with_parts("内胆材质")
    assert "臂围" in SYN.names_with_parts("适用臂围")
    assert SYN.same("净重", "净含量")
    assert not SYN.same("功率", "净含量")


# ---------------------------------------------------------------------------------------------- generic matcher

HAIR_DRYER = record(
    "DRYER-9",
    name="高速吹风机",
    category="appliance",
    specs=[
        SpecIn(name="功率", value="1800", unit="W"),
        SpecIn(name="线长", value="1.8", unit="m"),
        SpecIn(name="保修期", value="18", unit="个月"),
        SpecIn(name="续航时间", value="21.5", unit="小时"),
    ],
)


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("功率是1800瓦", "supported"),
        ("功率将近两千瓦", "supported"),
        ("功率有2200瓦", "contradicted"),
        ("线长一米八", "supported"),
        ("线长一米五", "contradicted"),
        ("保修一年半", "supported"),
        ("保修期两年", "contradicted"),
        ("续航二十一个半小时", "supported"),
        ("续航时间二十个小时", "contradicted"),
    ],
)
def test_named_quantity_is_supported_or_contradicted(text: str, verdict: str) -> None:
    check, span = one(HAIR_DRYER, text)
    assert check.verdict == verdict
    assert span == text  # the attribute name and the value together
    assert check.claim.attribute in {"功率", "线长", "保修期", "续航时间"}


def test_contradiction_explains_the_record_value() -> None:
    check, _ = one(HAIR_DRYER, "功率有2200瓦")
    assert check.evidence == {"attribute": "功率", "value": "1800 W"}
    assert "2200瓦" in check.explanation and "1800 W" in check.explanation


@pytest.mark.parametrize("text", ["我自己用了两年", "吹五分钟就干了", "一家三口都在用"])
def test_a_bare_number_is_never_contradicted(text: str) -> None:
    assert all(v != "contradicted" for v, _ in matched(HAIR_DRYER, text))


OAT_BAR = record(
    "OAT-28",
    name="燕麦能量棒",
    specs=specs(规格="700g（25g×28条）", 产地="山东省烟台市"),
    ingredients=["燕麦（60%）", "鱼油（EPA 18%、DHA 12%）", "白砂糖", "蜂蜜"],
    nutrition=[
        NutritionIn(item="蛋白质", value="12", unit="g", per="100g"),
        NutritionIn(item="膳食纤维", value="2", unit="g", per="每份"),
    ],
)


@pytest.mark.parametrize(
    ("text", "verdict", "span"),
    [
        ("每条25克", "supported", "25克"),
        ("每条三十克", "contradicted", "三十克"),
        ("一共七百克", "supported", "七百克"),
        ("整盒是900克", "contradicted", "900克"),
    ],
)
def test_pack_claims_meet_per_item_and_total_values(text: str, verdict: str, span: str) -> None:
    check, got = one(OAT_BAR, text)
    assert (check.verdict, got) == (verdict, span)
    assert check.evidence["attribute"] == "规格"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("每条有3克蛋白质", "supported"),  # 12 g/100 g x 25 g
        ("每条有5克蛋白质", "contradicted"),
        ("每100克有12克蛋白质", "supported"),
        ("每100克有20克蛋白质", "contradicted"),
        ("每条有两克膳食纤维", "supported"),
        ("每100克有两克膳食纤维", "contradicted"),  # the row is per serving
    ],
)
def test_per_100g_and_per_serving_amounts(text: str, verdict: str) -> None:
    check, span = one(OAT_BAR, text)
    assert check.verdict == verdict
    assert span.endswith(("蛋白质", "膳食纤维"))


@pytest.mark.parametrize(
    ("text", "verdict", "attribute"),
    [
        ("燕麦含量百分之六十", "supported", "燕麦"),
        ("燕麦含量80%", "contradicted", "燕麦"),
        ("DHA有12%", "supported", "dha"),
        ("EPA含量30%", "contradicted", "epa"),
    ],
)
def test_ingredient_shares(text: str, verdict: str, attribute: str) -> None:
    check, span = one(OAT_BAR, text)
    assert (check.verdict, check.claim.attribute, span) == (verdict, attribute, text)


def test_ingredient_absence_is_contradicted_by_the_label() -> None:
    check, span = one(OAT_BAR, "这款不含蜂蜜，放心")
    assert (check.verdict, span) == ("contradicted", "不含蜂蜜")
    assert "第4位" in check.explanation and check.evidence["position"] == 4


def test_absence_of_an_ingredient_by_its_prefix() -> None:
    mint = record(ingredients=["白砂糖", "薄荷脑", "柠檬酸"])
    check, span = one(mint, "不含薄荷")
    assert (check.verdict, span) == ("contradicted", "不含薄荷")
    assert matched(mint, "不含防腐剂") == []


def test_added_ingredients_are_checked_against_the_list() -> None:
    check, span = one(OAT_BAR, "里面添加了白砂糖")
    assert (check.verdict, span) == ("supported", "添加了白砂糖")
    check, _ = one(OAT_BAR, "还添加了益生菌")
    assert check.verdict == "contradicted" and "益生菌" in check.explanation
    short_list = record(ingredients=["海参", "水"])
    assert matched(short_list, "还添加了益生菌") == []  # no real ingredient list on file


def test_added_ingredient_span_covers_the_whole_name() -> None:
    check, span = one(OAT_BAR, "添加了天然益生菌")
    assert check.verdict == "contradicted"
    assert span == "添加了天然益生菌"


DRINK = record(
    "DRINK-250",
    name="柠檬气泡水",
    specs=specs(规格="250ml×12瓶", 产地="浙江省杭州市"),
    ingredients=["水", "赤藓糖醇", "柠檬汁（5%）"],
    nutrition=[
        NutritionIn(item="糖", value="0.3", unit="g", per="100ml"),
        NutritionIn(item="脂肪", value="1.2", unit="g", per="100ml"),
        NutritionIn(item="能量", value="10", unit="kJ", per="100ml"),
    ],
)


@pytest.mark.parametrize(
    ("text", "verdict"),
    [("零糖", "supported"), ("零卡", "supported"), ("零脂", "contradicted"), ("0脂肪", "contradicted")],
)
def test_zero_claims_are_judged_by_the_nutrition_table(text: str, verdict: str) -> None:
    check, span = one(DRINK, text)
    assert (check.verdict, span) == (verdict, text)
    assert check.evidence["attribute"].startswith("营养成分表")


def test_zero_claims_need_a_nutrition_row() -> None:
    assert matched(DRINK, "配料表里不含糖") == []  # about the label, not the table
    assert matched(OAT_BAR, "零脂") == []  # no 脂肪 row on file


def test_volume_pack_claims() -> None:
    assert matched(DRINK, "每瓶250毫升") == [("supported", "250毫升")]
    assert matched(DRINK, "每瓶三百毫升") == [("contradicted", "三百毫升")]
    assert matched(DRINK, "一共3升") == [("supported", "3升")]


def test_supports_confirms_a_per_item_amount() -> None:
    gift = build_index(record(specs=specs(规格="200g×12盒", 净含量="2.4kg")))
    check = MATCHER.supports("每盒200g", gift)
    assert check is not None and check.verdict == "supported" and check.claim.attribute == "规格"
    assert MATCHER.supports("每盒300g", gift) is None


@pytest.mark.parametrize(
    ("text", "verdict", "span"),
    [
        ("产自山东烟台", "supported", "山东烟台"),
        ("产自山东威海", "contradicted", "山东威海"),  # the most specific place decides
        ("山东产的", "supported", "山东"),
        ("四川产的", "contradicted", "四川"),
    ],
)
def test_origins(text: str, verdict: str, span: str) -> None:
    check, got = one(OAT_BAR, text)
    assert (check.verdict, got) == (verdict, span)
    assert check.evidence == {"attribute": "产地", "value": "山东省烟台市"}


def test_a_province_needs_an_origin_cue_and_the_specific_place_is_named() -> None:
    assert matched(OAT_BAR, "四川人都爱吃") == []
    check, _ = one(OAT_BAR, "产自山东威海")
    assert "威海" in check.explanation and "山东省烟台市" in check.explanation


def test_producing_area_supports_a_division_inside_it() -> None:
    milk = record(specs=specs(产地="黑龙江省齐齐哈尔市"), ingredients=["生牛乳", "乳清粉", "维生素D"])
    assert matched(milk, "东北产的") == [("supported", "东北")]
    assert matched(milk, "产自黑龙江哈尔滨") == [("contradicted", "黑龙江哈尔滨")]


def test_raw_material_origin_is_unverifiable_without_a_raw_material_spec() -> None:
    milk = record(specs=specs(产地="黑龙江省齐齐哈尔市"), ingredients=["生牛乳", "乳清粉", "维生素D"])
    check, span = one(milk, "奶源来自新西兰")
    assert (check.verdict, span) == ("unverifiable", "新西兰")
    assert check.evidence == {"attribute": "原料产地"}


def test_raw_material_origin_against_a_raw_material_spec() -> None:
    milk = record(specs=specs(产地="黑龙江省齐齐哈尔市", 原料产地="新西兰"), ingredients=["生牛乳", "乳清粉"])
    assert matched(milk, "奶源来自新西兰") == [("supported", "新西兰")]
    assert matched(milk, "奶源来自澳大利亚") == [("contradicted", "澳大利亚")]
    assert matched(milk, "产自新西兰") == [("contradicted", "新西兰")]  # the product's origin is 黑龙江


def test_no_origin_on_file_is_unverifiable() -> None:
    check, _ = one(record(), "产自云南")
    assert check.verdict == "unverifiable" and check.evidence == {"attribute": "产地"}


def test_aozhou_origin_is_supported_by_australia() -> None:
    beef = record(specs=specs(产地="澳大利亚"))
    assert matched(beef, "澳洲进口的牛排") == [("supported", "澳洲")]


def test_taken_spans_are_left_alone() -> None:
    text = "功率有2200瓦"
    assert matched(HAIR_DRYER, text, taken=[(0, len(text))]) == []


def test_grades() -> None:
    sea_cucumber = record(specs=specs(等级="特级"))
    check, span = one(sea_cucumber, "一级海参")
    assert (check.verdict, span) == ("contradicted", "一级")


def test_a_grade_is_reported_once() -> None:
    sea_cucumber = record(specs=specs(等级="特级"))
    assert matched(sea_cucumber, "特级海参") == [("supported", "特级")]


def test_ke_zhong_is_said_of_the_weight() -> None:
    ring = record(category="jewelry", specs=[SpecIn(name="重量", value="5", unit="g")])
    assert [v for v, _ in matched(ring, "这个戒指八克重")] == ["contradicted"]


def test_a_shared_unit_word_backs_nothing() -> None:
    assert all(v != "supported" for v, _ in matched(HAIR_DRYER, "充满电用三个小时"))


# ---------------------------------------------------------------------------------------------- reports

SESAME_OIL = record(
    "OIL-500",
    name="小磨香油",
    test_reports=[
        report(
            "SD-2026-0417",
            [
                ItemIn(item="铅（以Pb计）", measured="0.05", unit="mg/kg", limit="≤0.1", detection_limit="0.01"),
                ItemIn(item="总汞（以Hg计）", measured="未检出", unit="mg/kg", detection_limit="0.002"),
                ItemIn(item="苯并[a]芘", measured="未检出", unit="μg/kg", detection_limit="0.5"),
                ItemIn(item="黄曲霉毒素B1", measured="3.1", unit="μg/kg", limit="≤10"),
            ],
        )
    ],
    certificates=[
        CertificateIn(type="医疗器械注册证", number="豫械注准20262140001", issuer="河南省药品监督管理局"),
        CertificateIn(type="有机产品认证", number="OG-2025-0088", issuer="某认证中心", valid_until=dt.date(2026, 1, 1)),
    ],
)


def report_checks(rec: ProductRecord, text: str) -> list[tuple[str, str]]:
    return [(c.verdict, text[s:e]) for c, s, e in REPORTS.match(text, build_index(rec), ON, [])]


def test_lead_said_undetected_but_measured_is_contradicted() -> None:
    text = "汞未检出，铅也是未检出的"
    found = {text[s:e]: c for c, s, e in REPORTS.match(text, build_index(SESAME_OIL), ON, [])}
    assert found["铅"].verdict == "contradicted"
    assert "0.05" in found["铅"].explanation and "检出限 0.01" in found["铅"].explanation
    assert found["铅"].evidence["report_no"] == "SD-2026-0417"
    assert found["汞"].verdict == "supported"


def test_measured_item_that_passed_is_supported() -> None:
    assert report_checks(SESAME_OIL, "铅检测合格") == [("supported", "铅")]
    assert report_checks(SESAME_OIL, "黄曲霉素未检出")[0][0] == "contradicted"


def test_item_named_without_a_cue_is_no_claim() -> None:
    assert report_checks(SESAME_OIL, "铅笔在桌子上") == []


@pytest.mark.parametrize("text", ["本并芘也没检出", "苯并芘未检出"])
def test_asr_errors_match_by_pinyin(text: str) -> None:
    (verdict, span), *_ = report_checks(SESAME_OIL, text)
    assert (verdict, span) == ("supported", text[:3])


def test_item_names_people_use() -> None:
    assert "汞" in REPORTS.item_names("总汞（以Hg计）")
    assert "砷" in REPORTS.item_names("无机砷")
    assert "铝" in REPORTS.item_names("铝的残留量")
    assert "苯并芘" in REPORTS.item_names("苯并[a]芘")
    assert "细菌总数" in REPORTS.item_names("菌落总数")
    assert REPORTS.item_names("铬鞣剂") == {"铬鞣剂"}  # a one-character element needs to stand alone


def test_failed_item_is_failed_evidence() -> None:
    bad_oil = record(
        test_reports=[
            report(
                "FAIL-01",
                [
                    ItemIn(item="酸价", measured="4.2", unit="mg/g", limit="≤3", result="fail"),
                    ItemIn(item="铅", measured="未检出", unit="mg/kg"),
                ],
                conclusion="fail",
            )
        ]
    )
    assert report_checks(bad_oil, "酸价检测合格") == [("failed_evidence", "酸价")]
    assert report_checks(bad_oil, "铅未检出") == [("supported", "铅")]  # that item itself passed
    (check, _, _), *_ = REPORTS.match("检测报告合格的", build_index(bad_oil), ON, [])
    assert check.verdict == "failed_evidence" and "酸价" in check.explanation


def test_expired_report_is_expired_evidence() -> None:
    old = record(
        test_reports=[report("OLD-7", [ItemIn(item="铅", measured="未检出")], valid_until=dt.date(2026, 6, 30))]
    )
    assert report_checks(old, "铅未检出") == [("expired_evidence", "铅")]
    assert report_checks(old, "检测报告合格") == [("expired_evidence", "检测")]
    still_valid = REPORTS.match("铅未检出", build_index(old), dt.date(2026, 6, 1), [])
    assert [c.verdict for c, _, _ in still_valid] == ["supported"]


def test_report_level_sentence_picks_the_laboratory_named() -> None:
    mask = record(
        category="cosmetics",
        test_reports=[
            report(
                "GZ-01",
                [ItemIn(item="菌落总数", measured="2000", unit="CFU/g", limit="≤1000", result="fail")],
                laboratory="广州市质量检测院",
                conclusion="fail",
            ),
            report("SH-02", [ItemIn(item="甲醛", measured="未检出")], laboratory="上海市质量监督检验技术研究院"),
        ],
    )
    idx = build_index(mask)
    (check, _, _), *_ = REPORTS.match("上海的检测报告全部合格", idx, ON, [])
    assert (check.verdict, check.evidence["report_no"]) == ("supported", "SH-02")
    (check, _, _), *_ = REPORTS.match("检测报告全部合格", idx, ON, [])
    assert (check.verdict, check.evidence["report_no"]) == ("failed_evidence", "GZ-01")
    assert REPORTS.match("我们家东西质量很好", idx, ON, []) == []


def test_certificate_number_prefix_and_expiry() -> None:
    assert report_checks(SESAME_OIL, "这个是有豫械注准的") == [("supported", "豫械注准")]
    assert report_checks(SESAME_OIL, "我们有有机产品认证") == [("expired_evidence", "有机产品认证")]


# ---------------------------------------------------------------------------------------------- values

RICE_COOKER = record(
    "COOKER-3L",
    category="appliance",
    specs=specs(内胆材质="铝合金", 外壳材质="PP", 加热方式="IH电磁加热"),
)


def value_checks(matcher, rec: ProductRecord, text: str) -> list[tuple[str, str]]:
    return [(c.verdict, text[s:e]) for c, s, e in matcher.match(text, build_index(rec), [])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("内胆是304不锈钢的", [("contradicted", "内胆是304不锈钢")]),
        ("内胆是铝合金", [("supported", "内胆是铝合金")]),
        ("外壳是塑料的", [("supported", "外壳是塑料")]),  # PP is a plastic
        ("外壳是ABS", [("contradicted", "外壳是ABS")]),
        ("内胆不是不锈钢", []),  # negated
    ],
)
def test_values_said_of_a_named_attribute(text: str, expected: list[tuple[str, str]]) -> None:
    assert value_checks(VALUES, RICE_COOKER, text) == expected


def test_contradicted_value_explains_the_record() -> None:
    (check, _, _), *_ = VALUES.match("内胆是304不锈钢的", build_index(RICE_COOKER), [])
    assert check.claim.attribute == "内胆材质" and check.claim.value == {"value": "304不锈钢"}
    assert "铝合金" in check.explanation


def test_broader_word_covers_a_narrower_one() -> None:
    terms = load_value_terms()
    real, cow_top, sheep = (terms.find(w)[0][2] for w in ("真皮", "头层牛皮", "羊皮"))
    assert terms.covers(real, cow_top) and not terms.covers(cow_top, real)
    assert not terms.covers(sheep, cow_top)
    shoe = record(category="shoes", specs=specs(鞋面材质="头层牛皮", 鞋底材质="橡胶"))
    assert value_checks(VALUES, shoe, "鞋面是真皮的") == [("supported", "鞋面是真皮")]
    assert value_checks(VALUES, shoe, "鞋面是羊皮") == [("contradicted", "鞋面是羊皮")]


def test_any_term_accepts_every_value() -> None:
    cream = record(category="cosmetics", specs=specs(适用肤质="油性"))
    assert value_checks(VALUES, cream, "所有肤质都适合") == [("supported", "所有肤质")]
    assert value_checks(VALUES, cream, "干皮用着很舒服") == [("contradicted", "干皮")]


def test_implicit_class_needs_no_attribute_name() -> None:
    monitor = record(category="device", specs=specs(测量部位="上臂", 袖带尺寸="22-42cm"))
    assert value_checks(VALUES, monitor, "测的是手腕") == [("contradicted", "手腕")]
    assert value_checks(VALUES, monitor, "撸袖子就能测") == [("supported", "撸袖子")]


def test_implicit_class_is_skipped_when_two_specs_hold_it() -> None:
    two = record(category="device", specs=specs(测量部位="上臂", 备用测量部位="手腕"))
    assert value_checks(VALUES, two, "放在额头上就行") == []


def test_value_mentions_supports_the_record_words() -> None:
    idx = build_index(RICE_COOKER)
    text = "这款用的电磁加热"
    (check, s, e), *_ = value_mentions(text, idx, [])
    assert (check.verdict, text[s:e], check.claim.attribute) == ("supported", "电磁加热", "加热方式")
    assert value_mentions("它不是电磁加热", idx, []) == []
    assert value_mentions(text, idx, [(0, 2)]) == []  # the clause was read already
    assert value_mentions("做饭很香", idx, []) == []


# ---------------------------------------------------------------------------------------------- population

CALCIUM = record(
    "CA-60",
    name="钙片",
    category="health",
    specs=specs(不适宜人群="孕妇、乳母、少年儿童", 适宜人群="中老年人"),
)


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("孕妇也能吃", "contradicted"),
        ("哺乳期可以吃", "contradicted"),
        ("小宝宝也能吃", "contradicted"),  # 婴幼儿 are within 儿童
        ("全家都能吃", "contradicted"),
        ("老人适合吃", "supported"),
    ],
)
def test_people_against_exclusions_and_intended_users(text: str, verdict: str) -> None:
    (check, s, e), *rest = PEOPLE.match(text, build_index(CALCIUM), [])
    assert rest == [] and check.verdict == verdict and (s, e) == (0, len(text))


def test_excluded_group_explanation_and_negation() -> None:
    (check, _, _), *_ = PEOPLE.match("孕妇也能吃", build_index(CALCIUM), [])
    assert check.claim.attribute == "不适宜人群" and "孕妇" in check.explanation
    assert PEOPLE.match("孕妇不能吃", build_index(CALCIUM), []) == []


@pytest.mark.parametrize(
    ("text", "verdict"),
    [("4个月的宝宝就能吃", "contradicted"), ("八个月宝宝可以吃", "supported"), ("一岁宝宝也能吃", "supported")],
)
def test_starting_age_in_months(text: str, verdict: str) -> None:
    cereal = record(name="婴儿米粉", specs=specs(适用月龄="6月龄以上"))
    assert [c.verdict for c, _, _ in PEOPLE.match(text, build_index(cereal), [])] == [verdict]


def test_age_range_in_years() -> None:
    blocks = build_index(record(category="toy", specs=specs(适用年龄="3-15岁")))
    assert [c.verdict for c, _, _ in PEOPLE.match("两岁的小朋友也能玩", blocks, [])] == ["contradicted"]
    assert [c.verdict for c, _, _ in PEOPLE.match("5岁孩子适合", blocks, [])] == ["supported"]


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("3-15岁", 36.0),
        ("3到6岁", 36.0),
        ("6月龄以上", 6.0),
        ("十八个月以上", 18.0),
        ("36个月-6岁", 36.0),
        ("成人", None),
    ],
)
def test_youngest_age_in_months(text: str, months: float | None) -> None:
    assert _months(text) == months


def test_one_and_a_half_years_is_eighteen_months() -> None:
    cereal = build_index(record(specs=specs(适用月龄="18月龄以上")))
    assert [c.verdict for c, _, _ in PEOPLE.match("一岁半的宝宝可以吃", cereal, [])] == ["supported"]


# ---------------------------------------------------------------------------------------------- nutrition


def table(item: str, value: str, unit: str, per: str | None = "100g"):
    return build_index(record(nutrition=[NutritionIn(item=item, value=value, unit=unit, per=per)]))


@pytest.mark.parametrize(
    ("what", "row", "verdict"),
    [
        ("糖", ("糖", "0.5", "g"), "supported"),  # at the limit
        ("糖", ("糖", "0.6", "g"), "contradicted"),
        ("钠", ("钠", "0.004", "g"), "supported"),  # 4 mg, the limit is 5 mg
        ("钠", ("钠", "6", "mg"), "contradicted"),
        ("能量", ("能量", "4", "kcal"), "supported"),  # 16.7 kJ < 17 kJ
        ("能量", ("能量", "5", "kcal"), "contradicted"),
        ("反式脂肪", ("反式脂肪酸", "0.2", "g"), "supported"),
        ("蔗糖", ("糖（以蔗糖计）", "0.2", "g"), "supported"),
    ],
)
def test_judge_zero_thresholds(what: str, row: tuple[str, str, str], verdict: str) -> None:
    judged = NUTRITION.judge_zero(what, table(*row))
    assert judged is not None
    assert judged[0] == verdict and judged[1].attribute == row[0]


def test_judge_zero_needs_a_per_100_row_of_that_nutrient() -> None:
    assert NUTRITION.judge_zero("糖", table("糖", "0", "g", per="每份")) is None
    assert NUTRITION.judge_zero("糖", table("蛋白质", "3", "g")) is None
    assert NUTRITION.judge_zero("维生素", table("维生素C", "0", "mg")) is None


@pytest.mark.parametrize(
    ("what", "key"),
    [
        ("反式脂肪酸", "反式脂肪"),
        ("饱和脂肪", "饱和脂肪"),
        ("脂肪", "脂肪"),
        ("卡路里", "能量"),
        ("盐", "钠"),
        ("碳水", "碳水化合物"),
    ],
)
def test_nutrient_of_takes_the_longest_name(what: str, key: str) -> None:
    nutrient = NUTRITION.nutrient_of(what)
    assert nutrient is not None and nutrient.key == key

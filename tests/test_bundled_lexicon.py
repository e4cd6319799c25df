"""The bundled lexicon on hand-written live-commerce speech: it must flag what is
prohibited (with its article and rewrite) and stay quiet on ordinary speech."""

from __future__ import annotations

import pytest

from claimcheck.context import DocContext
from claimcheck.types import Severity
from tests.conftest import ROOT

ORDINARY = [
    "家人们晚上好，欢迎第一次来直播间的朋友，先点个关注。",
    "最近天气转凉，大家注意保暖。",
    "今晚是我们店庆最后一天活动，福利会一直放到十二点。",
    "一号链接已经上架了，二号链接马上来。",
    "这款面霜质地很清爽，上脸很快就吸收了。",
    "尺码从S到XXL都有，可以参考详情页的尺码表。",
    "我最喜欢的是这个奶茶色，秋冬穿很显气质。",
    "最后给大家看一下细节，走线都很整齐。",
    "第一步先洁面，第二步再涂精华。",
    "拍下之后四十八小时内发货，顺丰包邮。",
    "有问题可以在评论区留言，客服会一个一个回复。",
    "这个锅是不粘涂层的，煎鸡蛋很方便。",
    "宝宝们喜欢的话可以点个小红心。",
    "这款零食是独立小包装，出门带着很方便。",
    "我们是品牌官方旗舰店，支持七天无理由退货。",
    "面料摸起来很柔软，洗了几次也没有起球。",
    "这个苹果是今年新摘的，脆甜多汁。",
    "耳机的续航大概是六个小时，充电半小时。",
    "主播身高一米六五，穿的是M码。",
    "这个价格是直播间专享的，优惠券在左下角领取。",
    "学生发言的时候可以用这个小音箱。",
    "大家最好先看一下尺码表再下单。",
    "第一时间给大家发货。",
    "这个保温杯的容量是五百毫升。",
    "我们今天一共有十个链接，慢慢看。",
    "这件外套是我自己最近一直在穿的。",
    "首先感谢大家的支持。",
    "欢迎新进来的宝宝，左上角有福袋。",
]

PROHIBITED = [
    ("这是全网最低价", "absolute_term"),
    ("销量全国第一", "absolute_term"),
    ("国家级配方", "absolute_term"),
    ("顶级工艺", "absolute_term"),
    ("绝无仅有的好东西", "absolute_term"),
    ("领导人都在用", "state_symbol"),
    ("人民大会堂特供", "state_symbol"),
    ("能治疗湿疹", "medical_claim"),
    ("吃了能降血压", "medical_claim"),
    ("可以抗癌", "medical_claim"),
    ("一抹就白", "guarantee"),
    ("无效退款", "guarantee"),
    ("百分之百有效", "guarantee"),
    ("专家推荐的产品", "authority_endorsement"),
    ("错过再等一年", "false_price_urgency"),
    ("临床证明有效率", "unsupported_data"),
    ("开光的手串能招财", "superstition"),
    ("别家都是智商税", "disparagement"),
    ("加微信私聊", "off_platform_trade"),
]

EVASIONS = ["全网最🔥低", "顶 级 品质", "最頂級", "zui好的面霜", "全網第一", "加v信", "无 效 退 款"]


@pytest.mark.parametrize("text", ORDINARY)
@pytest.mark.parametrize("which", ["lexicon_engine", "engine"])
def test_ordinary_speech_is_not_flagged(request, which: str, text: str) -> None:
    engine = request.getfixturevalue(which)
    findings = [f for f in engine.screen(text).findings if f.severity is not Severity.INFO]
    assert findings == [], [(f.text, f.rule_id) for f in findings]


@pytest.mark.parametrize(("text", "category"), PROHIBITED)
def test_prohibited_claims_are_flagged(lexicon_engine, text: str, category: str) -> None:
    engine = lexicon_engine
    findings = engine.screen(text).findings
    assert category in {f.category.value for f in findings} | {
        engine.lexicon.entry(r).category.value for f in findings for r in (f.merged_rule_ids or [])
    }
    for f in findings:
        assert f.legal_basis.startswith("《")


@pytest.mark.parametrize("text", EVASIONS)
def test_evasions_are_flagged(lexicon_engine, text: str) -> None:
    assert any(f.severity is not Severity.INFO for f in lexicon_engine.screen(text).findings)


def test_whitening_is_lawful_only_for_special_cosmetics(lexicon_engine) -> None:
    assert lexicon_engine.screen("这款精华可以美白", DocContext(product_category="cosmetics")).findings
    assert not lexicon_engine.screen("这款精华可以美白", DocContext(product_category="special_cosmetics")).findings


def test_bundled_example_flags_claims_and_not_ordinary_lines(engine) -> None:
    text = (ROOT / "data" / "examples" / "script_example.txt").read_text(encoding="utf-8")
    result = engine.screen(text)
    assert result.verdict == "block"
    cats = {f.category.value for f in result.findings}
    assert {"absolute_term", "medical_claim", "guarantee", "false_price_urgency", "off_platform_trade"} <= cats
    ordinary_lines = [
        "家人们晚上好，欢迎第一次来直播间的朋友，先点个关注。",
        "最近天气转凉，今天给大家带来三款秋冬好物，一号链接已经上架了。",
        "今晚是我们店庆最后一天活动，福利会一直放到十二点。",
        "这款面霜质地很清爽，上脸很快就吸收了，适合干皮的姐妹。",
        "每天早上一袋，冲水就能喝，口感酸酸甜甜的。",
        "面料摸起来很柔软，尺码从S到XXL都有，可以参考详情页的尺码表。",
        "今天的讲解就到这里，谢谢大家的陪伴。",
    ]
    for line in ordinary_lines:
        start = text.index(line)
        inside = [f for f in result.findings if start <= f.start < start + len(line)]
        assert inside == [], (line, [(f.text, f.rule_id) for f in inside])
    for f in result.findings:
        assert text[f.start : f.end] == f.text
        assert f.suggestion

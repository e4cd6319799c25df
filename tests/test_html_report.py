"""The HTML report: self-contained, escaped, with findings, evidence and a timeline."""

from __future__ import annotations

from claimcheck.report.html import render_html
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, ScreenResult, Severity, Verdict


def finding(start: int, end: int, text: str, **kw) -> Finding:
    base = dict(
        detector="lexicon",
        category=Category.ABSOLUTE_TERM,
        rule_id="absolute.best",
        severity=Severity.BLOCK,
        score=1.0,
        legal_basis="《中华人民共和国广告法》第九条第三项",
        suggestion="口碑很好",
        explanation="绝对化用语",
    )
    return Finding(start=start, end=end, text=text, **(base | kw))


def test_report_is_self_contained_and_escaped() -> None:
    text = "<script>alert(1)</script>这是最好的面霜"
    i = text.index("最好")
    result = ScreenResult(verdict=Verdict.BLOCK, findings=[finding(i, i + 2, "最好")], versions={"lexicon": "x"})
    html = render_html(result, text, source="a.txt")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<mark class="sev-block">最好' in html
    assert "《中华人民共和国广告法》第九条第三项" in html and "口碑很好" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere
    assert "不通过" in html


def test_transcript_report_has_timeline_products_and_evidence() -> None:
    text = "这件衬衫是纯棉的"
    f = finding(
        5,
        7,
        "纯棉",
        detector="spec_check",
        category=Category.SPEC_MISMATCH,
        rule_id="spec.x",
        claim_verdict="contradicted",
        evidence={"attribute": "材质", "value": "65%棉"},
        sku="A-1",
        start_ms=30_000,
        end_ms=35_000,
    )
    result = ScreenResult(verdict=Verdict.BLOCK, findings=[f], versions={})
    html = render_html(result, text, source="b.srt", slots=[(0, 60_000, "A-1")], broadcast_id="LIVE-1")
    assert "时间轴" in html and "0:30" in html and "LIVE-1" in html
    assert "按商品汇总" in html and "不符 1" in html
    assert "属性=材质" in html and "资料值=65%棉" in html

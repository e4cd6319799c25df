from __future__ import annotations

import pytest

from claimcheck.taxonomy import Category
from claimcheck.types import Finding, Severity, Verdict, verdict_for


def finding(start: int, end: int, rule: str, severity: str = "block", score: float = 1.0) -> Finding:
    return Finding(
        start=start,
        end=end,
        text="x" * (end - start),
        detector="lexicon",
        category=Category.ABSOLUTE_TERM,
        rule_id=rule,
        severity=Severity(severity),
        score=score,
    )


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], Verdict.PASS),
        (["info"], Verdict.PASS),
        (["info", "review"], Verdict.REVIEW),
        (["review", "block", "info"], Verdict.BLOCK),
    ],
)
def test_verdict(severities, expected) -> None:
    assert verdict_for([finding(i, i + 1, f"r.{i}", s) for i, s in enumerate(severities)]) == expected


def test_merge_overlaps_takes_union_and_most_severe(mini_engine) -> None:
    from claimcheck.postprocess import merge_overlaps

    doc = mini_engine.make_doc("0123456789abcdef")
    merged = merge_overlaps(
        doc,
        [
            finding(2, 5, "a.review", "review"),
            finding(4, 8, "a.block", "block"),
            finding(8, 10, "a.touching", "info"),  # touching, not overlapping
            finding(12, 14, "a.alone", "review"),
            finding(12, 13, "a.inner", "review"),
        ],
    )
    assert [(f.start, f.end, f.rule_id, f.merged_rule_ids) for f in merged] == [
        (2, 8, "a.block", ["a.review"]),
        (8, 10, "a.touching", None),
        (12, 14, "a.alone", ["a.inner"]),
    ]
    assert merged[0].text == "234567"


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("这是最好的面霜", Severity.BLOCK),
        ("根据广告法，不能说最好。", Severity.REVIEW),  # quoting a rule: review, never dismissed
        ("违禁词里有最好这个词", Severity.REVIEW),
        ("它不是最好的，但很实用", Severity.REVIEW),  # negated
        ("广告法。这是最好的面霜", Severity.BLOCK),  # the marker is in another sentence
    ],
)
def test_context_adjustment(mini_engine, text: str, severity: Severity) -> None:
    (f,) = mini_engine.screen(text).findings
    assert f.severity is severity
    if severity is Severity.REVIEW:
        assert "降为人工复核" in f.explanation

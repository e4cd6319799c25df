"""Pattern rules: every rule's own examples match and its hard negatives do not; loading fails loudly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from claimcheck.detectors.patterns import PatternDetector, match_examples, split_numbers
from claimcheck.nlp.segmenter import JiebaSegmenter
from claimcheck.rules import DEFAULT_PATTERNS_DIR, PatternError, compile_pattern, load_rules

RULES = load_rules()
DETECTOR = PatternDetector(RULES)
SEGMENTER = JiebaSegmenter(RULES.words())
CASES = [(r.id, text, True) for r in RULES.rules for text in r.examples.match] + [
    (r.id, text, False) for r in RULES.rules for text in r.examples.no_match
]


@pytest.mark.parametrize(("rule_id", "text", "should_match"), CASES, ids=lambda x: str(x)[:30])
def test_rule_examples(rule_id: str, text: str, should_match: bool) -> None:
    assert (rule_id in match_examples(DETECTOR, SEGMENTER, text)) is should_match, text


def test_every_category_of_real_speech_violations_has_rules() -> None:
    categories = {r.category.value for r in RULES.rules}
    assert {
        "guarantee",
        "efficacy_overclaim",
        "unsupported_data",
        "authority_endorsement",
        "disparagement",
    } <= categories


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["三天", "一定", "一样"], ["三", "天", "一定", "一样"]),
        (["顶七瓶"], ["顶", "七", "瓶"]),
        (["百分之九十", "三千万"], ["百分之九十", "三千万"]),
        (["半个", "月"], ["半", "个", "月"]),
    ],
)
def test_split_numbers(words: list[str], expected: list[str]) -> None:
    assert split_numbers(words) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("@NOPE 没了", "unknown token class"),
        ("~{0,3} 效果", "start and end"),
        ("效果 ~{5,2} 没了", "m <= n"),
        ("#NUM", "at least one required"),
    ],
)
def test_bad_patterns_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_pattern(pattern, {"GONE": ("没了",)})


def test_a_broken_rule_file_names_the_rule(tmp_path: Path) -> None:
    root = tmp_path / "patterns"
    shutil.copytree(DEFAULT_PATTERNS_DIR, root)
    data = yaml.safe_load((root / "rules.yaml").read_text(encoding="utf-8"))
    data["rules"][0]["patterns"] = ["@MISSING 副作用"]
    (root / "rules.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PatternError, match=data["rules"][0]["id"]):
        load_rules(root)


def test_findings_point_at_the_original_text(engine) -> None:
    text = "家人们，这款褪黑素长期吃也没有任何副作用！"
    findings = [f for f in engine.screen(text).findings if f.detector == "patterns" or "patterns" in (f.sources or [])]
    assert findings
    f = findings[0]
    assert text[f.start : f.end] == f.text and "副作用" in f.text

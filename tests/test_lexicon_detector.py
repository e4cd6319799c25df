"""Table-driven tests of the lexicon detector: positives, evasions, hard negatives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimcheck.context import DocContext
from claimcheck.detectors.lexicon import LexiconMatcher
from claimcheck.detectors.lexicon_table import pinyin_variants
from claimcheck.lexicons import load_lexicon
from tests.conftest import MINI_LEXICON

# (text, rule ids expected after merging, in order)
MINI_CASES = [
    # positives
    ("这是最好的面霜", ["absolute.best"]),
    ("销量全网第一", ["absolute.first"]),
    ("全国第一的品质", ["absolute.first"]),
    ("顶级工艺", ["absolute.top_grade"]),
    ("NO.1的品质", ["absolute.no1"]),
    ("今天全网最低价", ["absolute.lowest_web"]),  # longest / most specific wins the merge
    # evasions
    ("最🔥好的面霜", ["absolute.best"]),
    ("顶 级 工艺", ["absolute.top_grade"]),
    ("最頂級", ["absolute.top_grade"]),
    ("全網第一", ["absolute.first"]),
    ("ＮＯ．１", ["absolute.no1"]),
    ("最\u200b好", ["absolute.best"]),
    ("最最最好", ["absolute.best"]),
    ("zui好用", ["absolute.best"]),
    ("最hao", ["absolute.best"]),
    ("这个是dyl的", ["absolute.first_class"]),
    ("ZUI好", ["absolute.best"]),
    # hard negatives: allowed contexts, global and per entry
    ("最近天气转凉", []),
    ("欢迎第一次来直播间的朋友", []),
    ("今天是最后一天活动", []),
    ("一号链接已经上架", []),
    ("你是我最好的朋友", []),
    ("最后一天", ["absolute.last_day"]),  # without the longer allowed phrase the term fires
    # no match across a sentence boundary, no ascii match inside a word
    ("我们是第一。次日达", ["absolute.first_bare"]),
    ("casino1 and no1s", []),
    ("idyll", []),
]


@pytest.mark.parametrize(("text", "expected"), MINI_CASES)
def test_mini_lexicon_cases(mini_engine, text: str, expected: list[str]) -> None:
    result = mini_engine.screen(text)
    assert [f.rule_id for f in result.findings] == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("这是最🔥好的面霜", "最🔥好"),
        ("a顶 级b", "顶 级"),
        ("最頂級", "頂級"),
        ("家人们最最最好", "最最最好"),
        ("zui好用", "zui好"),
    ],
)
def test_findings_point_at_original_text(mini_engine, text: str, needle: str) -> None:
    (f,) = mini_engine.screen(text).findings
    assert (f.start, f.end) == (text.index(needle), text.index(needle) + len(needle))
    assert f.text == needle


def test_evasion_lowers_score_and_says_so(mini_engine) -> None:
    exact = mini_engine.screen("最好").findings[0]
    evaded = mini_engine.screen("最🔥好").findings[0]
    pinyin = mini_engine.screen("zui好").findings[0]
    assert exact.score > evaded.score > pinyin.score
    assert "规避" in evaded.explanation and "拼音" in pinyin.explanation


@pytest.mark.parametrize(
    ("text", "category", "expected"),
    [
        ("这款美白精华", None, ["efficacy.whitening"]),  # unknown category: conservative
        ("这款美白精华", "cosmetics", ["efficacy.whitening"]),
        ("这款美白精华", "special_cosmetics", []),  # registered special-use cosmetic may say 美白
        ("增强免疫力", "food", ["efficacy.immunity"]),
        ("增强免疫力", "apparel", []),  # applies_to limits the entry to food
    ],
)
def test_product_category_scope(mini_engine, text, category, expected) -> None:
    assert [f.rule_id for f in mini_engine.screen(text, DocContext(product_category=category)).findings] == expected


def test_finding_carries_rule_data(mini_engine) -> None:
    (f,) = mini_engine.screen("这是最好的").findings
    assert f.detector == "lexicon"
    assert f.category == "absolute_term"
    assert f.severity == "block"
    assert f.legal_basis == "《中华人民共和国广告法》第九条第三项"
    assert f.suggestion == "口碑很好"


def test_merged_finding_lists_the_other_rules(mini_engine) -> None:
    (f,) = mini_engine.screen("全网最低").findings
    assert f.rule_id == "absolute.lowest_web"
    assert f.merged_rule_ids == ["absolute.lowest"]


@pytest.mark.parametrize(
    ("term", "expected_subset"),
    [("最好", {"zui好", "最hao", "zuihao"}), ("全网第一", {"qwdy", "quanwangdiyi", "全网diyi"}), ("第一流", {"dyl"})],
)
def test_pinyin_variants(term: str, expected_subset: set[str]) -> None:
    assert expected_subset <= set(pinyin_variants(term))


def test_pinyin_variants_skip_short_initials_and_non_han() -> None:
    assert "zh" not in pinyin_variants("最好")
    assert pinyin_variants("100棉") == []


def test_matcher_reports_raw_spans_for_segmentation(mini_lexicon) -> None:
    from claimcheck.nlp.normalize import normalize

    m = LexiconMatcher(mini_lexicon)
    spans = m.raw_spans(normalize("第一次来直播间，全网第一"))
    assert (0, 3) in spans  # the allowed phrase is protected too
    assert (8, 12) in spans


# ---------------------------------------------------------------------------- the compiled-lexicon cache


def test_compiled_table_cache_round_trips_and_survives_damage(tmp_path: Path, mini_lexicon) -> None:
    from claimcheck.detectors.lexicon_table import cache_key, compile_table, load_table

    fresh = compile_table(mini_lexicon)
    first = load_table(mini_lexicon, tmp_path)  # compiles and writes the cache
    (cached_file,) = tmp_path.glob("lexicon-*.json")
    assert cache_key(mini_lexicon) in cached_file.name
    second = load_table(mini_lexicon, tmp_path)  # read back
    assert first == second == fresh
    cached_file.write_text("{damaged", encoding="utf-8")
    assert load_table(mini_lexicon, tmp_path) == fresh  # a damaged cache is rebuilt
    assert json.loads(cached_file.read_text(encoding="utf-8"))["keys"]


def test_cache_key_follows_the_lexicon(tmp_path: Path) -> None:
    import shutil

    from claimcheck.detectors.lexicon_table import cache_key

    root = tmp_path / "lex"
    shutil.copytree(MINI_LEXICON, root)
    before = cache_key(load_lexicon(root))
    path = root / "allow_contexts.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert cache_key(load_lexicon(root)) != before


def test_unwritable_cache_dir_still_compiles(tmp_path: Path, mini_lexicon) -> None:
    from claimcheck.detectors.lexicon_table import compile_table, load_table

    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert load_table(mini_lexicon, blocker / "cache") == compile_table(mini_lexicon)


@pytest.mark.parametrize(
    ("disguised", "rule_id"),
    [
        ("用了可以去什么斑", "efficacy.freckle"),  # an infix inside a term
        ("还能抗猛衰哦", None),  # 抗衰 may not be in the mini lexicon; checked with the bundled one below
    ],
)
def test_morph_variants_in_the_bundled_lexicon(lexicon_engine, disguised: str, rule_id: str | None) -> None:
    found = {f.rule_id for f in lexicon_engine.screen(disguised).findings}
    if rule_id is not None:
        assert rule_id in found
    else:
        assert found  # some efficacy entry catches the disguised 抗衰


def test_morph_variants_are_general() -> None:
    from claimcheck.detectors.lexicon_table import morph_variants

    assert {"去什么斑", "去某斑", "去猛斑", "小去小斑"} <= set(morph_variants("去斑"))
    assert "临某认证" in morph_variants("临床认证")  # one masked character in a longer term
    assert "某斑" not in morph_variants("去斑")  # two-character masks are too ambiguous
    assert morph_variants("zui好") == []

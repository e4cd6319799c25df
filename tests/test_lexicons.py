from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from claimcheck.lexicons import LexiconError, expand_pattern, load_lexicon
from claimcheck.taxonomy import Category
from tests.conftest import MINI_LEXICON


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("全(网|国)第一", ["全网第一", "全国第一"]),
        ("(最|超)(低|便宜)价", ["最低价", "最便宜价", "超低价", "超便宜价"]),
        ("无效(退款|包退)", ["无效退款", "无效包退"]),
        ("纯文字", ["纯文字"]),
    ],
)
def test_expand_pattern(pattern: str, expected: list[str]) -> None:
    assert expand_pattern(pattern) == expected


@pytest.mark.parametrize("bad", ["最.*好", "全(网|国", "[最]好", "(a(b|c))", "(一|二|三|四)" * 5])
def test_expand_pattern_rejects_regex_and_explosions(bad: str) -> None:
    with pytest.raises(ValueError):
        expand_pattern(bad)


def test_bundled_lexicon_is_large_valid_and_covers_the_taxonomy() -> None:
    lex = load_lexicon()
    assert len(lex.entries) >= 600
    assert {e.category for e in lex.entries} == set(Category) - {Category.UNCLASSIFIED}
    assert all(e.legal_basis.startswith("《") for e in lex.entries)
    assert len({e.id for e in lex.entries}) == len(lex.entries)
    assert lex.version_tag.startswith("claimcheck-zh@")


@pytest.mark.parametrize(
    "article",
    [
        "第九条",
        "第十一条",
        "第十二条",
        "第十三条",
        "第十六条",
        "第十七条",
        "第十八条",
        "第二十四条",
        "第二十五条",
        "第二十八条",
    ],
)
def test_bundled_lexicon_cites_advertising_law_articles(article: str) -> None:
    lex = load_lexicon()
    assert any("广告法" in e.legal_basis and article in e.legal_basis for e in lex.entries)


def test_bundled_lexicon_cites_other_rules() -> None:
    bases = " ".join(e.legal_basis for e in load_lexicon().entries)
    for rule in ("化妆品监督管理条例", "食品安全法", "明码标价和禁止价格欺诈规定", "网络直播营销管理办法"):
        assert rule in bases


def copy_mini(tmp_path: Path) -> Path:
    dst = tmp_path / "lex"
    shutil.copytree(MINI_LEXICON, dst)
    return dst


def edit_entries(root: Path, fn) -> None:
    path = root / "terms" / "mini.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data["entries"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda es: es[0].update(severity="fatal"), "absolute.best"),
        (lambda es: es[0].update(category="made_up"), "absolute.best"),
        (lambda es: es[1].update(id=es[0]["id"]), "duplicate id"),
        (lambda es: es[0].update(pattern="最(好|佳)"), "exactly one"),
        (lambda es: es[0].update(exempt_for=["spaceships"]), "unknown product category"),
        (lambda es: es[0].update(id="Bad Id"), "dotted"),
        (lambda es: es[0].pop("legal_basis"), "legal_basis"),
        (lambda es: es[0].update(colour="red"), "absolute.best"),
    ],
)
def test_invalid_entries_fail_with_file_and_entry(tmp_path: Path, mutate, message: str) -> None:
    root = copy_mini(tmp_path)
    edit_entries(root, mutate)
    with pytest.raises(LexiconError) as err:
        load_lexicon(root)
    assert message in str(err.value)
    assert "mini.yaml" in str(err.value)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="not found"):
        load_lexicon(tmp_path / "nope")
    root = copy_mini(tmp_path)
    (root / "terms" / "mini.yaml").write_text("entries: [unclosed", encoding="utf-8")
    with pytest.raises(LexiconError, match="not valid YAML"):
        load_lexicon(root)
    (root / "terms" / "mini.yaml").unlink()
    with pytest.raises(LexiconError, match="missing"):
        load_lexicon(root)


def test_version_tag_changes_with_content(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    before = load_lexicon(root).version_tag
    edit_entries(root, lambda es: es[0].update(suggestion="口碑不错"))
    assert load_lexicon(root).version_tag != before


@pytest.mark.parametrize(
    ("value", "expected"),
    [("food", "food"), ("食品", "food"), ("特殊化妆品", "special_cosmetics"), ("保健品", "health_food"), (None, None)],
)
def test_resolve_product_category(mini_lexicon, value, expected) -> None:
    assert mini_lexicon.resolve_product_category(value) == expected


def test_unknown_product_category(mini_lexicon) -> None:
    with pytest.raises(LexiconError, match="unknown product category"):
        mini_lexicon.resolve_product_category("spaceships")

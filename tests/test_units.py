from __future__ import annotations

import pytest

from claimcheck.nlp.units import UnitConfig, split_units


def char_tokens(text: str) -> list[int]:
    return list(range(len(text)))


def texts(text: str, spans) -> list[str]:
    return [text[s.start : s.end] for s in spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这款面霜很清爽。用了以后皮肤水润！", ["这款面霜很清爽。", "用了以后皮肤水润!"]),
        ("第一句话很长很长,第二个分句也很长;最后一句", ["第一句话很长很长,第二个分句也很长;", "最后一句"]),
        (
            "这是一个很长很长很长很长的句子的第一个分句,后面还有第二个相当相当长的分句,以及第三个分句。",
            ["这是一个很长很长很长很长的句子的第一个分句,", "后面还有第二个相当相当长的分句,", "以及第三个分句。"],
        ),
        ("家人们,今天给大家带来一款面霜。", ["家人们,今天给大家带来一款面霜。"]),  # short clause merged forward
        ("   \n\n  ", []),
        ("好的。", ["好的。"]),
    ],
)
def test_punctuated_text(text: str, expected: list[str]) -> None:
    text = text.replace("！", "!")
    assert texts(text, split_units(text, char_tokens(text))) == expected


def test_long_unpunctuated_run_is_cut_to_reviewable_length() -> None:
    cfg = UnitConfig(min_chars=4, target_chars=10, max_chars=20, break_markers=("然后", "家人们"))
    text = "家人们这个面霜真的特别好用我自己用了三瓶然后我们今天直播间的价格特别划算大家赶紧下单然后记得点关注" * 3
    spans = split_units(text, char_tokens(text), cfg=cfg)
    assert "".join(texts(text, spans)) == text  # nothing lost
    assert all(s.end - s.start <= cfg.max_chars for s in spans)
    assert len(spans) >= 8
    # cuts prefer the discourse markers
    assert sum(text.startswith("然后", s.start) or text.startswith("家人们", s.start) for s in spans) >= 4


def test_long_run_never_cuts_a_protected_term() -> None:
    cfg = UnitConfig(min_chars=2, target_chars=5, max_chars=8)
    text = "啊" * 7 + "全网最低价" + "啊" * 20
    protected = [(7, 12)]
    spans = split_units(text, char_tokens(text), protected, cfg)
    for s in spans:
        assert not (s.start < 7 < s.end < 12) and not (7 < s.start < 12)
    assert any(text[s.start : s.end].find("全网最低价") >= 0 for s in spans)


def test_cuts_only_at_token_boundaries() -> None:
    cfg = UnitConfig(min_chars=2, target_chars=4, max_chars=6)
    text = "一二三四五六七八九十甲乙丙丁"
    tokens = [0, 3, 7, 10, 12]
    spans = split_units(text, tokens, cfg=cfg)
    assert {s.start for s in spans} <= set(tokens)

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimcheck.nlp.normalize import compact, light, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width to half-width, case folding
        ("全網第一", "全网第一"),  # Traditional to Simplified
        ("最頂級", "最顶级"),
        ("①号链接", "1号链接"),  # circled digits
        ("⑩倍", "10倍"),  # one character that becomes two
        ("𝟏𝟐", "12"),  # styled digits outside the BMP
        ("NO.1", "no.1"),
    ],
)
def test_light_view(raw: str, expected: str) -> None:
    assert light(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("最🔥好", "最好"),  # emoji inserted between the characters of a term
        ("顶 级", "顶级"),  # spaces
        ("最\u200b好", "最好"),  # zero-width space
        ("最*好", "最好"),
        ("最.好", "最好"),
        ("最最最好", "最好"),  # repeated characters collapsed
        ("第　一", "第一"),  # ideographic space
        ("ｚｕｉ好", "zui好"),
        ("No.1", "no1"),
        ("100%棉", "100棉"),  # digits are never collapsed
        ("第一。次", "第一。次"),  # sentence punctuation is kept: no match across sentences
        ("最，好", "最,好"),
    ],
)
def test_compact_view(raw: str, expected: str) -> None:
    assert compact(raw) == expected


def test_offsets_point_at_original() -> None:
    raw = "宝宝们，这款是最🔥最 好的！全網第①"
    n = normalize(raw)
    i = n.compact.text.index("最好")
    s, e = n.compact.to_original(i, i + 2)
    assert raw[s:e] == "最🔥最 好"
    j = n.compact.text.index("全网第1")
    s, e = n.compact.to_original(j, j + 4)
    assert raw[s:e] == "全網第①"


def test_expansion_maps_both_characters_to_source() -> None:
    n = normalize("买⑩送一")
    assert n.light.text == "买10送一"
    assert n.light.to_original(1, 3) == (1, 2)


def test_empty_text() -> None:
    n = normalize("")
    assert n.light.text == "" and n.compact.text == ""


def test_span_outside_view_is_rejected() -> None:
    with pytest.raises(ValueError):
        normalize("abc").compact.to_original(2, 5)


@given(st.text(max_size=60))
def test_every_view_character_maps_into_original(raw: str) -> None:
    n = normalize(raw)
    for view in (n.light, n.compact):
        assert len(view.src) == len(view.text)
        assert all(0 <= int(i) < len(raw) for i in view.src)
        assert list(view.src) == sorted(view.src)  # order is preserved
        # each view character comes from an original character that normalises to contain it
        for k, ch in enumerate(view.text):
            assert ch in light(raw[int(view.src[k])]) or ch in raw[int(view.src[k])]

from __future__ import annotations

import json

from claimcheck.config import Settings
from claimcheck.engine import Engine
from claimcheck.types import Verdict
from tests.conftest import MINI_LEXICON

ASR = (
    "家人们今天给大家带来的这款面霜真的是我用过的全网最好用的一款然后我们今天直播间的价格"
    "也是非常划算的所以大家赶紧去拍一号链接我跟你说这个价格只有今天有明天就恢复原价了宝宝们"
    "不要犹豫了第一次来直播间的宝宝记得点个关注"
)


def test_asr_text_without_punctuation_becomes_reviewable_units(engine) -> None:
    doc = engine.make_doc(ASR)
    units = doc.units
    assert len(units) >= 4
    assert all(u.end - u.start <= engine.pipeline.unit_config.max_chars for u in units)
    assert "".join(doc.unit_texts()) == ASR
    # no unit boundary falls inside a lexicon term
    for s, e in engine.detectors[0].matcher.raw_spans(doc.norm):
        assert not any(s < u.start < e for u in units), ASR[s:e]


def test_units_map_to_original_offsets_after_normalisation(engine) -> None:
    text = "這款麵霜很好用！全網第一，家人們衝！"
    doc = engine.make_doc(text)
    assert [text[u.start : u.end] for u in doc.units] == doc.unit_texts()
    assert doc.unit_texts()[0] == "這款麵霜很好用！"


def test_screen_result_json_round_trip(mini_engine) -> None:
    result = mini_engine.screen("这是最好的，全网第一！")
    data = json.loads(json.dumps(result.to_json_dict(), ensure_ascii=False))
    assert data["verdict"] == "block"
    assert data["versions"]["lexicon"].startswith("mini@0.0.1+")
    assert "start_ms" not in data["findings"][0]  # absent fields are omitted, not null


def test_lexicon_only_screening_does_not_build_spacy(mini_lexicon) -> None:
    engine = Engine.from_settings(Settings(lexicon_dir=MINI_LEXICON, detectors=["lexicon"]), lexicon=mini_lexicon)
    assert engine.screen("最近很好").verdict is Verdict.PASS
    assert engine.pipeline._nlp is None  # segmentation is paid for only when a detector asks


def test_unknown_detector_name_is_a_clear_error() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown detector 'nope'"):
        Engine.from_settings(Settings(lexicon_dir=MINI_LEXICON, detectors=["lexicon", "nope"]))

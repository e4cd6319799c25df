"""The claim gate in front of the classifier, and the evidence policy for the classifier's findings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claimcheck.classifier.artifacts import ModelArtifactError, Thresholds
from claimcheck.classifier.cascade import Cascade
from claimcheck.classifier.classes import CLASSIFIER_LABELS
from claimcheck.classifier.gate import ClaimGate, load_gate
from claimcheck.classifier.policy import NO_POLICY, CategoryEvidence, ClassifierPolicy, load_policy, write_policy
from claimcheck.corpus import load_units, write_splits
from claimcheck.detectors.exaggeration import ExaggerationDetector
from claimcheck.training.gate_train import choose_gate_threshold, gate_targets, train_gate
from claimcheck.types import Severity

PRODUCTS = ["面霜", "精华", "奶粉", "果汁", "卫衣", "钙片", "枕头", "茶叶"]
FRAMES = {
    ("ok", "claim"): ["这款{p}的包装很简洁", "{p}有三个颜色可以选", "{p}的配料只有四种"],
    ("ok", "offer"): ["{p}今天到手价九十九", "{p}买二送一还送小样"],
    ("ok", "interaction"): ["欢迎新进直播间的宝宝点点关注", "喜欢{p}的扣个一", "刚进来的家人们先点个赞"],
    ("ok", "filler"): ["好吧那我们继续哈", "对对对你说得对", "嗯然后呢就是说"],
    ("medical_claim", "claim"): ["{p}能治好你的失眠", "喝了{p}感冒就好了"],
    ("absolute_term", "claim"): ["这款{p}是全网最好的", "{p}绝对是行业第一"],
}


@pytest.fixture(scope="module")
def gate_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("gate")
    corpus = base / "corpus"
    corpus.mkdir()
    lines = []
    for (label, kind), frames in FRAMES.items():
        for f in frames:
            for i, p in enumerate(PRODUCTS):
                text = f.format(p=p) if "{p}" in f else f + "啊" * (i % 3) + "。" * (i // 3)
                lines.append({"text": text, "label": label, "product_category": "food", "style": "asr", "kind": kind})
    (corpus / "units_tiny.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )
    write_splits(load_units(corpus), corpus / "splits.csv")
    train_gate(corpus, base / "gate", log=lambda *_: None)
    return base / "gate"


def test_gate_lets_violations_through_and_stops_interaction(gate_dir: Path) -> None:
    gate = load_gate(gate_dir)
    passes = gate.passes(
        ["这款果汁是全网最好的", "喝了钙片感冒就好了", "欢迎新进直播间的宝宝点点关注", "好吧那我们继续哈"]
    )
    assert passes.tolist() == [True, True, False, False]
    assert 0 < gate.threshold < 1


def test_gate_targets_count_every_violation_as_a_claim() -> None:
    import pandas as pd

    df = pd.DataFrame({"label": ["ok", "ok", "guarantee", "ok"], "kind": ["claim", "filler", "interaction", None]})
    assert gate_targets(df).tolist() == [True, False, True, True]
    scores = np.array([0.9, 0.8, 0.2, 0.95])
    violation = np.array([True, True, False, True])
    assert choose_gate_threshold(scores, violation) == 0.8  # the highest that lets every violation through


class Fixed:
    """A unit model whose probabilities are given per text."""

    labels = CLASSIFIER_LABELS
    version = "fixed@0"

    def __init__(self, rows: dict[str, dict[str, float]]) -> None:
        self.rows = rows
        self.seen: list[str] = []

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        out = np.zeros((len(texts), len(self.labels)))
        for i, t in enumerate(texts):
            for label, p in self.rows.get(t, {"ok": 1.0}).items():
                out[i, self.labels.index(label)] = p
        return out


class Always:
    def __init__(self, verdicts: dict[str, bool]) -> None:
        self.verdicts = verdicts

    def passes(self, texts: list[str]) -> np.ndarray:
        return np.array([self.verdicts[t] for t in texts])

    version = "gate@0"


TH = Thresholds(decision=0.5, block=0.9, band_low=0.4, band_high=0.6)


def test_cascade_never_shows_the_classifier_what_the_gate_stops() -> None:
    fast = Fixed({"a": {"guarantee": 0.97, "ok": 0.03}})
    cascade = Cascade(fast, TH, gate=Always({"a": True, "b": False}))  # type: ignore[arg-type]
    res = cascade.run(["a", "b"])
    assert fast.seen == ["a"]
    assert res.gated.tolist() == [False, True] and res.scores[1] == 0.0
    assert "gate@0|" in cascade.version


def _detector(policy: ClassifierPolicy, scores: dict[str, dict[str, float]]) -> ExaggerationDetector:
    return ExaggerationDetector(Cascade(Fixed(scores), TH), policy=policy)


def test_without_policy_the_classifier_names_no_category_and_never_blocks(mini_engine) -> None:
    doc = mini_engine.make_doc("吃了它保你三个月长高。")
    text = doc.unit_compact_texts()[0]
    det = _detector(NO_POLICY, {text: {"guarantee": 0.8, "efficacy_overclaim": 0.15, "ok": 0.05}})
    (f,) = det.analyze(doc)
    assert f.category.value == "unclassified" and f.severity is Severity.REVIEW
    assert f.category_hints == ["guarantee", "efficacy_overclaim"]
    assert "不断定类别" in f.explanation


def test_policy_decides_category_block_and_review_threshold(mini_engine) -> None:
    doc = mini_engine.make_doc("吃了它保你三个月长高。")
    text = doc.unit_compact_texts()[0]
    scores = {text: {"guarantee": 0.96, "ok": 0.04}}
    strong = ClassifierPolicy(
        measured_on="test", model="x", categories={"guarantee": CategoryEvidence(precision=0.97, findings=40)}
    )
    (f,) = _detector(strong, scores).analyze(doc)
    assert f.category.value == "guarantee" and f.severity is Severity.BLOCK
    middling = strong.model_copy(update={"categories": {"guarantee": CategoryEvidence(precision=0.85, findings=40)}})
    (f,) = _detector(middling, scores).analyze(doc)
    assert f.category.value == "guarantee" and f.severity is Severity.REVIEW
    few = strong.model_copy(update={"categories": {"guarantee": CategoryEvidence(precision=1.0, findings=3)}})
    assert _detector(few, scores).analyze(doc)[0].category.value == "unclassified"
    cautious = strong.model_copy(update={"review_threshold": 0.99})
    assert _detector(cautious, scores).analyze(doc)[0].severity is Severity.BLOCK  # a script: corpus thresholds
    from claimcheck.context import DocContext

    spoken = mini_engine.make_doc("吃了它保你三个月长高。", DocContext(medium="speech"))
    assert _detector(cautious, scores).analyze(spoken)[0].severity is Severity.INFO  # speech: calibrated on speech


def test_policy_file_round_trips(tmp_path: Path) -> None:
    assert load_policy(tmp_path) is NO_POLICY
    policy = ClassifierPolicy(measured_on="x", model="m", review_threshold=0.7, categories={})
    write_policy(tmp_path, policy)
    assert load_policy(tmp_path) == policy
    (tmp_path / "policy.json").write_text('{"measured_on": 1}', encoding="utf-8")
    with pytest.raises(ModelArtifactError, match=r"policy\.json"):
        load_policy(tmp_path)


def test_bundled_gate_loads_and_is_part_of_the_version(engine) -> None:
    assert "claim-gate@" in engine.versions["exaggeration"] and "policy." in engine.versions["exaggeration"]
    assert isinstance(
        engine.detectors[[d.name for d in engine.detectors].index("exaggeration")].cascade.gate, ClaimGate
    )

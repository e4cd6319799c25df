"""Training, artifacts and the cascade, on a tiny corpus built here by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claimcheck.classifier.artifacts import ModelArtifactError, Thresholds
from claimcheck.classifier.cascade import Cascade
from claimcheck.classifier.classes import CLASSIFIER_LABELS
from claimcheck.corpus import CorpusError, load_corpus, load_units, write_splits
from claimcheck.training.train import choose_thresholds, train_sklearn

PRODUCTS = ["面霜", "精华", "奶粉", "果汁", "卫衣", "手机", "枕头", "茶叶"]
OK_FRAMES = [
    "这款{p}的包装很简洁",
    "{p}今天下单明天发货",
    "{p}有三个颜色可以选",
    "{p}的尺寸在详情页里写着",
    "大家可以看一下{p}的细节",
    "{p}拍下后记得填好地址",
]
ABS_FRAMES = [
    "这款{p}是全网最好的",
    "{p}绝对是行业第一",
    "{p}的品质是顶级中的顶级",
    "史上最强的{p}就在这里",
    "{p}全国销量第一没有之一",
    "独一无二的{p}只有我们家有",
]
MED_FRAMES = [
    "{p}能治好你的失眠",
    "用了{p}湿疹都好了",
    "{p}可以降血压降血糖",
    "{p}对胃病有治疗作用",
    "喝了{p}感冒就好了",
    "{p}可以消炎杀菌治痘痘",
]


def make_corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = []
    for label, frames in (("ok", OK_FRAMES), ("absolute_term", ABS_FRAMES), ("medical_claim", MED_FRAMES)):
        for f in frames:
            for p in PRODUCTS:
                lines.append(
                    {
                        "text": f.format(p=p),
                        "label": label,
                        "product_category": "food",
                        "style": "script",
                        "hard_negative": False,
                    }
                )
    (root / "units_tiny.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )
    write_splits(load_units(root), root / "splits.csv")
    return root


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("tiny")
    corpus = make_corpus(base / "corpus")
    meta = train_sklearn(corpus, base / "model", log=lambda *_: None)
    return corpus, base / "model", meta


def test_splits_are_stratified_and_fixed(tiny) -> None:
    corpus, _, _ = tiny
    df = load_corpus(corpus)
    assert set(df["split"]) == {"train", "dev", "test"}
    for _, part in df.groupby("split"):
        assert set(part["label"]) == {"ok", "absolute_term", "medical_claim"}


def test_trained_model_learns_and_generalises(tiny) -> None:
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    _, model_dir, meta = tiny
    clf = SklearnClassifier.load(model_dir, CLASSIFIER_LABELS)
    unseen = {
        "这款洗发水是全网最好的": "absolute_term",
        "洗发水能治好你的失眠": "medical_claim",
        "洗发水今天下单明天发货": "ok",
    }
    from claimcheck.nlp.normalize import compact

    proba = clf.predict_proba([compact(t) for t in unseen])
    predicted = [CLASSIFIER_LABELS[i] for i in proba.argmax(1)]
    assert predicted == list(unseen.values())
    assert np.allclose(proba.sum(1), 1.0)
    assert meta.metrics["test"]["f1"] > 0.8
    assert meta.libraries["scikit-learn"]
    grams = clf.explain(compact("这款洗发水是全网最好的"), "absolute_term")
    assert grams and all(g in compact("这款洗发水是全网最好的") for g, _ in grams)


def test_metadata_records_provenance(tiny) -> None:
    _, model_dir, _ = tiny
    data = json.loads((model_dir / "metadata.json").read_text(encoding="utf-8"))
    assert data["labels"] == list(CLASSIFIER_LABELS)
    assert set(data["files"]) == {"model.skops", "linear.npz", "vocabulary.json"}
    assert len(data["corpus_hash"]) == 64
    assert 0 < data["thresholds"]["decision"] < 1
    assert not list(model_dir.glob("*.pkl")) and not list(model_dir.glob("*.joblib"))


def copy_model(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_tampered_artifact_is_refused(tiny, tmp_path: Path) -> None:
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    d = copy_model(tiny[1], tmp_path / "m")
    blob = bytearray((d / "model.skops").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (d / "model.skops").write_bytes(bytes(blob))
    with pytest.raises(ModelArtifactError, match="modified after training"):
        SklearnClassifier.load(d, CLASSIFIER_LABELS)


def test_mismatched_label_set_is_refused(tiny, tmp_path: Path) -> None:
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    d = copy_model(tiny[1], tmp_path / "m")
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    meta["labels"] = meta["labels"][:-1]
    (d / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelArtifactError, match="label set"):
        SklearnClassifier.load(d, CLASSIFIER_LABELS)


@pytest.mark.parametrize("damage", ["no_metadata", "bad_json", "no_model", "wrong_kind"])
def test_broken_model_folders(tiny, tmp_path: Path, damage: str) -> None:
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    d = copy_model(tiny[1], tmp_path / "m")
    if damage == "no_metadata":
        (d / "metadata.json").unlink()
    elif damage == "bad_json":
        (d / "metadata.json").write_text("{", encoding="utf-8")
    elif damage == "no_model":
        (d / "model.skops").unlink()
    else:
        meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
        meta["kind"] = "transformers"
        (d / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelArtifactError):
        SklearnClassifier.load(d, CLASSIFIER_LABELS)


def test_corpus_errors_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "units_bad.jsonl").write_text(
        '{"text": "好", "label": "ok", "product_category": "food", "style": "asr"}\n'
        '{"text": "最好", "label": "superlative", "product_category": "food", "style": "asr"}\n',
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"units_bad.jsonl:2: label"):
        load_units(tmp_path)
    (tmp_path / "units_bad.jsonl").write_text(
        '{"text": "好", "label": "ok", "product_category": "food", "style": "asr"}\n', encoding="utf-8"
    )
    with pytest.raises(CorpusError, match=r"splits\.csv is missing"):
        load_corpus(tmp_path)


def test_choose_thresholds_respects_false_alarm_budget() -> None:
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(500, bool), np.ones(500, bool)]
    scores = np.r_[rng.beta(2, 5, 500), rng.beta(5, 2, 500)]
    t = choose_thresholds(y, scores)
    fa = np.mean(scores[~y] >= t.decision)
    assert fa <= 0.05
    assert t.band_low <= t.decision <= t.band_high
    assert t.block >= t.decision


class Recorder:
    """A slow model that records what it was asked to score."""

    labels = CLASSIFIER_LABELS
    version = "recorder"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        out = np.zeros((len(texts), len(self.labels)))
        out[:, self.labels.index("medical_claim")] = 1.0
        return out


class Fixed:
    labels = CLASSIFIER_LABELS
    version = "fixed"

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self.labels)))
        for i, t in enumerate(texts):
            out[i, self.labels.index("absolute_term")] = self.scores[t]
            out[i, self.labels.index("ok")] = 1 - self.scores[t]
        return out


def test_cascade_calls_slow_model_only_inside_band() -> None:
    fast = Fixed({"a": 0.05, "b": 0.4, "c": 0.55, "d": 0.7, "e": 0.99})
    slow = Recorder()
    th = Thresholds(decision=0.5, block=0.95, band_low=0.35, band_high=0.65)
    res = Cascade(fast, th, slow, th).run(["a", "b", "c", "d", "e"])
    assert slow.seen == ["b", "c"]
    assert res.slow_mask.tolist() == [False, True, True, False, False]
    assert res.scores[1] == pytest.approx(1.0)  # the slow model's verdict replaced the fast one
    assert res.scores[0] == pytest.approx(0.05) and res.scores[4] == pytest.approx(0.99)
    assert not Recorder().seen
    no_slow = Cascade(fast, th).run(["a", "b"])
    assert not no_slow.slow_mask.any()


def test_linear_arrays_score_like_the_pipeline(tiny) -> None:
    """The arrays loading reads give the skops pipeline's probabilities, on the whole tiny corpus."""
    from claimcheck.classifier.sklearn_model import MODEL_FILE, SklearnClassifier, load_pipeline

    corpus, model_dir, _ = tiny
    clf = SklearnClassifier.load(model_dir, CLASSIFIER_LABELS)
    assert clf.pipeline is None  # scoring never needed skops
    pipeline = load_pipeline(model_dir / MODEL_FILE)
    texts = [*load_corpus(corpus)["compact"], ""]
    ours = clf.predict_proba(texts)
    ref = pipeline.predict_proba(texts)
    cols = [CLASSIFIER_LABELS.index(c) for c in pipeline.classes_]
    assert np.allclose(ours[:, cols], ref, atol=1e-6)
    assert (ours[:, cols].argmax(1) == ref.argmax(1)).all()


def test_bundled_model_arrays_match_its_pipeline() -> None:
    from claimcheck.classifier.sklearn_model import MODEL_FILE, SklearnClassifier, load_pipeline
    from claimcheck.config import Settings

    model_dir = Settings().model_dir
    clf = SklearnClassifier.load(model_dir, CLASSIFIER_LABELS)
    pipeline = load_pipeline(model_dir / MODEL_FILE)
    texts = list(load_corpus()["compact"])
    cols = [CLASSIFIER_LABELS.index(c) for c in pipeline.classes_]
    assert np.allclose(clf.predict_proba(texts)[:, cols], pipeline.predict_proba(texts), atol=1e-6)


def test_near_duplicates_keep_the_earlier_unit() -> None:
    import pandas as pd

    from claimcheck.corpus import near_duplicates

    df = pd.DataFrame(
        {
            "compact": [
                "今天直播间到手价九十九元包邮送运费险",
                "今天直播间到手价九十八元包邮送运费险",
                "完全不同的一句话说说而已",
            ]
        }
    )
    pairs = near_duplicates(df, 0.5)
    assert [(a, b) for a, b, _ in pairs] == [(0, 1)]
    assert near_duplicates(df, 0.95) == []


def test_a_model_that_smuggles_exec_is_refused(tiny, tmp_path: Path) -> None:
    """A skops file whose vectoriser preprocessor is ``builtins.exec``, with a matching sha256 and
    no arrays to take the fast path, is refused by the exact allow-list: exec is never called."""
    import zipfile

    from skops.io import dump, get_untrusted_types, load

    from claimcheck.classifier.artifacts import sha256_file
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    d = copy_model(tiny[1], tmp_path / "m")
    pipeline = load(d / "model.skops", trusted=get_untrusted_types(file=d / "model.skops"))
    pipeline.named_steps["tfidf"].preprocessor = exec
    dump(pipeline, d / "model.skops", compression=zipfile.ZIP_DEFLATED)
    for name in ("linear.npz", "vocabulary.json"):
        (d / name).unlink()
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    meta["files"] = {"model.skops": sha256_file(d / "model.skops")}
    (d / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelArtifactError, match=r"allow-list.*exec"):
        SklearnClassifier.load(d, CLASSIFIER_LABELS)

"""The transformers model: trained from config, saved as safetensors, loaded offline,
fine-tuned from a local checkpoint folder (--init). Needs the [transformers] extra."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from claimcheck.classifier.artifacts import ModelArtifactError
from claimcheck.classifier.classes import CLASSIFIER_LABELS
from claimcheck.classifier.transformer_model import TransformerClassifier
from claimcheck.training.train import train_transformer
from claimcheck.training.transformer_train import build_char_vocab
from tests.test_training import make_corpus


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    base = tmp_path_factory.mktemp("tf")
    corpus = make_corpus(base / "corpus")
    meta = train_transformer(corpus, base / "model", epochs=30, log=lambda *_: None)
    return corpus, base / "model", meta


def test_trains_from_config_and_saves_safetensors(trained) -> None:
    _, model_dir, meta = trained
    assert (model_dir / "model.safetensors").is_file()
    assert not list(model_dir.glob("*.bin"))
    assert "model.safetensors" in meta.files
    assert sum(p.stat().st_size for p in model_dir.iterdir()) < 30 * 1024 * 1024
    assert meta.metrics["dev_accuracy"] > 0.5


def test_loads_offline_and_predicts(trained, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    clf = TransformerClassifier.load(trained[1], CLASSIFIER_LABELS)
    proba = clf.predict_proba(["这款面霜是全网最好的", "面霜今天下单明天发货"])
    assert proba.shape == (2, len(CLASSIFIER_LABELS))
    assert np.allclose(proba.sum(1), 1.0)
    assert proba[0, CLASSIFIER_LABELS.index("ok")] < proba[1, CLASSIFIER_LABELS.index("ok")]


def test_tampered_weights_are_refused(trained, tmp_path: Path) -> None:
    import shutil

    d = tmp_path / "m"
    shutil.copytree(trained[1], d)
    blob = bytearray((d / "model.safetensors").read_bytes())
    blob[-10] ^= 0xFF
    (d / "model.safetensors").write_bytes(bytes(blob))
    with pytest.raises(ModelArtifactError, match="modified after training"):
        TransformerClassifier.load(d, CLASSIFIER_LABELS)


def test_fine_tunes_a_local_checkpoint(trained, tmp_path: Path) -> None:
    corpus, model_dir, _ = trained
    meta = train_transformer(corpus, tmp_path / "ft", init=model_dir, epochs=1, log=lambda *_: None)
    assert meta.kind == "transformers"
    assert TransformerClassifier.load(tmp_path / "ft", CLASSIFIER_LABELS).predict_proba(["好"]).shape[0] == 1


def test_init_must_be_a_local_folder(trained, tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="not a local checkpoint folder"):
        train_transformer(trained[0], tmp_path / "x", init=tmp_path / "bert-base-chinese", log=lambda *_: None)


def test_char_vocab() -> None:
    vocab = build_char_vocab(["最好的", "zui好"])
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert "最" in vocab and "##u" in vocab and len(vocab) == len(set(vocab))

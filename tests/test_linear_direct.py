"""The direct character n-gram transform must equal scikit-learn's (it replaces it on the hot path)."""

from __future__ import annotations

import numpy as np
import pytest

from claimcheck.classifier import ngrams
from claimcheck.classifier.linear import LinearModel
from claimcheck.paths import MODELS_DIR

TEXTS = [
    "家人们这款面霜用起来很清爽",
    "全网最低价,用了马上就白!!",
    "  两个  空格\t\t和制表符 ",
    "",
    "x",
    "ABC abc 123",
    "一二三四五六七八九十" * 20,
]


@pytest.fixture(params=["probe", "automaton"])
def lookup(request, monkeypatch):
    """Both ways of finding a text's known n-grams: probing the dict, or the automaton."""
    monkeypatch.setattr(ngrams, "AUTOMATON_AFTER", 10**12 if request.param == "probe" else 0)
    monkeypatch.setattr(ngrams, "_state", ngrams._State())
    ngrams.shared_ids.cache_clear()
    yield request.param
    ngrams.shared_ids.cache_clear()


@pytest.mark.parametrize("name", ["exaggeration-sklearn", "claim-gate", "factual-claim"])
def test_direct_transform_equals_sklearn(name: str, lookup: str) -> None:
    import sklearn

    model = LinearModel.load(MODELS_DIR / name)
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        expected = model.vectorizer.transform(TEXTS).tocsr()
    got = model._transform_direct(TEXTS)
    assert got.shape == expected.shape
    assert got.nnz == expected.nnz
    assert np.abs((got - expected).toarray()).max() < 1e-6


def test_batches_larger_than_a_piece_equal_sklearn(lookup: str) -> None:
    """Past ``_DIRECT_MAX`` texts the batch is cut into pieces; rows must still line up."""
    from claimcheck.classifier.linear import _DIRECT_MAX

    model = LinearModel.load(MODELS_DIR / "claim-gate")
    texts = [f"{t}{i % 97}" for i, t in enumerate(TEXTS * (_DIRECT_MAX // len(TEXTS) + 2))]
    got = model.transform(texts)
    expected = model.reference_transform(texts)
    assert len(texts) > _DIRECT_MAX
    assert got.shape == expected.shape and got.nnz == expected.nnz
    assert abs(got - expected).max() < 1e-6


def test_a_model_registered_later_sees_its_own_n_grams(lookup: str) -> None:
    """The shared index grows; ids cached or automata built before must not hide the new n-grams."""
    first = LinearModel.load(MODELS_DIR / "claim-gate")
    first.transform(TEXTS)
    later = LinearModel.load(MODELS_DIR / "claim-gate")
    later.terms = [*later.terms, "龘靐齉"]  # a 3-gram no model had
    later.idf = np.append(later.idf, 1.0)
    assert later.transform(["说龘靐齉了"])[0, len(later.terms) - 1] > 0


def test_explanations_read_from_the_last_batch_equal_fresh_ones() -> None:
    """explain_many reuses the rows predict_proba just computed, in any order or subset."""
    from claimcheck.classifier.classes import CLASSIFIER_LABELS
    from claimcheck.classifier.sklearn_model import SklearnClassifier

    clf = SklearnClassifier.load(MODELS_DIR / "exaggeration-sklearn", CLASSIFIER_LABELS)
    texts = ["全网最好的面霜", "吃了能治失眠", "今天包邮", "销量第一的品牌"]
    labels = ["absolute_term", "medical_claim", "absolute_term", "absolute_term"]
    order = [3, 1, 0]
    fresh = SklearnClassifier.load(MODELS_DIR / "exaggeration-sklearn", CLASSIFIER_LABELS)
    expected = fresh.explain_many([texts[i] for i in order], [labels[i] for i in order])
    clf.predict_proba(texts)
    got = clf.explain_many([texts[i] for i in order], [labels[i] for i in order])
    assert got == expected
    assert any(got)  # some text has an explaining n-gram

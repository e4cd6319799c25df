"""The direct character n-gram transform must equal scikit-learn's (it replaces it for small batches)."""

from __future__ import annotations

import numpy as np
import pytest

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


@pytest.mark.parametrize("name", ["exaggeration-sklearn", "claim-gate", "factual-claim"])
def test_direct_transform_equals_sklearn(name: str) -> None:
    import sklearn

    model = LinearModel.load(MODELS_DIR / name)
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        expected = model.vectorizer.transform(TEXTS).tocsr()
    got = model._transform_direct(TEXTS)
    assert got.shape == expected.shape
    assert got.nnz == expected.nnz
    assert np.abs((got - expected).toarray()).max() < 1e-6


def test_small_batches_take_the_direct_path_and_large_ones_sklearn() -> None:
    from claimcheck.classifier.linear import _DIRECT_MAX

    model = LinearModel.load(MODELS_DIR / "claim-gate")
    small = model.transform(TEXTS[:2])
    large = model.transform(TEXTS[:2] * (_DIRECT_MAX // 2 + 1))  # above the direct limit: scikit-learn
    assert np.abs((large[:2] - small).toarray()).max() < 1e-6

"""The classifier's label set: ``ok`` or a text-level taxonomy category."""

from __future__ import annotations

import numpy as np

from claimcheck.taxonomy import Category

OK = "ok"
# spec_mismatch needs the product record, so the text classifier never predicts it.
CLASSIFIER_LABELS: tuple[str, ...] = (
    OK,
    *(c.value for c in Category if c not in (Category.SPEC_MISMATCH, Category.UNCLASSIFIED)),
)


def violation_score(proba: np.ndarray, labels: tuple[str, ...] = CLASSIFIER_LABELS) -> np.ndarray:
    """P(violation) = 1 - P(ok), per row of a probability matrix in ``labels`` order."""
    return 1.0 - proba[:, labels.index(OK)]

"""Fitting the fast classifier (the pipeline it is trained as; inference lives in claimcheck.classifier)."""

from __future__ import annotations

import numpy as np


def build_pipeline(c: float = 32.0, ngram_max: int = 3, seed: int = 0):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char",
                    ngram_range=(1, ngram_max),
                    min_df=2,
                    sublinear_tf=True,
                    lowercase=False,
                    dtype=np.float32,
                ),
            ),
            (
                "clf",
                CalibratedClassifierCV(
                    LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=seed),
                    method="sigmoid",
                    cv=5,
                    ensemble=False,
                ),
            ),
        ]
    )

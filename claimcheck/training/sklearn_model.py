"""The fast classifier: character n-gram TF-IDF + calibrated logistic regression.

Character n-grams need no segmentation and survive the odd ASR error; the
compact view (evasion noise removed) is the model input, the same text the
lexicon matches on. ``CalibratedClassifierCV(ensemble=False)`` keeps one linear
model (so its coefficients explain a score) and fits the calibration on
cross-validated predictions. Persisted with skops, never pickle: loading checks
the file's hash first and then refuses any type outside a fixed allow-list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claimcheck.training.artifacts import ModelArtifactError, ModelMetadata, read_metadata

MODEL_FILE = "model.skops"
# Types skops may instantiate when loading our pipeline; anything else is refused.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


def build_pipeline(c: float = 8.0, ngram_max: int = 3, seed: int = 0):
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


@dataclass
class SklearnClassifier:
    """A fitted pipeline with its label order and metadata."""

    pipeline: object
    labels: tuple[str, ...]
    metadata: ModelMetadata | None = None

    @property
    def version(self) -> str:
        return self.metadata.version_tag if self.metadata else "sklearn@unsaved"

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probabilities in ``self.labels`` order for compact-view texts."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        proba = self.pipeline.predict_proba(texts)
        classes = list(self.pipeline.classes_)
        out = np.zeros((len(texts), len(self.labels)))
        for j, label in enumerate(self.labels):
            if label in classes:
                out[:, j] = proba[:, classes.index(label)]
        return out

    def explain(self, text: str, label: str, top: int = 3) -> list[tuple[str, float]]:
        """The n-grams of ``text`` that pushed the score of ``label`` most."""
        vec = self.pipeline.named_steps["tfidf"]
        cal = self.pipeline.named_steps["clf"]
        lr = cal.calibrated_classifiers_[0].estimator
        classes = list(lr.classes_)
        if label not in classes:
            return []
        x = vec.transform([text])
        coef = lr.coef_[classes.index(label)] if lr.coef_.shape[0] > 1 else lr.coef_[0]
        idx = x.indices
        contrib = x.data * coef[idx]
        order = np.argsort(-contrib)[:top]
        names = vec.get_feature_names_out()
        return [(str(names[idx[i]]), float(contrib[i])) for i in order if contrib[i] > 0]

    def save(self, directory: Path) -> Path:
        from skops.io import dump

        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        dump(self.pipeline, path)
        return path

    @classmethod
    def load(cls, directory: str | Path, labels: tuple[str, ...]) -> SklearnClassifier:
        from skops.io import get_untrusted_types, load

        root = Path(directory)
        meta = read_metadata(root, "sklearn", labels)
        path = root / MODEL_FILE
        untrusted = get_untrusted_types(file=path)
        bad = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if bad:
            raise ModelArtifactError(f"{path}: contains types outside the allow-list ({bad[0]}); refusing to load")
        try:
            pipeline = load(path, trusted=untrusted)
        except Exception as exc:  # skops raises many types for corrupt files
            raise ModelArtifactError(f"{path}: cannot be loaded ({type(exc).__name__}: {exc})") from None
        if list(pipeline.classes_) != sorted(pipeline.classes_) or not set(pipeline.classes_) <= set(labels):
            raise ModelArtifactError(f"{path}: classes {list(pipeline.classes_)} do not fit the label set")
        return cls(pipeline=pipeline, labels=labels, metadata=meta)

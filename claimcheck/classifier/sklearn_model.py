"""The fast classifier's inference: character n-gram TF-IDF + calibrated logistic regression.

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

from claimcheck.classifier.artifacts import ModelArtifactError, ModelMetadata, read_metadata

MODEL_FILE = "model.skops"
# Types skops may instantiate when loading our pipeline; anything else is refused.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


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
        import sklearn

        # The inputs are our own strings: skip sklearn's per-call validation, which
        # costs more than the model itself on a page of short units.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            x = self.pipeline.named_steps["tfidf"].transform(texts)
            fast = self._fast_calibration()
            proba = fast(x) if fast is not None else self.pipeline.named_steps["clf"].predict_proba(x)
        self._last = ({t: i for i, t in enumerate(texts)}, x.tocsr())  # reused by explain_many
        out = np.zeros((len(texts), len(self.labels)))
        for j, label in enumerate(self._class_cols()):
            if label is not None:
                out[:, label] = proba[:, j]
        return out

    def _fast_calibration(self):
        """Sigmoid calibration over the linear model's scores, in plain numpy.

        ``CalibratedClassifierCV.predict_proba`` spends ~0.7 ms per call in
        per-class Python loops, more than the rest of the stage for one script.
        This computes the same numbers (expit(-(a*s+b)) per class, rows
        normalised); it is used only after a probe shows it matches sklearn's
        output, so a different calibrator or sklearn version falls back safely.
        """
        if hasattr(self, "_fast"):
            return self._fast
        self._fast = None
        try:
            from scipy.special import expit

            cc = self.pipeline.named_steps["clf"].calibrated_classifiers_[0]
            lr = cc.estimator
            a = np.array([c.a_ for c in cc.calibrators])
            b = np.array([c.b_ for c in cc.calibrators])
            coef_t, intercept = lr.coef_.T.copy(), lr.intercept_.copy()
        except (AttributeError, IndexError):
            return None
        if len(a) != len(lr.classes_) or len(a) < 3:
            return None

        def fast(x):
            p = expit(-(a * (x @ coef_t + intercept) + b))
            total = p.sum(axis=1, keepdims=True)
            return np.divide(p, total, out=np.full_like(p, 1 / p.shape[1]), where=total != 0)

        probe = self.pipeline.named_steps["tfidf"].transform(["最好的", "今天下单明天发货", "治疗失眠", "加微信"])
        if np.allclose(fast(probe), self.pipeline.named_steps["clf"].predict_proba(probe), atol=1e-9):
            self._fast = fast
        return self._fast

    def _class_cols(self) -> list[int | None]:
        """For each model class, its column in ``self.labels``."""
        cols = getattr(self, "_cols", None)
        if cols is None:
            cols = [self.labels.index(c) if c in self.labels else None for c in self.pipeline.classes_]
            self._cols = cols
        return cols

    def _explainer(self) -> tuple[object, np.ndarray, np.ndarray, list[str]]:
        """(vectorizer, feature names, coefficients, classes), computed once."""
        cached = getattr(self, "_explain_cache", None)
        if cached is None:
            vec = self.pipeline.named_steps["tfidf"]
            lr = self.pipeline.named_steps["clf"].calibrated_classifiers_[0].estimator
            cached = (vec, vec.get_feature_names_out(), lr.coef_, list(lr.classes_))
            self._explain_cache = cached
        return cached

    def explain_many(self, texts: list[str], labels: list[str], top: int = 3) -> list[list[tuple[str, float]]]:
        """For each text, the n-grams that pushed the score of its label most."""
        if not texts:
            return []
        vec, names, coef, classes = self._explainer()
        rows, last = getattr(self, "_last", ({}, None))
        if last is not None and all(t in rows for t in texts):
            x = last[[rows[t] for t in texts]]
        else:
            x = vec.transform(texts).tocsr()
        out: list[list[tuple[str, float]]] = []
        for i, label in enumerate(labels):
            if label not in classes:
                out.append([])
                continue
            row = coef[classes.index(label)] if coef.shape[0] > 1 else coef[0]
            lo, hi = x.indptr[i], x.indptr[i + 1]
            idx = x.indices[lo:hi]
            contrib = x.data[lo:hi] * row[idx]
            contrib = np.where([len(names[k]) >= 2 for k in idx], contrib, 0.0)  # one character explains little
            order = np.argsort(-contrib)[:top]
            out.append([(str(names[idx[k]]), float(contrib[k])) for k in order if contrib[k] > 0])
        return out

    def explain(self, text: str, label: str, top: int = 3) -> list[tuple[str, float]]:
        """The n-grams of ``text`` that pushed the score of ``label`` most."""
        return self.explain_many([text], [label], top)[0]

    def save(self, directory: Path) -> Path:
        import zipfile

        from skops.io import dump

        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        # the vocabulary is most of the file and compresses ~10x
        dump(self.pipeline, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
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

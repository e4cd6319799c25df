"""The fast classifier's inference: character n-gram TF-IDF + calibrated logistic regression.

Character n-grams need no segmentation and survive the odd ASR error; the
compact view (evasion noise removed) is the model input, the same text the
lexicon matches on. Training fits a scikit-learn pipeline and saves it with
skops (never pickle) for provenance and re-use, plus the arrays scoring needs
(:mod:`claimcheck.classifier.linear`), which is what loading reads: no skops and
no scikit-learn estimator registry on the start-up path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.classifier import linear
from claimcheck.classifier.artifacts import ModelArtifactError, ModelMetadata, read_metadata
from claimcheck.classifier.linear import LinearModel

MODEL_FILE = "model.skops"
# The exact types a saved pipeline may contain; skops refuses anything else on load.
TRUSTED_TYPES = frozenset(
    {
        "builtins.dict",
        "builtins.float",
        "builtins.int",
        "builtins.list",
        "builtins.slice",
        "builtins.str",
        "builtins.tuple",
        "numpy.dtype",
        "numpy.float32",
        "numpy.float64",
        "numpy.int64",
        "numpy.ndarray",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.Pipeline",
    }
)


@dataclass
class SklearnClassifier:
    """The fitted model as arrays, with its label order and metadata (and the pipeline when trained here)."""

    model: LinearModel
    labels: tuple[str, ...]
    metadata: ModelMetadata | None = None
    pipeline: Any = None

    @classmethod
    def from_pipeline(cls, pipeline: Any, labels: tuple[str, ...]) -> SklearnClassifier:
        return cls(model=LinearModel.from_pipeline(pipeline), labels=labels, pipeline=pipeline)

    @property
    def version(self) -> str:
        return self.metadata.version_tag if self.metadata else "sklearn@unsaved"

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probabilities in ``self.labels`` order for compact-view texts."""
        out = np.zeros((len(texts), len(self.labels)))
        if not texts:
            return out
        x = self.model.transform(texts)
        self._last = ({t: i for i, t in enumerate(texts)}, x)  # reused by explain_many
        out[:, self._class_cols()] = self.model.proba(x)
        return out

    def _class_cols(self) -> list[int]:
        cols = getattr(self, "_cols", None)
        if cols is None:
            cols = [self.labels.index(c) for c in self.model.classes]
            self._cols = cols
        return cols

    def explain_many(self, texts: list[str], labels: list[str], top: int = 3) -> list[list[tuple[str, float]]]:
        """For each text, the n-grams that pushed the score of its label most."""
        if not texts:
            return []
        names, coef, classes = self.model.terms, self.model.coef, self.model.classes
        none: tuple[dict[str, int], Any] = ({}, None)
        rows, last = getattr(self, "_last", none)
        if last is not None and all(t in rows for t in texts):
            x, where = last, [rows[t] for t in texts]  # rows of the last batch, read in place
        else:
            x, where = self.model.transform(texts), list(range(len(texts)))
        out: list[list[tuple[str, float]]] = []
        for i, label in enumerate(labels):
            if label not in classes:
                out.append([])
                continue
            k = classes.index(label)
            row = coef[k] if coef.shape[0] > 1 else (coef[0] if k == 1 else -coef[0])
            lo, hi = x.indptr[where[i]], x.indptr[where[i] + 1]
            idx = x.indices[lo:hi]
            contrib = x.data[lo:hi] * row[idx]
            contrib = np.where([len(names[k]) >= 2 for k in idx], contrib, 0.0)  # one character explains little
            order = np.argsort(-contrib)[:top]
            out.append([(str(names[idx[k]]), float(contrib[k])) for k in order if contrib[k] > 0])
        return out

    def explain(self, text: str, label: str, top: int = 3) -> list[tuple[str, float]]:
        """The n-grams of ``text`` that pushed the score of ``label`` most."""
        return self.explain_many([text], [label], top)[0]

    def save(self, directory: Path) -> list[Path]:
        """The pipeline with skops (when there is one) and the arrays scoring reads."""
        import zipfile

        directory.mkdir(parents=True, exist_ok=True)
        files = self.model.save(directory)
        if self.pipeline is not None:
            from skops.io import dump

            path = directory / MODEL_FILE
            # the vocabulary is most of the file and compresses ~10x
            dump(self.pipeline, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
            files.append(path)
        return files

    @classmethod
    def load(cls, directory: str | Path, labels: tuple[str, ...]) -> SklearnClassifier:
        """Load a model folder: the arrays when it has them (fast), else the skops pipeline."""
        root = Path(directory)
        meta = read_metadata(root, "sklearn", labels)
        if all(f in meta.files for f in linear.FILES):
            model = LinearModel.load(root)
            pipeline = None
        elif MODEL_FILE in meta.files:
            pipeline = load_pipeline(root / MODEL_FILE)
            model = LinearModel.from_pipeline(pipeline)
        else:
            raise ModelArtifactError(f"{root}: no model files listed in its metadata")
        if model.classes != sorted(model.classes) or not set(model.classes) <= set(labels):
            raise ModelArtifactError(f"{root}: classes {model.classes} do not fit the label set")
        return cls(model=model, labels=labels, metadata=meta, pipeline=pipeline)


def load_pipeline(path: Path) -> Any:
    """The skops pipeline, refusing any type outside :data:`TRUSTED_TYPES` (no wildcards)."""
    from skops.io import get_untrusted_types, load

    try:
        untrusted = get_untrusted_types(file=path)
    except Exception as exc:  # skops raises many types for corrupt files
        raise ModelArtifactError(f"{path.name}: cannot be read ({type(exc).__name__})") from None
    bad = sorted(t for t in untrusted if t not in TRUSTED_TYPES)
    if bad:
        raise ModelArtifactError(f"{path.name}: contains types outside the allow-list ({bad[0]}); refusing to load")
    try:
        return load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelArtifactError(f"{path.name}: cannot be loaded ({type(exc).__name__}: {exc})") from None

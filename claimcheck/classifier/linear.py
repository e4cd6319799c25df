"""The fast classifier as plain arrays: vocabulary, idf, linear weights and sigmoid calibration.

Why not load the fitted pipeline with skops at every start: skops enumerates every
scikit-learn estimator to build its list of trusted types, which imports all of
scikit-learn (and torch, when it is installed) and dominated start-up. Scoring
needs only the vectoriser's vocabulary and idf, the logistic regression's
coefficients and the calibrators' ``a``/``b``. Training saves them next to
``model.skops`` as ``linear.npz`` (loaded with ``allow_pickle=False``) and
``vocabulary.json``; both are hash-checked like every model file, and a test
compares their probabilities with the pipeline's own on the corpus.

The vectoriser itself is scikit-learn's ``TfidfVectorizer`` with a fixed
vocabulary and idf, so the character n-grams are cut exactly as in training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.classifier import ngrams
from claimcheck.classifier.artifacts import ModelArtifactError

ARRAYS_FILE = "linear.npz"
VOCABULARY_FILE = "vocabulary.json"
FILES = (ARRAYS_FILE, VOCABULARY_FILE)
_VECTORIZER_PARAMS = ("analyzer", "ngram_range", "lowercase", "sublinear_tf", "norm", "use_idf", "min_df", "max_df")


_DIRECT_MAX = 4096  # texts counted per piece by the direct transform (see LinearModel.transform)


@dataclass
class LinearModel:
    """Everything the calibrated TF-IDF + logistic-regression pipeline needs to score texts."""

    terms: list[str]  # the vocabulary, in feature-column order
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_classes, n_features), or (1, n_features) for two classes
    intercept: np.ndarray  # (n_classes,) or (1,)
    calib_a: np.ndarray  # sigmoid calibration: P_k ∝ expit(-(a_k * s_k + b_k)); two classes: P_1 = expit(-(a s + b))
    calib_b: np.ndarray
    classes: list[str]
    params: dict[str, Any]  # the vectoriser's parameters that shape the features
    _vectorizer: Any = field(default=None, init=False, repr=False)
    _to_col: np.ndarray | None = field(default=None, init=False, repr=False)  # shared n-gram id → column

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> LinearModel:
        """Extract the arrays from a fitted Pipeline(tfidf, CalibratedClassifierCV(LR, sigmoid, ensemble=False))."""
        vec = pipeline.named_steps["tfidf"]
        clf = pipeline.named_steps["clf"]
        try:
            (cc,) = clf.calibrated_classifiers_
            lr = cc.estimator
            a = np.array([c.a_ for c in cc.calibrators], dtype=np.float64)
            b = np.array([c.b_ for c in cc.calibrators], dtype=np.float64)
        except (AttributeError, ValueError):
            raise ModelArtifactError("the pipeline is not one calibrated linear model (ensemble=False)") from None
        n_classes = len(lr.classes_)
        if not (len(a) == n_classes >= 3 or (n_classes == 2 and len(a) == 1)):
            raise ModelArtifactError("the calibration does not have one sigmoid per class (or one for two classes)")
        order = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
        params = {k: v for k, v in vec.get_params().items() if k in _VECTORIZER_PARAMS}
        params["ngram_range"] = list(params["ngram_range"])
        return cls(
            terms=[t for t, _ in order],
            idf=np.asarray(vec.idf_, dtype=np.float64),
            coef=np.asarray(lr.coef_, dtype=np.float64),
            intercept=np.asarray(lr.intercept_, dtype=np.float64),
            calib_a=a,
            calib_b=b,
            classes=[str(c) for c in lr.classes_],
            params=params,
        )

    # ------------------------------------------------------------------ files
    def save(self, directory: Path) -> list[Path]:
        arrays = directory / ARRAYS_FILE
        np.savez_compressed(
            arrays,
            idf=self.idf,
            coef=self.coef,
            intercept=self.intercept,
            calib_a=self.calib_a,
            calib_b=self.calib_b,
        )
        vocab = directory / VOCABULARY_FILE
        vocab.write_text(
            json.dumps({"classes": self.classes, "params": self.params, "terms": self.terms}, ensure_ascii=False),
            encoding="utf-8",
        )
        return [arrays, vocab]

    @classmethod
    def load(cls, directory: Path) -> LinearModel:
        try:
            with np.load(directory / ARRAYS_FILE, allow_pickle=False) as z:
                arrays = {k: z[k] for k in ("idf", "coef", "intercept", "calib_a", "calib_b")}
            meta = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
            model = cls(
                terms=list(meta["terms"]),
                classes=list(meta["classes"]),
                params=dict(meta["params"]),
                **arrays,
            )
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelArtifactError(f"{directory}: cannot read the linear model ({exc.__class__.__name__})") from None
        n_rows, n_features = model.coef.shape
        if (
            len(model.terms) != n_features
            or model.idf.shape != (n_features,)
            or any(x.shape != (n_rows,) for x in (model.intercept, model.calib_a, model.calib_b))
            or len(model.classes) != (2 if n_rows == 1 else n_rows)
        ):
            raise ModelArtifactError(f"{directory}: the linear model's arrays do not fit together")
        return model

    # ------------------------------------------------------------------ scoring
    @property
    def vectorizer(self) -> Any:
        if self._vectorizer is None:
            from sklearn.feature_extraction.text import TfidfVectorizer

            p = self.params
            vec = TfidfVectorizer(
                analyzer=p["analyzer"],
                ngram_range=tuple(p["ngram_range"]),
                lowercase=p["lowercase"],
                sublinear_tf=p["sublinear_tf"],
                norm=p["norm"],
                use_idf=p["use_idf"],
                dtype=np.float32,
                vocabulary={t: i for i, t in enumerate(self.terms)},
            )
            vec._validate_vocabulary()  # sets vocabulary_ from the fixed vocabulary
            vec.idf_ = self.idf
            self._vectorizer = vec
        return self._vectorizer

    def transform(self, texts: list[str]) -> Any:
        """TF-IDF rows (CSR) of compact-view texts.

        Character n-grams are counted by :meth:`_transform_direct`, which computes the same
        matrix as scikit-learn (tests compare them) without its per-call overhead (input checks,
        dataframe sniffing) and about twice as fast on large batches; batches are cut into
        pieces of ``_DIRECT_MAX`` texts to bound memory. Other analyzers go through
        :meth:`reference_transform`.
        """
        if self.params.get("analyzer") != "char":
            return self.reference_transform(texts)
        if len(texts) <= _DIRECT_MAX:
            return self._transform_direct(texts)
        from scipy.sparse import vstack

        pieces = [self._transform_direct(texts[i : i + _DIRECT_MAX]) for i in range(0, len(texts), _DIRECT_MAX)]
        return vstack(pieces, format="csr")

    def reference_transform(self, texts: list[str]) -> Any:
        """The fitted scikit-learn vectorizer's rows: the reference the direct path is tested against."""
        import sklearn

        # The inputs are our own strings: skip scikit-learn's per-call validation.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self.vectorizer.transform(texts).tocsr()

    def _transform_direct(self, texts: list[str]) -> Any:
        """Character n-gram TF-IDF as scikit-learn's ``analyzer="char"`` computes it.

        A text's n-grams are cut and looked up once for all loaded models (:mod:`.ngrams`, cached,
        so the claim gate, the classifier and the factual-claim model share them); counting,
        weighting and normalising are whole-batch numpy.
        """
        from scipy.sparse import csr_matrix

        if self._to_col is None:
            self._to_col = ngrams.register(self.terms)
        to_col = self._to_col
        lo, hi = self.params["ngram_range"]
        lower = bool(self.params["lowercase"])
        n_features = len(self.terms)
        per_text = [ngrams.shared_ids(raw, lo, hi, lower) for raw in texts]
        ids = np.concatenate(per_text) if per_text else np.zeros(0, dtype=np.int64)
        row = np.repeat(np.arange(len(texts), dtype=np.int64), [len(i) for i in per_text])
        cols, keep = ngrams.columns(ids, to_col)
        keys = row[keep] * n_features + cols
        uniq, counts = np.unique(keys, return_counts=True)  # sorted: by row, then by column
        row_of, cols = np.divmod(uniq, n_features)
        vals = counts.astype(np.float64)
        if self.params["sublinear_tf"]:
            vals = np.log(vals) + 1.0
        if self.params["use_idf"]:
            vals = vals * self.idf[cols]
        if self.params.get("norm") == "l2":
            norms = np.sqrt(np.bincount(row_of, weights=vals * vals, minlength=len(texts)))
            vals = vals / np.where(norms > 0, norms, 1.0)[row_of]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=len(texts)))])
        return csr_matrix(
            (vals.astype(np.float32), cols.astype(np.int32), indptr.astype(np.int32)),
            shape=(len(texts), n_features),
        )

    def proba(self, x: Any) -> np.ndarray:
        """Calibrated probabilities (rows sum to 1) in ``self.classes`` order."""
        scores = np.asarray(x @ self.coef.T) + self.intercept
        p = 1.0 / (1.0 + np.exp(self.calib_a * scores + self.calib_b))
        if self.coef.shape[0] == 1:  # two classes: one score and one sigmoid for the second class
            return np.hstack([1.0 - p, p])
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.full_like(p, 1 / p.shape[1]), where=total != 0)

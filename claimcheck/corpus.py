"""The labelled claim-unit corpus in ``data/corpus/``: loading, validation, fixed splits.

Each ``units_*.jsonl`` line is one claim unit with its label (``ok`` or a taxonomy
category id). Splits are assigned once, stratified by label and product category,
and written to ``splits.csv`` so every model and every report uses the same test
units; a unit missing from the split file is an error, not a silent reshuffle.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from claimcheck.classifier.classes import CLASSIFIER_LABELS
from claimcheck.errors import InputError, describe_validation_errors
from claimcheck.nlp.normalize import compact
from claimcheck.paths import REPO_ROOT

DEFAULT_CORPUS_DIR = REPO_ROOT / "data" / "corpus"
SPLITS = ("train", "dev", "test")
# What a unit does in the stream. The claim gate passes "claim" and "offer" units (and every
# violation) to the violation classifier; the rest is ordinary talk it never needs to see.
UNIT_KINDS: tuple[str, ...] = (
    "claim",  # says something about the product: effect, quality, data, safety, status, comparison
    "offer",  # price, promotion, gifts, stock, deadline
    "interaction",  # greetings, 扣1, 点关注, answering a viewer
    "logistics",
    "after_sales",
    "usage",  # how to take or use it
    "question",
    "pain_point",  # the viewer's problem, nothing attributed to the product
    "filler",  # filler, chit-chat, garble
)
GATE_KINDS = frozenset({"claim", "offer"})


class CorpusError(InputError):
    """The corpus or its split file is malformed."""


class CorpusUnit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    label: str
    product_category: str
    style: Literal["script", "asr"]
    hard_negative: bool = False
    kind: str | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str | None) -> str | None:
        if v is not None and v not in UNIT_KINDS:
            raise ValueError(f"kind {v!r} is not one of {', '.join(UNIT_KINDS)}")
        return v

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty")
        return v

    @field_validator("label")
    @classmethod
    def _known_label(cls, v: str) -> str:
        if v not in CLASSIFIER_LABELS:
            raise ValueError(f"label {v!r} is not one of {', '.join(CLASSIFIER_LABELS)}")
        return v


def unit_id(text: str) -> str:
    """Stable id of a unit: hash of its compact form (so trivial variants collide)."""
    return hashlib.sha1(compact(text).encode("utf-8")).hexdigest()[:16]


def load_units(corpus_dir: str | Path | None = None) -> pd.DataFrame:
    """All units of all ``units_*.jsonl`` files, validated and de-duplicated."""
    root = Path(corpus_dir) if corpus_dir is not None else DEFAULT_CORPUS_DIR
    files = sorted(root.glob("units_*.jsonl"))
    if not files:
        raise CorpusError(f"no units_*.jsonl files in {root}")
    rows: list[dict] = []
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    unit = CorpusUnit.model_validate(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path.name}:{lineno}: not JSON ({exc.msg})") from None
                except ValidationError as exc:
                    raise CorpusError(f"{path.name}:{lineno}: {describe_validation_errors(exc.errors())}") from None
                rows.append({**unit.model_dump(), "source": path.name, "line": lineno})
    df = pd.DataFrame(rows)
    df["id"] = [unit_id(t) for t in df["text"]]
    df["compact"] = [compact(t) for t in df["text"]]
    conflicting = df.groupby("id")["label"].nunique()
    if (conflicting > 1).any():
        bad = df[df["id"].isin(conflicting[conflicting > 1].index)].iloc[0]
        raise CorpusError(f"{bad['source']}:{bad['line']}: the same text appears with different labels")
    return df.drop_duplicates("id", keep="first").reset_index(drop=True)


def corpus_hash(df: pd.DataFrame) -> str:
    """Hash of (id, label, split) of every unit: what a model's metadata records."""
    h = hashlib.sha256()
    cols = ["id", "label"] + (["split"] if "split" in df else [])
    for row in df.sort_values("id")[cols].itertuples(index=False):
        h.update("\t".join(map(str, row)).encode())
        h.update(b"\n")
    return h.hexdigest()


def make_splits(df: pd.DataFrame, seed: int = 20261128, dev: float = 0.15, test: float = 0.15) -> pd.Series:
    """Stratified (label × product category) split; rare strata fall back to label only."""
    from sklearn.model_selection import train_test_split

    strata = df["label"] + "|" + df["product_category"]
    counts = strata.value_counts()
    strata = strata.where(strata.map(counts) >= 8, df["label"])
    rest, test_idx = train_test_split(df.index, test_size=test, random_state=seed, stratify=strata)
    _train_idx, dev_idx = train_test_split(
        rest, test_size=dev / (1 - test), random_state=seed, stratify=strata.loc[rest]
    )
    split = pd.Series("train", index=df.index)
    split.loc[dev_idx] = "dev"
    split.loc[test_idx] = "test"
    return split


def write_splits(df: pd.DataFrame, path: Path) -> None:
    out = pd.DataFrame({"id": df["id"], "split": make_splits(df)}).sort_values("id")
    out.to_csv(path, index=False)


def load_corpus(corpus_dir: str | Path | None = None) -> pd.DataFrame:
    """Units with their fixed split (from ``splits.csv``)."""
    root = Path(corpus_dir) if corpus_dir is not None else DEFAULT_CORPUS_DIR
    df = load_units(root)
    split_path = root / "splits.csv"
    if not split_path.is_file():
        raise CorpusError(f"{split_path} is missing: run `claimcheck corpus split` once and commit it")
    splits = pd.read_csv(split_path, dtype=str)
    if set(splits.columns) != {"id", "split"} or not splits["split"].isin(SPLITS).all():
        raise CorpusError(f"{split_path}: expected columns id,split with values {', '.join(SPLITS)}")
    df = df.merge(splits, on="id", how="left")
    missing = df["split"].isna()
    if missing.any():
        first = df[missing].iloc[0]
        raise CorpusError(
            f"{int(missing.sum())} unit(s) have no split (first: {first['source']}:{first['line']}); "
            "assign new units with `claimcheck corpus split --add`"
        )
    return df


def add_to_splits(df_all: pd.DataFrame, path: Path, seed: int = 20261128) -> int:
    """Give units that have no split yet one, keeping every existing assignment."""
    existing = pd.read_csv(path, dtype=str) if path.is_file() else pd.DataFrame(columns=["id", "split"])
    new = df_all[~df_all["id"].isin(existing["id"])]
    if new.empty:
        return 0
    if len(new) < 20:
        assigned = pd.Series("train", index=new.index)
    else:
        assigned = make_splits(new.reset_index(drop=True), seed=seed)
        assigned.index = new.index
    out = pd.concat([existing, pd.DataFrame({"id": new["id"], "split": assigned})]).sort_values("id")
    out.to_csv(path, index=False)
    return len(new)


def near_duplicates(df: pd.DataFrame, threshold: float = 0.8, num_perm: int = 128) -> list[tuple[int, int, float]]:
    """Pairs (kept row, duplicate row, estimated Jaccard) of units whose character 3-grams overlap ≥ threshold.

    MinHash with LSH (datasketch) over the compact form, so the cost is near linear in the corpus
    size; each candidate pair is confirmed with the exact Jaccard. Rows are visited in order, so
    the earlier unit (an older file, an earlier line) is the one kept.
    """
    from datasketch import MinHash, MinHashLSH

    def shingles(text: str) -> set[str]:
        return {text[i : i + 3] for i in range(max(1, len(text) - 2))}

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sets: dict[int, set[str]] = {}
    out: list[tuple[int, int, float]] = []
    for i, text in enumerate(df["compact"]):
        sh = shingles(text)
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch([s.encode("utf-8") for s in sh])
        best: tuple[int, float] | None = None
        for j in lsh.query(m):
            jac = len(sh & sets[j]) / len(sh | sets[j])
            if jac >= threshold and (best is None or jac > best[1]):
                best = (j, jac)
        if best is not None:
            out.append((best[0], i, round(best[1], 3)))
            continue
        sets[i] = sh
        lsh.insert(i, m)
    return out


def remove_lines(root: Path, lines: list[tuple[str, int]]) -> int:
    """Delete the given (file name, line number) units from the corpus files; returns how many."""
    by_file: dict[str, set[int]] = {}
    for name, lineno in lines:
        by_file.setdefault(name, set()).add(lineno)
    removed = 0
    for name, numbers in by_file.items():
        path = root / name
        kept = []
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(keepends=True), 1):
            if lineno in numbers:
                removed += 1
            else:
                kept.append(line)
        path.write_text("".join(kept), encoding="utf-8")
    return removed

"""The claims set (``data/claims/``): product records and host claims with the verdict each deserves.

Written for this project (see ``data/claims/README.md``): ``products_part*.json`` hold full
records, ``claims_part*.jsonl`` the claims, and ``splits.csv`` assigns each *product* to
train, dev or test once, so the test products are never seen while rules or the factual-claim
model are built.

    python -m claimcheck.claimsets split   # assign splits to products that have none
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from claimcheck.errors import InputError, describe_validation_errors
from claimcheck.paths import REPO_ROOT
from claimcheck.store.schema import ProductRecord

CLAIMS_DIR = REPO_ROOT / "data" / "claims"
SPLIT_SEED = 20261130


class ClaimRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    sku: str
    text: str
    style: Literal["script", "asr"]
    verdict: Literal["supported", "contradicted", "unverifiable", "expired_evidence", "failed_evidence"]
    attribute: str
    fact: str
    broadcast_date: dt.date


@dataclass(frozen=True)
class Claim:
    id: str
    sku: str
    text: str
    style: str
    verdict: str
    attribute: str
    fact: str
    broadcast_date: dt.date
    split: str
    category: str


def load_records(root: Path = CLAIMS_DIR) -> list[ProductRecord]:
    from claimcheck.lexicons import load_lexicon

    lexicon = load_lexicon()
    out = []
    for path in sorted(root.glob("products_part*.json")):
        for i, raw in enumerate(json.loads(path.read_text(encoding="utf-8")), 1):
            try:
                rec = ProductRecord.model_validate(raw)
            except ValidationError as exc:
                raise InputError(f"{path.name}: record {i}: {describe_validation_errors(exc.errors())}") from None
            out.append(rec.model_copy(update={"category": lexicon.resolve_product_category(rec.category)}))
    return out


def load_splits(root: Path = CLAIMS_DIR) -> dict[str, str]:
    path = root / "splits.csv"
    if not path.is_file():
        return {}
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return {sku: split for sku, split in rows}


def assign_splits(root: Path = CLAIMS_DIR) -> int:
    """Give products without a split one; existing ones never move.

    Products are shuffled within each category and dealt round a 5-slot cycle (3 train, 1 dev,
    1 test), so every category with a few products reaches the test split and the shares land
    near 60/20/20 - a test split of ~12 products is the smallest that still measures something.
    """
    splits = load_splits(root)
    records = load_records(root)
    new = [r for r in records if r.sku not in splits]
    by_cat: dict[str, list[str]] = {}
    for r in sorted(new, key=lambda r: r.sku):
        by_cat.setdefault(r.category, []).append(r.sku)
    rng = random.Random(SPLIT_SEED)
    cycle = ("train", "test", "train", "dev", "train")
    position = 0
    for category in sorted(by_cat):
        skus = by_cat[category]
        rng.shuffle(skus)
        for sku in skus:
            splits[sku] = cycle[position % len(cycle)]
            position += 1
    lines = ["sku,split", *(f"{k},{v}" for k, v in sorted(splits.items()))]
    (root / "splits.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(new)


def load_claims(root: Path = CLAIMS_DIR) -> list[Claim]:
    splits = load_splits(root)
    categories = {r.sku: r.category for r in load_records(root)}
    out = []
    for path in sorted(root.glob("claims_part*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = ClaimRow.model_validate_json(line)
            except ValidationError as exc:
                raise InputError(f"{path.name}:{lineno}: {describe_validation_errors(exc.errors())}") from None
            if row.sku not in categories:
                raise InputError(f"{path.name}:{lineno}: sku {row.sku!r} has no record")
            out.append(Claim(**row.model_dump(), split=splits.get(row.sku, "unassigned"), category=categories[row.sku]))
    return out


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    if sys.argv[1:] == ["split"]:
        print(f"assigned {assign_splits()} product(s) a split")
    else:
        print(__doc__)

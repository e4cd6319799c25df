"""Spec cross-check benchmark built at run time from ../shared/eval/advertisegen-dev.

Each AdvertiseGen line pairs a Taobao clothing attribute set (类型#裙*材质#蕾丝*颜色#白色…)
with its ad copy. The attribute set becomes a product record (材质, 颜色); the copy is
screened as the host's claims. Two records per line:

* original  — the true attributes: any ``contradicted`` verdict is a false alarm;
* perturbed — one attribute (材质 or 颜色) replaced by another value seen in the data:
  the copy now contradicts the record, and should get a ``contradicted`` verdict.

Prints precision and recall of ``contradicted`` (per record and per attribute), and a
smoke test of claim extraction on the MEPAVE sample (tagged 材质/颜色 values found).
Nothing here is used to build or tune rules; the data is read, never copied.

    python benchmarks/eval_specs.py [--eval-dir ../shared/eval] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.nlp.normalize import light  # noqa: E402
from claimcheck.specs.check import ClaimChecker  # noqa: E402
from claimcheck.specs.extract import ClaimExtractor  # noqa: E402
from claimcheck.specs.tables import load_spec_tables  # noqa: E402
from claimcheck.store.schema import ProductRecord  # noqa: E402

ATTRS = {"材质": "材质", "颜色": "颜色"}
DAY = dt.date(2026, 11, 28)


def load_adgen(path: Path) -> list[tuple[dict[str, list[str]], str]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            attrs: dict[str, list[str]] = defaultdict(list)
            for pair in obj["content"].split("*"):
                if "#" in pair:
                    k, v = pair.split("#", 1)
                    attrs[k].append(v)
            rows.append((dict(attrs), obj["summary"]))
    return rows


def to_record(i: int, attrs: dict[str, list[str]]) -> ProductRecord:
    specs = [{"name": name, "value": " ".join(attrs[key])} for key, name in ATTRS.items() if attrs.get(key)]
    return ProductRecord.model_validate({"sku": f"ADGEN-{i}", "name": "服装", "category": "apparel", "specs": specs})


def verdicts(extractor: ClaimExtractor, checker: ClaimChecker, text: str, rec: ProductRecord) -> list[tuple[str, str]]:
    out = []
    for claim in extractor.extract(light(text)):
        if claim.kind in ("material", "composition", "color"):
            out.append((claim.attribute or claim.kind, checker.check(claim, rec, DAY).verdict))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--eval-dir", type=Path, default=Path(os.environ.get("CLAIMCHECK_EVAL_DIR", ROOT.parent / "shared" / "eval"))
    )
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    path = args.eval_dir / "advertisegen-dev" / "dev.json"
    if not path.is_file():
        sys.exit(f"evaluation data not found: {path}")
    tables = load_spec_tables()
    extractor, checker = ClaimExtractor(tables), ClaimChecker(tables)
    rows = load_adgen(path)
    rng = random.Random(args.seed)
    vocab = {k: sorted({v for attrs, _ in rows for v in attrs.get(k, [])}) for k in ATTRS}

    tp = fp = fn = tn = 0
    per_attr: dict[str, Counter[str]] = defaultdict(Counter)
    mentioned = detected_mentioned = 0
    for i, (attrs, copy) in enumerate(rows):
        rec = to_record(i, attrs)
        orig_contra = any(v == "contradicted" for _, v in verdicts(extractor, checker, copy, rec))
        fp += orig_contra
        tn += not orig_contra
        per_attr["(original)"]["false_alarm" if orig_contra else "quiet"] += 1
        keys = [k for k in ATTRS if attrs.get(k)]
        if not keys:
            continue
        key = rng.choice(keys)
        choices = [v for v in vocab[key] if v not in attrs[key]]
        perturbed = dict(attrs)
        perturbed[key] = [rng.choice(choices)]
        prec = to_record(i, perturbed)
        found = [a for a, v in verdicts(extractor, checker, copy, prec) if v == "contradicted"]
        hit = bool(found)
        tp += hit
        fn += not hit
        per_attr[key]["detected" if hit else "missed"] += 1
        if any(re.search(re.escape(v), copy) for v in attrs[key]):
            mentioned += 1
            detected_mentioned += hit

    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"advertisegen-dev: {len(rows)} attribute sets; spec tables {tables.version}")
    print(
        f"contradicted, per record: precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}  "
        f"(tp {tp}, fp {fp} of {fp + tn} original records, fn {fn})"
    )
    if mentioned:
        print(
            f"recall where the copy states the perturbed value verbatim: {detected_mentioned / mentioned:.3f} "
            f"({detected_mentioned}/{mentioned})"
        )
    for k, c in per_attr.items():
        print(f"  {k}: {dict(c)}")

    mepave = args.eval_dir / "mepave-sample"
    tagged = found = 0
    for f in sorted(mepave.glob("*.sample")):
        for line in f.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) < 4:
                continue
            values = re.findall(r"<(材质|颜色)>(.*?)</\1>", cols[3])
            surfaces = {c.surface for c in extractor.extract(light(cols[2]))}
            for _, v in values:
                tagged += 1
                found += any(light(v) in s or s in light(v) for s in surfaces)
    if tagged:
        print(f"MEPAVE sample smoke test: {found}/{tagged} tagged 材质/颜色 values extracted ({found / tagged:.3f})")


if __name__ == "__main__":
    main()

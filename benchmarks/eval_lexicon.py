"""Precision and recall of the lexicon detector on ../shared/eval/tw-fda-ad-phrases.

The phrases (Taiwan health regulators' example ad phrases, Traditional Chinese)
are read from the shared evaluation folder at run time, converted to Simplified
with OpenCC and screened one by one; nothing is copied into the repository and
nothing here feeds back into the lexicon. A phrase counts as flagged when the
engine returns a finding of severity block or review (info is advisory).

The set follows Taiwan law and is mostly medical and efficacy claims for food,
health food, cosmetics and TCM; it says little about PRC absolute terms.

    python benchmarks/eval_lexicon.py [--eval-dir ../shared/eval] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.config import Settings  # noqa: E402
from claimcheck.context import DocContext  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402
from claimcheck.types import Severity  # noqa: E402

DOMAIN_TO_CATEGORY = {"food": "food", "health_food": "health_food", "cosmetic": "cosmetics", "tcm_drug": "drug"}


def default_eval_dir() -> Path:
    return Path(os.environ.get("CLAIMCHECK_EVAL_DIR", ROOT.parent / "shared" / "eval"))


def load_phrases(eval_dir: Path) -> list[dict]:
    path = eval_dir / "tw-fda-ad-phrases" / "phrases.jsonl"
    if not path.is_file():
        sys.exit(f"evaluation data not found: {path} (set --eval-dir or CLAIMCHECK_EVAL_DIR)")
    import opencc

    conv = opencc.OpenCC("t2s")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                row["text"] = conv.convert(row["text"])
                rows.append(row)
    return rows


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def evaluate(engine: Engine, rows: list[dict], use_domain: bool) -> dict:
    counts: Counter[str] = Counter()
    per_domain: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        category = DOMAIN_TO_CATEGORY.get(row.get("domain", "")) if use_domain else None
        result = engine.screen(row["text"], DocContext(product_category=category))
        flagged = any(f.severity in (Severity.BLOCK, Severity.REVIEW) for f in result.findings)
        gold = row["label"] == "non_compliant"
        cell = {(True, True): "tp", (True, False): "fp", (False, True): "fn", (False, False): "tn"}[(flagged, gold)]
        counts[cell] += 1
        per_domain[row.get("domain", "?")][cell] += 1
    return {
        "overall": {**prf(counts["tp"], counts["fp"], counts["fn"]), **counts},
        "per_domain": {d: {**prf(c["tp"], c["fp"], c["fn"]), **c} for d, c in sorted(per_domain.items())},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=default_eval_dir())
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args()
    rows = load_phrases(args.eval_dir)
    engine = Engine.from_settings(Settings(detectors=["lexicon"]))  # the lexicon detector alone
    labels = Counter(r["label"] for r in rows)
    print(f"tw-fda-ad-phrases: {len(rows)} phrases ({dict(labels)}); lexicon {engine.lexicon.version_tag}")
    report = {"lexicon": engine.lexicon.version_tag, "n": len(rows)}
    for use_domain in (False, True):
        key = "with_domain_category" if use_domain else "category_unknown"
        res = evaluate(engine, rows, use_domain)
        report[key] = res
        o = res["overall"]
        print(f"\n[{key}] non_compliant as positive")
        print(
            f"  precision {o['precision']:.3f}  recall {o['recall']:.3f}  F1 {o['f1']:.3f}   "
            f"(tp {o.get('tp', 0)}, fp {o.get('fp', 0)}, fn {o.get('fn', 0)}, tn {o.get('tn', 0)})"
        )
        for d, m in res["per_domain"].items():
            print(
                f"  {d:<12} precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
                f"(tp {m.get('tp', 0)}, fp {m.get('fp', 0)}, fn {m.get('fn', 0)}, tn {m.get('tn', 0)})"
            )
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

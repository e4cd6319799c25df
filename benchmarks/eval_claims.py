"""The cross-check on the project's claims set: host claims about product records, each with the
verdict the record decides (data/claims/).

The records are imported into a temporary SQLite store; every claim is screened with its SKU
and broadcast date, and its predicted verdict is the strongest spec verdict among the findings
(failed > contradicted > expired > unverifiable > supported), or `none` when the cross-check
says nothing. Prints accuracy, per-verdict precision and recall, and the share of supported
claims wrongly blocked, per split (products are split, so test products are never seen while
rules or the factual-claim model are built). `--bench` also times 1,000 claims screened with
and without their SKU (`bench_claims.py` prints that ratio on its own).

    python benchmarks/eval_claims.py [--split test] [--json out.json] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.claimsets import load_claims, load_records  # noqa: E402
from claimcheck.config import Settings  # noqa: E402
from claimcheck.context import DocContext  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402
from claimcheck.store.repository import SpecStore  # noqa: E402
from claimcheck.types import Severity  # noqa: E402

VERDICTS = ("supported", "contradicted", "unverifiable", "expired_evidence", "failed_evidence")
PRIORITY = {"failed_evidence": 5, "contradicted": 4, "expired_evidence": 3, "unverifiable": 2, "supported": 1}


def predicted(findings) -> tuple[str, bool]:
    """(verdict, blocked) from a screening's spec findings."""
    spec = [f for f in findings if f.claim_verdict]
    if not spec:
        return "none", False
    top = max(spec, key=lambda f: PRIORITY[f.claim_verdict])
    return top.claim_verdict, any(f.severity is Severity.BLOCK for f in spec)


def build_engine(url: str) -> Engine:
    from claimcheck.specs.check import SpecNormalizer
    from claimcheck.specs.tables import load_spec_tables

    store = SpecStore(url, normalizer=SpecNormalizer(load_spec_tables()))
    store.upsert(load_records())
    return Engine.from_settings(Settings(database_url=url, detectors=["spec_check"]))


def evaluate(engine: Engine, split: str | None, show_errors: bool = False) -> dict:
    claims = [c for c in load_claims() if split is None or c.split == split]
    confusion: Counter[tuple[str, str]] = Counter()
    supported_blocked = supported = 0
    for c in claims:
        result = engine.screen(c.text, DocContext(sku=c.sku, broadcast_date=c.broadcast_date))
        verdict, blocked = predicted(result.findings)
        confusion[(c.verdict, verdict)] += 1
        if c.verdict == "supported":
            supported += 1
            supported_blocked += blocked
        if show_errors and verdict != c.verdict:
            print(f"  {c.id} gold {c.verdict:16} got {verdict:16} | {c.text} | {c.fact}")
    n = len(claims)
    per = {}
    for v in VERDICTS:
        tp = confusion[(v, v)]
        pred = sum(k for (g, p), k in confusion.items() if p == v)
        gold = sum(k for (g, p), k in confusion.items() if g == v)
        per[v] = {
            "precision": round(tp / pred, 4) if pred else 0.0,
            "recall": round(tp / gold, 4) if gold else 0.0,
            "support": gold,
        }
    return {
        "n": n,
        "accuracy": round(sum(k for (g, p), k in confusion.items() if g == p) / n, 4) if n else 0.0,
        "per_verdict": per,
        "no_verdict": round(sum(k for (g, p), k in confusion.items() if p == "none") / n, 4) if n else 0.0,
        "supported_wrongly_blocked": round(supported_blocked / supported, 4) if supported else 0.0,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("train", "dev", "test", "all"), default=None)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--errors", action="store_true", help="print every claim with a wrong verdict")
    args = ap.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine = build_engine(f"sqlite:///{tmp}/claims.db")
        splits = [args.split] if args.split else ["train", "dev", "test", "all"]
        for split in splits:
            # Errors are never printed for the test split: its products stay unseen while rules are built.
            show = args.errors and split in ("train", "dev")
            r = evaluate(engine, None if split == "all" else split, show)
            report[split] = r
            per = "  ".join(
                f"{v} P {m['precision']:.2f} R {m['recall']:.2f} ({m['support']})" for v, m in r["per_verdict"].items()
            )
            print(
                f"{split:5} ({r['n']} claims): accuracy {r['accuracy']:.3f}, no verdict {r['no_verdict']:.3f}, "
                f"supported wrongly blocked {r['supported_wrongly_blocked']:.3f}"
            )
            print(f"      {per}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

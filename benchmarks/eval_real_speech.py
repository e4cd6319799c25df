"""Detectors on text nobody on this project wrote, beside the corpus figures, in one run.

1. Real live-commerce ASR (../shared/eval/liveamr-asr): our labels for 1,100 random sentences
   (data/real_speech/labels.csv; the text is read from ../shared/eval). Each sentence is screened
   alone with the product category read from the store name. Precision, recall, F1; ordinary
   sentences flagged and blocked; per-category precision of findings; the share of flagged
   violations whose finding category the gold labels support; false alarms per detector.
2. JD customer-service turns (jddc-agent-turns): share flagged (nearly all should pass).
3. Morphs (liveamr-asr/morphs.jsonl): of sentences whose restored form is flagged, the share
   also flagged in the disguised form.
4. Findings per 1,000 characters on the whole transcripts.
5. tw-fda-ad-phrases: recall and compliant phrases flagged.
6. The corpus test split (F1, false alarms), for comparison.

"Flagged" means a finding of severity review or block; info findings are advisory.

    python benchmarks/eval_real_speech.py [--json docs/evaluation/real_speech.json] [--skip-corpus]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.config import Settings  # noqa: E402
from claimcheck.context import DocContext  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402
from claimcheck.evaluation import real_speech  # noqa: E402
from claimcheck.types import Finding, ScreenResult, Severity  # noqa: E402

EVAL = real_speech.EVAL_DIR


def deciding(result: ScreenResult) -> list[Finding]:
    return [f for f in result.findings if f.severity is not Severity.INFO]


def ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def real_dev(engine: Engine, rows: list[real_speech.Labelled]) -> dict:
    tp = fp = fn = tn = 0
    ok_flagged = ok_blocked = 0
    cat_supported = cat_checked = 0
    per_cat: dict[str, Counter[str]] = defaultdict(Counter)
    fp_by_detector: Counter[str] = Counter()
    fp_by_category: Counter[str] = Counter()
    missed_by_category: Counter[str] = Counter()
    clear = Counter()
    for row in rows:
        result = engine.screen(row.sentence.text, DocContext(product_category=row.product_type, medium="speech"))
        found = deciding(result)
        flagged = bool(found)
        blocked = any(f.severity is Severity.BLOCK for f in found)
        gold = row.violation
        if gold and flagged:
            tp += 1
        elif flagged:
            fp += 1
            ok_flagged += 1
            ok_blocked += blocked
            for f in found:
                fp_by_detector[f.detector] += 1
                fp_by_category[f.category.value] += 1
        elif gold:
            fn += 1
            missed_by_category[row.label] += 1
        else:
            tn += 1
        if gold and row.certainty == "clear":
            clear["n"] += 1
            clear["found"] += flagged
        for c in {f.category.value for f in found}:
            per_cat[c]["findings"] += 1
            per_cat[c]["right"] += gold and c in row.categories
        if gold and flagged:
            cat_checked += 1
            cat_supported += any(f.category.value in row.categories for f in found)
    p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
    n_ok = fp + tn
    return {
        "n": len(rows),
        "violations": tp + fn,
        "precision": p,
        "recall": r,
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "recall_clear": ratio(clear["found"], clear["n"]),
        "ok_flagged": ratio(ok_flagged, n_ok),
        "ok_blocked": ratio(ok_blocked, n_ok),
        "category_supported": ratio(cat_supported, cat_checked),
        "per_category_precision": {
            c: {"precision": ratio(v["right"], v["findings"]), "findings": v["findings"]}
            for c, v in sorted(per_cat.items())
        },
        "false_alarms_by_detector": dict(fp_by_detector),
        "false_alarms_by_category": dict(fp_by_category),
        "missed_by_gold_category": dict(missed_by_category),
        "counts": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
    }


def jd_turns(engine: Engine) -> dict:
    """Typed service chat: screened as written text (the default) and, for comparison, as speech."""
    path = EVAL / "jddc-agent-turns" / "turns.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    out: dict = {"n": len(rows)}
    for medium in ("script", "speech"):
        flagged = blocked = 0
        cats: Counter[str] = Counter()
        for row in rows:
            found = deciding(engine.screen(row["text"], DocContext(medium=medium)))
            flagged += bool(found)
            blocked += any(f.severity is Severity.BLOCK for f in found)
            cats.update({f.category.value for f in found})
        out[medium] = {
            "flagged": ratio(flagged, len(rows)),
            "blocked": ratio(blocked, len(rows)),
            "categories": dict(cats),
        }
    return out


def morphs(engine: Engine) -> dict:
    path = EVAL / "liveamr-asr" / "morphs.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        if not row.get("has_morph"):
            continue
        speech = DocContext(product_category="health_food", medium="speech")
        if not deciding(engine.screen(row["resolved"], speech)):
            continue
        kept = bool(deciding(engine.screen(row["text"], speech)))
        t = by_type[row.get("morph_type") or "?"]
        t["restored_flagged"] += 1
        t["disguised_flagged"] += kept
    total = Counter()
    for c in by_type.values():
        total.update(c)
    return {
        "restored_flagged": total["restored_flagged"],
        "robustness": ratio(total["disguised_flagged"], total["restored_flagged"]),
        "by_type": {k: ratio(v["disguised_flagged"], v["restored_flagged"]) for k, v in sorted(by_type.items())},
    }


def density(engine: Engine) -> dict:
    chars = findings = flagged = 0
    t0 = time.perf_counter()
    with real_speech.TRANSCRIPTS.open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"]
            chars += len(text)
            result = engine.screen(text, DocContext(medium="speech"))
            found = deciding(result)
            findings += len(found)
            flagged += len(result.findings)
    return {
        "chars": chars,
        "findings_per_1000_chars": round(1000 * findings / chars, 3),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def tw_fda(engine: Engine) -> dict:
    import opencc

    conv = opencc.OpenCC("t2s")
    domain = {"food": "food", "health_food": "health_food", "cosmetic": "cosmetics", "tcm_drug": "drug"}
    path = EVAL / "tw-fda-ad-phrases" / "phrases.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    tp = fn = fp = tn = 0
    for row in rows:
        flagged = bool(deciding(engine.screen(conv.convert(row["text"]), DocContext(domain.get(row["domain"])))))
        if row["label"] == "non_compliant":
            tp += flagged
            fn += not flagged
        else:
            fp += flagged
            tn += not flagged
    return {"recall": ratio(tp, tp + fn), "compliant_flagged": ratio(fp, fp + tn), "n": len(rows)}


def corpus_test(engine: Engine) -> dict:
    from claimcheck.corpus import load_corpus
    from claimcheck.evaluation.metrics import binary
    from claimcheck.evaluation.run import predict

    df = load_corpus()
    test = df[df["split"] == "test"]
    gold = [label != "ok" for label in test["label"]]
    pred = [predict(engine, t, c)[0] != "ok" for t, c in zip(test["text"], test["product_category"], strict=True)]
    return {"n": len(test), **binary(gold, pred)}


def _print_real(title: str, d: dict) -> None:
    print(f"{title} ({d['n']} sentences, {d['violations']} violations):")
    print(
        f"  precision {d['precision']:.3f}  recall {d['recall']:.3f}  F1 {d['f1']:.3f}"
        f"  (clear: {d['recall_clear']:.3f})"
    )
    print(f"  ordinary sentences flagged {d['ok_flagged']:.3f}, blocked {d['ok_blocked']:.3f}")
    print(f"  flagged violations whose finding category the labels support: {d['category_supported']:.3f}")
    per = d["per_category_precision"]
    print(
        "  per-category precision: " + ", ".join(f"{c} {v['precision']:.2f} ({v['findings']})" for c, v in per.items())
    )
    print(f"  false alarms by detector {d['false_alarms_by_detector']}, by category {d['false_alarms_by_category']}")
    print(f"  missed, by gold category {d['missed_by_gold_category']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--skip-corpus", action="store_true", help="skip the corpus test split")
    args = ap.parse_args()
    if not real_speech.TRANSCRIPTS.is_file():
        print(f"evaluation data not found under {EVAL} (set CLAIMCHECK_EVAL_DIR)", file=sys.stderr)
        return 2
    engine = Engine.from_settings(Settings(detectors=[d for d in Settings().detectors if d != "spec_check"]))
    engine.screen("预热")
    report: dict = {"versions": engine.versions}
    alls = real_speech.sentences()
    report["agreement"] = a = real_speech.agreement(alls)
    print(
        f"labels: Cohen's kappa {a['kappa_binary']:.3f} (violation or not), {a['kappa_label']:.3f} (label),"
        f" on {a['n']} doubly labelled sentences"
    )
    for key, title, paths in (
        ("real_speech_dev", "real-speech dev", [real_speech.LABELS]),
        ("real_speech_heldout", "real-speech held-out test (never analysed)", real_speech.HELDOUT),
    ):
        rows = [r for p in paths if p.is_file() for r in real_speech.load_labels(p, alls)]
        if rows:
            report[key] = d = real_dev(engine, rows)
            _print_real(title, d)
    report["jd_turns"] = j = jd_turns(engine)

    for medium in ("script", "speech"):
        m = j[medium]
        print(f"JD service turns ({j['n']}, as {medium}): flagged {m['flagged']:.3f}, blocked {m['blocked']:.3f}")
    report["morphs"] = m = morphs(engine)
    print(f"morphs: robustness {m['robustness']:.3f} over {m['restored_flagged']} flagged restorations  {m['by_type']}")
    report["transcripts"] = t = density(engine)
    print(f"transcripts ({t['chars']} chars): {t['findings_per_1000_chars']:.2f} findings per 1,000 characters")
    report["tw_fda"] = f = tw_fda(engine)
    print(f"tw-fda-ad-phrases: recall {f['recall']:.3f}, compliant flagged {f['compliant_flagged']:.3f}")
    if not args.skip_corpus:
        report["corpus_test"] = c = corpus_test(engine)
        print(
            f"corpus test split ({c['n']} units): F1 {c['f1']:.3f}, precision {c['precision']:.3f},"
            f" recall {c['recall']:.3f}, false alarms {c['false_alarm_rate']:.3f}"
        )
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

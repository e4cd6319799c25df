"""``claimcheck evaluate``: the figures for every detector combination, in one report.

Systems: the lexicon alone, each classifier alone, lexicon + fast classifier (the
default engine) and, when a transformer is available, the cascade. Data: the
corpus test split (never used for training or thresholds), the Taiwan regulator
phrases (both labels) and the quoted claims of the Taiwan penalty cases (all
non-compliant: recall only), both read from ../shared/eval at run time and
converted to Simplified Chinese. Writes ``report.json`` and ``report.md``.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.config import Settings
from claimcheck.engine import Engine
from claimcheck.taxonomy import Category
from claimcheck.training.corpus import CLASSIFIER_LABELS, OK, corpus_hash, load_corpus
from claimcheck.types import Severity

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_REPORT_DIR = ROOT / "docs" / "evaluation"
FDA_DOMAIN = {"food": "food", "health_food": "health_food", "cosmetic": "cosmetics", "tcm_drug": "drug"}
CASE_CATEGORY = {"化粧品": "cosmetics", "食品、健康食品": "food"}
LABELS = (*CLASSIFIER_LABELS, Category.SPEC_MISMATCH.value)


def default_eval_dir() -> Path:
    return Path(os.environ.get("CLAIMCHECK_EVAL_DIR", ROOT.parent / "shared" / "eval"))


def predict(engine: Engine, text: str, product_category: str | None) -> tuple[str, float]:
    """Unit label (``ok`` or the category of the strongest finding) and its score."""
    findings = [
        f for f in engine.screen(text, product_category=product_category).findings if f.severity is not Severity.INFO
    ]
    if not findings:
        return OK, 0.0
    top = max(findings, key=lambda f: (f.severity.rank, f.score))
    return top.category.value, max(f.score for f in findings)


def binary(gold: Iterable[bool], pred: Iterable[bool]) -> dict[str, float]:
    """Violation-vs-ok figures of hard predictions (the same measures as training reports)."""
    from claimcheck.training.train import binary_metrics

    g = np.asarray(list(gold), bool)
    return binary_metrics(g, np.asarray(list(pred), float), 0.5)


def per_category(gold: list[str], pred: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p != label)
        support = tp + fn
        if support == 0 and fp == 0:
            continue
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / support if support else 0.0
        out[label] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
            "support": support,
        }
    return out


def confusion(gold: list[str], pred: list[str]) -> dict[str, Any]:
    labels = [label for label in LABELS if label in set(gold) | set(pred)]
    index = {label: i for i, label in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=int)
    for g, p in zip(gold, pred, strict=True):
        m[index[g], index[p]] += 1
    return {"labels": labels, "matrix": m.tolist(), "rows": "gold", "columns": "predicted"}


def calibration(gold: np.ndarray, scores: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Expected calibration error of P(violation), with the reliability bins."""
    edges = np.linspace(0, 1, bins + 1)
    rows, ece = [], 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (scores >= lo) & ((scores < hi) if hi < 1 else (scores <= hi))
        if not mask.any():
            continue
        conf, acc = float(scores[mask].mean()), float(gold[mask].mean())
        ece += mask.mean() * abs(conf - acc)
        rows.append(
            {
                "low": round(float(lo), 2),
                "high": round(float(hi), 2),
                "n": int(mask.sum()),
                "mean_score": round(conf, 4),
                "violation_rate": round(acc, 4),
            }
        )
    return {"ece": round(float(ece), 4), "bins": rows}


def pr_curve(gold: np.ndarray, scores: np.ndarray) -> dict[str, list[float]]:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    p, r, t = precision_recall_curve(gold, scores)
    step = max(1, len(t) // 200)
    return {
        "precision": [round(float(x), 4) for x in p[::step]],
        "recall": [round(float(x), 4) for x in r[::step]],
        "thresholds": [round(float(x), 4) for x in t[::step]],
        "average_precision": round(float(average_precision_score(gold, scores)), 4),
    }


def _load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def build_systems(settings: Settings, transformer_dir: Path | None) -> dict[str, Engine]:
    lexicon_only = Engine.from_settings(settings.model_copy(update={"detectors": ["lexicon"]}))
    lex = lexicon_only.lexicon
    systems = {
        "lexicon": lexicon_only,
        "classifier_sklearn": Engine.from_settings(settings.model_copy(update={"detectors": ["exaggeration"]}), lex),
        "lexicon+sklearn": Engine.from_settings(
            settings.model_copy(update={"detectors": ["lexicon", "exaggeration"]}), lex
        ),
    }
    if transformer_dir is not None:
        # the transformer alone: every unit inside its "band"
        tsettings = settings.model_copy(update={"detectors": ["exaggeration"], "transformer_dir": transformer_dir})
        alone = Engine.from_settings(tsettings, lex)
        det = alone.detectors[0]
        det.cascade.fast_thresholds = det.cascade.fast_thresholds.model_copy(  # type: ignore[attr-defined]
            update={"band_low": 0.0, "band_high": 1.0}
        )
        systems["classifier_transformer"] = alone
        systems["lexicon+cascade"] = Engine.from_settings(
            settings.model_copy(update={"detectors": ["lexicon", "exaggeration"], "transformer_dir": transformer_dir}),
            lex,
        )
    return systems


def evaluate(
    settings: Settings | None = None,
    transformer_dir: Path | None = None,
    eval_dir: Path | None = None,
    corpus_dir: Path | None = None,
    log: Callable[[str], Any] = print,
) -> dict[str, Any]:
    settings = settings or Settings()
    eval_dir = eval_dir or default_eval_dir()
    systems = build_systems(settings, transformer_dir)
    df = load_corpus(corpus_dir)
    test = df[df["split"] == "test"]
    report: dict[str, Any] = {
        "versions": systems["lexicon+sklearn"].versions,
        "systems": list(systems),
        "corpus_hash": corpus_hash(df),
        "test_split": {"n": len(test), "systems": {}},
    }
    gold = list(test["label"])
    gold_bin = np.array([g != OK for g in gold])
    for name, engine in systems.items():
        log(f"test split: {name}")
        preds = [predict(engine, t, c)[0] for t, c in zip(test["text"], test["product_category"], strict=True)]
        report["test_split"]["systems"][name] = {
            "binary": binary(gold_bin, [p != OK for p in preds]),
            "per_category": per_category(gold, preds),
            "confusion": confusion(gold, preds),
        }
    # calibration and PR curves of the raw classifier scores
    report["test_split"]["calibration"], report["test_split"]["pr_curve"] = {}, {}
    for name in ("classifier_sklearn", "classifier_transformer"):
        if name not in systems:
            continue
        cascade = systems[name].detectors[0].cascade  # type: ignore[attr-defined]
        scores = cascade.run(list(test["compact"])).scores
        report["test_split"]["calibration"][name] = calibration(gold_bin, scores)
        report["test_split"]["pr_curve"][name] = pr_curve(gold_bin, scores)
    report.update(_external(systems, eval_dir, log))
    return report


def _external(systems: dict[str, Engine], eval_dir: Path, log: Callable[[str], Any]) -> dict[str, Any]:
    fda_path = eval_dir / "tw-fda-ad-phrases" / "phrases.jsonl"
    cases_path = eval_dir / "tw-illegal-ad-cases" / "cases.jsonl"
    out: dict[str, Any] = {}
    if not fda_path.is_file() or not cases_path.is_file():
        log(f"external evaluation sets not found under {eval_dir}; skipped")
        return {"external": "not found"}
    import opencc

    t2s = opencc.OpenCC("t2s")
    fda = _load_jsonl(fda_path)
    cases = _load_jsonl(cases_path)
    out["tw_fda_ad_phrases"] = {"n": len(fda), "systems": {}}
    out["tw_illegal_ad_cases"] = {"n": 0, "systems": {}}
    gold = [r["label"] == "non_compliant" for r in fda]
    quotes = [(t2s.convert("".join(r.get("claim_quotes") or [])), CASE_CATEGORY.get(r["category"])) for r in cases]
    quotes = [(q, c) for q, c in quotes if q.strip()]
    out["tw_illegal_ad_cases"]["n"] = len(quotes)
    for name, engine in systems.items():
        log(f"external sets: {name}")
        pred = [predict(engine, t2s.convert(r["text"]), FDA_DOMAIN.get(r.get("domain", "")))[0] != OK for r in fda]
        out["tw_fda_ad_phrases"]["systems"][name] = binary(gold, pred)
        hits = sum(predict(engine, q, c)[0] != OK for q, c in quotes)
        out["tw_illegal_ad_cases"]["systems"][name] = {"recall": round(hits / len(quotes), 4), "detected": hits}
    return out


def _binary_row(name: str, b: dict[str, float]) -> str:
    return f"| {name} | {b['precision']:.3f} | {b['recall']:.3f} | {b['f1']:.3f} | {b['false_alarm_rate']:.3f} |"


def to_markdown(report: dict[str, Any]) -> str:
    lines = ["# Evaluation report", "", f"Versions: `{json.dumps(report['versions'], ensure_ascii=False)}`", ""]
    lines += [f"Corpus hash: `{report['corpus_hash'][:16]}`; test split: {report['test_split']['n']} units.", ""]
    lines += [
        "## Test split (violation vs ok)",
        "",
        "| system | precision | recall | F1 | false alarms on ok |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, s in report["test_split"]["systems"].items():
        b = s["binary"]
        lines.append(
            f"| {name} | {b['precision']:.3f} | {b['recall']:.3f} | {b['f1']:.3f} | {b['false_alarm_rate']:.3f} |"
        )
    for name, cal in report["test_split"].get("calibration", {}).items():
        ap = report["test_split"]["pr_curve"][name]["average_precision"]
        lines.append(f"\n{name}: expected calibration error {cal['ece']:.3f}, average precision {ap:.3f}")
    best = "lexicon+sklearn"  # the default engine
    lines += [
        "",
        f"## Per category, test split ({best})",
        "",
        "| label | precision | recall | F1 | support |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, m in report["test_split"]["systems"][best]["per_category"].items():
        lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    conf = report["test_split"]["systems"][best]["confusion"]
    lines += [
        "",
        f"## Confusion matrix ({best}; rows gold, columns predicted)",
        "",
        "| gold \\ predicted | " + " | ".join(conf["labels"]) + " |",
        "| --- |" + " ---: |" * len(conf["labels"]),
    ]
    for label, row in zip(conf["labels"], conf["matrix"], strict=True):
        lines.append(f"| {label} | " + " | ".join(map(str, row)) + " |")
    if "tw_fda_ad_phrases" in report:
        fda = report["tw_fda_ad_phrases"]
        lines += [
            "",
            f"## tw-fda-ad-phrases ({fda['n']} phrases, Simplified; both labels)",
            "",
            "| system | precision | recall | F1 | false alarms on compliant |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, b in fda["systems"].items():
            lines.append(_binary_row(name, b))
        cases = report["tw_illegal_ad_cases"]
        lines += [
            "",
            f"## tw-illegal-ad-cases ({cases['n']} cases with quoted claims; recall only)",
            "",
            "| system | recall |",
            "| --- | ---: |",
        ]
        for name, m in cases["systems"].items():
            lines.append(f"| {name} | {m['recall']:.3f} |")
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    j, m = out_dir / "report.json", out_dir / "report.md"
    j.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    m.write_text(to_markdown(report), encoding="utf-8")
    return j, m

"""``claimcheck evaluate``: the figures for every detector combination.

Systems: the lexicon alone, each classifier alone, lexicon + fast classifier (the
default engine) and, when a transformer is available, the cascade. Data: the
corpus test split (never used for training or thresholds), the Taiwan regulator
phrases (both labels) and the quoted claims of the Taiwan penalty cases (all
non-compliant: recall only), both read from ../shared/eval at run time and
converted to Simplified Chinese.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.classifier.classes import OK
from claimcheck.config import Settings
from claimcheck.context import DocContext
from claimcheck.corpus import corpus_hash, load_corpus
from claimcheck.engine import Engine
from claimcheck.evaluation.metrics import binary, calibration, confusion, per_category, pr_curve
from claimcheck.paths import REPO_ROOT
from claimcheck.types import Severity

FDA_DOMAIN = {"food": "food", "health_food": "health_food", "cosmetic": "cosmetics", "tcm_drug": "drug"}
CASE_CATEGORY = {"化粧品": "cosmetics", "食品、健康食品": "food"}


def default_eval_dir() -> Path:
    return Path(os.environ.get("CLAIMCHECK_EVAL_DIR", REPO_ROOT.parent / "shared" / "eval"))


def predict(engine: Engine, text: str, product_category: str | None) -> tuple[str, float]:
    """Unit label (``ok`` or the category of the strongest finding) and its score."""
    result = engine.screen(text, DocContext(product_category=product_category))
    findings = [f for f in result.findings if f.severity is not Severity.INFO]
    if not findings:
        return OK, 0.0
    top = max(findings, key=lambda f: (f.severity.rank, f.score))
    return top.category.value, max(f.score for f in findings)


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

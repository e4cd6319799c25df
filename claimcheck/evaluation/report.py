"""Writing the evaluation report: ``report.json`` and a Markdown summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claimcheck.paths import REPO_ROOT

DEFAULT_REPORT_DIR = REPO_ROOT / "docs" / "evaluation"


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

"""Self-contained HTML report (inline CSS, no scripts, no external files).

The text with highlighted findings, a timeline for transcripts, a per-product
summary, legal basis, evidence and suggested rewrites; Chinese labels for the
reviewers. Rendered with Jinja2 with autoescaping, so script text can never
inject markup into the report.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from claimcheck.clock import now_utc, show_time
from claimcheck.labels import Labels, default_labels
from claimcheck.report.terminal import line_col
from claimcheck.types import ScreenResult, Severity

_ENV = Environment(loader=PackageLoader("claimcheck.report", "templates"), autoescape=select_autoescape(["j2", "html"]))


def _clock(ms: int | None) -> str:
    if ms is None:
        return "—"
    s = ms // 1000
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _highlight(text: str, findings: list[Any]) -> Markup:
    out: list[str] = []
    pos = 0
    for i, f in sorted(enumerate(findings, 1), key=lambda x: x[1].start):
        if f.start < pos:  # overlapping spans are listed in the table; highlight the first
            continue
        out.append(str(escape(text[pos : f.start])))
        out.append(f'<mark class="sev-{f.severity.value}">{escape(text[f.start : f.end])}<sup>{i}</sup></mark>')
        pos = f.end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def render_html(
    result: ScreenResult,
    text: str,
    *,
    source: str,
    title: str = "直播带货话术合规检查报告",
    broadcast_id: str | None = None,
    record_seq: int | None = None,
    slots: list[tuple[int, int, str]] | None = None,
    labels: Labels | None = None,
) -> str:
    labels = labels or default_labels()
    findings = result.findings
    rows = []
    for f in findings:
        line, col = line_col(text, f.start)
        rows.append(
            {
                "line": line,
                "col": col,
                "time": _clock(f.start_ms),
                "text": f.text,
                "before": text[max(0, f.start - 12) : f.start].replace("\n", " "),
                "after": text[f.end : f.end + 12].replace("\n", " "),
                "severity": f.severity.value,
                "severity_zh": labels.severities[f.severity],
                "category_zh": labels.category(f.category),
                "explanation": f.explanation,
                "legal_basis": f.legal_basis,
                "suggestion": f.suggestion,
                "evidence": labels.evidence(f.evidence),
                "sku": f.sku,
                "product": f.product_name,
                "supported": f.claim_verdict == "supported",
            }
        )
    names = {f.sku: f.product_name for f in findings if f.sku and f.product_name}
    per_sku: dict[str, Counter[str]] = defaultdict(Counter)
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    for f in findings:
        if f.sku:
            per_sku[f.sku][f.severity.value] += 1
            if f.claim_verdict:
                verdicts[f.sku][labels.claim_verdicts[f.claim_verdict].short] += 1
    products = [
        {
            "sku": sku,
            "product": names.get(sku) or "",
            "block": c["block"],
            "review": c["review"],
            "info": c["info"],
            "verdicts": "、".join(f"{k} {n}" for k, n in verdicts[sku].items()) or "—",
        }
        for sku, c in sorted(per_sku.items())
    ]
    timeline = None
    timed = [f for f in findings if f.start_ms is not None]
    if timed or slots:
        end = max([f.end_ms or f.start_ms or 0 for f in timed] + [e for _, e, _ in (slots or [])] + [1])
        timeline = {
            "end": _clock(end),
            "slots": [{"left": 100 * s / end, "width": 100 * (e - s) / end, "sku": sku} for s, e, sku in slots or []],
            "ticks": [
                {
                    "left": min(99.5, 100 * (f.start_ms or 0) / end),
                    "severity": f.severity.value,
                    "time": _clock(f.start_ms),
                    "text": f.text,
                }
                for f in timed
            ],
        }
    counts = {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
    return _ENV.get_template("report.html.j2").render(
        title=title,
        source=source,
        generated=show_time(now_utc()),  # local time with its offset, like every time a person reads
        broadcast_id=broadcast_id,
        record_seq=record_seq,
        verdict=result.verdict.value,
        verdict_zh=labels.verdicts[result.verdict],
        counts=counts,
        versions=result.versions,
        products=products,
        timeline=timeline,
        findings=rows,
        highlighted=_highlight(text, findings),
    )


def write_html(path: Path, html: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path

"""Self-contained HTML report (inline CSS, no scripts, no external files).

The text with highlighted findings, a timeline for transcripts, a per-product
summary, legal basis, evidence and suggested rewrites; Chinese labels for the
reviewers. Every finding is in it, whatever the terminal table listed.

The page is a Jinja2 template with autoescaping, compiled once per process; the
rows (one per finding) and timeline ticks are written by :class:`_Rows` with
every value escaped exactly as autoescaping would (a template loop costs ten
times as much). Either way script text can never inject markup into the report.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup

from claimcheck.clock import now_utc, show_time
from claimcheck.labels import Labels, default_labels
from claimcheck.report.terminal import LineIndex
from claimcheck.types import Finding, ScreenResult, Severity

_ENV = Environment(
    loader=PackageLoader("claimcheck.report", "templates"),
    autoescape=select_autoescape(["j2", "html"]),
    auto_reload=False,  # a packaged template does not change under a running process: no stat per report
)


@cache
def _template() -> Template:
    """The report template, compiled once per process."""
    return _ENV.get_template("report.html.j2")


_SPECIAL = re.compile("[&<>'\"]")


def _escape(value: str) -> str:
    """HTML-escaped text, exactly as Jinja's autoescape (markupsafe) writes it; most Chinese text
    has nothing to escape, and one scan finds that."""
    if not _SPECIAL.search(value):
        return value
    return (
        value.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


_e = lru_cache(maxsize=4096)(_escape)  # for the rows: a rule's explanation, legal basis and rewrite repeat


_SEVERITY = {s: s.value for s in Severity}  # Enum.value is a property: slow in a loop


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
        out.append(_escape(text[pos : f.start]))
        out.append(f'<mark class="sev-{_SEVERITY[f.severity]}">{_escape(text[f.start : f.end])}<sup>{i}</sup></mark>')
        pos = f.end
    out.append(_escape(text[pos:]))
    return Markup("".join(out))


def _evidence(labels: Labels, evidence: dict[str, Any] | None) -> str:
    shown = labels.evidence(evidence)
    if not shown:
        return ""
    return '<div class="ev">证据：' + "；".join(f"{_e(str(k))}={_e(str(v))}" for k, v in shown.items()) + "</div>"


class _Rows:
    """The findings' table rows and timeline ticks, written here rather than looped over in the
    template: one f-string a finding instead of some twenty template expressions, each value
    escaped with :func:`_e` (what autoescape would do). Output identical to the template loops
    these replace."""

    def __init__(self, text: str, labels: Labels, timed: bool) -> None:
        self.text = text
        self.labels = labels
        self.timed = timed
        self.lines = LineIndex(text)
        self.problems: list[str] = []
        self.backed: list[str] = []

    def add(self, f: Finding) -> None:
        labels, text = self.labels, self.text
        line, col = self.lines.line_col(f.start)
        sev = _SEVERITY[f.severity]
        if f.claim_verdict == "supported":
            n = len(self.backed) + 1
            product = f" {_e(f.product_name)}" if f.product_name else ""
            self.backed.append(
                f'\n<tr class="backed"><td>{n}</td><td>{line}:{col}</td><td>{_e(f.text)}</td>\n'
                f"<td>{_e(f.sku or '')}{product}</td>\n"
                f"<td>{_e(f.explanation)}{_evidence(labels, f.evidence)}</td></tr>\n"
            )
            return
        n = len(self.problems) + 1
        when = f"<td>{_e(_clock(f.start_ms))}</td>" if self.timed else ""
        before = text[max(0, f.start - 12) : f.start].replace("\n", " ")
        after = text[f.end : f.end + 12].replace("\n", " ")
        sku = ""
        if f.sku:
            product = f" {_e(f.product_name)}" if f.product_name else ""
            sku = f'<br><span class="ev">{_e(f.sku)}{product}</span>'
        self.problems.append(
            f'\n<tr id="f{n}">\n<td>{n}</td><td>{line}:{col}</td>{when}\n'
            f'<td>…{_e(before)}<mark class="sev-{sev}">{_e(f.text)}</mark>{_e(after)}…</td>\n'
            f'<td><span class="sev sev-{sev}">{_e(labels.severities[f.severity])}</span><br>'
            f"{_e(labels.category(f.category))}{sku}</td>\n"
            f"<td>{_e(f.explanation)}{_evidence(labels, f.evidence)}</td>\n"
            f"<td>{_e(f.legal_basis)}</td><td>{_e(f.suggestion or '—')}</td>\n</tr>\n"
        )


def _ticks(timed: list[Finding], end: int) -> Markup:
    return Markup(
        "".join(
            f'<div class="tick sev-{_SEVERITY[f.severity]}" style="left: {min(99.5, 100 * (f.start_ms or 0) / end)}%;" '
            f'title="{_e(_clock(f.start_ms))} {_e(f.text)}"></div>'
            for f in timed
        )
    )


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
    """The whole report as one page: every finding, whatever the terminal table showed."""
    labels = labels or default_labels()
    findings = result.findings
    timed = [f for f in findings if f.start_ms is not None]
    rows = _Rows(text, labels, timed=bool(timed or slots))
    names: dict[str, str] = {}
    per_sku: dict[str, Counter[str]] = defaultdict(Counter)
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    counts = dict.fromkeys((s.value for s in Severity), 0)
    for f in findings:
        counts[_SEVERITY[f.severity]] += 1
        rows.add(f)
        if f.sku:
            if f.product_name:
                names[f.sku] = f.product_name
            per_sku[f.sku][_SEVERITY[f.severity]] += 1
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
    if timed or slots:
        end = max([f.end_ms or f.start_ms or 0 for f in timed] + [e for _, e, _ in (slots or [])] + [1])
        timeline = {
            "end": _clock(end),
            "slots": [{"left": 100 * s / end, "width": 100 * (e - s) / end, "sku": sku} for s, e, sku in slots or []],
            "ticks": _ticks(timed, end),
        }
    return _template().render(
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
        problems=len(rows.problems),
        problem_rows=Markup("".join(rows.problems)),
        backed=len(rows.backed),
        backed_rows=Markup("".join(rows.backed)),
        highlighted=_highlight(text, findings),
    )


def write_html(path: Path, html: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path

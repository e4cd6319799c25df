"""What the record pages show of a review-record entry: findings, decisions and labels as view models.

Read by the screening page (:mod:`claimcheck.web.screening`), the audit page
(:mod:`claimcheck.web.audit`) and the decision route (:mod:`claimcheck.web.decisions`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response

from claimcheck.errors import NotFoundError
from claimcheck.labels import Labels, default_labels
from claimcheck.service import review
from claimcheck.taxonomy import Category
from claimcheck.types import Severity
from claimcheck.web.auth import services_of
from claimcheck.web.render import error_page

VIEW_PATHS: dict[str, str] = {"screening": "/screenings", "audit": "/audits"}
KIND_LABELS = {"screening": "话术筛查", "audit": "直播审核"}
DECISION_LABELS = {"confirm": "确认违规", "dismiss": "驳回（误报）"}
VIA_LABELS = {"web-session": "审核台", "api-key": "API", "operator": "命令行", "direct": "直接写入"}
ACCEPT_PREFIX = "采纳改写："
MAX_REASON = 2000
OLD_RECORD_NOTE = "旧记录未保存全文：这条记录写入时台账还不保存被筛查的文本，下面只列出各条发现。"


# ---------------------------------------------------------------------------- reading a record
@dataclass
class DecisionView:
    seq: int
    created_at: str
    decision: str
    label: str
    reason: str
    reviewer: str
    via: str
    supersedes: int | None
    superseded_by: int | None = None

    @property
    def accepted_rewrite(self) -> bool:
        return self.decision == "confirm" and self.reason.startswith(ACCEPT_PREFIX)

    @property
    def status(self) -> str:
        """What the finding's state is called while this is its current decision."""
        if self.accepted_rewrite:
            return "已采纳改写"
        return "已确认" if self.decision == "confirm" else "已驳回"


@dataclass
class FindingView:
    """One finding as the page shows it; ``n`` counts from 1, ``index`` is the ledger's 0-based index."""

    index: int
    text: str
    start: int
    end: int
    severity: str
    severity_label: str
    category: str
    category_label: str
    explanation: str
    legal_basis: str
    suggestion: str
    rule_id: str
    detector: str
    score: str
    sku: str
    product_name: str
    start_ms: int | None
    end_ms: int | None
    claim_verdict: str
    evidence: list[tuple[str, str]]
    hints: list[str]
    merged_rule_ids: list[str]
    sources: list[str]
    context: str = ""
    cue_text: str = ""
    decisions: list[DecisionView] = field(default_factory=list)

    @property
    def n(self) -> int:
        return self.index + 1

    @property
    def current(self) -> DecisionView | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def needs_review(self) -> bool:
        return self.severity in ("block", "review")

    @property
    def status(self) -> str:
        if self.current is not None:
            return self.current.status
        return "待处理" if self.needs_review else "未处理（提示）"

    @property
    def status_key(self) -> str:
        if self.current is not None:
            return "accepted" if self.current.accepted_rewrite else self.current.decision
        return "open" if self.needs_review else "none"

    @property
    def time(self) -> str:
        if self.start_ms is None:
            return ""
        end = clock(self.end_ms) if self.end_ms is not None and self.end_ms != self.start_ms else ""
        return clock(self.start_ms) + (f"–{end}" if end else "")


@dataclass
class RecordView:
    """A screening or audit record: its findings, its text (None for entries recorded before it was kept)."""

    seq: int
    kind: str
    created_at: str
    subject: str
    sku: str
    verdict: str
    input_sha256: str
    meta: dict[str, Any]
    findings: list[FindingView]
    text: str | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def open_count(self) -> int:
        return sum(1 for f in self.findings if f.needs_review and f.current is None)

    @property
    def decided_count(self) -> int:
        return sum(1 for f in self.findings if f.current is not None)

    @property
    def has_products(self) -> bool:
        return any(f.sku or f.product_name for f in self.findings)

    @property
    def timed(self) -> bool:
        return any(f.start_ms is not None for f in self.findings)

    def finding(self, n: int | None) -> FindingView | None:
        """Finding number ``n`` (from 1); else the first that still needs a decision, else the first."""
        if n is not None and 1 <= n <= len(self.findings):
            return self.findings[n - 1]
        first_open = next((f for f in self.findings if f.needs_review and f.current is None), None)
        return first_open or (self.findings[0] if self.findings else None)


def clock(ms: int | None) -> str:
    """Broadcast time as hh:mm:ss."""
    if ms is None:
        return ""
    s = max(0, int(ms)) // 1000
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _category_label(labels: Labels, category: str) -> str:
    try:
        return labels.category(Category(category))
    except ValueError:
        return category or "—"


def _severity_label(labels: Labels, severity: str) -> str:
    try:
        return labels.severities[Severity(severity)]
    except ValueError:
        return severity or "—"


def _evidence(labels: Labels, evidence: Any) -> list[tuple[str, str]]:
    if not isinstance(evidence, dict):
        return []
    shown = labels.evidence(evidence) or {}
    return [
        (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)) for k, v in shown.items()
    ]


def _score(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _decision_views(decisions: Sequence[dict[str, Any]]) -> dict[int, list[DecisionView]]:
    out: dict[int, list[DecisionView]] = defaultdict(list)
    for d in sorted(decisions, key=lambda d: d.get("seq") or 0):
        index = _int(d.get("finding_index"))
        if index is None:
            continue
        decision = _str(d.get("decision"))
        view = DecisionView(
            seq=int(d.get("seq") or 0),
            created_at=_str(d.get("created_at")),
            decision=decision,
            label=DECISION_LABELS.get(decision, decision),
            reason=_str(d.get("reason")),
            reviewer=_str(d.get("reviewer")),
            via=VIA_LABELS.get(_str(d.get("reviewer_via")), _str(d.get("reviewer_via"))),
            supersedes=_int(d.get("supersedes")),
        )
        if out[index]:
            out[index][-1].superseded_by = view.seq
        out[index].append(view)
    return out


def record_view(entry: dict[str, Any], labels: Labels | None = None) -> RecordView:
    """The page's view of a record entry (as :meth:`Ledger.get` returns it); tolerant of old or odd payloads."""
    labels = labels or default_labels()
    payload = _dict(entry.get("payload"))
    meta = _dict(payload.get("meta"))
    text = meta.get("text") if isinstance(meta.get("text"), str) else None
    contexts = _list(meta.get("finding_contexts"))
    decisions = _decision_views(entry.get("decisions") or [])
    findings: list[FindingView] = []
    raw_findings = _list(payload.get("findings"))
    for i, f in enumerate(raw_findings):
        if not isinstance(f, dict):
            f = {}
        severity, category = _str(f.get("severity")), _str(f.get("category"))
        hints = _list(f.get("category_hints"))
        claim_verdict = _str(f.get("claim_verdict"))
        findings.append(
            FindingView(
                index=i,
                text=_str(f.get("text")),
                start=_int(f.get("start")) or 0,
                end=_int(f.get("end")) or 0,
                severity=severity,
                severity_label=_severity_label(labels, severity),
                category=category,
                category_label=_category_label(labels, category),
                explanation=_str(f.get("explanation")),
                legal_basis=_str(f.get("legal_basis")),
                suggestion=_str(f.get("suggestion")),
                rule_id=_str(f.get("rule_id")),
                detector=_str(f.get("detector")),
                score=_score(f.get("score")),
                sku=_str(f.get("sku")),
                product_name=_str(f.get("product_name")),
                start_ms=_int(f.get("start_ms")),
                end_ms=_int(f.get("end_ms")),
                claim_verdict=(
                    labels.claim_verdicts[claim_verdict].label
                    if claim_verdict in labels.claim_verdicts
                    else claim_verdict
                ),
                evidence=_evidence(labels, f.get("evidence")),
                hints=[_category_label(labels, _str(h)) for h in hints],
                merged_rule_ids=[_str(r) for r in _list(f.get("merged_rule_ids")) if r],
                sources=[_str(s) for s in _list(f.get("sources")) if s],
                context=_str(contexts[i]) if i < len(contexts) else "",
                decisions=decisions.get(i, []),
            )
        )
    return RecordView(
        seq=int(entry["seq"]),
        kind=_str(entry.get("kind")),
        created_at=_str(entry.get("created_at")),
        subject=_str(entry.get("subject")),
        sku=_str(entry.get("sku")),
        verdict=_str(payload.get("verdict")),
        input_sha256=_str(payload.get("input_sha256")),
        meta=meta,
        findings=findings,
        text=text,
    )


class RecordMissing(Exception):
    """No screening or audit record has this seq (a decision's seq is not a record)."""


def load_record(request: Request, seq: int) -> RecordView:
    try:
        entry = review.get_entry(services_of(request), seq)
    except NotFoundError:
        raise RecordMissing() from None
    if entry.get("kind") not in KIND_LABELS:
        raise RecordMissing()
    return record_view(entry)


def missing_page(request: Request, seq: int) -> Response:
    return error_page(request, 404, "找不到记录", f"台账中没有编号为 {seq} 的话术筛查或直播审核记录。")

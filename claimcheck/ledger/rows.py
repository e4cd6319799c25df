"""The review record as rows: which entries an export holds, one row per finding or approval.

:func:`select_entries` chooses the entries about a SKU and/or by a reviewer; :func:`record_rows`
flattens records (one row per finding, with the latest decision on it) and
:func:`approval_rows` approvals, for :mod:`claimcheck.ledger.export` and
:mod:`claimcheck.ledger.workbook`. Labels are the Chinese names of codes, for people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from claimcheck.clock import show_time
from claimcheck.ledger.approvals import APPROVAL_LABELS
from claimcheck.ledger.chain import RECORD_KINDS, canonical_json

__all__ = [
    "APPROVAL_COLUMNS",
    "APPROVAL_LABELS",
    "DECISION_LABELS",
    "ENTRY_COLUMNS",
    "KIND_LABELS",
    "RECORD_COLUMNS",
    "VIA_LABELS",
    "approval_rows",
    "latest_decisions",
    "record_rows",
    "select_entries",
    "touches_sku",
]

RECORD_COLUMNS = [
    "seq",
    "time",
    "kind",
    "subject",
    "sku",
    "product",
    "verdict",
    "finding_index",
    "finding_text",
    "category",
    "rule_id",
    "severity",
    "score",
    "detector",
    "start",
    "end",
    "legal_basis",
    "claim_verdict",
    "evidence",
    "versions",
    "input_sha256",
    "decision",
    "decision_reason",
    "decision_reviewer",
    "decision_time",
    "decision_seq",
]
ENTRY_COLUMNS = ["seq", "kind", "created_at", "sku", "subject", "record_seq", "entry_hash", "prev_hash"]
APPROVAL_COLUMNS = ["seq", "time", "sku", "product", "status", "reason", "reviewer", "reviewer_via", "supersedes"]

KIND_LABELS = {"screening": "话术筛查", "audit": "直播审核", "decision": "审核决定", "approval": "商品审核结论"}
DECISION_LABELS = {"confirm": "确认违规", "dismiss": "驳回（误报）"}
VIA_LABELS = {"web-session": "审核台", "api-key": "API", "operator": "命令行", "direct": "直接写入"}


# ------------------------------------------------------------------ choosing entries
def touches_sku(entry: dict[str, Any], sku: str) -> bool:
    """Whether a record is about ``sku``: its own SKU, or a finding in that product's section."""
    if entry.get("sku") == sku:
        return True
    return any(isinstance(f, dict) and f.get("sku") == sku for f in entry.get("payload", {}).get("findings") or ())


def select_entries(
    items: Iterable[dict[str, Any]], *, sku: str | None = None, reviewer: str | None = None
) -> list[dict[str, Any]]:
    """The entries (as :meth:`Ledger.entries` returns them) about ``sku`` and/or by ``reviewer``.

    ``sku``: records that touch it (:func:`touches_sku`), the decisions on those records and the
    SKU's approvals. ``reviewer``: records with a decision by them, their decisions and approvals."""
    items = list(items)
    if not sku and not reviewer:
        return items
    kept_records: set[int] = set()
    for e in items:
        if e["kind"] not in RECORD_KINDS:
            continue
        if sku and not touches_sku(e, sku):
            continue
        if reviewer and not any(d.get("reviewer") == reviewer for d in e.get("decisions", [])):
            continue
        kept_records.add(e["seq"])
    out = []
    for e in items:
        kind, payload = e["kind"], e.get("payload", {})
        if kind in RECORD_KINDS:
            keep = e["seq"] in kept_records
        elif kind == "decision":
            keep = (not sku or e.get("record_seq") in kept_records or e.get("sku") == sku) and (
                not reviewer or payload.get("reviewer") == reviewer
            )
        elif kind == "approval":
            keep = (not sku or e.get("sku") == sku) and (not reviewer or payload.get("reviewer") == reviewer)
        else:
            keep = False
        if keep:
            out.append(e)
    return out


# ------------------------------------------------------------------ rows
def latest_decisions(entry: dict[str, Any]) -> dict[int, dict[str, Any]]:
    latest: dict[int, dict[str, Any]] = {}
    for d in entry.get("decisions", []):
        latest[d["finding_index"]] = d  # in seq order: the last one wins
    return latest


def record_rows(items: list[dict[str, Any]], *, text_times: bool = True) -> list[dict[str, Any]]:
    rows = []
    when: Callable[[str | None], Any] = show_time if text_times else (lambda t: t)
    for e in items:
        if e["kind"] not in RECORD_KINDS:
            continue
        p = e["payload"]
        latest = latest_decisions(e)
        base = {
            "seq": e["seq"],
            "time": when(e["created_at"]),  # archive: local time with offset; "entries" keeps the hashed UTC
            "kind": e["kind"],
            "subject": e["subject"],
            "sku": e["sku"],
            "verdict": p.get("verdict"),
            "versions": canonical_json(p.get("versions", {})),
            "input_sha256": p.get("input_sha256"),
        }
        findings = p.get("findings") or [None]  # a record without findings still gets its row
        for index, f in enumerate(findings):
            row = dict(base)
            if f is not None:
                d = latest.get(index)
                row |= {
                    "finding_index": index,
                    "finding_text": f.get("text"),
                    "finding_sku": f.get("sku"),
                    "product": f.get("product_name"),
                    "category": f.get("category"),
                    "rule_id": f.get("rule_id"),
                    "severity": f.get("severity"),
                    "score": f.get("score"),
                    "detector": f.get("detector"),
                    "start": f.get("start"),
                    "end": f.get("end"),
                    "legal_basis": f.get("legal_basis"),
                    "claim_verdict": f.get("claim_verdict"),
                    "evidence": canonical_json(f["evidence"]) if f.get("evidence") is not None else None,
                }
                if d is not None:
                    row |= {
                        "decision": d["decision"],
                        "decision_reason": d["reason"],
                        "decision_reviewer": d["reviewer"],
                        "decision_time": when(d["created_at"]),
                        "decision_seq": d["seq"],
                    }
            rows.append(row)
    return rows


def approval_rows(items: list[dict[str, Any]], *, text_times: bool = True) -> list[dict[str, Any]]:
    rows = []
    for e in items:
        if e["kind"] != "approval":
            continue
        p = e["payload"]
        rows.append(
            {
                "seq": e["seq"],
                "time": show_time(e["created_at"]) if text_times else e["created_at"],
                "sku": e["sku"],
                "product": p.get("product_name"),
                "status": p.get("status"),
                "reason": p.get("reason"),
                "reviewer": p.get("reviewer"),
                "reviewer_via": p.get("reviewer_via"),
                "supersedes": p.get("supersedes"),
            }
        )
    return rows

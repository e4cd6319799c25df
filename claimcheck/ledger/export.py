"""Exporting the review record for the archive: Excel, CSV (for Excel) and JSON.

xlsx = sheets "records" (one row per finding, with the latest decision on it)
and "entries" (the raw chain); csv = the records sheet (UTF-8 with BOM); json =
the full entries. Text that a spreadsheet would evaluate as a formula is kept as
text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claimcheck.clock import show_time
from claimcheck.ledger.chain import RECORD_KINDS, LedgerError, canonical_json
from claimcheck.sheets import escape_formula, keep_formulas_as_text

EXPORT_FORMATS = ("xlsx", "csv", "json")


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


def _record_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for e in items:
        if e["kind"] not in RECORD_KINDS:
            continue
        p = e["payload"]
        latest: dict[int, dict[str, Any]] = {}
        for d in e.get("decisions", []):
            latest[d["finding_index"]] = d  # in seq order: the last one wins
        base = {
            "seq": e["seq"],
            "time": show_time(e["created_at"]),  # local time with offset; "entries" keeps the hashed UTC
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
                        "decision_time": show_time(d["created_at"]),
                        "decision_seq": d["seq"],
                    }
            rows.append(row)
    return rows


_EXCEL_CELL_MAX = 32_767


def _xlsx_safe(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > _EXCEL_CELL_MAX:
        value = value[: _EXCEL_CELL_MAX - 20] + "…[truncated]"
    return value


def _csv_safe(value: Any) -> Any:
    # Spreadsheet formula injection: text that Excel would evaluate is prefixed with an apostrophe.
    return escape_formula(value)


def write_export(items: list[dict[str, Any]], path: Path, fmt: str) -> Path:
    """Write ``items`` (entries as :meth:`Ledger.entries` returns them) to ``path`` in ``fmt``."""
    if fmt not in EXPORT_FORMATS:
        raise LedgerError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    try:
        return _write(items, path, fmt)
    except OSError as exc:
        raise LedgerError(f"cannot write {path.name}: {exc.strerror or exc.__class__.__name__}") from None


def _write(items: list[dict[str, Any]], path: Path, fmt: str) -> Path:
    import json

    if fmt == "json":
        path.write_text(json.dumps(items, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    import pandas as pd

    records = pd.DataFrame(_record_rows(items), columns=RECORD_COLUMNS)
    if fmt == "csv":
        records.map(_csv_safe).to_csv(path, index=False, encoding="utf-8-sig")
        return path
    chain = pd.DataFrame([{c: e[c] for c in ENTRY_COLUMNS} for e in items], columns=ENTRY_COLUMNS)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, frame in (("records", records), ("entries", chain)):
            frame.map(_xlsx_safe).to_excel(xw, sheet_name=name, index=False)
            sheet = xw.sheets[name]
            keep_formulas_as_text(sheet)  # text that starts with "=" is data, never a formula
            sheet.freeze_panes = "A2"
    return path

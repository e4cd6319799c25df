"""Workbooks for people: the review record and one record as Excel, with Chinese headers.

Headers and labels in Chinese (kinds, verdicts, severities, categories, decisions, approvals),
times as real Excel date cells in local time (the header names the UTC offset; a file whose
times span a change of offset is written in UTC instead), broadcast times as durations,
column widths, an autofilter and a frozen header row on every sheet. The archive flavour
(``headers="en"``) keeps field names as headers and times as text with their offset, as
``claimcheck ledger export`` always wrote them. Text that a spreadsheet would evaluate as a
formula is stored as a string cell (:mod:`claimcheck.sheets`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal

from claimcheck.clock import to_local
from claimcheck.labels import Labels, default_labels
from claimcheck.ledger.chain import RECORD_KINDS, LedgerError, canonical_json
from claimcheck.ledger.rows import (
    APPROVAL_COLUMNS,
    APPROVAL_LABELS,
    DECISION_LABELS,
    ENTRY_COLUMNS,
    KIND_LABELS,
    RECORD_COLUMNS,
    VIA_LABELS,
    approval_rows,
    latest_decisions,
    record_rows,
)

Headers = Literal["en", "zh"]
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_EXCEL_CELL_MAX = 32_767


def _xlsx_safe(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > _EXCEL_CELL_MAX:
        value = value[: _EXCEL_CELL_MAX - 20] + "…[truncated]"
    return value


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the row key, its Chinese header, its width (in characters) and kind."""

    key: str
    zh: str
    width: float = 14
    kind: Literal["text", "time", "duration", "number"] = "text"
    label: Callable[[Any], Any] | None = None  # Chinese label of a code (zh workbooks only)


DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"


def _zone_label(times: Iterable[Any]) -> tuple[str, bool]:
    """The header suffix for time columns and whether cells are local time: ``UTC+08:00`` when every
    time shares one local offset, else UTC (a file spanning a clock change stays unambiguous)."""
    offsets = {to_local(t).utcoffset() for t in times if t}
    if len(offsets) > 1:
        return "UTC", False
    offset = next(iter(offsets), None) or dt.datetime.now().astimezone().utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}", True


def _cell_time(value: Any, local: bool) -> dt.datetime | None:
    """An aware time (or ISO text) as the naive datetime an Excel date cell holds."""
    if not value:
        return None
    ts = to_local(value)
    if not local:
        ts = ts.astimezone(dt.UTC)
    return ts.replace(tzinfo=None, microsecond=(ts.microsecond // 1000) * 1000)


def _write_sheet(
    wb: Any,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    *,
    zh: bool,
    zone: tuple[str, bool] | None = None,
) -> None:
    """A sheet of ``rows`` in a write-only workbook: a bold header, cells (zh: labels, date cells for
    times, durations for broadcast times), widths, an autofilter and the header frozen."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for index, c in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = c.width
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"
    zone_name, local = zone or ("UTC", False)
    bold = Font(bold=True)

    def cell(value: Any) -> Any:
        if isinstance(value, str):
            value = _xlsx_safe(value)
            if not value.startswith("="):
                return value
            text = WriteOnlyCell(ws, value)
            text.data_type = "s"  # text that starts with "=" is data, never a formula
            return text
        if isinstance(value, dt.datetime | dt.timedelta):
            moment = WriteOnlyCell(ws, value)
            moment.number_format = DATE_FORMAT if isinstance(value, dt.datetime) else DURATION_FORMAT
            return moment
        return value

    header = []
    for c in columns:
        head = WriteOnlyCell(ws, (f"{c.zh}（{zone_name}）" if c.kind == "time" else c.zh) if zh else c.key)
        head.font = bold
        header.append(head)
    ws.append(header)
    for row in rows:
        values = []
        for c in columns:
            value = row.get(c.key)
            if zh and c.kind == "time":
                value = _cell_time(value, local)
            elif zh and c.kind == "duration":
                value = None if value is None else dt.timedelta(milliseconds=int(value))
            elif zh and c.label is not None and value is not None:
                value = c.label(value)
            values.append(cell(value))
        ws.append(values)


def _record_columns(labels: Labels) -> list[Column]:
    verdicts = {key.value: text for key, text in labels.verdicts.items()}
    severities = {key.value: text for key, text in labels.severities.items()}

    def verdict(v: str) -> str:
        return verdicts.get(v, v)

    def severity(v: str) -> str:
        return severities.get(v, v)

    def category(v: str) -> str:
        try:
            return f"{labels.category(v)}（{v}）"
        except (KeyError, ValueError):
            return v

    def claim(v: str) -> str:
        text = labels.claim_verdicts.get(v)
        return text.label if text is not None else v

    return [
        Column("seq", "编号", 8, "number"),
        Column("time", "时间", 20, "time"),
        Column("kind", "类型", 10, label=lambda v: KIND_LABELS.get(v, v)),
        Column("subject", "对象（脚本/直播）", 24),
        Column("sku", "SKU", 16),
        Column("finding_sku", "发现所属 SKU", 16),
        Column("product", "商品", 24),
        Column("verdict", "结论", 14, label=verdict),
        Column("finding_index", "发现序号", 9, "number"),
        Column("finding_text", "发现文本", 36),
        Column("category", "类别", 22, label=category),
        Column("rule_id", "规则", 24),
        Column("severity", "级别", 8, label=severity),
        Column("score", "分数", 8, "number"),
        Column("detector", "检测器", 12),
        Column("start", "起始位置", 9, "number"),
        Column("end", "结束位置", 9, "number"),
        Column("legal_basis", "法律依据", 40),
        Column("claim_verdict", "核对结论", 14, label=claim),
        Column("evidence", "核对证据", 30),
        Column("versions", "版本", 30),
        Column("input_sha256", "输入 SHA-256", 20),
        Column("decision", "审核决定", 12, label=lambda v: DECISION_LABELS.get(v, v)),
        Column("decision_reason", "决定理由", 30),
        Column("decision_reviewer", "审核人", 14),
        Column("decision_time", "决定时间", 20, "time"),
        Column("decision_seq", "决定编号", 9, "number"),
    ]


APPROVAL_SHEET_COLUMNS = [
    Column("seq", "编号", 8, "number"),
    Column("time", "时间", 20, "time"),
    Column("sku", "SKU", 16),
    Column("product", "商品", 30),
    Column("status", "审核结论", 10, label=lambda v: APPROVAL_LABELS.get(v, v)),
    Column("reason", "理由", 40),
    Column("reviewer", "审核人", 14),
    Column("reviewer_via", "方式", 12, label=lambda v: VIA_LABELS.get(v, v)),
    Column("supersedes", "取代的条目", 10, "number"),
]
ENTRY_SHEET_COLUMNS = [
    Column("seq", "编号", 8, "number"),
    Column("kind", "类型", 12, label=lambda v: KIND_LABELS.get(v, v)),
    Column("created_at", "时间", 20, "time"),
    Column("sku", "SKU", 16),
    Column("subject", "对象", 24),
    Column("record_seq", "所属记录", 9, "number"),
    Column("entry_hash", "条目哈希", 24),
    Column("prev_hash", "前一条目哈希", 24),
]


def _english(keys: Sequence[str], wide: Iterable[str] = ()) -> list[Column]:
    wide = set(wide)
    return [Column(k, k, 30 if k in wide else 14) for k in keys]


def write_ledger_workbook(
    items: list[dict[str, Any]],
    out: IO[bytes],
    *,
    headers: Headers = "en",
    about: Sequence[tuple[str, str]] = (),
    labels: Labels | None = None,
) -> None:
    """The review record's workbook: records, approvals and the raw chain (and, zh, what was exported)."""
    from openpyxl import Workbook

    zh = headers == "zh"
    wb = Workbook(write_only=True)
    records = record_rows(items, text_times=not zh)
    approvals = approval_rows(items, text_times=not zh)
    chain = [{c: e[c] for c in ENTRY_COLUMNS} for e in items]
    if zh:
        times = [e["created_at"] for e in items] + [r.get("decision_time") for r in records]
        zone = _zone_label(times)
        if about:
            about_rows = [{"what": k, "value": v} for k, v in about]
            _write_sheet(wb, "导出说明", [Column("what", "项目", 16), Column("value", "内容", 90)], about_rows, zh=True)
        _write_sheet(wb, "审核记录", _record_columns(labels or default_labels()), records, zh=True, zone=zone)
        _write_sheet(wb, "商品审核结论", APPROVAL_SHEET_COLUMNS, approvals, zh=True, zone=zone)
        _write_sheet(wb, "台账条目", ENTRY_SHEET_COLUMNS, chain, zh=True, zone=zone)
    else:
        wide = ("finding_text", "legal_basis", "evidence", "versions", "decision_reason", "reason")
        _write_sheet(wb, "records", _english(RECORD_COLUMNS, wide), records, zh=False)
        _write_sheet(wb, "approvals", _english(APPROVAL_COLUMNS, wide), approvals, zh=False)
        _write_sheet(wb, "entries", _english(ENTRY_COLUMNS, ("entry_hash", "prev_hash")), chain, zh=False)
    wb.save(out)


# ------------------------------------------------------------------ one record
FINDING_SHEET_COLUMNS_EXTRA = {
    "context": Column("context", "所在句子", 40),
    "suggestion": Column("suggestion", "建议改写", 30),
    "explanation": Column("explanation", "说明", 40),
    "start_ms": Column("start_ms", "直播开始时刻", 12, "duration"),
    "end_ms": Column("end_ms", "直播结束时刻", 12, "duration"),
}


def write_record_workbook(
    entry: dict[str, Any], out: IO[bytes], *, labels: Labels | None = None, about: Sequence[tuple[str, str]] = ()
) -> None:
    """One screening or audit record (with its decisions) as a reviewers' workbook: "发现" (one row per
    finding, with the sentence around it and the current decision) and "记录信息"."""
    if entry.get("kind") not in RECORD_KINDS:
        raise LedgerError(f"entry {entry.get('seq')} is a {entry.get('kind')}, not a screening or audit record")
    from openpyxl import Workbook

    labels = labels or default_labels()
    payload = entry.get("payload", {})
    meta = payload.get("meta") or {}
    contexts = meta.get("finding_contexts") or []
    findings = payload.get("findings") or []
    latest = latest_decisions(entry)
    rows = record_rows([entry], text_times=False)
    for i, row in enumerate(rows):
        if i >= len(findings):
            break
        f = findings[i]
        row |= {
            "context": contexts[i] if i < len(contexts) and isinstance(contexts[i], str) else None,
            "suggestion": f.get("suggestion"),
            "explanation": f.get("explanation"),
            "start_ms": f.get("start_ms"),
            "end_ms": f.get("end_ms"),
        }
    base = {c.key: c for c in _record_columns(labels)}
    keys = ["finding_index", "finding_text", "context", "category", "rule_id", "severity", "score", "detector"]
    keys += ["start", "end"] + (["start_ms", "end_ms"] if entry["kind"] == "audit" else [])
    keys += ["finding_sku", "product", "legal_basis", "suggestion", "explanation", "claim_verdict", "evidence"]
    keys += ["decision", "decision_reason", "decision_reviewer", "decision_time", "decision_seq"]
    columns = [base.get(k) or FINDING_SHEET_COLUMNS_EXTRA[k] for k in keys]
    zone = _zone_label([entry.get("created_at")] + [d.get("created_at") for d in latest.values()])
    wb = Workbook(write_only=True)
    _write_sheet(wb, "发现", columns, rows if findings else [], zh=True, zone=zone)
    info = [
        ("编号", entry["seq"]),
        ("类型", KIND_LABELS.get(entry["kind"], entry["kind"])),
        (f"时间（{zone[0]}）", _cell_time(entry["created_at"], zone[1])),
        ("对象（脚本/直播）", entry.get("subject")),
        ("SKU", entry.get("sku")),
        ("结论", base["verdict"].label(payload.get("verdict")) if base["verdict"].label else payload.get("verdict")),
        ("发现数", len(findings)),
        ("已有决定", len(latest)),
        ("输入 SHA-256", payload.get("input_sha256")),
        ("上传人", meta.get("uploaded_by")),
        ("文件", meta.get("file") or meta.get("transcript")),
        ("播出日期", meta.get("broadcast_date")),
        ("版本", canonical_json(payload.get("versions", {}))),
        ("条目哈希", entry.get("entry_hash")),
        *about,
    ]
    _write_sheet(
        wb,
        "记录信息",
        [Column("what", "项目", 18), Column("value", "内容", 80)],
        [{"what": k, "value": v} for k, v in info],
        zh=True,
    )
    wb.save(out)

"""Workbooks for reviewers (the web workbench): the review record by date, SKU or reviewer, and one record.

Both are Excel files with Chinese headers, real date cells (local time; the header names the UTC
offset), column widths, an autofilter and a frozen header row (:mod:`claimcheck.ledger.export`).
The ledger workbook says on its first sheet who exported what, when, and whether the record
verified: like ``claimcheck ledger export``, a damaged record is still exported (it may be
needed for the investigation), with the verification's one line in the file and in the result.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from claimcheck.clock import local_zone, now_utc, show_time
from claimcheck.errors import InputError
from claimcheck.ledger import VerifyReport
from claimcheck.ledger.chain import RECORD_KINDS, EntryNotFound
from claimcheck.ledger.workbook import write_ledger_workbook, write_record_workbook
from claimcheck.service.app import Services
from claimcheck.service.users import WebUser

#: the longest date range one export may cover (a bigger archive: `claimcheck ledger export`)
MAX_DAYS = 3660
#: the most finding rows one web export writes (openpyxl writes some 50,000 cells a second; the
#: command line has no such limit)
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Workbook:
    data: bytes
    filename: str  # ASCII, safe for Content-Disposition
    entries: int
    report: VerifyReport | None = None


def _labels(services: Services):  # the engine's labels when it is built; the bundled ones otherwise
    engine = services._engine
    return engine.lexicon.labels if engine is not None else None


def _safe(text: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in text)[:60]


def ledger_workbook(
    services: Services,
    user: WebUser,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sku: str | None = None,
    reviewer: str | None = None,
) -> Workbook:
    """The review record in the range (whole local days) about ``sku`` and/or by ``reviewer``."""
    if date_from and date_to and date_from > date_to:
        raise InputError("开始日期晚于结束日期 (the start date is after the end date)")
    if date_from and date_to and (date_to - date_from).days > MAX_DAYS:
        raise InputError(f"日期范围最长 {MAX_DAYS} 天 (at most {MAX_DAYS} days)")
    report = services.ledger.verify()
    items = services.ledger.selected(date_from, date_to, sku=sku, reviewer=reviewer, tz=local_zone())
    rows = sum(max(1, len(e["payload"].get("findings") or ())) for e in items if e["kind"] in RECORD_KINDS)
    if rows > MAX_ROWS:
        raise InputError(
            f"所选范围有 {rows} 行发现，超过网页导出上限 {MAX_ROWS} 行：请缩小日期范围，"
            "或用命令行 claimcheck ledger export 导出 (too many rows for a web export)"
        )
    about = [
        ("导出时间", show_time(now_utc())),
        ("导出人", user.name),
        ("开始日期", date_from.isoformat() if date_from else "（不限）"),
        ("结束日期", date_to.isoformat() if date_to else "（不限）"),
        ("SKU", sku or "（不限）"),
        ("审核人", reviewer or "（不限）"),
        ("条目数", str(len(items))),
        ("台账校验", ("通过：" if report.ok else "未通过，此文件不可作为凭证：") + report.summary()),
    ]
    out = io.BytesIO()
    write_ledger_workbook(items, out, headers="zh", about=about, labels=_labels(services))
    parts = ["claimcheck-ledger"]
    if date_from or date_to:
        parts.append(
            f"{date_from.strftime('%Y%m%d') if date_from else 'start'}-"
            f"{date_to.strftime('%Y%m%d') if date_to else 'now'}"
        )
    if sku and _safe(sku).strip("_"):
        parts.append(_safe(sku))
    return Workbook(out.getvalue(), "_".join(parts) + ".xlsx", len(items), report)


def record_workbook(services: Services, seq: int, user: WebUser) -> Workbook:
    """One screening or audit record: its findings with the current decisions, and the record's details."""
    entry = services.ledger.get(seq)
    if entry["kind"] not in RECORD_KINDS:
        raise EntryNotFound(f"entry {seq} is a {entry['kind']}, not a screening or audit record")
    out = io.BytesIO()
    about = [("导出人", user.name), ("导出时间", show_time(now_utc()))]
    write_record_workbook(entry, out, labels=_labels(services), about=about)
    return Workbook(out.getvalue(), f"claimcheck-{entry['kind']}-{seq}.xlsx", 1)

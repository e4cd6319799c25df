"""Exporting the review record for the archive: Excel, CSV (for Excel) and JSON.

xlsx = sheets "records" (one row per finding, with the latest decision on it), "approvals"
(products' approval entries) and "entries" (the raw chain); csv = the records sheet (UTF-8 with
BOM); json = the full entries. Column names are the field names, times local with their offset
as text (:func:`claimcheck.clock.show_time`). ``headers="zh"`` writes the reviewers' workbook
instead (:mod:`claimcheck.ledger.workbook`). Text that a spreadsheet would evaluate as a formula
is kept as text (:mod:`claimcheck.sheets`); which entries an export holds is
:func:`~claimcheck.ledger.rows.select_entries`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from claimcheck.labels import Labels
from claimcheck.ledger.chain import LedgerError
from claimcheck.ledger.rows import ENTRY_COLUMNS, RECORD_COLUMNS, record_rows, select_entries, touches_sku
from claimcheck.ledger.workbook import XLSX_MEDIA_TYPE, Headers, write_ledger_workbook, write_record_workbook
from claimcheck.sheets import escape_formula

__all__ = [
    "ENTRY_COLUMNS",
    "EXPORT_FORMATS",
    "RECORD_COLUMNS",
    "XLSX_MEDIA_TYPE",
    "select_entries",
    "touches_sku",
    "write_export",
    "write_ledger_workbook",
    "write_record_workbook",
]

EXPORT_FORMATS = ("xlsx", "csv", "json")


def _csv_safe(value: Any) -> Any:
    # Spreadsheet formula injection: text that Excel would evaluate is prefixed with an apostrophe.
    return escape_formula(value)


def write_export(
    items: list[dict[str, Any]],
    path: Path,
    fmt: str,
    *,
    headers: Headers = "en",
    about: Sequence[tuple[str, str]] = (),
    labels: Labels | None = None,
) -> Path:
    """Write ``items`` (entries as :meth:`Ledger.entries` returns them) to ``path`` in ``fmt``.

    ``headers="zh"`` (xlsx only) writes the reviewers' workbook, with ``about`` (label, value)
    lines on an "导出说明" sheet."""
    if fmt not in EXPORT_FORMATS:
        raise LedgerError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    try:
        if fmt == "xlsx":
            with path.open("wb") as fh:
                write_ledger_workbook(items, fh, headers=headers, about=about, labels=labels)
            return path
        return _write_text(items, path, fmt)
    except OSError as exc:
        raise LedgerError(f"cannot write {path.name}: {exc.strerror or exc.__class__.__name__}") from None


def _write_text(items: list[dict[str, Any]], path: Path, fmt: str) -> Path:
    import json

    if fmt == "json":
        path.write_text(json.dumps(items, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    import pandas as pd

    records = pd.DataFrame(record_rows(items), columns=RECORD_COLUMNS)
    records.map(_csv_safe).to_csv(path, index=False, encoding="utf-8-sig")
    return path

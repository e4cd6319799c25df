"""Spreadsheet safety for every CSV and Excel export: text stays text, never a formula.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return)
is evaluated by Excel and LibreOffice when a CSV is opened, so a product name such
as ``=HYPERLINK(...)`` would become a live link. CSV cells get a leading
apostrophe (the convention spreadsheets honour), which :func:`unescape_formula`
removes again on import so that a CSV round trip keeps the value; in .xlsx files
the cell is stored as a string cell, which keeps the value exactly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_PREFIXES", "escape_formula", "keep_formulas_as_text", "unescape_formula"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: Any) -> Any:
    """``value`` with an apostrophe before a formula-leading character (for CSV cells)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_formula(value: Any) -> Any:
    """The inverse of :func:`escape_formula` (for CSV imports)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def keep_formulas_as_text(worksheet: Any) -> None:
    """Make every cell openpyxl would write as a formula a plain string cell (the value is unchanged)."""
    for cells in worksheet.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"

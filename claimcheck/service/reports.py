"""Writing a screening's or an audit's HTML and JSON reports."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from claimcheck.errors import InputError
from claimcheck.labels import Labels
from claimcheck.types import ScreenResult

_UNSAFE = re.compile(r"[^\w.\-]+")


def report_stem(source: str) -> str:
    """A file-name-safe stem for the reports of ``source`` (standard input becomes ``stdin``)."""
    stem = Path(source).stem if source not in ("-", "标准输入") else "stdin"
    return _UNSAFE.sub("_", stem)[:80] or "report"


def write_reports(
    result: ScreenResult,
    text: str,
    folder: Path,
    source: str,
    *,
    labels: Labels | None = None,
    **html_options: Any,
) -> tuple[Path, Path]:
    """Write ``<stem>-<time>.html`` and ``.json`` into ``folder``; InputError if it cannot be written."""
    from claimcheck.report.html import render_html, write_html

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    stem = report_stem(source)
    html_path = folder / f"{stem}-{stamp}.html"
    json_path = folder / f"{stem}-{stamp}.json"
    try:
        write_html(html_path, render_html(result, text, source=source, labels=labels, **html_options))
        json_path.write_text(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the report to {folder}: {exc.strerror or exc.__class__.__name__}") from None
    return html_path, json_path

"""Writing a screening's or an audit's HTML and JSON reports.

Report names never collide: ``<stem>-<suffix>-<date>-<time>-<ms>-<random>.html``
(and ``.json``), where the stem and suffix come from the source (``show.srt`` and
``show.vtt`` of one broadcast get different names), and the pair is reserved
with exclusive creation, so even two reports written in the same millisecond
never overwrite each other or an older report."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from pathlib import Path
from typing import Any

from claimcheck.errors import InputError
from claimcheck.labels import Labels
from claimcheck.types import ScreenResult

_UNSAFE = re.compile(r"[^\w.\-]+")


def report_stem(source: str) -> str:
    """A file-name-safe stem for the reports of ``source``, with its format (standard input becomes ``stdin``)."""
    if source in ("-", "标准输入"):
        return "stdin"
    path = Path(source)
    suffix = path.suffix.lstrip(".").lower()
    stem = _UNSAFE.sub("_", path.stem).strip("._")[:80] or "report"
    return f"{stem}-{_UNSAFE.sub('_', suffix)[:10]}" if suffix else stem


def _reserve(folder: Path, stem: str) -> tuple[Path, Path]:
    """A new, unused pair of report paths, created empty (exclusively) so no other writer can take them."""
    folder.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        now = dt.datetime.now()
        base = f"{stem}-{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}-{secrets.token_hex(3)}"
        html_path, json_path = folder / f"{base}.html", folder / f"{base}.json"
        try:
            html_path.touch(exist_ok=False)
        except FileExistsError:
            continue
        try:
            json_path.touch(exist_ok=False)
        except FileExistsError:
            html_path.unlink(missing_ok=True)
            continue
        return html_path, json_path
    raise FileExistsError(f"no free report name for {stem} in {folder}")  # pragma: no cover - 2^24 names per ms


def report_json(result: ScreenResult) -> str:
    """The JSON report: ``result.to_json_dict()`` as indented JSON, serialised by pydantic-core.

    The same document ``json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2)`` gives,
    without the standard library's pure-Python encoder (which ``indent`` selects): several times faster."""
    return result.model_dump_json(exclude_none=True, indent=2)


def write_reports(
    result: ScreenResult,
    text: str,
    folder: Path,
    source: str,
    *,
    labels: Labels | None = None,
    **html_options: Any,
) -> tuple[Path, Path]:
    """Write ``<stem>-<time>-<random>.html`` and ``.json`` into ``folder``; InputError if they cannot be written.

    Both hold every finding (a terminal table may list only the first ones)."""
    from claimcheck.report.html import render_html, write_html

    try:
        html_path, json_path = _reserve(folder, report_stem(source))
    except OSError as exc:
        raise InputError(f"cannot write the report to {folder}: {exc.strerror or exc.__class__.__name__}") from None
    try:
        write_html(html_path, render_html(result, text, source=source, labels=labels, **html_options))
        json_path.write_text(report_json(result), encoding="utf-8")
    except OSError as exc:
        for partial in (html_path, json_path):  # never leave half of a pair behind
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        raise InputError(f"cannot write the report to {folder}: {exc.strerror or exc.__class__.__name__}") from None
    return html_path, json_path

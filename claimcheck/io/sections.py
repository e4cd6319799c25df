"""Per-product sections of a script: a heading that names a SKU starts one.

Recognised headings: a Markdown heading (``## …``), a line in 【…】 or […], or a
line starting ``SKU:``; the SKU is either written as ``SKU: XXX`` or is one of
the SKUs in the product store appearing on the heading line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from claimcheck.context import Section

__all__ = ["Section", "split_sections"]

_HEADING = re.compile(r"^\s*(?:#{1,6}\s+.*|【.*】.*|\[.*\].*|sku\s*[:：].*)$", re.IGNORECASE | re.MULTILINE)
_EXPLICIT = re.compile(r"sku\s*[:：]\s*([A-Za-z0-9][\w.\-/]*)", re.IGNORECASE)
_BLANK = re.compile(r"\s*")


def _line_start(text: str, pos: int) -> int:
    """The first line start at or after ``pos`` (-1 when there is none)."""
    if pos == 0 or (pos <= len(text) and text[pos - 1] == "\n"):
        return pos
    nl = text.find("\n", pos)
    return -1 if nl < 0 else nl + 1


def _headings(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_HEADING.finditer(text)``, in linear time.

    The search tries ``^\\s*`` at every line start, so inside a run of k blank lines it scans
    the rest of the run k times (20,000 blank lines: 23 s). Every try inside one run reaches the
    same first non-blank character (no heading starts with a blank), so one try per run is
    enough and gives the same matches.
    """
    pos = 0
    while pos >= 0:
        m = _HEADING.match(text, pos)
        if m:
            yield m
            pos = _line_start(text, m.end())
        else:
            blank_end = _BLANK.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches
            pos = _line_start(text, blank_end + 1)


def split_sections(text: str, known_skus: Iterable[str] = ()) -> list[Section]:
    """Sections in text order; text before the first SKU heading has sku None."""
    known = sorted(set(known_skus), key=len, reverse=True)
    marks: list[tuple[int, str | None]] = []
    for m in _headings(text):
        line = m.group(0)
        explicit = _EXPLICIT.search(line)
        sku = explicit.group(1) if explicit else next((k for k in known if k in line), None)
        marks.append((m.start(), sku))  # every heading starts a section; without a SKU, none applies
    if not any(sku for _, sku in marks):
        return [Section(0, len(text), None)]
    sections = []
    if marks[0][0] > 0:
        sections.append(Section(0, marks[0][0], None))
    for i, (start, sku) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        sections.append(Section(start, end, sku))
    return sections

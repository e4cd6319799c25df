"""Per-product sections of a script: a heading that names a SKU starts one.

Recognised headings: a Markdown heading (``## …``), a line in 【…】 or […], or a
line starting ``SKU:``; the SKU is either written as ``SKU: XXX`` or is one of
the SKUs in the product store appearing on the heading line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from claimcheck.context import Section

__all__ = ["Section", "split_sections"]

_HEADING = re.compile(r"^\s*(?:#{1,6}\s+.*|【.*】.*|\[.*\].*|sku\s*[:：].*)$", re.IGNORECASE | re.MULTILINE)
_EXPLICIT = re.compile(r"sku\s*[:：]\s*([A-Za-z0-9][\w.\-/]*)", re.IGNORECASE)


def split_sections(text: str, known_skus: Iterable[str] = ()) -> list[Section]:
    """Sections in text order; text before the first SKU heading has sku None."""
    known = sorted(set(known_skus), key=len, reverse=True)
    marks: list[tuple[int, str | None]] = []
    for m in _HEADING.finditer(text):
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

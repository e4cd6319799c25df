"""Run sheets: CSV ``start,end,sku`` saying which product was on sale when."""

from __future__ import annotations

import bisect
import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimcheck.errors import InputError
from claimcheck.io.cues import MAX_TIME_DIGITS, clock_ms, err, show
from claimcheck.io.text import decode_bytes, human_size, read_text, upload_source


@dataclass(frozen=True)
class Slot:
    start_ms: int
    end_ms: int
    sku: str


@dataclass(frozen=True)
class RunSheet:
    slots: list[Slot]  # sorted by start, non-overlapping
    source: str
    _starts: list[int] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._starts.extend(s.start_ms for s in self.slots)

    def sku_at(self, ms: int) -> str | None:
        """The SKU on sale at ``ms`` (slot start inclusive, end exclusive), or None between slots."""
        i = bisect.bisect_right(self._starts, ms) - 1
        if i >= 0 and ms < self.slots[i].end_ms:
            return self.slots[i].sku
        return None


_SHEET_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,3}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_sheet_time(raw: str) -> int | None:
    """hh:mm:ss, mm:ss (optionally .mmm) or plain milliseconds; None if not a time.

    Milliseconds have at most MAX_TIME_DIGITS digits (about 11 days): a longer number is not a
    broadcast time, and turning thousands of digits into an int is slow and refused by Python."""
    raw = raw.strip().replace("：", ":")
    if raw.isascii() and raw.isdigit():
        return int(raw) if len(raw) <= MAX_TIME_DIGITS else None
    m = _SHEET_CLOCK.match(raw)
    if not m:
        return None
    return clock_ms(m[1], m[2], m[3], m[4], minutes_capped=m[1] is not None)


def read_run_sheet(path: str | Path, max_bytes: int, encoding: str | None = None) -> RunSheet:
    """Read a CSV run sheet with header ``start,end,sku``; raise InputError naming the line on any fault."""
    raw = read_text(path, max_bytes, encoding)
    return parse_run_sheet(raw.text, raw.source)


def run_sheet_from_bytes(data: bytes, name: str, max_bytes: int, encoding: str | None = None) -> RunSheet:
    """A run sheet uploaded as bytes (``name`` is its file name)."""
    name = upload_source(name, "run_sheet.csv")
    if len(data) > max_bytes:
        raise InputError(f"{name}: 输入超过 {human_size(max_bytes)} 上限 (input too large)")
    return parse_run_sheet(decode_bytes(data, name, encoding).text, name)


def _csv_rows(reader: Any, source: str) -> Iterator[list[str]]:
    """The reader's rows; a CSV error (a field over the csv module's limit, …) as InputError naming the line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise err(source, f"line {reader.line_num}", f"not readable as CSV ({exc})") from None


def parse_run_sheet(text: str, source: str) -> RunSheet:
    """Parse run-sheet CSV text; InputError naming the line on any fault."""
    reader = csv.reader(text.splitlines(keepends=True))
    rows_in = _csv_rows(reader, source)
    header: list[str] | None = None
    header_line = 0
    for row in rows_in:
        if any(c.strip() for c in row):
            header = [c.strip().lower() for c in row]
            header_line = reader.line_num
            break
    if header is None:
        raise InputError(f"{source}: 文件为空 (run sheet has no header 'start,end,sku')")
    missing = [c for c in ("start", "end", "sku") if c not in header]
    if missing:
        raise err(
            source,
            f"line {header_line}",
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} "
            f"(header must be start,end,sku; got {show(','.join(header))})",
        )
    col = {c: header.index(c) for c in ("start", "end", "sku")}
    rows: list[tuple[int, Slot, str, str]] = []
    for row in rows_in:
        lineno = reader.line_num
        if not any(c.strip() for c in row):
            continue
        where = f"line {lineno}"
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        start_raw, end_raw, sku = row[col["start"]].strip(), row[col["end"]].strip(), row[col["sku"]].strip()
        start, end = parse_sheet_time(start_raw), parse_sheet_time(end_raw)
        if start is None:
            raise err(source, where, f"invalid start time {show(start_raw)} (use hh:mm:ss, mm:ss or milliseconds)")
        if end is None:
            raise err(source, where, f"invalid end time {show(end_raw)} (use hh:mm:ss, mm:ss or milliseconds)")
        if end < start:
            raise err(source, where, f"end {end_raw} before start {start_raw}")
        if end == start:
            raise err(source, where, f"end {end_raw} is not after start {start_raw}")
        if not sku:
            raise err(source, where, "empty sku")
        if not sku.isprintable():
            raise err(source, where, f"sku {show(sku)} contains a control character")
        rows.append((lineno, Slot(start, end, sku), start_raw, end_raw))
    if not rows:
        raise InputError(f"{source}: run sheet has no slots (only a header)")
    ordered = sorted(rows, key=lambda r: (r[1].start_ms, r[0]))
    for prev, cur in itertools.pairwise(ordered):
        if cur[1].start_ms < prev[1].end_ms:
            later, earlier = (cur, prev) if cur[0] > prev[0] else (prev, cur)
            raise err(
                source,
                f"line {later[0]}",
                f"slot {later[2]}–{later[3]} ({later[1].sku}) overlaps line {earlier[0]} "
                f"({earlier[2]}–{earlier[3]}, {earlier[1].sku})",
            )
    return RunSheet(slots=[r[1] for r in ordered], source=source)

"""``/audits/{seq}``: a recorded broadcast audit on a time axis, and the list of its findings.

The axis is an SVG drawn on the server: minute ticks labelled ``hh:mm`` at a step of 1, 5, 10,
15, 30 or 60 minutes (longer for broadcasts over 12 hours) chosen so there are at most about
twelve; the run sheet's slots (the SKU on sale) as a band; findings placed by ``start_ms`` /
``end_ms``, and findings whose markers would overlap grouped into one marker with a count.
A marker's height says its worst severity (full: 禁止, two thirds: 复核, one third: 提示), so
colour is never the only cue. Below, every finding with its time (hh:mm:ss), the cue text it
was said in, the SKU on sale and the product name; selecting one opens the same panel and
decision forms as the screening page (:mod:`claimcheck.web.screening`).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from claimcheck.web.auth import CurrentUser
from claimcheck.web.records import (
    FindingView,
    RecordMissing,
    RecordView,
    clock,
    load_record,
    missing_page,
)
from claimcheck.web.render import render
from claimcheck.web.routing import web_router
from claimcheck.web.screening import page_context, page_url

router = web_router()

#: tick steps in minutes, smallest first; the first that gives at most MAX_TICK_INTERVALS is used
TICK_STEPS = (1, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720)
MAX_TICK_INTERVALS = 12
#: a marker is drawn at least this share of the axis wide, so a one-second finding stays visible
MIN_MARKER_SHARE = 0.006
MAX_CUE_CHARS = 300
_RANK = {"block": 2, "review": 1, "info": 0}
_MARKER_HEIGHT = {"block": 24, "review": 16, "info": 8}  # px of the marker row (24): not colour alone


def tick_step(duration_ms: int) -> int:
    """The tick step in minutes for a broadcast of ``duration_ms``: at most ~12 intervals."""
    minutes = max(duration_ms, 1) / 60_000
    for step in TICK_STEPS:
        if math.ceil(minutes / step) <= MAX_TICK_INTERVALS:
            return step
    return TICK_STEPS[-1] * math.ceil(minutes / (TICK_STEPS[-1] * MAX_TICK_INTERVALS))


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class Tick:
    minute: int
    left: float
    anchor: str

    @property
    def label(self) -> str:
        return hhmm(self.minute)


@dataclass
class Marker:
    """One marker on the axis: a finding, or findings whose markers would overlap, with their count."""

    start_ms: int
    end_ms: int
    reach_ms: int
    findings: list[FindingView] = field(default_factory=list)
    left: float = 0.0
    width: float = 0.0

    @property
    def count(self) -> int:
        return len(self.findings)

    @property
    def severity(self) -> str:
        return max((f.severity for f in self.findings), key=lambda s: _RANK.get(s, -1))

    @property
    def first(self) -> FindingView:
        return self.findings[0]

    @property
    def height(self) -> int:
        return _MARKER_HEIGHT.get(self.severity, 8)

    @property
    def center(self) -> float:
        return self.left + self.width / 2

    @property
    def label(self) -> str:
        when = clock(self.start_ms) + (f"–{clock(self.end_ms)}" if self.end_ms > self.start_ms else "")
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.severity_label] = counts.get(f.severity_label, 0) + 1
        kinds = "，".join(f"{name} {n}" for name, n in counts.items())
        numbers = "、".join(str(f.n) for f in self.findings[:12]) + ("…" if self.count > 12 else "")
        return f"{when}：{self.count} 条发现（{kinds}），第 {numbers} 条"


@dataclass
class Slot:
    sku: str
    product_name: str
    left: float
    width: float
    start_ms: int
    end_ms: int
    shade: int

    @property
    def label(self) -> str:
        name = f" {self.product_name}" if self.product_name else ""
        return f"{clock(self.start_ms)}–{clock(self.end_ms)} 在售 {self.sku}{name}"


@dataclass
class Axis:
    duration_ms: int
    axis_ms: int
    step: int
    ticks: list[Tick]
    markers: list[Marker]
    slots: list[Slot]
    untimed: int

    @property
    def duration(self) -> str:
        return clock(self.duration_ms)


def _cues(meta: dict[str, Any], text: str | None) -> list[tuple[int, int, int, int]]:
    """The entry's cues as (start_ms, end_ms, start, end), checked; [] when absent or malformed."""
    raw = meta.get("cues")
    if text is None or not isinstance(raw, list):
        return []
    cues = []
    for cue in raw:
        if not (isinstance(cue, list) and len(cue) == 4 and all(isinstance(v, int) for v in cue)):
            return []
        cues.append((cue[0], cue[1], cue[2], cue[3]))
    return cues


def _slots(meta: dict[str, Any]) -> list[tuple[int, int, str]]:
    raw = meta.get("slots")
    if not isinstance(raw, list):
        return []
    out = []
    for slot in raw:
        if isinstance(slot, list) and len(slot) == 3 and isinstance(slot[0], int) and isinstance(slot[1], int):
            out.append((slot[0], slot[1], str(slot[2])))
    return out


def attach_cue_text(record: RecordView, cues: list[tuple[int, int, int, int]]) -> None:
    """Each finding's cue text: the cues its span touches (else the sentence kept around it, else itself)."""
    text = record.text or ""
    starts = [c[2] for c in cues]
    ends = [c[3] for c in cues]
    for f in record.findings:
        said = ""
        if cues and 0 <= f.start <= f.end <= len(text):
            first = bisect_right(ends, f.start)
            last = bisect_left(starts, f.end) - 1 if f.end > f.start else bisect_right(starts, f.start) - 1
            if first <= last:
                said = text[starts[first] : ends[last]].replace("\n", " ")
        said = said or f.context or f.text
        f.cue_text = said if len(said) <= MAX_CUE_CHARS else said[: MAX_CUE_CHARS - 1] + "…"


def group_markers(timed: list[FindingView], min_ms: int) -> list[Marker]:
    """Findings (with times) as markers: a finding joins the marker before it when their times overlap,
    or when it starts within ``min_ms`` (the narrowest marker drawn) of that marker's start, so
    markers never overlap on the axis. Measured from the marker's start, not its last finding's:
    a dense broadcast (a finding every few seconds) gives many small groups, not one long one."""
    markers: list[Marker] = []
    for f in sorted(timed, key=lambda f: (f.start_ms or 0, f.end_ms or 0, f.index)):
        start = f.start_ms or 0
        end = max(f.end_ms or start, start)
        if markers and (start < markers[-1].end_ms or start < markers[-1].start_ms + min_ms):
            m = markers[-1]
            m.findings.append(f)
            m.end_ms = max(m.end_ms, end)
            m.reach_ms = max(m.end_ms, m.start_ms + min_ms)
        else:
            markers.append(Marker(start, end, max(end, start + min_ms), [f]))
    return markers


def build_axis(record: RecordView, cues: list[tuple[int, int, int, int]], slots: list[tuple[int, int, str]]) -> Axis:
    timed = [f for f in record.findings if f.start_ms is not None]
    ends = [max(f.end_ms or 0, f.start_ms or 0) for f in timed] + [c[1] for c in cues] + [s[1] for s in slots]
    duration = max([60_000, *ends])
    step = tick_step(duration)
    axis_ms = step * 60_000 * math.ceil(duration / (step * 60_000))
    count = axis_ms // (step * 60_000)
    ticks = [
        Tick(i * step, 100 * i / count, "start" if i == 0 else "end" if i == count else "middle")
        for i in range(count + 1)
    ]
    markers = group_markers(timed, int(axis_ms * MIN_MARKER_SHARE))
    for m in markers:
        m.findings.sort(key=lambda f: f.index)
        m.left = 100 * m.start_ms / axis_ms
        m.width = max(100 * (m.reach_ms - m.start_ms) / axis_ms, 100 * MIN_MARKER_SHARE)
        m.width = min(m.width, 100 - m.left)
    names = {f.sku: f.product_name for f in record.findings if f.sku and f.product_name}
    bands = [
        Slot(sku, names.get(sku, ""), 100 * s / axis_ms, 100 * max(0, e - s) / axis_ms, s, e, i % 2)
        for i, (s, e, sku) in enumerate(sorted(slots))
    ]
    return Axis(duration, axis_ms, step, ticks, markers, bands, len(record.findings) - len(timed))


def audit_context(record: RecordView) -> dict[str, Any]:
    """What the audit page adds to the screening page's context: the axis, and the cue text on each finding."""
    cues = _cues(record.meta, record.text)
    attach_cue_text(record, cues)
    return {"axis": build_axis(record, cues, _slots(record.meta)), "has_cues": bool(cues)}


@router.get("/audits/{seq}")
def audit_page(request: Request, user: CurrentUser, seq: int, f: int | None = None) -> Response:
    try:
        record = load_record(request, seq)
    except RecordMissing:
        return missing_page(request, seq)
    if record.kind != "audit":  # a screening has no broadcast times: its own page
        return RedirectResponse(page_url("screening", seq, f), status_code=303)
    context = page_context(record, record.finding(f), "audit") | audit_context(record)
    return render(request, "audit.html.j2", context)


__all__ = ["Axis", "audit_context", "build_axis", "router", "tick_step"]

"""Audit a broadcast transcript: one document, products by run sheet, times on findings.

The cues are joined into one text (a claim split across two cues is still one
claim), the run sheet turns into per-product sections (the SKU on sale when
each cue was said), the shared Engine screens it, and every finding gets the
``start_ms``/``end_ms`` of the cues it spans.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from claimcheck.engine import Engine
from claimcheck.io.sections import Section
from claimcheck.io.transcripts import RunSheet, Transcript, span_times, transcript_document
from claimcheck.types import ScreenResult


@dataclass(frozen=True)
class AuditOutcome:
    result: ScreenResult
    text: str
    slots: list[tuple[int, int, str]]


def run_sheet_sections(
    spans: list[tuple[int, int, int]], transcript: Transcript, run_sheet: RunSheet | None
) -> list[Section]:
    """Contiguous runs of cues with the same SKU on sale become one section."""
    if run_sheet is None:
        return []
    sections: list[Section] = []
    for start, end, cue_index in spans:
        sku = run_sheet.sku_at(transcript.cues[cue_index].start_ms)
        if sections and sections[-1].sku == sku and sections[-1].end <= start + 1:
            sections[-1] = Section(sections[-1].start, end, sku)
        else:
            sections.append(Section(start, end, sku))
    return sections


def audit(
    engine: Engine,
    transcript: Transcript,
    run_sheet: RunSheet | None = None,
    *,
    broadcast_date: dt.date | None = None,
    product_category: str | None = None,
) -> AuditOutcome:
    text, spans = transcript_document(transcript)
    sections = run_sheet_sections(spans, transcript, run_sheet)
    result = engine.screen(text, product_category=product_category, broadcast_date=broadcast_date, sections=sections)
    timed = []
    for f in result.findings:
        start_ms, end_ms = span_times(spans, f.start, f.end)
        timed.append(f.replace(start_ms=start_ms, end_ms=end_ms))
    result = ScreenResult.model_construct(verdict=result.verdict, findings=timed, versions=result.versions)
    slots = [(s.start_ms, s.end_ms, s.sku) for s in run_sheet.slots] if run_sheet is not None else []
    return AuditOutcome(result, text, slots)


def input_hash(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()

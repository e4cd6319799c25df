"""Auditing broadcast transcripts: one document, products by run sheet, times on findings.

The cues are joined into one text (a claim split across two cues is still one
claim), the run sheet turns into per-product sections (the SKU on sale when each
cue was said), the shared Engine screens it, and every finding gets the
``start_ms``/``end_ms`` of the cues it spans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimcheck.context import DocContext, Section
from claimcheck.engine import Engine
from claimcheck.io.transcripts import (
    CueSpans,
    RunSheet,
    Transcript,
    read_run_sheet,
    read_transcript,
    span_times,
    transcript_document,
)
from claimcheck.service.allowances import finding_contexts, with_allowances
from claimcheck.service.app import Services
from claimcheck.service.reports import write_reports
from claimcheck.service.screening import input_hash, record_with_reports
from claimcheck.types import ScreenResult


@dataclass(frozen=True)
class AuditOutcome:
    result: ScreenResult
    text: str
    slots: list[tuple[int, int, str]]
    record_seq: int | None = None
    reports: tuple[Path, Path] | None = None


def run_sheet_sections(spans: CueSpans, transcript: Transcript, run_sheet: RunSheet | None) -> list[Section]:
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
    engine: Engine, transcript: Transcript, run_sheet: RunSheet | None = None, context: DocContext | None = None
) -> AuditOutcome:
    """Screen a transcript; findings carry broadcast times and the SKU on sale."""
    text, spans = transcript_document(transcript)
    context = (context or DocContext()).with_(
        sections=tuple(run_sheet_sections(spans, transcript, run_sheet)), medium="speech"
    )
    result = engine.screen(text, context)
    bounds = spans.bounds()
    timed = []
    for f in result.findings:
        start_ms, end_ms = span_times(spans, f.start, f.end, bounds=bounds)
        timed.append(f.replace(start_ms=start_ms, end_ms=end_ms))
    result = result.model_copy(update={"findings": timed})  # keeps the verdict and any truncation notice
    slots = [(s.start_ms, s.end_ms, s.sku) for s in run_sheet.slots] if run_sheet is not None else []
    return AuditOutcome(result, text, slots)


CUE_FIELDS = ("start_ms", "end_ms", "start", "end")


def document_meta(text: str, transcript: Transcript) -> dict[str, Any]:
    """What an audit entry keeps of the transcript: the screened document and each cue's time and span in it.

    Cues are ``[start_ms, end_ms, start, end]`` lists (``cue_fields`` names them), a third of the size of
    objects; cue i's text is ``text[start:end]``, so the cue texts are not stored twice."""
    _, spans = transcript_document(transcript)
    cues = transcript.cues
    return {
        "text": text,
        "cue_fields": list(CUE_FIELDS),
        "cues": [[cues[i].start_ms, cues[i].end_ms, start, end] for start, end, i in spans],
    }


def load_transcript(services: Services, path: str | Path, encoding: str | None = None) -> Transcript:
    return read_transcript(path, services.settings.max_input_bytes, encoding)


def load_run_sheet(services: Services, path: str | Path, encoding: str | None = None) -> RunSheet:
    return read_run_sheet(path, services.settings.max_input_bytes, encoding)


def audit_transcript(
    services: Services,
    transcript: Transcript,
    run_sheet: RunSheet | None = None,
    *,
    raw: bytes | str,
    subject: str,
    context: DocContext | None = None,
    record: bool = True,
    report_dir: Path | None = None,
    meta: dict[str, Any] | None = None,
) -> AuditOutcome:
    """Audit one transcript; write reports and the review-record entry (``raw`` is what was uploaded).

    The institution's active allowed contexts apply; the entry keeps the sentence around each finding,
    the screened document (``meta.text``: the cues joined as :func:`transcript_document` joins them) and
    the cues as ``[start_ms, end_ms, start, end]`` (``meta.cues``; cue i's text is ``text[start:end]``)
    and the run sheet's slots as ``[start_ms, end_ms, sku]`` (``meta.slots``), so the workbench can show
    each finding in place and on the broadcast's time axis."""
    context = with_allowances(services, context or DocContext())
    outcome = audit(services.engine, transcript, run_sheet, context)

    def reports_for(seq: int | None) -> tuple[Path, Path] | None:
        if report_dir is None:
            return None
        return write_reports(
            outcome.result,
            outcome.text,
            report_dir,
            Path(transcript.source).name,
            labels=services.engine.lexicon.labels,
            title="直播回放合规审核报告",
            broadcast_id=subject,
            record_seq=seq,
            slots=outcome.slots,
        )

    def append(before_commit: Callable[[int], object]) -> int:
        return services.ledger.append_result(
            "audit",
            outcome.result,
            subject=subject,
            sku=None,
            input_hash=input_hash(raw),
            meta={
                **(meta or {}),
                "transcript": Path(transcript.source).name,
                "format": transcript.format,
                "schedule": Path(run_sheet.source).name if run_sheet is not None else None,
                "broadcast_date": context.on.isoformat(),
                "finding_contexts": finding_contexts(outcome.text, outcome.result.findings),
                **document_meta(outcome.text, transcript),
                "slots": [list(slot) for slot in outcome.slots],
            },
            before_commit=before_commit,
        )

    seq, reports = record_with_reports(append if record else None, reports_for)  # reports first, then the entry
    return AuditOutcome(outcome.result, outcome.text, outcome.slots, seq, reports)

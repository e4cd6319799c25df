"""Screening scripts (recorded) and scoring texts (not recorded)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimcheck.context import DocContext
from claimcheck.engine import Engine
from claimcheck.io.scripts import read_script
from claimcheck.io.text import TextInput
from claimcheck.service.app import Services
from claimcheck.service.reports import write_reports
from claimcheck.types import ScreenResult


def input_hash(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class ScreenOutcome:
    result: ScreenResult
    text: str
    source: str
    record_seq: int | None = None
    reports: tuple[Path, Path] | None = None


def load_script(services: Services, path: str | Path) -> TextInput:
    """A script file (txt, md or docx; ``-`` is standard input), decoded and size-checked."""
    return read_script(path, services.settings.max_input_bytes)


def screen_script(
    services: Services,
    text: str,
    *,
    source: str,
    context: DocContext | None = None,
    record: bool = True,
    subject: str | None = None,
    report_dir: Path | None = None,
    meta: dict[str, Any] | None = None,
) -> ScreenOutcome:
    """Screen a script with its per-product sections; write reports and the review-record entry."""
    engine = services.engine
    context = (context or DocContext()).with_(sections=tuple(engine.sections(text)))
    result = engine.screen(text, context)
    seq = None
    if record:
        seq = services.ledger.append_result(
            "screening",
            result,
            subject=subject or source,
            sku=context.sku,
            input_hash=input_hash(text),
            meta={**(meta or {}), "broadcast_date": context.on.isoformat()},
        )
    reports = None
    if report_dir is not None:
        reports = write_reports(result, text, report_dir, source, labels=engine.lexicon.labels, record_seq=seq)
    return ScreenOutcome(result, text, source, seq, reports)


def score_texts(engine: Engine, texts: Sequence[str], context: DocContext | None = None) -> list[ScreenResult]:
    """Screen each text alone; nothing is recorded."""
    return [engine.screen(t, context) for t in texts]

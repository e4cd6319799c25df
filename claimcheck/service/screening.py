"""Screening scripts (recorded) and scoring texts (not recorded)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimcheck.context import DocContext
from claimcheck.engine import Engine
from claimcheck.io.scripts import read_script
from claimcheck.io.text import TextInput
from claimcheck.service.allowances import finding_contexts, with_allowances
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


def load_script(services: Services, path: str | Path, encoding: str | None = None) -> TextInput:
    """A script file (txt, md or docx; ``-`` is standard input), decoded (in ``encoding`` if named) and size-checked."""
    return read_script(path, services.settings.max_input_bytes, encoding)


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
    """Screen a script with its per-product sections; write reports and the review-record entry.

    The institution's active allowed contexts apply (claimcheck.service.allowances); the entry keeps
    the sentence around each finding (``meta.finding_contexts``) and the whole screened text
    (``meta.text``, hash-chained and signed with the findings, so the workbench shows each finding
    in place). The entry is committed only after its reports are written (see :func:`record_with_reports`)."""
    engine = services.engine
    context = with_allowances(services, (context or DocContext()).with_(sections=tuple(engine.sections(text))))
    result = engine.screen(text, context)

    def reports_for(seq: int | None) -> tuple[Path, Path] | None:
        if report_dir is None:
            return None
        return write_reports(result, text, report_dir, source, labels=engine.lexicon.labels, record_seq=seq)

    def append(before_commit: Callable[[int], object]) -> int:
        return services.ledger.append_result(
            "screening",
            result,
            subject=subject or source,
            sku=context.sku,
            input_hash=input_hash(text),
            meta={
                **(meta or {}),
                "broadcast_date": context.on.isoformat(),
                "finding_contexts": finding_contexts(text, result.findings),
                "text": text,
            },
            before_commit=before_commit,
        )

    seq, reports = record_with_reports(append if record else None, reports_for)
    return ScreenOutcome(result, text, source, seq, reports)


def record_with_reports(
    append: Callable[[Callable[[int], object]], int] | None,
    write: Callable[[int | None], tuple[Path, Path] | None],
) -> tuple[int | None, tuple[Path, Path] | None]:
    """Write the reports, then commit the review-record entry they name.

    ``append(before_commit)`` appends the entry and calls ``before_commit(seq)`` inside its
    transaction, where the reports (which show the seq) are written: when they cannot be, the
    entry is rolled back, so a recorded screening always has its reports. Should the commit
    itself fail, the reports just written are removed. Without ``append`` only the reports are written."""
    if append is None:
        return None, write(None)
    reports: tuple[Path, Path] | None = None

    def before_commit(seq: int) -> None:
        nonlocal reports
        reports = write(seq)

    try:
        seq = append(before_commit)
    except BaseException:
        for path in reports or ():
            path.unlink(missing_ok=True)
        raise
    return seq, reports


def score_texts(engine: Engine, texts: Sequence[str], context: DocContext | None = None) -> list[ScreenResult]:
    """Screen each text alone; nothing is recorded."""
    return [engine.screen(t, context) for t in texts]

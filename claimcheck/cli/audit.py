"""``claimcheck audit``: broadcast transcripts against the run sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from claimcheck.cli.common import (
    TABLE_LIMIT,
    AllOption,
    DbOption,
    EncodingOption,
    FormatOption,
    LimitOption,
    OutputFormat,
    QuietOption,
    emit_json,
    parse_date,
    print_note,
    print_table,
    services,
)
from claimcheck.context import DocContext
from claimcheck.errors import EXIT_BLOCK, EXIT_OK, InputError
from claimcheck.service.auditing import audit_transcript, load_run_sheet, load_transcript

SUFFIXES = {".srt", ".vtt", ".json", ".txt", ".md"}


def _files(transcript: Path) -> list[Path]:
    if transcript.is_dir():
        files = sorted(p for p in transcript.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        if not files:
            raise InputError(f"{transcript}: no transcripts (.srt, .vtt, .json, .txt) in the folder")
        return files
    if transcript.exists():
        return [transcript]
    raise InputError(f"{transcript}: file not found")


def audit(
    transcript: Annotated[Path, typer.Argument(help="SRT, WebVTT, ASR JSON or [hh:mm:ss] text; or a folder of them.")],
    schedule: Annotated[
        Path | None,
        typer.Option("--schedule", "-s", help="Run sheet CSV start,end,sku: which product was on sale when."),
    ] = None,
    broadcast_id: Annotated[str | None, typer.Option("--broadcast-id", help="Broadcast id for the record.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Broadcast date YYYY-MM-DD (default today).")] = None,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Product category id or name.")] = None,
    database_url: DbOption = None,
    report_dir: Annotated[Path | None, typer.Option("--report-dir", help="Report folder (default: ./reports).")] = None,
    output_format: FormatOption = OutputFormat.table,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not write to the review record.")] = False,
    encoding: EncodingOption = None,
    limit: LimitOption = TABLE_LIMIT,
    show_all: AllOption = False,
    quiet: QuietOption = False,
) -> None:
    """Audit a broadcast transcript against the run sheet (findings with times and SKUs)."""
    svc = services(database_url=database_url)
    context = DocContext(product_category=category, broadcast_date=parse_date(on))
    files = _files(transcript)
    # read everything first: nothing half-read is audited
    run_sheet = load_run_sheet(svc, schedule, encoding) if schedule else None
    parsed = [load_transcript(svc, f, encoding) for f in files]
    worst = "pass"
    with Progress(transient=True, disable=len(files) == 1 or quiet or output_format is OutputFormat.json) as progress:
        task = progress.add_task("审核中", total=len(files))
        for path, t in zip(files, parsed, strict=True):
            subject = broadcast_id if broadcast_id and len(files) == 1 else (broadcast_id or "") + path.stem
            outcome = audit_transcript(
                svc,
                t,
                run_sheet,
                raw=path.read_bytes(),
                subject=subject,
                context=context,
                record=not no_record,
                report_dir=report_dir or svc.settings.report_dir,
                meta={"source": "cli"},
            )
            verdict = outcome.result.verdict
            if verdict == "block" or (verdict == "review" and worst == "pass"):
                worst = verdict
            if outcome.result.notice:  # findings capped (max_findings): one line on stderr
                print_note(f"{path.name}: {outcome.result.notice}")
            if quiet:
                pass  # no table, no JSON: the exit code says it all
            elif output_format is OutputFormat.json:
                emit_json(outcome.result.to_json_dict(), indent=None)
            else:
                print_table(
                    outcome.result,
                    outcome.text,
                    source=path.name,
                    labels=svc.engine.lexicon.labels,
                    limit=0 if show_all else limit,
                    reports=outcome.reports,
                    record_seq=outcome.record_seq,
                )
            progress.advance(task)
    raise typer.Exit(EXIT_BLOCK if worst == "block" else EXIT_OK)

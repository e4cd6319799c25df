"""``claimcheck screen`` and ``claimcheck units``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from claimcheck.cli.common import (
    TABLE_LIMIT,
    AllOption,
    EncodingOption,
    FormatOption,
    LexiconOption,
    LimitOption,
    OutputFormat,
    QuietOption,
    parse_date,
    print_note,
    print_table,
    services,
)
from claimcheck.context import DocContext
from claimcheck.errors import EXIT_BLOCK, EXIT_OK
from claimcheck.service.reports import report_json
from claimcheck.service.screening import load_script, screen_script


def screen(
    file: Annotated[str, typer.Argument(help="Script file to screen (txt, md or docx); '-' reads standard input.")],
    category: Annotated[
        str | None,
        typer.Option("--category", "-c", help="Product category id or Chinese name (e.g. food, 化妆品, 特殊化妆品)."),
    ] = None,
    output_format: FormatOption = OutputFormat.table,
    lexicon_dir: LexiconOption = None,
    transformer: Annotated[
        Path | None,
        typer.Option("--transformer", help="Transformers model folder for the uncertain band (needs the extra)."),
    ] = None,
    no_classifier: Annotated[bool, typer.Option("--no-classifier", help="Lexicon only.")] = False,
    sku: Annotated[
        str | None, typer.Option("--sku", help="Cross-check claims against this product's record in the store.")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="Broadcast date YYYY-MM-DD: evidence must be valid then (default today)."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--db", help="Product store URL (default: CLAIMCHECK_DATABASE_URL or ./claimcheck.db)."),
    ] = None,
    report_dir: Annotated[
        Path | None, typer.Option("--report-dir", help="Where the HTML and JSON reports go (default: ./reports).")
    ] = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not write the screening to the review record (dry run).")
    ] = False,
    encoding: EncodingOption = None,
    limit: LimitOption = TABLE_LIMIT,
    show_all: AllOption = False,
    quiet: QuietOption = False,
) -> None:
    """Screen a pre-broadcast script: print findings, write HTML/JSON reports, record it.

    Exit code 0 when nothing blocks, 1 when a blocking finding exists, 2 for
    usage or input errors.
    """
    svc = services(
        lexicon_dir=lexicon_dir, transformer=transformer, no_classifier=no_classifier, database_url=database_url
    )
    context = DocContext(product_category=category, sku=sku, broadcast_date=parse_date(on))
    script = load_script(svc, file, encoding)
    outcome = screen_script(
        svc,
        script.text,
        source=script.source,
        context=context,
        record=not no_record,
        report_dir=report_dir or svc.settings.report_dir,
        meta={"source": "cli"},
    )
    if script.note:
        print_note(script.note)
    if outcome.result.notice:  # findings capped (max_findings): one line on stderr, JSON stays clean
        print_note(f"{script.source}: {outcome.result.notice}")
    if quiet:
        pass  # no table, no JSON: the exit code says it all
    elif output_format is OutputFormat.json:
        sys.stdout.write(report_json(outcome.result) + "\n")  # to_json_dict(), indented: the JSON report's text
    else:
        print_table(
            outcome.result,
            script.text,
            source=script.source,
            labels=svc.engine.lexicon.labels,
            limit=0 if show_all else limit,
            reports=outcome.reports,
            record_seq=outcome.record_seq,
        )
    raise typer.Exit(EXIT_BLOCK if outcome.result.verdict == "block" else EXIT_OK)


def units(
    file: Annotated[str, typer.Argument(help="Text file; '-' reads standard input.")],
    lexicon_dir: LexiconOption = None,
    encoding: EncodingOption = None,
) -> None:
    """Print the claim units (sentences and clauses) a text is split into, one per line."""
    svc = services(lexicon_dir=lexicon_dir, no_classifier=True)
    script = load_script(svc, file, encoding)
    for u in svc.engine.make_doc(script.text).units:
        typer.echo(f"{u.start}\t{u.end}\t{script.text[u.start : u.end]}")

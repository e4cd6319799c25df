"""The ``claimcheck`` command (typer).

Exit codes: 0 nothing blocks, 1 a blocking finding exists, 2 usage or input error.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from claimcheck import __version__

app = typer.Typer(
    name="claimcheck",
    help="Screen live-commerce selling points for prohibited and unsupported claims.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
lexicon_app = typer.Typer(help="Inspect and validate lexicon files.", no_args_is_help=True)
app.add_typer(lexicon_app, name="lexicon")

EXIT_OK, EXIT_BLOCK, EXIT_USAGE = 0, 1, 2


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]错误[/]：{message}", markup=True)
    return typer.Exit(code)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"claimcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """claimcheck: compliance screening for live-commerce scripts and transcripts."""


@app.command()
def screen(
    file: Annotated[str, typer.Argument(help="Script file to screen (txt/md); '-' reads standard input.")],
    category: Annotated[
        str | None,
        typer.Option("--category", "-c", help="Product category id or Chinese name (e.g. food, 化妆品, 特殊化妆品)."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (readable) or json (the finding contract).")
    ] = OutputFormat.table,
    lexicon_dir: Annotated[
        Path | None, typer.Option("--lexicon", help="Lexicon directory (default: the bundled lexicon).")
    ] = None,
) -> None:
    """Screen a pre-broadcast script and print its findings.

    Exit code 0 when nothing blocks, 1 when a blocking finding exists, 2 for
    usage or input errors.
    """
    from claimcheck.config import Settings
    from claimcheck.engine import Engine
    from claimcheck.io.text import InputError, read_text
    from claimcheck.lexicons import LexiconError

    settings = Settings() if lexicon_dir is None else Settings(lexicon_dir=lexicon_dir)
    try:
        doc = read_text(file, settings.max_input_bytes)
    except InputError as exc:
        raise _fail(str(exc)) from None
    try:
        engine = Engine.from_settings(settings)
        result = engine.screen(doc.text, product_category=category)
    except LexiconError as exc:
        raise _fail(str(exc)) from None
    if doc.note:
        Console(stderr=True, highlight=False).print(doc.note)
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        from claimcheck.report.terminal import render

        render(result, doc.text, Console(highlight=False), source=doc.source)
    raise typer.Exit(EXIT_BLOCK if result.verdict == "block" else EXIT_OK)


@app.command()
def units(
    file: Annotated[str, typer.Argument(help="Text file; '-' reads standard input.")],
    lexicon_dir: Annotated[
        Path | None, typer.Option("--lexicon", help="Lexicon directory (default: the bundled lexicon).")
    ] = None,
) -> None:
    """Print the claim units (sentences and clauses) a text is split into, one per line."""
    from claimcheck.config import Settings
    from claimcheck.engine import Engine
    from claimcheck.io.text import InputError, read_text
    from claimcheck.lexicons import LexiconError

    settings = Settings() if lexicon_dir is None else Settings(lexicon_dir=lexicon_dir)
    try:
        doc = read_text(file, settings.max_input_bytes)
        claim_doc = Engine.from_settings(settings).make_doc(doc.text)
    except (InputError, LexiconError) as exc:
        raise _fail(str(exc)) from None
    for u in claim_doc.units:
        typer.echo(f"{u.start}\t{u.end}\t{doc.text[u.start : u.end]}")


@lexicon_app.command("validate")
def lexicon_validate(
    directory: Annotated[Path | None, typer.Argument(help="Lexicon directory (default: the bundled lexicon).")] = None,
) -> None:
    """Validate a lexicon directory and print its version and size."""
    from claimcheck.detectors.lexicon import LexiconMatcher
    from claimcheck.lexicons import LexiconError, load_lexicon

    try:
        lex = load_lexicon(directory)
        matcher = LexiconMatcher(lex)
    except LexiconError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{lex.version_tag}: {len(lex.entries)} entries, {matcher.pattern_count} automaton keys")


@lexicon_app.command("stats")
def lexicon_stats(
    directory: Annotated[Path | None, typer.Argument(help="Lexicon directory (default: the bundled lexicon).")] = None,
) -> None:
    """Entries per category and severity."""
    from collections import Counter

    from claimcheck.lexicons import LexiconError, load_lexicon

    try:
        lex = load_lexicon(directory)
    except LexiconError as exc:
        raise _fail(str(exc)) from None
    counts = Counter((e.category.value, e.severity.value) for e in lex.entries)
    for cat in sorted({c for c, _ in counts}):
        per = ", ".join(f"{sev} {counts[(cat, sev)]}" for sev in ("block", "review", "info") if counts[(cat, sev)])
        typer.echo(f"{cat:24} {sum(n for (c, _), n in counts.items() if c == cat):4}  ({per})")
    typer.echo(f"{'total':24} {len(lex.entries):4}")


if __name__ == "__main__":  # pragma: no cover
    app()

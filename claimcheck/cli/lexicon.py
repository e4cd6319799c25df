"""``claimcheck lexicon``: inspect and validate lexicon files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from claimcheck.cli.common import make_app
from claimcheck.lexicons import load_lexicon

app = make_app("Inspect and validate lexicon files.")
DirArgument = Annotated[Path | None, typer.Argument(help="Lexicon directory (default: the bundled lexicon).")]


@app.command("validate")
def lexicon_validate(directory: DirArgument = None) -> None:
    """Validate a lexicon directory and print its version and size."""
    from claimcheck.detectors.lexicon import LexiconMatcher

    lex = load_lexicon(directory)
    matcher = LexiconMatcher(lex)
    typer.echo(f"{lex.version_tag}: {len(lex.entries)} entries, {matcher.pattern_count} automaton keys")


@app.command("stats")
def lexicon_stats(directory: DirArgument = None) -> None:
    """Entries per category and severity."""
    lex = load_lexicon(directory)
    counts = Counter((e.category.value, e.severity.value) for e in lex.entries)
    for cat in sorted({c for c, _ in counts}):
        per = ", ".join(f"{sev} {counts[(cat, sev)]}" for sev in ("block", "review", "info") if counts[(cat, sev)])
        typer.echo(f"{cat:24} {sum(n for (c, _), n in counts.items() if c == cat):4}  ({per})")
    typer.echo(f"{'total':24} {len(lex.entries):4}")

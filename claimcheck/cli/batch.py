"""``claimcheck batch``: screen a table's text column (Parquet, CSV or JSON lines) into a findings table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from claimcheck.batch import BatchRun
from claimcheck.cli.common import DbOption, emit_json, services
from claimcheck.errors import InputError


def batch(
    input: Annotated[Path, typer.Argument(help="Table to screen: .parquet, .csv or .jsonl (JSON lines).")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Findings table (.parquet, .csv or .jsonl), one row per finding; appended to."
        ),
    ],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the text to screen.")] = "text",
    category_col: Annotated[
        str | None, typer.Option("--category-col", help="Column with each row's product category (id or name).")
    ] = None,
    sku_col: Annotated[
        str | None, typer.Option("--sku-col", help="Column with each row's SKU (cross-checked with the store).")
    ] = None,
    id_col: Annotated[
        str | None,
        typer.Option("--id-col", help="Column of unique row ids (default: the row number); resuming skips done ids."),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Write one review-record entry for the whole batch (a summary).")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes screening in parallel.")] = 1,
    database_url: DbOption = None,
) -> None:
    """Screen every row of a table; findings go to OUT, a summary to standard output and OUT.summary.json.

    A second run with the same OUT skips the rows already screened (by --id-col, else the row number)
    and appends the rest, so an interrupted batch resumes. Rows with no text are counted as errors
    (OUT.rows.jsonl holds each row's verdict, finding count and error). Exit 0, or 2 for bad input."""
    run = BatchRun(
        input, out, text_col=text_col, category_col=category_col, sku_col=sku_col, id_col=id_col,
        chunk_rows=500 * jobs,
    )  # fmt: skip
    todo, summary = run.load()  # bad input fails here, before the engine is built
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such folder for --out")
    svc = services(database_url=database_url)
    engine = svc.engine
    console = Console(stderr=True)
    columns = (TextColumn("筛查中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=not len(todo)) as progress:
        task = progress.add_task("batch", total=len(todo))
        summary = run.run(engine, n_jobs=jobs, todo=todo, summary=summary, progress=lambda n: progress.advance(task, n))
    if record:
        summary.record_seq = run.record(svc, summary)
        run.summary_file.write_text(_summary_json(summary.to_dict()), encoding="utf-8")
    emit_json(summary.to_dict())


def _summary_json(data: dict[str, object]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

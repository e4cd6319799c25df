"""``claimcheck batch``: screen a table's text column (Parquet, CSV or JSON lines) into a findings table."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from claimcheck.batch import BatchRun, Screener
from claimcheck.cli.common import DbOption, emit_json, services
from claimcheck.errors import InputError


class BatchEngine(StrEnum):
    local = "local"
    spark = "spark"


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
    engine_kind: Annotated[
        BatchEngine,
        typer.Option(
            "--engine", help="local: this process (and --jobs processes); spark: Spark local mode on --jobs cores."
        ),
    ] = BatchEngine.local,
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
    spark: Any = None
    screen: Screener | None = None
    if engine_kind is BatchEngine.spark and len(todo):
        spark, screen = _spark(svc.settings, jobs)
    console = Console(stderr=True)
    columns = (TextColumn("筛查中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=True, disable=not len(todo)) as progress:
            task = progress.add_task("batch", total=len(todo))
            summary = run.run(
                None if screen is not None else svc.engine,
                n_jobs=jobs, todo=todo, summary=summary, progress=lambda n: progress.advance(task, n), screen=screen,
            )  # fmt: skip
    finally:
        if spark is not None:
            spark.stop()
    if record:
        summary.record_seq = run.record(svc, summary)
        run.summary_file.write_text(_summary_json(summary.to_dict()), encoding="utf-8")
    emit_json(summary.to_dict())


def _spark(settings: Any, cores: int) -> tuple[Any, Screener]:
    """A Spark local-mode session to stop when done (None: one already running, left running) and
    ``screen_many`` through it (claimcheck.spark), or exit 2 without pyspark."""
    import warnings

    from claimcheck.spark import local_session, screen_many_spark

    # pyspark warns on every conversion that its pandas 3 support is new; the command's output is checked
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
    try:
        from pyspark.sql import SparkSession

        running = SparkSession.getActiveSession()  # a session of the calling process (a test's) is reused
        spark = running or local_session(cores)
    except ImportError as exc:
        raise InputError(f"--engine spark needs pyspark (pip install 'claimcheck[spark]'): {exc}") from None

    def screen(texts: list[Any], categories: list[Any] | None, skus: list[Any] | None) -> list[Any]:
        return screen_many_spark(spark, texts, categories, skus, settings=settings)

    return (None if running is not None else spark), screen


def _summary_json(data: dict[str, object]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

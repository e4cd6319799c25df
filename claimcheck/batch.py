"""Batch screening of tables: pandas frames in memory, Parquet / CSV / JSON-lines files on disk.

:func:`screen_frame` screens a text column of a DataFrame with one engine (``n_jobs`` processes
for more) and gives two frames: one row per finding, and one verdict per input row.
:class:`BatchRun` is what ``claimcheck batch`` drives: it reads a table, skips rows an earlier run
of the same output already screened, and appends the findings of each chunk to the output as it
goes, so an interrupted run resumes where it stopped. pandas (and pyarrow, for Parquet) are imported
only here, when a batch is run.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimcheck.engine import Engine, RowResult
from claimcheck.errors import InputError
from claimcheck.service.app import Services
from claimcheck.service.screening import input_hash
from claimcheck.types import FINDING_FIELDS, ScreenResult, Verdict

if TYPE_CHECKING:
    import pandas as pd

#: the per-row columns of a verdicts frame (and of ``OUT.rows.jsonl``)
VERDICT_COLUMNS = ("verdict", "n_findings", "error")
#: finding fields that hold lists or dicts: JSON text in CSV and Parquet outputs
NESTED_FIELDS = ("evidence", "merged_rule_ids", "sources", "category_hints")
#: screens a chunk's texts, categories and SKUs like :meth:`Engine.screen_many` (another back end: Spark)
Screener = Callable[[list[Any], list[Any] | None, list[Any] | None], list[RowResult]]
TABLE_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _require(df: pd.DataFrame, *columns: str | None) -> None:
    for column in columns:
        if column is not None and column not in df.columns:
            known = ", ".join(map(str, df.columns)) or "none"
            raise InputError(f"no column {column!r} in the table (columns: {known})")


def _finding_records(index: list[Any], results: list[RowResult], row_name: str) -> list[dict[str, Any]]:
    return [{row_name: idx, **f.to_dict()} for idx, r in zip(index, results, strict=True) for f in r.findings]


def _frames(index: list[Any], results: list[RowResult], row_name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    records = _finding_records(index, results, row_name)
    findings = pd.DataFrame.from_records(records, columns=[row_name, *FINDING_FIELDS])
    verdicts = pd.DataFrame(
        {
            "verdict": [None if r.verdict is None else str(r.verdict) for r in results],
            "n_findings": [len(r.findings) for r in results],
            "error": [r.error for r in results],
        },
        index=pd.Index(index),
    )
    return findings, verdicts


def screen_frame(
    df: pd.DataFrame,
    text: str = "text",
    category: str | None = None,
    sku: str | None = None,
    n_jobs: int = 1,
    *,
    engine: Engine | None = None,
    executor: Executor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Screen ``df[text]`` (with each row's product category / SKU from those columns, when named).

    Returns ``(findings, verdicts)``: ``findings`` has one row per finding, its input row's index label
    in the column ``row`` and the finding's fields (:class:`~claimcheck.types.Finding`, plain values) as
    columns; ``verdicts`` has the input's index and ``verdict`` (None for a row that could not be
    screened), ``n_findings`` and ``error`` (why a row with no text, NaN or a non-string was not screened).
    ``engine`` defaults to the shared default engine (``claimcheck.default_engine()``)."""
    _require(df, text, category, sku)
    if engine is None:
        from claimcheck.public import default_engine

        engine = default_engine()
    results = engine.screen_many(
        df[text].tolist(),
        df[category].tolist() if category else None,
        df[sku].tolist() if sku else None,
        n_jobs=n_jobs,
        executor=executor,
    )
    return _frames(list(df.index), results, "row")


# --- tables on disk ---------------------------------------------------------------------------


def table_format(path: Path) -> str:
    fmt = TABLE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown table format {path.suffix or '(none)'!r}; use .parquet, .csv or .jsonl")
    return fmt


def read_table(path: Path) -> pd.DataFrame:
    """A Parquet, CSV or JSON-lines table; CSV cells are read as text (ids like ``007`` keep their zeros)."""
    import pandas as pd

    fmt = table_format(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        if fmt == "csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        return pd.read_json(path, lines=True, dtype=False)
    except ImportError as exc:
        raise InputError(f"{path}: reading Parquet needs pyarrow (pip install 'claimcheck[batch]'): {exc}") from None
    except Exception as exc:  # every reader's own error for a damaged or mistyped file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise InputError(f"{path}: cannot read it as {fmt}: {first}") from None


def _cell(value: Any) -> Any:
    """A finding field for a CSV or Parquet cell: lists and dicts as JSON text."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def append_findings(path: Path, records: list[dict[str, Any]], row_name: str) -> None:
    """Append findings (``row_name`` and the finding fields) to ``path`` (created with its header when absent).
    Parquet cannot be appended to, so a Parquet output is read and written again whole."""
    import pandas as pd

    fmt = table_format(path)
    if fmt == "jsonl":
        with path.open("a", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    nested = [{**r, **{name: _cell(r[name]) for name in NESTED_FIELDS}} for r in records]
    flat = pd.DataFrame.from_records(nested, columns=[row_name, *FINDING_FIELDS])
    if fmt == "csv":
        flat.to_csv(path, mode="a", header=not path.exists() or path.stat().st_size == 0, index=False)
        return
    if path.exists():
        flat = pd.concat([pd.read_parquet(path), flat], ignore_index=True)
    flat = flat.astype({name: object for name in flat.columns if flat[name].isna().all()})
    flat.to_parquet(path, index=False)


def _done_ids(out: Path, rows_file: Path, id_name: str) -> set[str]:
    """Ids an earlier run of this output screened: in its per-row file, or with findings in the output."""
    done: set[str] = set()
    if rows_file.exists():
        for line in rows_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    done.add(str(json.loads(line)["id"]))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by an interrupted run: that row is screened again
    if out.exists() and out.stat().st_size > 0:
        previous = read_table(out)
        if id_name in previous.columns:
            done.update(previous[id_name].astype(str))
    return done


@dataclass
class BatchSummary:
    input: str
    output: str
    rows: int = 0  # rows of the input
    screened: int = 0  # screened by this run
    skipped: int = 0  # already in the output: screened by an earlier run
    errors: int = 0  # rows (of every run) that could not be screened
    findings: int = 0  # findings written by this run
    verdicts: dict[str, int] = field(default_factory=dict)  # per-row verdicts of every run
    record_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None or k != "record_seq"}


@dataclass
class BatchRun:
    """One ``claimcheck batch``: INPUT's rows screened into OUT (with ``OUT.rows.jsonl`` beside it: each
    screened row's id, verdict, finding count and error, which is what a resumed run skips by)."""

    input: Path
    out: Path
    text_col: str = "text"
    category_col: str | None = None
    sku_col: str | None = None
    id_col: str | None = None
    chunk_rows: int = 500

    @property
    def rows_file(self) -> Path:
        return self.out.with_name(self.out.name + ".rows.jsonl")

    @property
    def summary_file(self) -> Path:
        return self.out.with_name(self.out.name + ".summary.json")

    @property
    def id_name(self) -> str:
        return self.id_col or "row"

    def load(self) -> tuple[pd.DataFrame, BatchSummary]:
        """The input's rows still to screen (indexed by their id as text), and a summary counting the rest."""
        table_format(self.out)  # an unknown output format fails before any work
        df = read_table(self.input)
        _require(df, self.text_col, self.category_col, self.sku_col, self.id_col)
        ids = df[self.id_col].astype(str) if self.id_col else df.index.to_series().astype(str)
        if ids.duplicated().any():
            dup = ids[ids.duplicated()].iloc[0]
            raise InputError(f"{self.input}: id {dup!r} appears more than once in column {self.id_name!r}")
        df = df.set_axis(ids.tolist(), axis=0)
        done = _done_ids(self.out, self.rows_file, self.id_name)
        todo = df[~df.index.isin(list(done))]
        summary = BatchSummary(str(self.input), str(self.out), rows=len(df), skipped=len(df) - len(todo))
        return todo, summary

    def chunks(self, todo: pd.DataFrame) -> Iterator[pd.DataFrame]:
        for start in range(0, len(todo), self.chunk_rows):
            yield todo.iloc[start : start + self.chunk_rows]

    def run_chunk(
        self, engine: Engine | None, chunk: pd.DataFrame, executor: Executor | None, screen: Screener | None = None
    ) -> tuple[int, int]:
        """Screen one chunk, append its findings to OUT and its rows to the per-row file; (rows, findings)."""
        texts = chunk[self.text_col].tolist()
        categories = chunk[self.category_col].tolist() if self.category_col else None
        skus = chunk[self.sku_col].tolist() if self.sku_col else None
        if screen is not None:
            results = screen(texts, categories, skus)
        elif engine is not None:
            results = engine.screen_many(texts, categories, skus, executor=executor)
        else:
            raise ValueError("BatchRun needs an engine or a screen function")
        records = _finding_records(list(chunk.index), results, self.id_name)
        append_findings(self.out, records, self.id_name)
        with self.rows_file.open("a", encoding="utf-8") as fh:
            for idx, r in zip(chunk.index, results, strict=True):
                verdict = None if r.verdict is None else str(r.verdict)
                record = {"id": idx, "verdict": verdict, "n_findings": len(r.findings), "error": r.error}
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(chunk), len(records)

    def run(
        self,
        engine: Engine | None,
        *,
        n_jobs: int = 1,
        progress: Callable[[int], None] | None = None,
        todo: pd.DataFrame | None = None,
        summary: BatchSummary | None = None,
        screen: Screener | None = None,
    ) -> BatchSummary:
        """Screen the rows still to do into OUT, chunk by chunk, with ``engine`` (in ``n_jobs`` processes),
        or with ``screen`` when given (``claimcheck batch --engine spark``: ``screen_many`` through Spark)."""
        if todo is None or summary is None:
            todo, summary = self.load()
        executor = (
            engine.process_pool(n_jobs) if screen is None and engine is not None and n_jobs > 1 and len(todo) else None
        )
        try:
            for chunk in self.chunks(todo):
                rows, found = self.run_chunk(engine, chunk, executor, screen)
                summary.screened += rows
                summary.findings += found
                if progress is not None:
                    progress(rows)
        finally:
            if executor is not None:
                executor.shutdown(cancel_futures=True)
        self._count(summary)
        self.summary_file.write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        return summary

    def _count(self, summary: BatchSummary) -> None:
        verdicts: Counter[str] = Counter()
        errors = 0
        if self.rows_file.exists():
            for line in self.rows_file.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if row.get("error"):
                    errors += 1
                else:
                    verdicts[str(row.get("verdict"))] += 1
        summary.errors = errors
        summary.verdicts = {v.value: verdicts.get(v.value, 0) for v in Verdict}

    def record(self, services: Services, summary: BatchSummary) -> int:
        """One review-record entry for the whole batch: a summary, not every finding.

        Its verdict is the worst row verdict; ``meta.batch`` holds the summary (rows, errors, verdict
        counts) and the sha256 of the findings file, which pins the findings the entry stands for;
        the entry's own findings list is empty. The input hash is the input file's sha256."""
        worst = next((v for v in (Verdict.BLOCK, Verdict.REVIEW) if summary.verdicts.get(v.value)), Verdict.PASS)
        result = ScreenResult.model_construct(verdict=worst, findings=[], versions=services.engine.versions)
        out_hash = hashlib.sha256(self.out.read_bytes()).hexdigest() if self.out.exists() else None
        return services.ledger.append_result(
            "screening",
            result,
            subject=f"batch:{self.input.name}",
            sku=None,
            input_hash=input_hash(self.input.read_bytes()),
            meta={"batch": {**summary.to_dict(), "findings_file": self.out.name, "findings_sha256": out_hash}},
        )

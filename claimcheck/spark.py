"""Screening Spark DataFrames (the ``[spark]`` extra: pyspark), and ``claimcheck batch --engine spark``.

:func:`screen_dataframe` gives one row per finding, :func:`screen_rows` one row per input row (verdict,
finding count, error, and the findings as JSON text). Both screen with ``DataFrame.mapInPandas``: each
Python worker process builds its engine once, on its first batch, and keeps it in a module-level cache
(Spark reuses Python workers across tasks by default), so a cluster pays the engine's few seconds once
per worker, not per task or per row. The engine is built from ``settings`` when given (sent to the
executors with the job: its paths must exist there), else from the executor's own ``CLAIMCHECK_*``
environment, i.e. the lexicon and models of the claimcheck installed on the executor (the product store,
read only for rows with a SKU, is ``CLAIMCHECK_DATABASE_URL`` there: set it for a SKU column). Each row is screened by
:meth:`claimcheck.engine.Engine.screen_row`, as :meth:`~claimcheck.engine.Engine.screen_many` and
:func:`claimcheck.batch.screen_frame` screen it, so the findings are the same. pyspark is imported only
when these functions are called. docs/SPARK.md shows a cluster run.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from claimcheck.config import Settings
from claimcheck.engine import Engine, RowResult, row_problem
from claimcheck.taxonomy import Category
from claimcheck.types import FINDING_FIELDS, Finding, RowError, ScreenResult, Severity, Verdict

if TYPE_CHECKING:
    import pandas as pd

#: finding fields that hold lists or dicts: JSON text in Spark's findings (as in CSV and Parquet outputs)
NESTED_FIELDS = ("evidence", "merged_rule_ids", "sources", "category_hints")
_INT_FIELDS = ("start", "end", "start_ms", "end_ms")
_FLOAT_FIELDS = ("score",)
#: the per-row columns of :func:`screen_rows`, after the row's key
ROW_COLUMNS = ("verdict", "n_findings", "error", "findings")

_lock = threading.Lock()
_ENGINES: dict[str, Engine] = {}


def executor_engine(settings: Settings | None = None) -> Engine:
    """This process's engine for ``settings`` (None: from this process's environment), built once and kept."""
    key = "" if settings is None else settings.model_dump_json()
    engine = _ENGINES.get(key)
    if engine is None:
        with _lock:
            engine = _ENGINES.get(key)
            if engine is None:
                # None: the installed package's lexicon and models, as claimcheck.default_engine() builds it
                engine = _ENGINES[key] = Engine.from_settings(settings or Settings())
    return engine


def finding_schema() -> Any:
    """The Spark schema of a finding's fields (nested fields as JSON text)."""
    from pyspark.sql import types as T

    def kind(name: str) -> Any:
        if name in _INT_FIELDS:
            return T.LongType()
        if name in _FLOAT_FIELDS:
            return T.DoubleType()
        return T.StringType()

    return T.StructType([T.StructField(name, kind(name), nullable=True) for name in FINDING_FIELDS])


def _flat(finding: Finding) -> dict[str, Any]:
    record = finding.to_dict()
    for name in NESTED_FIELDS:
        if record[name] is not None:
            record[name] = json.dumps(record[name], ensure_ascii=False)
    return record


@dataclass(frozen=True)
class _Spec:
    """What a Python worker needs to screen its batches (pickled with the job)."""

    text_col: str
    category_col: str | None
    sku_col: str | None
    key_col: str
    settings: Settings | None
    per_row: bool  # True: one row per input row (screen_rows); False: one per finding


def _screen_batches(spec: _Spec, batches: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """mapInPandas's function (module-level, so the engine cache above is the worker's own module's)."""
    import pandas as pd

    engine = executor_engine(spec.settings)
    finding_columns = [spec.key_col, *FINDING_FIELDS]
    for pdf in batches:
        n = len(pdf)
        texts = pdf[spec.text_col].tolist()
        categories = pdf[spec.category_col].tolist() if spec.category_col else [None] * n
        skus = pdf[spec.sku_col].tolist() if spec.sku_col else [None] * n
        keys = pdf[spec.key_col].tolist()
        results = [engine.screen_row(i, *row) for i, row in enumerate(zip(texts, categories, skus, strict=True))]
        if spec.per_row:
            yield pd.DataFrame(
                {
                    spec.key_col: keys,
                    "verdict": [None if r.verdict is None else str(r.verdict) for r in results],
                    "n_findings": [len(r.findings) for r in results],
                    "error": [r.error for r in results],
                    "findings": [json.dumps([f.to_dict() for f in r.findings], ensure_ascii=False) for r in results],
                }
            )
        else:
            records = [{spec.key_col: k, **_flat(f)} for k, r in zip(keys, results, strict=True) for f in r.findings]
            if records:
                yield pd.DataFrame.from_records(records, columns=finding_columns)


def _prepare(
    sdf: Any, text_col: str, category_col: str | None, sku_col: str | None, id_col: str | None
) -> tuple[Any, str]:
    for column in (text_col, category_col, sku_col, id_col):
        if column is not None and column not in sdf.columns:
            known = ", ".join(sdf.columns) or "none"
            raise ValueError(f"no column {column!r} in the DataFrame (columns: {known})")
    if id_col is not None:
        return sdf, id_col
    from pyspark.sql import functions as F

    return sdf.withColumn("row", F.monotonically_increasing_id()), "row"


def _screen(
    sdf: Any,
    text_col: str,
    category_col: str | None,
    sku_col: str | None,
    id_col: str | None,
    settings: Settings | None,
    per_row: bool,
) -> Any:
    from pyspark.sql import types as T

    sdf, key = _prepare(sdf, text_col, category_col, sku_col, id_col)
    columns = [c for c in dict.fromkeys([key, text_col, category_col, sku_col]) if c is not None]
    key_field = T.StructField(key, sdf.schema[key].dataType, nullable=True)
    if per_row:
        schema = T.StructType(
            [
                key_field,
                T.StructField("verdict", T.StringType()),
                T.StructField("n_findings", T.LongType()),
                T.StructField("error", T.StringType()),
                T.StructField("findings", T.StringType()),
            ]
        )
    else:
        schema = T.StructType([key_field, *finding_schema().fields])
    spec = _Spec(text_col, category_col, sku_col, key, settings, per_row)
    return sdf.select(*columns).mapInPandas(functools.partial(_screen_batches, spec), schema)


def screen_dataframe(
    sdf: Any,
    text_col: str = "text",
    category_col: str | None = None,
    sku_col: str | None = None,
    id_col: str | None = None,
    *,
    settings: Settings | None = None,
) -> Any:
    """One row per finding of ``sdf[text_col]``: the row's key, then the finding's fields as columns.

    The key is ``id_col`` (its own type), else a column ``row`` from ``monotonically_increasing_id()``
    (unique, not consecutive: name an id column to join findings back). ``evidence``, ``merged_rule_ids``,
    ``sources`` and ``category_hints`` are JSON text. A row that cannot be screened (no text, an unknown
    category or SKU) has no findings here; :func:`screen_rows` gives its error. Lazy, like any Spark
    transformation: nothing is screened until an action (write, count, collect)."""
    return _screen(sdf, text_col, category_col, sku_col, id_col, settings, per_row=False)


def screen_rows(
    sdf: Any,
    text_col: str = "text",
    category_col: str | None = None,
    sku_col: str | None = None,
    id_col: str | None = None,
    *,
    settings: Settings | None = None,
) -> Any:
    """One row per input row: its key, ``verdict`` (None for an error row), ``n_findings``, ``error`` (why
    the row was not screened, as in :func:`claimcheck.batch.screen_frame`'s verdicts) and ``findings`` (a
    JSON list of the findings' fields; ``F.from_json`` reads it). See :func:`screen_dataframe`."""
    return _screen(sdf, text_col, category_col, sku_col, id_col, settings, per_row=True)


# --- Spark local mode: `claimcheck batch --engine spark` ---------------------------------------


def local_session(cores: int = 1, *, app_name: str = "claimcheck", driver_memory: str = "1g") -> Any:
    """A Spark session in local mode on ``cores`` cores: no web UI, Arrow transfers, quiet logging."""
    os.environ.setdefault("PYSPARK_PYTHON", _python())
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", str(max(1, cores)))
        .config("spark.python.worker.reuse", "true")  # the default; the engine cache depends on it
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _python() -> str:
    import sys

    return sys.executable


def _result(index: int, row: Any) -> RowResult:
    if row["error"] is not None or row["verdict"] is None:
        return RowError(index, row["error"] or "not screened")
    findings = [
        Finding(**{**f, "category": Category(f["category"]), "severity": Severity(f["severity"])})
        for f in json.loads(row["findings"])
    ]
    return ScreenResult.model_construct(verdict=Verdict(row["verdict"]), findings=findings, versions={})


def screen_many_spark(
    spark: Any,
    texts: Iterable[object],
    categories: Iterable[object] | None = None,
    skus: Iterable[object] | None = None,
    *,
    settings: Settings | None = None,
) -> list[RowResult]:
    """:meth:`Engine.screen_many` through Spark (results collected to the driver: for local mode).

    Rows that are not a non-blank string become a :class:`RowError` here, with the same message as
    ``screen_many`` gives, and never reach Spark; categories and SKUs go as text."""
    import pandas as pd

    from claimcheck.engine import _optional_str, _rows

    rows = _rows(texts, categories, skus)
    results: list[RowResult | None] = [None] * len(rows)
    send: dict[str, list[Any]] = {"i": [], "text": [], "category": [], "sku": []}
    for i, (text, category, sku) in enumerate(rows):
        problem = row_problem(text)
        if problem is not None:
            results[i] = RowError(i, problem)
            continue
        send["i"].append(i)
        send["text"].append(text)
        send["category"].append(_optional_str(category))
        send["sku"].append(_optional_str(sku))
    if send["i"]:
        from pyspark.sql import types as T

        schema = T.StructType(
            [T.StructField("i", T.LongType())]
            + [T.StructField(name, T.StringType()) for name in ("text", "category", "sku")]
        )
        sdf = spark.createDataFrame(pd.DataFrame(send), schema=schema)
        for row in screen_rows(sdf, "text", "category", "sku", "i", settings=settings).collect():
            i = int(row["i"])
            results[i] = _result(i, row)
    return [r if r is not None else RowError(i, "not screened") for i, r in enumerate(results)]

"""Batch throughput: a 20,000-row table screened in one process, then with n_jobs processes.

Rows are the labelled corpus's units (data/corpus/units_*.jsonl), repeated to fill the table, one
text a row, as `claimcheck.batch.screen_frame` screens them with the default engine. The figure is
rows per second in each run and their ratio. Process start-up (each worker builds its engine) is
counted in the parallel run. Target: >= 1.8x for n_jobs=2 on a machine with two idle cores.

With --spark, the same table is screened by claimcheck.spark.screen_dataframe in Spark local mode on
--jobs cores (needs pyspark and java). Spark's start-up (the session) is timed on its own; the run's
time includes each Python worker building its engine, as the parallel run's does.

    python benchmarks/bench_batch.py [--rows 20000] [--jobs 2] [--spark]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from claimcheck.batch import screen_frame  # noqa: E402
from claimcheck.config import Settings  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402


def corpus_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "data" / "corpus").glob("units_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line).get("text")
                if isinstance(text, str) and text.strip():
                    texts.append(text)
    return texts


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the pool's workers, once shut down)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--spark", action="store_true", help="also screen in Spark local mode on --jobs cores")
    args = ap.parse_args()
    texts = corpus_texts()
    df = pd.DataFrame({"text": [texts[i % len(texts)] for i in range(args.rows)]})
    engine = Engine.from_settings(Settings())
    engine.screen(texts[0])  # warm
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())  # other work on the machine lowers the speed-up

    t0, c0 = time.perf_counter(), cpu_seconds()
    one, _ = screen_frame(df, engine=engine)
    single, single_cpu = time.perf_counter() - t0, cpu_seconds() - c0
    t0, c0 = time.perf_counter(), cpu_seconds()
    many, _ = screen_frame(df, engine=engine, n_jobs=args.jobs)
    parallel, parallel_cpu = time.perf_counter() - t0, cpu_seconds() - c0

    assert one.equals(many), "the parallel run found something else"
    rate1, rate_n = args.rows / single, args.rows / parallel
    print(f"rows: {args.rows} ({len(one)} findings), cores: {os.cpu_count()}")
    print(f"load average before: {load}")
    print(f"1 process:    {single:7.1f} s  {rate1:8.0f} rows/s  CPU {single_cpu:6.1f} s")
    print(f"{args.jobs} processes:  {parallel:7.1f} s  {rate_n:8.0f} rows/s  CPU {parallel_cpu:6.1f} s (with start-up)")
    print(f"speed-up:     {rate_n / rate1:.2f}x (target >= 1.8x for 2 processes)")
    if args.spark:
        bench_spark(df, len(one), rate1, args.jobs)
    return 0


def bench_spark(df: pd.DataFrame, n_findings: int, rate1: float, cores: int) -> None:
    from claimcheck.spark import local_session, screen_dataframe

    t0 = time.perf_counter()
    spark = local_session(cores)
    startup = time.perf_counter() - t0
    try:
        sdf = spark.createDataFrame(df.reset_index(names="id")).repartition(cores * 4)
        times = []
        for _ in range(2):  # the first run's workers build their engines; the second reuses them
            t0 = time.perf_counter()
            found = screen_dataframe(sdf, "text", id_col="id").count()
            times.append(time.perf_counter() - t0)
            assert found == n_findings, f"Spark found {found} findings, one process {n_findings}"
    finally:
        spark.stop()
    print(f"Spark start-up:      {startup:7.1f} s (the session; not counted below)")
    for label, elapsed in zip(("first run", "second run"), times, strict=True):
        rate = len(df) / elapsed
        print(f"Spark local[{cores}], {label}: {elapsed:7.1f} s  {rate:8.0f} rows/s  {rate / rate1:.2f}x one process")


if __name__ == "__main__":
    sys.exit(main())

"""What rendering a report costs, next to the screening it reports.

For each input set, in one process, three rounds (the figures are medians, per pass over the
set; a small set is passed over several times a round, so each round screens for ~0.3 s):

(a) the screening itself: ``screen_script``'s engine call with the script's product sections,
    or ``audit`` (transcript + run sheet) for broadcasts; no reports, no review record;
(b) the terminal table the CLI prints (``report.terminal.render`` with the CLI's defaults,
    into a rich Console writing to memory, 160 columns, colour on);
(c) the HTML report (``render_html`` + writing the file);
(d) the JSON report (``service.reports.report_json`` + writing the file).

Each rendering cost is printed as a ratio of (a). Target: <= 0.10 for each. Times are CPU
time of this process (everything measured is single-threaded Python; wall-clock time on a
shared machine is inflated at random by other processes).

Input sets: the bundled script examples; the bundled broadcast (SRT + run sheet); a long
script (the examples repeated, hundreds of findings); ten long transcripts (the broadcast
repeated with shifted times). Products come from ``data/products/sample_store.json``,
imported into a throw-away SQLite store.

``--cli`` also times the ``claimcheck audit`` command itself on the ten transcripts with
``--format table``, ``--format json`` and ``--quiet`` (wall time, one process each).

    python benchmarks/bench_render.py [--rounds 3] [--repeat 12] [--cli]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from claimcheck.config import Settings  # noqa: E402
from claimcheck.context import DocContext  # noqa: E402
from claimcheck.report import html as html_report  # noqa: E402
from claimcheck.report import terminal  # noqa: E402
from claimcheck.report.html import render_html, write_html  # noqa: E402
from claimcheck.report.terminal import render  # noqa: E402
from claimcheck.service import Services  # noqa: E402
from claimcheck.service.auditing import audit, load_run_sheet, load_transcript  # noqa: E402
from claimcheck.service.products import import_file  # noqa: E402

try:
    from claimcheck.service.reports import report_json
except ImportError:  # before report_json: what write_reports did then

    def report_json(result: ScreenResult) -> str:
        return json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2)


from claimcheck.types import ScreenResult  # noqa: E402

EXAMPLES = ROOT / "data" / "examples"
STORE = ROOT / "data" / "products" / "sample_store.json"
TARGET = 0.10


@dataclass
class Job:
    """One document: how to screen it, and what its reports need."""

    source: str
    screen: Callable[[], tuple[ScreenResult, str]]
    html_options: dict[str, Any] = field(default_factory=dict)


def _clock(ms: int) -> str:
    s, ms = divmod(ms, 1000)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d},{ms:03d}"


def _srt_cues(path: Path) -> list[tuple[int, int, str]]:
    cues = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.strip().splitlines()
        start, end = (_ms(t.strip()) for t in lines[1].split("-->"))
        cues.append((start, end, "\n".join(lines[2:])))
    return cues


def _ms(stamp: str) -> int:
    hms, ms = stamp.split(",")
    h, m, s = (int(x) for x in hms.split(":"))
    return ((h * 60 + m) * 60 + s) * 1000 + int(ms)


def long_transcript(folder: Path, name: str, repeat: int) -> tuple[Path, Path]:
    """The bundled broadcast said ``repeat`` times in a row, with a run sheet that repeats too."""
    cues = _srt_cues(EXAMPLES / "broadcast_example.srt")
    period = max(end for _, end, _ in cues)
    blocks, n = [], 0
    for r in range(repeat):
        for start, end, text in cues:
            n += 1
            blocks.append(f"{n}\n{_clock(start + r * period)} --> {_clock(end + r * period)}\n{text}\n")
    srt = folder / f"{name}.srt"
    srt.write_text("\n".join(blocks), encoding="utf-8")
    sheet_rows = (EXAMPLES / "broadcast_runsheet.csv").read_text(encoding="utf-8").strip().splitlines()
    rows = [sheet_rows[0]]
    for r in range(repeat):
        for row in sheet_rows[1:]:
            start, end, sku = row.split(",")
            shift = r * period // 1000
            rows.append(f"{_hms(_secs(start) + shift)},{_hms(_secs(end) + shift)},{sku}")
    csv = folder / f"{name}.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return srt, csv


def _secs(hms: str) -> int:
    h, m, s = (int(x) for x in hms.split(":"))
    return (h * 60 + m) * 60 + s


def _hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def script_job(svc: Services, text: str, source: str) -> Job:
    def screen() -> tuple[ScreenResult, str]:  # as screen_script does, without reports or the record
        engine = svc.engine
        context = DocContext().with_(sections=tuple(engine.sections(text)))
        return engine.screen(text, context), text

    return Job(source, screen)


def audit_job(svc: Services, srt: Path, csv: Path, broadcast_id: str) -> Job:
    transcript = load_transcript(svc, srt)
    sheet = load_run_sheet(svc, csv)
    slots = [(s.start_ms, s.end_ms, s.sku) for s in sheet.slots]

    def screen() -> tuple[ScreenResult, str]:
        outcome = audit(svc.engine, transcript, sheet, DocContext())
        return outcome.result, outcome.text

    return Job(
        srt.name,
        screen,
        {"title": "直播回放合规审核报告", "broadcast_id": broadcast_id, "slots": slots},
    )


def cold_caches() -> None:
    """Empty the report modules' memo caches: a repeated pass must not find the last pass's cells."""
    for module in (terminal, html_report):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", "") == module.__name__:
                value.cache_clear()


def timed(fn: Callable[[], object]) -> float:
    """CPU time of this process: on a shared machine wall-clock time is inflated at random by others."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def measure(name: str, jobs: list[Job], svc: Services, out: Path, rounds: int) -> dict[str, float]:
    labels = svc.engine.lexicon.labels
    results: list[tuple[Job, ScreenResult, str]] = []

    def screening() -> None:
        results.clear()
        for job in jobs:
            result, text = job.screen()
            results.append((job, result, text))

    def table() -> None:
        cold_caches()
        for job, result, text in results:
            console = Console(file=io.StringIO(), width=160, force_terminal=True, color_system="truecolor")
            render(result, text, console, source=job.source, labels=labels)

    def html() -> None:
        cold_caches()
        for i, (job, result, text) in enumerate(results):
            page = render_html(result, text, source=job.source, labels=labels, record_seq=1, **job.html_options)
            write_html(out / f"{name}-{i}.html", page)

    def json_report() -> None:
        for i, (_, result, _) in enumerate(results):
            (out / f"{name}-{i}.json").write_text(report_json(result), encoding="utf-8")

    screening()  # warm: the first screening of a set loads its products
    reps = max(1, round(0.3 / max(timed(screening), 1e-4)))  # small sets repeated: ~0.3 s of screening a round

    def repeated(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(reps):
                fn()

        return run

    times: dict[str, list[float]] = {"screen": [], "table": [], "html": [], "json": []}
    for _ in range(rounds):
        for key, fn in (("screen", screening), ("table", table), ("html", html), ("json", json_report)):
            times[key].append(timed(repeated(fn)) / reps)
    med = {k: statistics.median(v) for k, v in times.items()}
    n_findings = sum(len(r.findings) for _, r, _ in results)
    n_chars = sum(len(t) for _, _, t in results)
    times_note = f", timed x{reps} a round" if reps > 1 else ""
    print(f"{name}: {len(jobs)} documents, {n_chars:,} chars, {n_findings} findings{times_note}")
    print(f"  screening  {med['screen'] * 1000:9.1f} ms")
    for key, label in (("table", "table"), ("html", "HTML"), ("json", "JSON")):
        ratio = med[key] / med["screen"]
        flag = "ok" if ratio <= TARGET else "OVER"
        print(f"  {label:<9}  {med[key] * 1000:9.1f} ms   {ratio:5.3f}x screening  {flag}")
    return {k: med[k] / med["screen"] for k in ("table", "html", "json")}


def cli_times(folder: Path, schedule: Path, db: str, out: Path, rounds: int) -> None:
    """Wall time of ``claimcheck audit FOLDER`` with the table, with --format json and with --quiet."""
    exe = shutil.which("claimcheck") or "claimcheck"
    env = {**os.environ, "CLAIMCHECK_DATABASE_URL": db, "COLUMNS": "160"}
    base = [exe, "audit", str(folder), "--schedule", str(schedule), "--no-record", "--report-dir", str(out)]
    variants = {"table": [], "json": ["--format", "json"], "quiet": ["--quiet"]}
    walls: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(rounds):
        for key, extra in variants.items():
            t0 = time.perf_counter()
            proc = subprocess.run([*base, *extra], env=env, capture_output=True, check=False, timeout=600)
            if proc.returncode not in (0, 1):
                print(f"  {key}: exit {proc.returncode}: {proc.stderr.decode(errors='replace').strip()[:200]}")
            walls[key].append(time.perf_counter() - t0)
    table = statistics.median(walls["table"])
    print(f"claimcheck audit on {folder.name}/ (wall, one process each, start-up included)")
    for key, values in walls.items():
        wall = statistics.median(values)
        print(f"  {key:<6} {wall:7.2f} s   {wall / table:5.2f}x the table run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=12, help="how often the long inputs repeat the examples")
    parser.add_argument("--cli", action="store_true", help="also time the claimcheck audit command")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = f"sqlite:///{tmp / 'store.db'}"
        svc = Services(Settings(database_url=db))
        import_file(svc, STORE)
        out = tmp / "reports"
        out.mkdir()
        script = (EXAMPLES / "script_example.txt").read_text(encoding="utf-8")
        products = (EXAMPLES / "script_products.txt").read_text(encoding="utf-8")
        broadcasts = tmp / "broadcasts"
        broadcasts.mkdir()
        longs = [long_transcript(broadcasts, f"live-{i:02d}", args.repeat) for i in range(10)]
        for _, csv in longs:  # the folder the CLI audits holds transcripts only
            csv.rename(tmp / csv.name)
        longs = [(srt, tmp / csv.name) for srt, csv in longs]

        sets = {
            "bundled scripts": [
                script_job(svc, script, "script_example.txt"),
                script_job(svc, products, "script_products.txt"),
            ],
            "bundled broadcast": [
                audit_job(svc, EXAMPLES / "broadcast_example.srt", EXAMPLES / "broadcast_runsheet.csv", "LIVE-1")
            ],
            f"long script (examples x{args.repeat * 4})": [
                script_job(svc, "\n".join([script, products] * (args.repeat * 4)), "long_script.txt")
            ],
            f"10 transcripts (broadcast x{args.repeat} each)": [
                audit_job(svc, srt, csv, srt.stem) for srt, csv in longs
            ],
        }
        svc.engine.screen(script)  # load everything once, outside the timings
        worst: dict[str, float] = {"table": 0.0, "html": 0.0, "json": 0.0}
        for name, jobs in sets.items():
            ratios = measure(name.split(" (")[0].replace(" ", "-"), jobs, svc, out, args.rounds)
            worst = {k: max(worst[k], ratios[k]) for k in worst}
            print()
        verdict = "within" if max(worst.values()) <= TARGET else "OVER"
        print(
            f"worst ratio to screening: table {worst['table']:.3f} · HTML {worst['html']:.3f} · "
            f"JSON {worst['json']:.3f}  ({verdict} the {TARGET:.2f} target)"
        )
        if args.cli:
            print()
            cli_times(broadcasts, longs[0][1], db, tmp / "cli-reports", args.rounds)


if __name__ == "__main__":
    main()

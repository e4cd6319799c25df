"""Start-up: ``claimcheck screen`` on a 3-line script against the floor of its own dependencies.

The floor is a ``python -c`` that imports jieba and loads its dictionary, and
imports scikit-learn's linear model and text features: what any run of the
default pipeline has to pay. Both run as fresh processes, alternating, in the
same run; the figures are medians. The screen is measured with a warm lexicon
cache (the usual case) and with an empty one (the first run after an install
or a lexicon change). Peak memory is the child's maximum resident set size.

    python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "家人们这款面霜用起来很清爽\n今天直播间到手价九十九，买二送一\n全网最低价，用了马上就白\n"
FLOOR = "import jieba; jieba.initialize(); import sklearn.linear_model, sklearn.feature_extraction.text"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one fresh process (its own rusage, via wait4)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cli = shutil.which("claimcheck", path=str(Path(sys.executable).parent)) or "claimcheck"
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "three.txt"
        script.write_text(SCRIPT, encoding="utf-8")
        warm_cache = Path(tmp) / "cache"
        base_env = {**os.environ, "CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
        screen = [cli, "screen", str(script), "--no-record", "--report-dir", f"{tmp}/reports", "--format", "json"]
        warm_env = {**base_env, "CLAIMCHECK_CACHE_DIR": str(warm_cache)}
        timed(screen, warm_env)  # fills the lexicon cache
        floor, warm, cold, rss = [], [], [], []
        for i in range(args.runs):
            floor.append(timed([sys.executable, "-c", FLOOR], base_env)[0])
            w, peak = timed(screen, warm_env)
            warm.append(w)
            rss.append(peak)
            cold_env = {**base_env, "CLAIMCHECK_CACHE_DIR": f"{tmp}/cold-{i}"}
            cold.append(timed(screen, cold_env)[0])
    f, w, c = statistics.median(floor), statistics.median(warm), statistics.median(cold)
    print(f"dependency floor (jieba + dictionary + scikit-learn):  {f:.2f} s")
    print(f"claimcheck screen, 3 lines, warm lexicon cache:       {w:.2f} s  ratio {w / f:.2f}x")
    print(f"claimcheck screen, 3 lines, empty lexicon cache:      {c:.2f} s  ratio {c / f:.2f}x")
    print(f"peak memory of the screen (max RSS):                   {max(rss):.0f} MiB")
    print("targets: warm ratio <= 1.5x, peak memory < 250 MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
